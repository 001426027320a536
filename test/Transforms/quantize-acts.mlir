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

// With all=true 4- and 8-bit weights get int8 activations too.
// DEFAULT-LABEL: func @four_bit
// DEFAULT-NOT: int8_activations
// CHECK-LABEL: func @four_bit
// CHECK: tern.quant_matmul {{.*}} int8_activations
func.func @four_bit(%x: tensor<?x64xf32>, %c: tensor<16x32xi8>, %s: tensor<16x2xf32>) -> tensor<?x16xf32> {
  %y = tern.quant_matmul %x, %c, %s {bits = 4 : i64, block_size = 32 : i64, k = 64 : i64} : tensor<?x64xf32>, tensor<16x32xi8>, tensor<16x2xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
