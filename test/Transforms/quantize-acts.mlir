// RUN: tern-opt %s -tern-quantize-acts="all=true" | FileCheck %s
// RUN: tern-opt %s -tern-quantize-acts | FileCheck %s --check-prefix=DEFAULT

// With all=true every float ternary matmul gets per-token absmax int8
// activations; ones already quantized stay as they are. By default, a
// matmul without an activation fake-quant in front is left alone.
// DEFAULT-LABEL: func @float_matmul
// DEFAULT: tern.matmul %arg0, %arg1, %arg3 : tensor<?x4xf32>
// CHECK-LABEL: func @float_matmul
// CHECK: tern.matmul %{{.*}}, %{{.*}}, %{{.*}} quant(per_token_absmax) : tensor<?x4xf32>
// CHECK: tern.matmul %{{.*}}, %{{.*}}, %{{.*}} quant(per_token_absmax) : tensor<?x2xf32>
func.func @float_matmul(%x: tensor<?x4xf32>, %w: tensor<2x4xi8>, %v: tensor<3x2xi8>, %s: tensor<f32>) -> tensor<?x3xf32> {
  %h = tern.matmul %x, %w, %s : tensor<?x4xf32>, tensor<2x4xi8>, tensor<f32> -> tensor<?x2xf32>
  %y = tern.matmul %h, %v, %s quant(per_token_absmax) : tensor<?x2xf32>, tensor<3x2xi8>, tensor<f32> -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
