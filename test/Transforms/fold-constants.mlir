// RUN: tern-opt %s -tern-fold-constants -split-input-file | FileCheck %s

// QDQ: an int8 constant dequantized by a linalg.generic becomes the float
// constant it computes.
// CHECK-LABEL: func @dequantize
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[}}5.000000e-01, 0.000000e+00], [-5.000000e-01, 5.000000e-01]]> : tensor<2x2xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[W]]
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @dequantize() -> tensor<2x2xf32> {
  %q = arith.constant dense<[[1, 0], [-1, 1]]> : tensor<2x2xi8>
  %scale = arith.constant 5.000000e-01 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%q : tensor<2x2xi8>) outs(%e : tensor<2x2xf32>) {
  ^bb0(%in: i8, %out: f32):
    %f = arith.sitofp %in : i8 to f32
    %s = arith.mulf %f, %scale : f32
    linalg.yield %s : f32
  } -> tensor<2x2xf32>
  return %w : tensor<2x2xf32>
}

// -----

// A reduction from a filled init: mean |w| over all elements, the scale of
// the fake-quant chain (|0.5| + |-1.5| + |2| + |0| = 4).
// CHECK-LABEL: func @sum_abs
// CHECK: arith.constant dense<4.000000e+00> : tensor<f32>
// CHECK-NOT: linalg.generic
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> ()>
func.func @sum_abs() -> tensor<f32> {
  %w = arith.constant dense<[[0.5, -1.5], [2.0, 0.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : tensor<f32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %sum = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "reduction"]} ins(%w : tensor<2x2xf32>) outs(%init : tensor<f32>) {
  ^bb0(%x: f32, %acc: f32):
    %a = math.absf %x : f32
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %sum : tensor<f32>
}

// -----

// Round half to even, then clip to [-1, 1]: the fake-quant core.
// CHECK-LABEL: func @round_clip
// CHECK: arith.constant dense<[0.000000e+00, 2.000000e+00, -1.000000e+00, 1.000000e+00]> : tensor<4xf32>
#v = affine_map<(d0) -> (d0)>
func.func @round_clip() -> tensor<4xf32> {
  %w = arith.constant dense<[0.5, 2.5, -7.0, 1.4]> : tensor<4xf32>
  %lo = arith.constant -1.000000e+00 : f32
  %hi = arith.constant 1.000000e+00 : f32
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]} ins(%w : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %out: f32):
    %q = math.roundeven %x : f32
    %c = arith.maximumf %q, %lo : f32
    %d = arith.cmpf ogt, %q, %hi : f32
    %m = arith.select %d, %q, %c : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// Activations are not constants, and exp is not weight preprocessing: both
// generics stay.
// CHECK-LABEL: func @left_alone
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: linalg.generic
#a = affine_map<(d0) -> (d0)>
func.func @left_alone(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %c = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#a, #a], iterator_types = ["parallel"]} ins(%c : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %z = linalg.generic {indexing_maps = [#a, #a], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.negf %in : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %y, %z : tensor<4xf32>, tensor<4xf32>
}

// -----

// A 0-d generic (no loops), as scalar ONNX ops import, folds too.
// CHECK-LABEL: func @scalar
// CHECK: arith.constant dense<2.500000e-01> : tensor<f32>
#s = affine_map<() -> ()>
func.func @scalar() -> tensor<f32> {
  %c = arith.constant dense<0.5> : tensor<f32>
  %e = tensor.empty() : tensor<f32>
  %r = linalg.generic {indexing_maps = [#s, #s], iterator_types = []} ins(%c : tensor<f32>) outs(%e : tensor<f32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}
