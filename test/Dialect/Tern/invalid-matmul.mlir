// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @k_mismatch(%x: tensor<4x5xf32>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{input reduction dimension 5 does not match weights K = 3}}
  %y = tern.matmul %x, %w, %s : tensor<4x5xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @n_mismatch(%x: tensor<4x3xf32>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<4x7xf32> {
  // expected-error @+1 {{result last dimension 7 does not match weights N = 2}}
  %y = tern.matmul %x, %w, %s : tensor<4x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<4x7xf32>
  return %y : tensor<4x7xf32>
}

// -----

func.func @rows_mismatch(%x: tensor<4x3xf32>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<5x2xf32> {
  // expected-error @+1 {{result dimension 0 does not match input dimension 0}}
  %y = tern.matmul %x, %w, %s : tensor<4x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<5x2xf32>
  return %y : tensor<5x2xf32>
}

// -----

func.func @rank_mismatch(%x: tensor<4x3xf32>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<1x4x2xf32> {
  // expected-error @+1 {{result rank 3 does not match input rank 2}}
  %y = tern.matmul %x, %w, %s : tensor<4x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<1x4x2xf32>
  return %y : tensor<1x4x2xf32>
}

// -----

func.func @per_channel_scale_size(%x: tensor<4x3xf32>, %w: tensor<2x3xi8>, %s: tensor<3xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{per-channel scale must have 2 elements (one per output channel), got 3}}
  %y = tern.matmul %x, %w, %s : tensor<4x3xf32>, tensor<2x3xi8>, tensor<3xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @scale_rank(%x: tensor<4x3xf32>, %w: tensor<2x3xi8>, %s: tensor<1x2x1xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{operand #2 must be 0D/1D/2D tensor of floating-point values}}
  %y = tern.matmul %x, %w, %s : tensor<4x3xf32>, tensor<2x3xi8>, tensor<1x2x1xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @block_scale_without_block(%x: tensor<4x64xf32>, %w: tensor<2x64xi8>, %s: tensor<2x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{a rank-2 scale needs a positive scale_block}}
  %y = tern.matmul %x, %w, %s : tensor<4x64xf32>, tensor<2x64xi8>, tensor<2x2xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @block_scale_shape(%x: tensor<4x64xf32>, %w: tensor<2x64xi8>, %s: tensor<2x3xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{per-block scale must be 2 x 2 (channels x blocks of 32), got 'tensor<2x3xf32>'}}
  %y = tern.matmul %x, %w, %s {scale_block = 32 : i64} : tensor<4x64xf32>, tensor<2x64xi8>, tensor<2x3xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @block_without_block_scale(%x: tensor<4x64xf32>, %w: tensor<2x64xi8>, %s: tensor<2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{scale_block needs a per-block scale of rank 2}}
  %y = tern.matmul %x, %w, %s {scale_block = 32 : i64} : tensor<4x64xf32>, tensor<2x64xi8>, tensor<2xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @block_scale_quantized(%x: tensor<4x64xf32>, %w: tensor<2x64xi8>, %s: tensor<2x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{per-block scales are not supported with quantized activations}}
  %y = tern.matmul %x, %w, %s quant(per_token_absmax) {scale_block = 32 : i64} : tensor<4x64xf32>, tensor<2x64xi8>, tensor<2x2xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @element_types(%x: tensor<4x3xf16>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{input, scale and result must have the same element type}}
  %y = tern.matmul %x, %w, %s : tensor<4x3xf16>, tensor<2x3xi8>, tensor<f32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @float_weights(%x: tensor<4x3xf32>, %w: tensor<2x3xf32>, %s: tensor<f32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{operand #1 must be ternary N x K weights (i8 tensor or !tern.packed)}}
  %y = tern.matmul %x, %w, %s : tensor<4x3xf32>, tensor<2x3xf32>, tensor<f32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @packed_k_mismatch(%x: tensor<4x100xf32>, %w: !tern.packed<8x128, #tern.layout<i2, block = 128>>, %s: tensor<f32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{input reduction dimension 100 does not match weights K = 128}}
  %y = tern.matmul %x, %w, %s : tensor<4x100xf32>, !tern.packed<8x128, #tern.layout<i2, block = 128>>, tensor<f32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @unknown_quant(%x: tensor<4x3xf32>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{unknown activation quantization mode 'per_tensor'}}
  %y = tern.matmul %x, %w, %s quant(per_tensor) : tensor<4x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
