// RUN: tern-opt %s -tern-to-linalg | FileCheck %s
// RUN: tern-opt %s -tern-to-linalg="pack=none strategy=addsub" | FileCheck %s --check-prefix=UNPACKED
// RUN: tern-opt %s -tern-to-linalg="ternarize=false" | FileCheck %s --check-prefix=NOTERN

// The front half of ternc: ternary weights found, packed (i2 by default,
// one 128-weight block of 32 bytes per row) and every tern op lowered to
// the kernels.
// CHECK-LABEL: func @main_graph
// CHECK-NOT: tern.
// CHECK-NOT: linalg.matmul
// CHECK: arith.constant dense_resource<tern_packed_weights> : tensor<2x32xi8>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: vector.transfer_read
// CHECK: vector.reduction <add>
// UNPACKED-LABEL: func @main_graph
// UNPACKED: arith.constant dense<{{\[}}[1, 0, -1], [-1, 1, 0]]> : tensor<2x3xi8>
// UNPACKED: linalg.generic
// UNPACKED: arith.select
// NOTERN-LABEL: func @main_graph
// NOTERN: linalg.matmul
func.func @main_graph(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[0.5, -0.5], [0.0, 0.5], [-0.5, 0.0]]> : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x3xf32>, tensor<3x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
