// RUN: tern-opt %s | FileCheck %s
// Round trip through the generic form as well.
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s

// CHECK-LABEL: func @constant
func.func @constant() -> tensor<2x3xi8> {
  // CHECK: tern.constant dense<{{\[}}[1, 0, -1], [0, 1, 1]]> : tensor<2x3xi8>
  %w = tern.constant dense<[[1, 0, -1], [0, 1, 1]]> : tensor<2x3xi8>
  return %w : tensor<2x3xi8>
}

// CHECK-LABEL: func @constant_splat
func.func @constant_splat() -> tensor<4x4xi8> {
  // CHECK: tern.constant dense<-1> : tensor<4x4xi8>
  %w = tern.constant dense<-1> : tensor<4x4xi8>
  return %w : tensor<4x4xi8>
}

// CHECK-LABEL: func @matmul
func.func @matmul(%x: tensor<?x3xf32>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<?x2xf32> {
  // CHECK: tern.matmul %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<?x2xf32>
  // CHECK-NOT: quant
  %y = tern.matmul %x, %w, %s : tensor<?x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// CHECK-LABEL: func @matmul_quantized_per_channel
func.func @matmul_quantized_per_channel(%x: tensor<2x5x3xf16>, %w: tensor<2x3xi8>, %s: tensor<2xf16>) -> tensor<2x5x2xf16> {
  // CHECK: tern.matmul %{{.*}} quant(per_token_absmax) : tensor<2x5x3xf16>, tensor<2x3xi8>, tensor<2xf16> -> tensor<2x5x2xf16>
  %y = tern.matmul %x, %w, %s quant(per_token_absmax) : tensor<2x5x3xf16>, tensor<2x3xi8>, tensor<2xf16> -> tensor<2x5x2xf16>
  return %y : tensor<2x5x2xf16>
}

// CHECK-LABEL: func @matmul_packed
func.func @matmul_packed(%x: tensor<4x256xf32>, %w: !tern.packed<8x256, #tern.layout<i2, block = 128>>, %s: tensor<f32>) -> tensor<4x8xf32> {
  // CHECK: tern.matmul {{.*}} : tensor<4x256xf32>, !tern.packed<8x256, #tern.layout<i2, block = 128>>, tensor<f32> -> tensor<4x8xf32>
  %y = tern.matmul %x, %w, %s : tensor<4x256xf32>, !tern.packed<8x256, #tern.layout<i2, block = 128>>, tensor<f32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func @int_matmul
func.func @int_matmul(%x: tensor<?x64xi8>, %w: tensor<32x64xi8>) -> tensor<?x32xi32> {
  // CHECK: tern.int_matmul %{{.*}}, %{{.*}} : tensor<?x64xi8>, tensor<32x64xi8> -> tensor<?x32xi32>
  %acc = tern.int_matmul %x, %w : tensor<?x64xi8>, tensor<32x64xi8> -> tensor<?x32xi32>
  return %acc : tensor<?x32xi32>
}

// CHECK-LABEL: func @quantize_dequantize
func.func @quantize_dequantize(%x: tensor<?x64xf32>, %w: tensor<32x64xi8>, %s: tensor<32xf32>) -> tensor<?x32xf32> {
  // CHECK: %[[Q:.*]], %[[AS:.*]] = tern.quantize %{{.*}} {eps = 1.000000e-03 : f32} : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?x1xf32>
  %q, %as = tern.quantize %x {eps = 1.0e-3 : f32} : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?x1xf32>
  %acc = tern.int_matmul %q, %w : tensor<?x64xi8>, tensor<32x64xi8> -> tensor<?x32xi32>
  // CHECK: tern.dequantize %{{.*}}, %[[AS]], %{{.*}} : tensor<?x32xi32>, tensor<?x1xf32>, tensor<32xf32> -> tensor<?x32xf32>
  %y = tern.dequantize %acc, %as, %s : tensor<?x32xi32>, tensor<?x1xf32>, tensor<32xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// CHECK-LABEL: func @quantize_default_eps
func.func @quantize_default_eps(%x: tensor<4xf32>) -> tensor<4xi8> {
  // CHECK: tern.quantize %{{.*}} : tensor<4xf32> -> tensor<4xi8>, tensor<1xf32>
  %q, %as = tern.quantize %x : tensor<4xf32> -> tensor<4xi8>, tensor<1xf32>
  return %q : tensor<4xi8>
}

// CHECK-LABEL: func @pack_unpack
func.func @pack_unpack(%w: tensor<3x10xi8>) -> tensor<3x10xi8> {
  // CHECK: tern.pack %{{.*}} : tensor<3x10xi8> -> !tern.packed<3x10, #tern.layout<tq1, block = 5>>
  %p = tern.pack %w : tensor<3x10xi8> -> !tern.packed<3x10, #tern.layout<tq1, block = 5>>
  // CHECK: tern.unpack %{{.*}} : !tern.packed<3x10, #tern.layout<tq1, block = 5>> -> tensor<3x10xi8>
  %u = tern.unpack %p : !tern.packed<3x10, #tern.layout<tq1, block = 5>> -> tensor<3x10xi8>
  return %u : tensor<3x10xi8>
}

// CHECK-LABEL: func @quant_matmul
func.func @quant_matmul(%x: tensor<?x64xf32>, %c4: tensor<16x32xi8>, %s: tensor<16x2xf32>, %z: tensor<16x2xf32>, %c8: tensor<64x16xi8>, %s8: tensor<16x1xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  // CHECK: tern.quant_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {bits = 4 : i64, block_size = 32 : i64, k = 64 : i64} : tensor<?x64xf32>, tensor<16x32xi8>, tensor<16x2xf32>, tensor<16x2xf32> -> tensor<?x16xf32>
  %y = tern.quant_matmul %x, %c4, %s, %z {bits = 4 : i64, block_size = 32 : i64, k = 64 : i64} : tensor<?x64xf32>, tensor<16x32xi8>, tensor<16x2xf32>, tensor<16x2xf32> -> tensor<?x16xf32>
  // CHECK: tern.quant_matmul %{{.*}}, %{{.*}}, %{{.*}} {bits = 8 : i64, block_size = 64 : i64, k = 64 : i64, k_major, signed_codes} : tensor<?x64xf32>, tensor<64x16xi8>, tensor<16x1xf32> -> tensor<?x16xf32>
  %q = tern.quant_matmul %x, %c8, %s8 {bits = 8 : i64, block_size = 64 : i64, k = 64 : i64, k_major, signed_codes} : tensor<?x64xf32>, tensor<64x16xi8>, tensor<16x1xf32> -> tensor<?x16xf32>
  return %y, %q : tensor<?x16xf32>, tensor<?x16xf32>
}

// CHECK-LABEL: func @check
func.func @check(%a: index, %b: index) {
  %ok = arith.cmpi eq, %a, %b : index
  // CHECK: tern.check %{{.*}}, reshape_mismatch
  tern.check %ok, reshape_mismatch
  // CHECK: tern.check %{{.*}}, index_out_of_range
  tern.check %ok, index_out_of_range
  // CHECK: tern.check %{{.*}}, shape_mismatch
  tern.check %ok, shape_mismatch
  // CHECK: tern.check %{{.*}}, sequence_length
  tern.check %ok, sequence_length
  return
}
