// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @bits(%x: tensor<2x8xf32>, %c: tensor<3x3xi8>, %s: tensor<3x1xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{bits must be 2, 4 or 8, got 3}}
  %y = tern.quant_matmul %x, %c, %s {bits = 3 : i64, block_size = 8 : i64, k = 8 : i64} : tensor<2x8xf32>, tensor<3x3xi8>, tensor<3x1xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @block_bytes(%x: tensor<2x8xf32>, %c: tensor<3x1xi8>, %s: tensor<3x2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{block_size must be positive and fill whole bytes, got 3}}
  %y = tern.quant_matmul %x, %c, %s {bits = 2 : i64, block_size = 3 : i64, k = 8 : i64} : tensor<2x8xf32>, tensor<3x1xi8>, tensor<3x2xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @k_mismatch(%x: tensor<2x6xf32>, %c: tensor<3x2xi8>, %s: tensor<3x1xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{input reduction dimension 6 does not match k = 8}}
  %y = tern.quant_matmul %x, %c, %s {bits = 2 : i64, block_size = 8 : i64, k = 8 : i64} : tensor<2x6xf32>, tensor<3x2xi8>, tensor<3x1xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// 10 weights in blocks of 8 need two blocks: 4 bytes of 2-bit codes.
func.func @row_bytes(%x: tensor<2x10xf32>, %c: tensor<3x3xi8>, %s: tensor<3x2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{codes must have 4 bytes per output channel (2 blocks of 8 2-bit codes), got 3}}
  %y = tern.quant_matmul %x, %c, %s {bits = 2 : i64, block_size = 8 : i64, k = 10 : i64} : tensor<2x10xf32>, tensor<3x3xi8>, tensor<3x2xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @scales_shape(%x: tensor<2x8xf32>, %c: tensor<3x4xi8>, %s: tensor<3x2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{scales and zero points must be 3 x 1, got 'tensor<3x2xf32>'}}
  %y = tern.quant_matmul %x, %c, %s {bits = 4 : i64, block_size = 8 : i64, k = 8 : i64} : tensor<2x8xf32>, tensor<3x4xi8>, tensor<3x2xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @signed_four_bits(%x: tensor<2x8xf32>, %c: tensor<3x4xi8>, %s: tensor<3x1xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{signed_codes and k_major need bits = 8}}
  %y = tern.quant_matmul %x, %c, %s {bits = 4 : i64, block_size = 8 : i64, k = 8 : i64, signed_codes} : tensor<2x8xf32>, tensor<3x4xi8>, tensor<3x1xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @k_major_blocks(%x: tensor<2x8xf32>, %c: tensor<8x3xi8>, %s: tensor<3x2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{k_major codes must be k x N with one block of k, got 'tensor<8x3xi8>' and block_size 4}}
  %y = tern.quant_matmul %x, %c, %s {bits = 8 : i64, block_size = 4 : i64, k = 8 : i64, k_major} : tensor<2x8xf32>, tensor<8x3xi8>, tensor<3x2xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @result_channels(%x: tensor<2x8xf32>, %c: tensor<3x2xi8>, %s: tensor<3x1xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{result must be rows x 3, got 'tensor<2x4xf32>'}}
  %y = tern.quant_matmul %x, %c, %s {bits = 2 : i64, block_size = 8 : i64, k = 8 : i64} : tensor<2x8xf32>, tensor<3x2xi8>, tensor<3x1xf32> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
