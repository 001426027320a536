// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @k_mismatch(%x: tensor<4x5xi8>, %w: tensor<2x3xi8>) -> tensor<4x2xi32> {
  // expected-error @+1 {{input reduction dimension 5 does not match weights K = 3}}
  %y = tern.int_matmul %x, %w : tensor<4x5xi8>, tensor<2x3xi8> -> tensor<4x2xi32>
  return %y : tensor<4x2xi32>
}

// -----

func.func @float_input(%x: tensor<4x3xf32>, %w: tensor<2x3xi8>) -> tensor<4x2xi32> {
  // expected-error @+1 {{operand #0 must be ranked tensor of 8-bit signless integer values}}
  %y = tern.int_matmul %x, %w : tensor<4x3xf32>, tensor<2x3xi8> -> tensor<4x2xi32>
  return %y : tensor<4x2xi32>
}

// -----

func.func @narrow_accumulator(%x: tensor<4x3xi8>, %w: tensor<2x3xi8>) -> tensor<4x2xi16> {
  // expected-error @+1 {{result #0 must be ranked tensor of 32-bit signless integer values}}
  %y = tern.int_matmul %x, %w : tensor<4x3xi8>, tensor<2x3xi8> -> tensor<4x2xi16>
  return %y : tensor<4x2xi16>
}

// -----

func.func @n_mismatch(%x: tensor<4x3xi8>, %w: tensor<2x3xi8>) -> tensor<4x3xi32> {
  // expected-error @+1 {{result last dimension 3 does not match weights N = 2}}
  %y = tern.int_matmul %x, %w : tensor<4x3xi8>, tensor<2x3xi8> -> tensor<4x3xi32>
  return %y : tensor<4x3xi32>
}
