// RUN: tern-opt %s -tern-lower-matmul -split-input-file -verify-diagnostics
// RUN: tern-opt %S/Inputs/lut-unpacked.mlir -tern-lower-matmul=strategy=lut -verify-diagnostics

// Packed weights the pass cannot read (not from tern.packed_constant).
func.func @packed(%x: tensor<4x128xf32>, %w: !tern.packed<8x128, #tern.layout<i2, block = 128>>, %s: tensor<f32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'tern.matmul' op cannot be lowered by tern-lower-matmul: packed weights must come from tern.packed_constant}}
  %y = tern.matmul %x, %w, %s : tensor<4x128xf32>, !tern.packed<8x128, #tern.layout<i2, block = 128>>, tensor<f32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// The kernels loop over a static number of output channels.
func.func @dynamic_weights(%x: tensor<4x64xi8>, %w: tensor<?x64xi8>) -> tensor<4x?xi32> {
  // expected-error @+1 {{'tern.int_matmul' op cannot be lowered by tern-lower-matmul: the weights need a static shape}}
  %y = tern.int_matmul %x, %w : tensor<4x64xi8>, tensor<?x64xi8> -> tensor<4x?xi32>
  return %y : tensor<4x?xi32>
}

// -----

// Per-block scales apply per vector of 32 weights: blocks of 16 cannot.
func.func @small_scale_block(%x: tensor<4x64xf32>, %s: tensor<2x4xf32>) -> tensor<4x2xf32> {
  %w = tern.constant dense<1> : tensor<2x64xi8>
  // expected-error @+1 {{'tern.matmul' op cannot be lowered by tern-lower-matmul: per-block scales need the addsub or dot strategy and blocks of a multiple of 32 weights}}
  %y = tern.matmul %x, %w, %s {scale_block = 16 : i64} : tensor<4x64xf32>, tensor<2x64xi8>, tensor<2x4xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
