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
