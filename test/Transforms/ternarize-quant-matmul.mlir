// RUN: tern-opt %s -tern-ternarize -split-input-file | FileCheck %s

// MatMulNBits' 2-bit codes 1, 2, 3 are -1, 0, 1 around the default zero
// point 2: the byte 0xB9 (185 = -71 as i8) holds codes 1, 2, 3, 2 least
// significant first. One scale for every block becomes a per-tensor scale.
// CHECK-LABEL: func @two_bit
// CHECK-DAG: %[[W:.*]] = tern.constant dense<{{\[\[}}-1, 0, 1, 0], [1, 1, -1, 0]]> : tensor<2x4xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<5.000000e-01> : tensor<f32>
// CHECK: %[[Y:.*]] = tern.matmul %arg0, %[[W]], %[[S]] : tensor<?x4xf32>, tensor<2x4xi8>, tensor<f32> -> tensor<?x2xf32>
// CHECK-NOT: tern.quant_matmul
// CHECK: return %[[Y]]
func.func @two_bit(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  // Row 1: codes 3, 3, 1, 2 = 0b10011111 = 0x9F = -97.
  %codes = arith.constant dense<[[-71], [-97]]> : tensor<2x1xi8>
  %scales = arith.constant dense<0.5> : tensor<2x1xf32>
  %y = tern.quant_matmul %x, %codes, %scales {bits = 2 : i64, block_size = 4 : i64, k = 4 : i64} : tensor<?x4xf32>, tensor<2x1xi8>, tensor<2x1xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Code 0 is -2 around the zero point: not ternary, the codes stay packed.
// CHECK-LABEL: func @two_bit_not_ternary
// CHECK: tern.quant_matmul
// CHECK-NOT: tern.matmul
func.func @two_bit_not_ternary(%x: tensor<?x4xf32>) -> tensor<?x1xf32> {
  %codes = arith.constant dense<[[57]]> : tensor<1x1xi8>
  %scales = arith.constant dense<0.5> : tensor<1x1xf32>
  %y = tern.quant_matmul %x, %codes, %scales {bits = 2 : i64, block_size = 4 : i64, k = 4 : i64} : tensor<?x4xf32>, tensor<1x1xi8>, tensor<1x1xf32> -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}

// -----

// QDQ: signed K x N codes with a zero point of 1 per channel; codes 0, 1, 2
// are -1, 0, 1. Each channel's scale becomes a per-channel scale, and the
// weights come out N x K.
// CHECK-LABEL: func @eight_bit_k_major
// CHECK-DAG: %[[W:.*]] = tern.constant dense<{{\[\[}}-1, 1, 0], [0, 1, -1]]> : tensor<2x3xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[2.500000e-01, 5.000000e-01]> : tensor<2xf32>
// CHECK: tern.matmul %arg0, %[[W]], %[[S]] : tensor<?x3xf32>, tensor<2x3xi8>, tensor<2xf32> -> tensor<?x2xf32>
func.func @eight_bit_k_major(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %codes = arith.constant dense<[[0, 1], [2, 2], [1, 0]]> : tensor<3x2xi8>
  %scales = arith.constant dense<[[0.25], [0.5]]> : tensor<2x1xf32>
  %zero = arith.constant dense<1.0> : tensor<2x1xf32>
  %y = tern.quant_matmul %x, %codes, %scales, %zero {bits = 8 : i64, block_size = 3 : i64, k = 3 : i64, k_major, signed_codes} : tensor<?x3xf32>, tensor<3x2xi8>, tensor<2x1xf32>, tensor<2x1xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// An 8-bit weight of 5 is a real 8-bit weight: it stays.
// CHECK-LABEL: func @eight_bit_not_ternary
// CHECK: tern.quant_matmul
// CHECK-NOT: tern.matmul
func.func @eight_bit_not_ternary(%x: tensor<?x3xf32>) -> tensor<?x1xf32> {
  %codes = arith.constant dense<[[1, 5, -1]]> : tensor<1x3xi8>
  %scales = arith.constant dense<0.25> : tensor<1x1xf32>
  %y = tern.quant_matmul %x, %codes, %scales {bits = 8 : i64, block_size = 3 : i64, k = 3 : i64, signed_codes} : tensor<?x3xf32>, tensor<1x3xi8>, tensor<1x1xf32> -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}

// -----

// int8 activations (accuracy_level = 4) on ternary codes with one scale
// take the W1.58A8 path: per-token int8 activations.
// CHECK-LABEL: func @two_bit_int8
// CHECK: tern.matmul {{.*}} quant(per_token_absmax)
// CHECK-NOT: tern.quant_matmul
func.func @two_bit_int8(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %codes = arith.constant dense<[[-71], [-97]]> : tensor<2x1xi8>
  %scales = arith.constant dense<0.5> : tensor<2x1xf32>
  %y = tern.quant_matmul %x, %codes, %scales {bits = 2 : i64, block_size = 4 : i64, int8_activations, k = 4 : i64} : tensor<?x4xf32>, tensor<2x1xi8>, tensor<2x1xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
