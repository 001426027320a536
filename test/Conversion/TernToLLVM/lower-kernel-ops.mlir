// RUN: tern-opt %s -tern-lower-kernel-ops="dot=x86-avx512-vnni" | FileCheck %s --check-prefix=VNNI512
// RUN: tern-opt %s -tern-lower-kernel-ops="dot=x86-avx-vnni" | FileCheck %s --check-prefix=VNNI256
// RUN: tern-opt %s -tern-lower-kernel-ops="dot=x86-avx2" | FileCheck %s --check-prefix=AVX2
// RUN: tern-opt %s -tern-lower-kernel-ops="dot=aarch64-i8mm" | FileCheck %s --check-prefix=I8MM
// RUN: tern-opt %s -tern-lower-kernel-ops="dot=aarch64-dotprod" | FileCheck %s --check-prefix=DOTPROD
// RUN: tern-opt %s -tern-lower-kernel-ops="dot=nvvm-dp4a" | FileCheck %s --check-prefix=DP4A
// RUN: tern-opt %s -tern-lower-kernel-ops | FileCheck %s --check-prefix=PORTABLE

// With AVX-512 VNNI, 64 byte products fold into 16 lanes in one vpdpbusd.
// VNNI512-LABEL: func @dot
// VNNI512: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg0, %arg1, %arg2) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// 256-bit vpdpbusd takes the accumulator in two halves of 8 lanes.
// VNNI256-LABEL: func @dot
// VNNI256-DAG: %[[A0:.*]] = vector.extract_strided_slice %arg0 {offsets = [0], sizes = [8], strides = [1]} : vector<16xi32> to vector<8xi32>
// VNNI256-DAG: %[[C0:.*]] = vector.extract_strided_slice %arg1 {offsets = [0], sizes = [32], strides = [1]} : vector<64xi8> to vector<32xi8>
// VNNI256-DAG: %[[X0:.*]] = vector.extract_strided_slice %arg2 {offsets = [0], sizes = [32], strides = [1]} : vector<64xi8> to vector<32xi8>
// VNNI256: %[[D0:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%[[A0]], %[[C0]], %[[X0]])
// VNNI256: %[[R0:.*]] = vector.insert_strided_slice %[[D0]], %arg0 {offsets = [0], strides = [1]} : vector<8xi32> into vector<16xi32>
// VNNI256: vector.extract_strided_slice %arg1 {offsets = [32], sizes = [32], strides = [1]}
// VNNI256: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"
// VNNI256: vector.insert_strided_slice %{{.*}}, %[[R0]] {offsets = [8], strides = [1]}
// VNNI256-NOT: llvm.call_intrinsic
// usdot reads the codes unsigned: any codes, four 4-lane chunks.
// I8MM-LABEL: func @dot
// I8MM-COUNT-4: llvm.call_intrinsic "llvm.aarch64.neon.usdot.v4i32.v16i8"
// I8MM-NOT: llvm.call_intrinsic
// sdot reads both operands signed, so it only takes codes promised small.
// DOTPROD-LABEL: func @dot
// DOTPROD-NOT: llvm.call_intrinsic
// DOTPROD: vector.multi_reduction
// On the GPU, one dp4a per i32 lane: four codes (unsigned) and four
// activations (signed), lane i reading bytes 4i to 4i + 3.
// DP4A-LABEL: func @dot
// DP4A: %[[A0:.*]] = vector.extract %arg0[0] : i32 from vector<16xi32>
// DP4A: %[[C0:.*]] = vector.extract_strided_slice %arg1 {offsets = [0], sizes = [4], strides = [1]} : vector<64xi8> to vector<4xi8>
// DP4A: %[[X0:.*]] = vector.extract_strided_slice %arg2 {offsets = [0], sizes = [4], strides = [1]} : vector<64xi8> to vector<4xi8>
// DP4A: %[[D0:.*]] = nvvm.dot.accumulate.4way %[[C0]] <unsigned>, %[[X0]] <signed>, %[[A0]] : vector<4xi8>, vector<4xi8>
// DP4A: %[[R0:.*]] = vector.insert %[[D0]], %arg0 [0] : i32 into vector<16xi32>
// DP4A: vector.extract_strided_slice %arg1 {offsets = [60], sizes = [4], strides = [1]}
// DP4A: nvvm.dot.accumulate.4way
// DP4A: vector.insert %{{.*}} [15] : i32 into vector<16xi32>
// DP4A-NOT: nvvm.dot.accumulate.4way
// DP4A-NOT: vector.multi_reduction
// DP4A-NOT: tern.
// Elsewhere: codes widen unsigned, activations signed, and each group of
// four products adds into its lane.
// PORTABLE-LABEL: func @dot
// PORTABLE: %[[C:.*]] = arith.extui %arg1 : vector<64xi8> to vector<64xi32>
// PORTABLE: %[[X:.*]] = arith.extsi %arg2 : vector<64xi8> to vector<64xi32>
// PORTABLE: %[[P:.*]] = arith.muli %[[C]], %[[X]] : vector<64xi32>
// PORTABLE: %[[G:.*]] = vector.shape_cast %[[P]] : vector<64xi32> to vector<16x4xi32>
// PORTABLE: vector.multi_reduction <add>, %[[G]], %arg0 [1] : vector<16x4xi32> to vector<16xi32>
// PORTABLE-NOT: tern.
func.func @dot(%acc: vector<16xi32>, %codes: vector<64xi8>, %x: vector<64xi8>) -> vector<16xi32> {
  %r = tern.dot_u8s8 %acc, %codes, %x : vector<64xi8> into vector<16xi32>
  return %r : vector<16xi32>
}

