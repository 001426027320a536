// RUN: tern-opt %s -tern-lower-matmul -split-input-file | FileCheck %s

// 4-bit codes are decoded where they are read: byte k / 2, field k % 2
// (shift by 4 bits per field, mask 15), minus the block's zero point,
// times its scale; the codes never become floats in memory.
// CHECK-LABEL: func @four_bit
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%arg0 : tensor<?x64xf32>)
// CHECK: %[[N:.*]] = linalg.index 1
// CHECK: %[[K:.*]] = linalg.index 2
// CHECK: %[[BYTE:.*]] = arith.divui %[[K]], %c2
// CHECK: tensor.extract %arg1[%[[N]], %[[BYTE]]] : tensor<16x32xi8>
// CHECK: arith.extui
// CHECK: arith.shrui
// CHECK: arith.andi {{.*}}, %c15_i32
// CHECK: %[[BLOCK:.*]] = arith.divui %[[K]], %c32
// CHECK: tensor.extract %arg2[%[[N]], %[[BLOCK]]] : tensor<16x2xf32>
// CHECK: tensor.extract %arg3[%[[N]], %[[BLOCK]]] : tensor<16x2xf32>
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: tern.quant_matmul
func.func @four_bit(%x: tensor<?x64xf32>, %c: tensor<16x32xi8>, %s: tensor<16x2xf32>, %z: tensor<16x2xf32>) -> tensor<?x16xf32> {
  %y = tern.quant_matmul %x, %c, %s, %z {bits = 4 : i64, block_size = 32 : i64, k = 64 : i64} : tensor<?x64xf32>, tensor<16x32xi8>, tensor<16x2xf32>, tensor<16x2xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Signed K x N bytes (QDQ): read at [k, n], sign-extended, one block, and
// the default zero point of signed codes, 0, whose subtraction folds away.
// CHECK-LABEL: func @eight_bit_k_major
// CHECK: %[[N:.*]] = linalg.index 1
// CHECK: %[[K:.*]] = linalg.index 2
// CHECK: tensor.extract %arg1[%[[K]], %[[N]]] : tensor<64x16xi8>
// CHECK: arith.extsi
// CHECK-NOT: arith.shrui
// CHECK-NOT: arith.subf
// CHECK: arith.sitofp
// CHECK: linalg.yield
func.func @eight_bit_k_major(%x: tensor<?x64xf32>, %c: tensor<64x16xi8>, %s: tensor<16x1xf32>) -> tensor<?x16xf32> {
  %y = tern.quant_matmul %x, %c, %s {bits = 8 : i64, block_size = 64 : i64, k = 64 : i64, k_major, signed_codes} : tensor<?x64xf32>, tensor<64x16xi8>, tensor<16x1xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
