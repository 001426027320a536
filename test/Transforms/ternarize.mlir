// RUN: tern-opt %s -tern-ternarize -split-input-file | FileCheck %s

// Per-tensor scale: every non-zero weight is +-0.25. The K x N ONNX weight
// becomes an N x K ternary constant.
// CHECK-LABEL: func @per_tensor
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
// CHECK-DAG: %[[W:.*]] = tern.constant dense<{{\[}}[1, 0, -1], [-1, 1, 0]]> : tensor<2x3xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<2.500000e-01> : tensor<f32>
// CHECK: %[[Y:.*]] = tern.matmul %[[X]], %[[W]], %[[S]] : tensor<?x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<?x2xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[Y]]
func.func @per_tensor(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[0.25, -0.25], [0.0, 0.25], [-0.25, 0.0]]> : tensor<3x2xf32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%m) : tensor<?x2xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x3xf32>, tensor<3x2xf32>) outs(%acc : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// One scale per output channel (ONNX column), in f16.
// CHECK-LABEL: func @per_channel
// CHECK-DAG: tern.constant dense<{{\[}}[1, -1], [0, 1], [-1, -1]]> : tensor<3x2xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[5.000000e-01, 2.000000e+00, 1.000000e+00]> : tensor<3xf16>
// CHECK: tern.matmul {{.*}}, %[[S]] : tensor<4x2xf16>, tensor<3x2xi8>, tensor<3xf16> -> tensor<4x3xf16>
func.func @per_channel(%x: tensor<4x2xf16>) -> tensor<4x3xf16> {
  %w = arith.constant dense<[[0.5, 0.0, -1.0], [-0.5, 2.0, -1.0]]> : tensor<2x3xf16>
  %zero = arith.constant 0.0 : f16
  %e = tensor.empty() : tensor<4x3xf16>
  %acc = linalg.fill ins(%zero : f16) outs(%e : tensor<4x3xf16>) -> tensor<4x3xf16>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf16>, tensor<2x3xf16>) outs(%acc : tensor<4x3xf16>) -> tensor<4x3xf16>
  return %y : tensor<4x3xf16>
}

// -----

// Gemm with transB = 1 imports as a transpose of an N x K constant, which
// is already the ternary layout.
// CHECK-LABEL: func @transposed
// CHECK-NOT: linalg.transpose
// CHECK: tern.constant dense<{{\[}}[1, -1, 0], [0, 0, 1]]> : tensor<2x3xi8>
// CHECK: tern.matmul
func.func @transposed(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %wt = arith.constant dense<[[3.0, -3.0, 0.0], [0.0, 0.0, 3.0]]> : tensor<2x3xf32>
  %te = tensor.empty() : tensor<3x2xf32>
  %w = linalg.transpose ins(%wt : tensor<2x3xf32>) outs(%te : tensor<3x2xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x3xf32>, tensor<3x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// linalg.matmul accumulates into its init; a non-zero init is added back.
// CHECK-LABEL: func @accumulate
// CHECK-SAME: (%[[X:.*]]: tensor<4x2xf32>, %[[C:.*]]: tensor<4x2xf32>)
// CHECK: %[[Y:.*]] = tern.matmul %[[X]]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<4x2xf32>) outs(%[[C]] : tensor<4x2xf32>)
// CHECK: arith.addf
// CHECK: return %[[SUM]]
func.func @accumulate(%x: tensor<4x2xf32>, %c: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, -1.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%c : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