// AVX2 sums byte pairs into i16 (which only small codes keep from
// saturating), then pairs of those into i32 lanes.
// AVX2-LABEL: func @dot
// AVX2-NOT: llvm.call_intrinsic
// AVX2-LABEL: func @small_codes
// AVX2: %[[ONES:.*]] = arith.constant dense<1> : vector<16xi16>
// AVX2: %[[PAIRS:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"({{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// AVX2: %[[QUADS:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[PAIRS]], %[[ONES]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2: arith.addi %{{.*}}, %[[QUADS]] : vector<8xi32>
// AVX2-COUNT-1: llvm.x86.avx2.pmadd.ub.sw
// AVX2-LABEL: func @narrow
// DOTPROD-LABEL: func @small_codes
// VNNI256-LABEL: func @small_codes
// VNNI512-LABEL: func @small_codes
// I8MM-LABEL: func @small_codes
// PORTABLE-LABEL: func @small_codes
// dp4a takes any codes: the promise changes nothing.
// DP4A-LABEL: func @small_codes
// DP4A-COUNT-16: nvvm.dot.accumulate.4way
// DP4A-NOT: nvvm.dot.accumulate.4way
// DOTPROD-COUNT-4: llvm.call_intrinsic "llvm.aarch64.neon.sdot.v4i32.v16i8"
// DOTPROD-NOT: vector.multi_reduction
func.func @small_codes(%acc: vector<16xi32>, %codes: vector<64xi8>, %x: vector<64xi8>) -> vector<16xi32> {
  %r = tern.dot_u8s8 %acc, %codes, %x {small_codes} : vector<64xi8> into vector<16xi32>
  return %r : vector<16xi32>
}

// vpdpbusd.512 takes 16 lanes; narrower dots use no 512-bit instruction.
// VNNI512-LABEL: func @narrow
// DOTPROD-LABEL: func @narrow
// VNNI512-NOT: llvm.call_intrinsic
// VNNI512: vector.multi_reduction
// VNNI256-LABEL: func @narrow
// DP4A-LABEL: func @narrow
// DP4A-COUNT-8: nvvm.dot.accumulate.4way
// DP4A-NOT: nvvm.dot.accumulate.4way
// VNNI256: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%arg0, %arg1, %arg2) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
func.func @narrow(%acc: vector<8xi32>, %codes: vector<32xi8>, %x: vector<32xi8>) -> vector<8xi32> {
  %r = tern.dot_u8s8 %acc, %codes, %x : vector<32xi8> into vector<8xi32>
  return %r : vector<8xi32>
}
