// RUN: tern-opt %s --tern-simplify-math | FileCheck %s

// A squared ReLU's Pow(x, 2) after fusion folded the exponent in: one
// multiplication, no libm call.
// CHECK-LABEL: func.func @square
// CHECK: %[[Y:.*]] = arith.mulf %arg0, %arg0 : f32
// CHECK-NOT: math.powf
// CHECK: return %[[Y]]
func.func @square(%x: f32) -> f32 {
  %two = arith.constant 2.0 : f32
  %y = math.powf %x, %two : f32
  return %y : f32
}

// An exponent known only at run time stays a call.
// CHECK-LABEL: func.func @unknown
// CHECK: math.powf
func.func @unknown(%x: f32, %e: f32) -> f32 {
  %y = math.powf %x, %e : f32
  return %y : f32
}
