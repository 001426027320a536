// RUN: tern-opt %s -tern-lower-matmul -split-input-file | FileCheck %s
// RUN: tern-opt %s -tern-lower-matmul="quant-int8-activations=true" -split-input-file -verify-roundtrip | FileCheck %s --check-prefix=INT8

// 4-bit codes, float activations: an scf.forall over (channel, tile of 4
// rows) for the whole tiles, writing a 4 x 1 column of outputs in place
// (each step's codes decoded once for 4 rows), then one over (channel,
// row) for the rows left (all of them in a decoding step). Each steps K 64
// weights at a time: 32 bytes of codes (rows of whole steps: unmasked),
// split into nibbles (on i32 lanes) and interleaved back into K order,
// then per 16 codes a float conversion, the block's scale and -zero *
// scale in one FMA, and an FMA with 16 activations.
// CHECK-LABEL: func @four_bit
// CHECK: %[[TILES:.*]] = arith.divui %{{.*}}, %c4
// CHECK: scf.if
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (16, %[[TILES]])
// CHECK: vector.transfer_write {{.*}} : vector<4x1xf32>, tensor<4x1xf32>
// CHECK: scf.if
// CHECK: scf.forall (%[[N:.*]], %[[R:.*]]) in (16, %{{.*}})
// CHECK: %[[M:.*]] = arith.addi
// CHECK: scf.for
// CHECK: vector.transfer_read %arg1[%[[N]], {{.*}}], {{.*}} {in_bounds = [true]} : tensor<16x32xi8>, vector<32xi8>
// CHECK: vector.bitcast {{.*}} : vector<32xi8> to vector<8xi32>
// CHECK: arith.andi {{.*}} : vector<8xi32>
// CHECK: arith.shrui {{.*}} : vector<8xi32>
// CHECK: vector.interleave {{.*}} : vector<32xi8> -> vector<64xi8>
// CHECK: vector.extract_strided_slice {{.*}} {offsets = [0], sizes = [16], strides = [1]}
// CHECK: arith.uitofp {{.*}} : vector<16xi8> to vector<16xf32>
// CHECK: tensor.extract %arg2[%[[N]], {{.*}}] : tensor<16x2xf32>
// CHECK: tensor.extract %arg3[%[[N]], {{.*}}] : tensor<16x2xf32>
// CHECK: vector.fma
// CHECK: vector.transfer_read %arg0[%[[M]], {{.*}}], {{.*}} : tensor<?x64xf32>, vector<16xf32>
// CHECK: vector.fma
// CHECK: vector.reduction <add>, {{.*}} fastmath<reassoc>
// CHECK-NOT: tern.quant_matmul
//
// With int8 activations: absmax per block of 32, codes rounded half to
// even, their sums; the kernel's step is one tern.dot_u8s8 of 64 codes
// (below 16, so small_codes) whose 16 lanes take the scales of their own
// block (lanes 0-7 the first block of the step, 8-15 the second).
// INT8-LABEL: func @four_bit
// INT8: tensor.expand_shape {{.*}} into tensor<?x2x32xf32>
// INT8: math.absf
// INT8: arith.maximumf
// INT8: math.roundeven
// INT8: arith.fptosi {{.*}} to i8
// INT8: arith.sitofp
// INT8: scf.forall
// INT8: vector.interleave
// INT8: tern.dot_u8s8 {{.*}} {small_codes} : vector<64xi8> into vector<16xi32>
// INT8: vector.shuffle {{.*}} [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1] : vector<2xf32>, vector<2xf32>
// INT8: vector.fma
func.func @four_bit(%x: tensor<?x64xf32>, %c: tensor<16x32xi8>, %s: tensor<16x2xf32>, %z: tensor<16x2xf32>) -> tensor<?x16xf32> {
  %y = tern.quant_matmul %x, %c, %s, %z {bits = 4 : i64, block_size = 32 : i64, k = 64 : i64} : tensor<?x64xf32>, tensor<16x32xi8>, tensor<16x2xf32>, tensor<16x2xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// The op's own int8_activations (MatMulNBits' accuracy_level = 4) selects
// the int8 kernel without the option; 8-bit codes can reach 255, so the
// dot product is not small_codes.
// CHECK-LABEL: func @eight_bit_int8
// CHECK: tern.dot_u8s8 {{.*}} : vector<64xi8> into vector<16xi32>
// CHECK-NOT: small_codes
func.func @eight_bit_int8(%x: tensor<?x128xf32>, %c: tensor<8x128xi8>, %s: tensor<8x1xf32>) -> tensor<?x8xf32> {
  %y = tern.quant_matmul %x, %c, %s {bits = 8 : i64, block_size = 128 : i64, k = 128 : i64, int8_activations} : tensor<?x128xf32>, tensor<8x128xi8>, tensor<8x1xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// QDQ's signed K x N bytes are transposed into one channel per row and
// shifted to unsigned (code + 128, zero point 0 + 128) in a new constant,
// once, at compile time.
// CHECK-LABEL: func @eight_bit_k_major
// CHECK-DAG: arith.constant 1.280000e+02 : f32
// CHECK-DAG: %[[CODES:.*]] = arith.constant dense_resource<quant_codes> : tensor<2x64xi8>
// CHECK: scf.forall
// CHECK: vector.transfer_read %[[CODES]]
func.func @eight_bit_k_major(%x: tensor<?x64xf32>, %s: tensor<2x1xf32>) -> tensor<?x2xf32> {
  %c = arith.constant dense<[[-128, -123], [-121, -110], [-114, -97], [-107, -84], [-100, -71], [-93, -58], [-86, -45], [-79, -32], [-72, -19], [-65, -6], [-58, 7], [-51, 20], [-44, 33], [-37, 46], [-30, 59], [-23, 72], [-16, 85], [-9, 98], [-2, 111], [5, 124], [12, -119], [19, -106], [26, -93], [33, -80], [40, -67], [47, -54], [54, -41], [61, -28], [68, -15], [75, -2], [82, 11], [89, 24], [96, 37], [103, 50], [110, 63], [117, 76], [124, 89], [-125, 102], [-118, 115], [-111, -128], [-104, -115], [-97, -102], [-90, -89], [-83, -76], [-76, -63], [-69, -50], [-62, -37], [-55, -24], [-48, -11], [-41, 2], [-34, 15], [-27, 28], [-20, 41], [-13, 54], [-6, 67], [1, 80], [8, 93], [15, 106], [22, 119], [29, -124], [36, -111], [43, -98], [50, -85], [57, -72]]> : tensor<64x2xi8>
  %y = tern.quant_matmul %x, %c, %s {bits = 8 : i64, block_size = 64 : i64, k = 64 : i64, k_major, signed_codes} : tensor<?x64xf32>, tensor<64x2xi8>, tensor<2x1xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Blocks under 16 split a kernel's 16 lanes: such ops (and 2-bit codes that
// are not ternary) decode each code where it is read, byte k / 2, field
// k % 2, minus the block's zero point, times its scale.
// CHECK-LABEL: func @small_blocks
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: %[[N:.*]] = linalg.index 1
// CHECK: %[[K:.*]] = linalg.index 2
// CHECK: %[[BYTE:.*]] = arith.divui %[[K]], %c2
// CHECK: tensor.extract %arg1[%[[N]], %[[BYTE]]] : tensor<16x32xi8>
// CHECK: arith.andi {{.*}}, %c15_i32
// CHECK: %[[BLOCK:.*]] = arith.divui %[[K]], %c8
// CHECK: tensor.extract %arg2[%[[N]], %[[BLOCK]]] : tensor<16x8xf32>
// CHECK-NOT: tern.quant_matmul
func.func @small_blocks(%x: tensor<?x64xf32>, %c: tensor<16x32xi8>, %s: tensor<16x8xf32>) -> tensor<?x16xf32> {
  %y = tern.quant_matmul %x, %c, %s {bits = 4 : i64, block_size = 8 : i64, k = 64 : i64} : tensor<?x64xf32>, tensor<16x32xi8>, tensor<16x8xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// A block that is a whole number of the kernels' 64-weight steps but not a
// power of two (one block per channel of K = 192, as tern-quantize-weights
// makes for a head) takes the vector kernel; a block the steps would split
// (96) takes the decoding loop.
// CHECK-LABEL: func @whole_steps
// CHECK: scf.for
// CHECK: vector.transfer_read %arg1{{.*}} : tensor<8x192xi8>, vector<64xi8>
// CHECK: vector.fma
// CHECK-LABEL: func @split_steps
// CHECK-NOT: vector.fma
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
func.func @whole_steps(%x: tensor<?x192xf32>, %c: tensor<8x192xi8>, %s: tensor<8x1xf32>) -> tensor<?x8xf32> {
  %y = tern.quant_matmul %x, %c, %s {bits = 8 : i64, block_size = 192 : i64, k = 192 : i64} : tensor<?x192xf32>, tensor<8x192xi8>, tensor<8x1xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
func.func @split_steps(%x: tensor<?x192xf32>, %c: tensor<8x192xi8>, %s: tensor<8x2xf32>) -> tensor<?x8xf32> {
  %y = tern.quant_matmul %x, %c, %s {bits = 8 : i64, block_size = 96 : i64, k = 192 : i64} : tensor<?x192xf32>, tensor<8x192xi8>, tensor<8x2xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
