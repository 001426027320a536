// RUN: tern-opt %s -tern-lower-kernel-ops="x86-vnni=true" | FileCheck %s --check-prefix=VNNI
// RUN: tern-opt %s -tern-lower-kernel-ops | FileCheck %s --check-prefix=PORTABLE

// With AVX-512 VNNI, 64 byte products fold into 16 lanes in one vpdpbusd.
// VNNI-LABEL: func @dot
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg0, %arg1, %arg2) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
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

// vpdpbusd.512 takes 16 lanes; narrower dots stay portable even with VNNI.
// VNNI-LABEL: func @narrow
// VNNI-NOT: llvm.call_intrinsic
// VNNI: vector.multi_reduction
func.func @narrow(%acc: vector<8xi32>, %codes: vector<32xi8>, %x: vector<32xi8>) -> vector<8xi32> {
  %r = tern.dot_u8s8 %acc, %codes, %x : vector<32xi8> into vector<8xi32>
  return %r : vector<8xi32>
}
