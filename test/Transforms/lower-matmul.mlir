// RUN: tern-opt %s -tern-lower-matmul -split-input-file | FileCheck %s
// RUN: tern-opt %s -tern-lower-matmul="strategy=addsub" -split-input-file | FileCheck %s

// The add/sub strategy: one reduction over (m, n, k) that selects between
// acc + x, acc - x and acc on the weight, then one scaling per output.
// CHECK-DAG: #[[X_MAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W_MAP:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[ACC_MAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[SCALE_MAP:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @float_per_channel
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>, %[[W:.*]]: tensor<2x3xi8>, %[[S:.*]]: tensor<2xf32>)
// CHECK-DAG: %[[PLUS:.*]] = arith.constant 1 : i8
// CHECK-DAG: %[[MINUS:.*]] = arith.constant -1 : i8
// CHECK: %[[ZERO:.*]] = linalg.fill
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[X_MAP]], #[[W_MAP]], #[[ACC_MAP]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<?x3xf32>, tensor<2x3xi8>) outs(%[[ZERO]] : tensor<?x2xf32>)
// CHECK: ^bb0(%[[XV:.*]]: f32, %[[WV:.*]]: i8, %[[ACC:.*]]: f32):
// CHECK-DAG: %[[IS_PLUS:.*]] = arith.cmpi eq, %[[WV]], %[[PLUS]]
// CHECK-DAG: %[[IS_MINUS:.*]] = arith.cmpi eq, %[[WV]], %[[MINUS]]
// CHECK-DAG: %[[ADD:.*]] = arith.addf %[[ACC]], %[[XV]]
// CHECK-DAG: %[[SUB:.*]] = arith.subf %[[ACC]], %[[XV]]
// CHECK: %[[T:.*]] = arith.select %[[IS_MINUS]], %[[SUB]], %[[ACC]]
// CHECK: %[[R:.*]] = arith.select %[[IS_PLUS]], %[[ADD]], %[[T]]
// CHECK-NOT: arith.mulf
// CHECK: linalg.yield %[[R]]
// CHECK: linalg.generic {{.*}}#[[SCALE_MAP]]{{.*}} ins(%[[SUM]], %[[S]] : tensor<?x2xf32>, tensor<2xf32>)
// CHECK: arith.mulf
// CHECK-NOT: tern.
func.func @float_per_channel(%x: tensor<?x3xf32>, %w: tensor<2x3xi8>, %s: tensor<2xf32>) -> tensor<?x2xf32> {
  %y = tern.matmul %x, %w, %s : tensor<?x3xf32>, tensor<2x3xi8>, tensor<2xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// A per-tensor scale broadcasts from a 0-d tensor.
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func @float_per_tensor
// CHECK: linalg.generic {{.*}}#[[SCALAR]]
func.func @float_per_tensor(%x: tensor<4x3xf32>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<4x2xf32> {
  %y = tern.matmul %x, %w, %s : tensor<4x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Leading batch dimensions carry through as parallel loops.
// CHECK-DAG: #[[X3:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[W3:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func @batched
// CHECK: linalg.generic {indexing_maps = [#[[X3]], #[[W3]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
func.func @batched(%x: tensor<2x5x3xf32>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<2x5x2xf32> {
  %y = tern.matmul %x, %w, %s : tensor<2x5x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<2x5x2xf32>
  return %y : tensor<2x5x2xf32>
}

// -----

// Quantized matmuls split into quantize, an exact int32 add/sub
// accumulation, and dequantize.
// CHECK-LABEL: func @quantized
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>, %[[W:.*]]: tensor<2x3xi8>, %[[S:.*]]: tensor<f32>)
// CHECK: %[[Q:.*]], %[[AS:.*]] = tern.quantize %[[X]] : tensor<?x3xf32> -> tensor<?x3xi8>, tensor<?x1xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[Q]], %[[W]] : tensor<?x3xi8>, tensor<2x3xi8>) outs(%{{.*}} : tensor<?x2xi32>)
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: arith.addi
// CHECK: arith.subi
// CHECK: tern.dequantize %[[ACC]], %[[AS]], %[[S]] : tensor<?x2xi32>, tensor<?x1xf32>, tensor<f32> -> tensor<?x2xf32>
func.func @quantized(%x: tensor<?x3xf32>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<?x2xf32> {
  %y = tern.matmul %x, %w, %s quant(per_token_absmax) : tensor<?x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Ternary constants read only by linalg become plain i8 constants, which
// bufferization can place in globals.
// CHECK-LABEL: func @constant_weights
// CHECK: arith.constant dense<{{\[}}[1, 0, -1], [-1, 1, 0]]> : tensor<2x3xi8>
// CHECK-NOT: tern.constant
func.func @constant_weights(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = tern.constant dense<[[1, 0, -1], [-1, 1, 0]]> : tensor<2x3xi8>
  %s = arith.constant dense<0.5> : tensor<f32>
  %y = tern.matmul %x, %w, %s : tensor<4x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
