// RUN: tern-opt %s -canonicalize -split-input-file | FileCheck %s

// unpack(pack(w)) is w.
// CHECK-LABEL: func @unpack_of_pack
// CHECK-SAME: (%[[W:.*]]: tensor<8x64xi8>)
// CHECK-NOT: tern.pack
// CHECK-NOT: tern.unpack
// CHECK: return %[[W]]
func.func @unpack_of_pack(%w: tensor<8x64xi8>) -> tensor<8x64xi8> {
  %p = tern.pack %w : tensor<8x64xi8> -> !tern.packed<8x64, #tern.layout<i2, block = 64>>
  %u = tern.unpack %p : !tern.packed<8x64, #tern.layout<i2, block = 64>> -> tensor<8x64xi8>
  return %u : tensor<8x64xi8>
}

// -----

// pack(unpack(p)) is p when the layout is the same...
// CHECK-LABEL: func @pack_of_unpack
// CHECK-SAME: (%[[P:.*]]: !tern.packed
// CHECK-NOT: tern.{{(un)?pack }}
// CHECK: return %[[P]]
func.func @pack_of_unpack(%p: !tern.packed<8x64, #tern.layout<i2, block = 64>>) -> !tern.packed<8x64, #tern.layout<i2, block = 64>> {
  %u = tern.unpack %p : !tern.packed<8x64, #tern.layout<i2, block = 64>> -> tensor<8x64xi8>
  %q = tern.pack %u : tensor<8x64xi8> -> !tern.packed<8x64, #tern.layout<i2, block = 64>>
  return %q : !tern.packed<8x64, #tern.layout<i2, block = 64>>
}

// -----

// ...but a repack into another layout stays.
// CHECK-LABEL: func @repack
// CHECK: tern.unpack
// CHECK: tern.pack {{.*}} #tern.layout<tq1, block = 5>
func.func @repack(%p: !tern.packed<8x64, #tern.layout<i2, block = 64>>) -> !tern.packed<8x64, #tern.layout<tq1, block = 5>> {
  %u = tern.unpack %p : !tern.packed<8x64, #tern.layout<i2, block = 64>> -> tensor<8x64xi8>
  %q = tern.pack %u : tensor<8x64xi8> -> !tern.packed<8x64, #tern.layout<tq1, block = 5>>
  return %q : !tern.packed<8x64, #tern.layout<tq1, block = 5>>
}

// -----

// Identical ternary constants are one constant, and unused ones go away.
// CHECK-LABEL: func @constants
// CHECK: %[[C:.*]] = tern.constant dense<{{\[}}1, 0, -1]> : tensor<3xi8>
// CHECK-NOT: tern.constant
// CHECK: return %[[C]], %[[C]]
func.func @constants() -> (tensor<3xi8>, tensor<3xi8>) {
  %a = tern.constant dense<[1, 0, -1]> : tensor<3xi8>
  %b = tern.constant dense<[1, 0, -1]> : tensor<3xi8>
  %unused = tern.constant dense<1> : tensor<3xi8>
  return %a, %b : tensor<3xi8>, tensor<3xi8>
}

// -----

// An i8 arith.constant whose values are ternary, materialized by a fold,
// becomes a tern.constant through the dialect's constant materializer.
// CHECK-LABEL: func @materialize
// CHECK: tern.constant dense<1> : tensor<2x2xi8>
func.func @materialize() -> tensor<2x2xi8> {
  %p = tern.constant dense<1> : tensor<2x2xi8>
  %q = tern.pack %p : tensor<2x2xi8> -> !tern.packed<2x2, #tern.layout<i2, block = 4>>
  %u = tern.unpack %q : !tern.packed<2x2, #tern.layout<i2, block = 4>> -> tensor<2x2xi8>
  return %u : tensor<2x2xi8>
}

// -----

// Packing a ternary constant folds to its bytes. i2, block 8 (two lanes):
// byte 0 holds w0 w2 w4 w6 = 1 -1 0 1 as codes 2 0 1 2 (0b10000110 = -122),
// byte 1 holds w1 w3 w5 w7 = 0 1 0 -1 as codes 1 2 1 0 (0b01100100 = 100).
// CHECK-LABEL: func @pack_constant_i2
// CHECK: %[[P:.*]] = tern.packed_constant dense<{{\[\[}}-122, 100]]> : tensor<1x2xi8> -> !tern.packed<1x8, #tern.layout<i2, block = 8>>
// CHECK: return %[[P]]
func.func @pack_constant_i2() -> !tern.packed<1x8, #tern.layout<i2, block = 8>> {
  %w = tern.constant dense<[[1, 0, -1, 1, 0, 0, 1, -1]]> : tensor<1x8xi8>
  %p = tern.pack %w : tensor<1x8xi8> -> !tern.packed<1x8, #tern.layout<i2, block = 8>>
  return %p : !tern.packed<1x8, #tern.layout<i2, block = 8>>
}

// -----

// tq1, block 5: the digits of codes 2 0 1 1 2 give 2 + 0 + 9 + 27 + 162 =
// 200 (-56 as i8). The second block holds w5 w6 = -1 1 and three padding
// zeros: codes 0 2 1 1 1 give 0 + 6 + 9 + 27 + 81 = 123.
// CHECK-LABEL: func @pack_constant_tq1
// CHECK: tern.packed_constant dense<{{\[\[}}-56, 123]]> : tensor<1x2xi8>
func.func @pack_constant_tq1() -> !tern.packed<1x7, #tern.layout<tq1, block = 5>> {
  %w = tern.constant dense<[[1, -1, 0, 0, 1, -1, 1]]> : tensor<1x7xi8>
  %p = tern.pack %w : tensor<1x7xi8> -> !tern.packed<1x7, #tern.layout<tq1, block = 5>>
  return %p : !tern.packed<1x7, #tern.layout<tq1, block = 5>>
}

// -----

// Unpacking constant bytes gives the ternary constant back.
// CHECK-LABEL: func @unpack_constant
// CHECK: %[[W:.*]] = tern.constant dense<{{\[\[}}1, 0, -1, 1, 0, 0, 1, -1]]> : tensor<1x8xi8>
// CHECK: return %[[W]]
func.func @unpack_constant() -> tensor<1x8xi8> {
  %p = tern.packed_constant dense<[[-122, 100]]> : tensor<1x2xi8> -> !tern.packed<1x8, #tern.layout<i2, block = 8>>
  %w = tern.unpack %p : !tern.packed<1x8, #tern.layout<i2, block = 8>> -> tensor<1x8xi8>
  return %w : tensor<1x8xi8>
}

// -----

// A check whose condition folds to true goes; the others stay, even when
// their condition is false (the run must stop there).
// CHECK-LABEL: func @check_folds
// CHECK-NOT: tern.check %true
// CHECK: tern.check %{{.*}}, shape_mismatch
// CHECK: tern.check %false, index_out_of_range
// CHECK-NOT: tern.check
func.func @check_folds(%a: index) {
  %c4 = arith.constant 4 : index
  %same = arith.cmpi eq, %c4, %c4 : index
  tern.check %same, reshape_mismatch
  %ok = arith.cmpi eq, %a, %c4 : index
  tern.check %ok, shape_mismatch
  %false = arith.constant false
  tern.check %false, index_out_of_range
  return
}
