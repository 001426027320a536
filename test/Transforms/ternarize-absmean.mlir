// RUN: tern-opt %s -tern-ternarize | FileCheck %s --check-prefix=DEFAULT
// RUN: tern-opt %s -tern-ternarize="absmean=true" | FileCheck %s

// An ordinary float weight is never ternarized silently...
// DEFAULT-NOT: tern.
// DEFAULT: linalg.matmul
// ...but with absmean: gamma = mean |w| = (0.5 + 1.5 + 0.25 + 1.75) / 4 = 1,
// w / gamma rounds half to even (0.5 -> 0, -1.5 -> -2 -> clipped to -1,
// 1.75 -> 2 -> 1) and gamma is the per-tensor scale. The N x K weights
// are the transposed K x N constant.
// CHECK-LABEL: func @float_weights
// CHECK: %[[W:.*]] = tern.constant dense<{{\[\[}}0, 0], [-1, 1]]> : tensor<2x2xi8>
// CHECK: %[[S:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: tern.matmul %{{.*}}, %[[W]], %[[S]]
func.func @float_weights(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[0.5, -1.5], [0.25, 1.75]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
