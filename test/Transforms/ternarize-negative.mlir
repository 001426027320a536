// RUN: tern-opt %s -tern-ternarize -split-input-file | FileCheck %s
// RUN: tern-opt %s -tern-ternarize="min-elements=100" -split-input-file | FileCheck %s --check-prefix=MIN

// Not {-s, 0, +s}: three magnitudes in one channel. The pass never changes
// a model's numbers, so the float matmul stays.
// CHECK-LABEL: func @not_ternary
// CHECK-NOT: tern.
// CHECK: linalg.matmul
func.func @not_ternary(%x: tensor<4x2xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[0.5, 0.25], [-0.5, 0.5]]> : tensor<2x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// All zeros: nothing to gain.
// CHECK-LABEL: func @all_zero
// CHECK-NOT: tern.
// CHECK: linalg.matmul
func.func @all_zero(%x: tensor<4x2xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.0> : tensor<2x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Weights that are not constant.
// CHECK-LABEL: func @runtime_weights
// CHECK-NOT: tern.
// CHECK: linalg.matmul
func.func @runtime_weights(%x: tensor<4x2xf32>, %w: tensor<2x2xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Integer matmuls are not BitNet linear layers.
// CHECK-LABEL: func @integer
// CHECK-NOT: tern.
// CHECK: linalg.matmul
func.func @integer(%x: tensor<4x2xi32>, %acc: tensor<4x2xi32>) -> tensor<4x2xi32> {
  %w = arith.constant dense<[[1, -1], [0, 1]]> : tensor<2x2xi32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xi32>, tensor<2x2xi32>) outs(%acc : tensor<4x2xi32>) -> tensor<4x2xi32>
  return %y : tensor<4x2xi32>
}

// -----

// min-elements leaves small weights alone.
// CHECK-LABEL: func @small
// CHECK: tern.matmul
// MIN-LABEL: func @small
// MIN-NOT: tern.
// MIN: linalg.matmul
func.func @small(%x: tensor<4x2xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, -1.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Three distinct values {-0.5, 0, 0.75}: a zero and two magnitudes are
// not {-s, 0, +s}, per tensor or per channel (column 1 holds -0.5 and
// 0.75), so the float matmul stays.
// CHECK-LABEL: func @three_values
// CHECK-NOT: tern.
// CHECK: linalg.matmul
func.func @three_values(%x: tensor<4x2xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[0.0, -0.5], [0.0, 0.75]]> : tensor<2x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
