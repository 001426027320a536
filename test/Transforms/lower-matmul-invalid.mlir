// RUN: tern-opt %s -tern-lower-matmul -split-input-file -verify-diagnostics

func.func @packed(%x: tensor<4x128xf32>, %w: !tern.packed<8x128, #tern.layout<i2, block = 128>>, %s: tensor<f32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'tern.matmul' op cannot be lowered by tern-lower-matmul: packed weights need a packed-weight strategy}}
  %y = tern.matmul %x, %w, %s : tensor<4x128xf32>, !tern.packed<8x128, #tern.layout<i2, block = 128>>, tensor<f32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
