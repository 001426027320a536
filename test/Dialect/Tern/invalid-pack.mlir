// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @pack_shape(%w: tensor<8x64xi8>) {
  // expected-error @+1 {{unpacked shape does not match packed shape}}
  %p = tern.pack %w : tensor<8x64xi8> -> !tern.packed<8x128, #tern.layout<i2, block = 64>>
  return
}

// -----

func.func @pack_dynamic(%w: tensor<?x64xi8>) {
  // expected-error @+1 {{unpacked weights must have a static shape}}
  %p = tern.pack %w : tensor<?x64xi8> -> !tern.packed<8x64, #tern.layout<i2, block = 64>>
  return
}

// -----

func.func @unpack_shape(%p: !tern.packed<8x64, #tern.layout<tq1, block = 5>>) {
  // expected-error @+1 {{unpacked shape does not match packed shape}}
  %w = tern.unpack %p : !tern.packed<8x64, #tern.layout<tq1, block = 5>> -> tensor<64x8xi8>
  return
}

// -----

func.func @packed_constant_size() {
  // expected-error @+1 {{bytes must be an i8 tensor of 2 x 2 for '!tern.packed<2x8, #tern.layout<i2, block = 8>>', got 'tensor<2x3xi8>'}}
  %p = tern.packed_constant dense<0> : tensor<2x3xi8> -> !tern.packed<2x8, #tern.layout<i2, block = 8>>
  return
}

// -----

func.func @packed_constant_i2_code() {
  // A 2-bit code of 3 is no ternary weight.
  // expected-error @+1 {{bytes hold an encoding that is not valid in the 'i2' format}}
  %p = tern.packed_constant dense<[[-1, 0]]> : tensor<1x2xi8> -> !tern.packed<1x8, #tern.layout<i2, block = 8>>
  return
}

// -----

func.func @packed_constant_tq1_digit() {
  // 243 (-13 as i8) needs a sixth base-3 digit.
  // expected-error @+1 {{bytes hold an encoding that is not valid in the 'tq1' format}}
  %p = tern.packed_constant dense<[[-13]]> : tensor<1x1xi8> -> !tern.packed<1x5, #tern.layout<tq1, block = 5>>
  return
}
