// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @negative_eps(%x: tensor<4x8xf32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{eps must be positive}}
  %q, %s = tern.quantize %x {eps = -1.0 : f32} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return %q : tensor<4x8xi8>
}

// -----

func.func @scale_not_per_token(%x: tensor<4x8xf32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{act_scale last dimension must be 1 (one scale per token)}}
  %q, %s = tern.quantize %x : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x8xf32>
  return %q : tensor<4x8xi8>
}

// -----

func.func @scale_rows(%x: tensor<4x8xf32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{act_scale dimension 0 does not match input dimension 0}}
  %q, %s = tern.quantize %x : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<3x1xf32>
  return %q : tensor<4x8xi8>
}

// -----

func.func @result_shape(%x: tensor<4x8xf32>) -> tensor<4x9xi8> {
  // expected-error @+1 {{result shape must match input shape}}
  %q, %s = tern.quantize %x : tensor<4x8xf32> -> tensor<4x9xi8>, tensor<4x1xf32>
  return %q : tensor<4x9xi8>
}

// -----

func.func @scale_type(%x: tensor<4x8xf32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{act_scale must have the input's element type}}
  %q, %s = tern.quantize %x : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf16>
  return %q : tensor<4x8xi8>
}

// -----

func.func @dequantize_act_scale(%acc: tensor<4x2xi32>, %as: tensor<4x2xf32>, %s: tensor<f32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{act_scale must match the input with a last dimension of 1 (one scale per token)}}
  %y = tern.dequantize %acc, %as, %s : tensor<4x2xi32>, tensor<4x2xf32>, tensor<f32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @dequantize_scale(%acc: tensor<4x2xi32>, %as: tensor<4x1xf32>, %s: tensor<5xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{per-channel scale must have 2 elements (one per output channel), got 5}}
  %y = tern.dequantize %acc, %as, %s : tensor<4x2xi32>, tensor<4x1xf32>, tensor<5xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @dequantize_shape(%acc: tensor<4x2xi32>, %as: tensor<4x1xf32>, %s: tensor<f32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{result shape must match input shape}}
  %y = tern.dequantize %acc, %as, %s : tensor<4x2xi32>, tensor<4x1xf32>, tensor<f32> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}
