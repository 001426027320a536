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
