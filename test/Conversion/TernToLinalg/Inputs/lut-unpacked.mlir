// The lut strategy indexes its tables with 2-bit codes.
func.func @lut_unpacked(%x: tensor<4x64xi8>, %w: tensor<8x64xi8>) -> tensor<4x8xi32> {
  // expected-error @+1 {{'tern.int_matmul' op the lut strategy reads i2-packed weights; pack them with tern-pack-weights{format=i2} first}}
  %y = tern.int_matmul %x, %w : tensor<4x64xi8>, tensor<8x64xi8> -> tensor<4x8xi32>
  return %y : tensor<4x8xi32>
}
