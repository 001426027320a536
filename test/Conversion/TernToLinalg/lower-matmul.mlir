// RUN: tern-opt %s -tern-lower-matmul="strategy=addsub" -split-input-file | FileCheck %s --check-prefixes=CHECK,ADDSUB
// RUN: tern-opt %s -tern-lower-matmul="strategy=dot" -split-input-file | FileCheck %s --check-prefixes=CHECK,DOT

// Float activations, i8 weights: a parallel linalg.generic over output
// channels and rows (its output map swaps them back) whose body loops over
// K in 32-lane vectors, then one scaling per output.
// addsub selects between acc + x, acc - x and acc on the weight; dot
// multiplies by the weight.
// CHECK-DAG: #[[SCALE_MAP:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @float_per_channel
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>, %[[W:.*]]: tensor<2x3xi8>, %[[S:.*]]: tensor<2xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}} outs(%{{.*}} : tensor<?x2xf32>)
// CHECK: %[[N:.*]] = linalg.index 0 : index
// CHECK: %[[M:.*]] = linalg.index 1 : index
// CHECK: scf.for {{.*}} -> (vector<32xf32>)
// CHECK: %[[WV:.*]] = vector.transfer_read %[[W]]{{.*}} : tensor<2x3xi8>, vector<32xi8>
// CHECK: %[[XV:.*]] = vector.transfer_read %[[X]]{{.*}} : tensor<?x3xf32>, vector<32xf32>
// ADDSUB-DAG: %[[IS_PLUS:.*]] = arith.cmpi eq, %[[WV]], %{{.*}} : vector<32xi8>
// ADDSUB-DAG: %[[IS_MINUS:.*]] = arith.cmpi eq, %[[WV]], %{{.*}} : vector<32xi8>
// ADDSUB-DAG: %[[ADD:.*]] = arith.addf %{{.*}}, %[[XV]] : vector<32xf32>
// ADDSUB-DAG: %[[SUB:.*]] = arith.subf %{{.*}}, %[[XV]] : vector<32xf32>
// ADDSUB: %[[T:.*]] = arith.select %[[IS_MINUS]], %[[SUB]]
// ADDSUB: arith.select %[[IS_PLUS]], %[[ADD]], %[[T]]
// ADDSUB-NOT: arith.mulf
// DOT: %[[WF:.*]] = arith.sitofp %[[WV]] : vector<32xi8> to vector<32xf32>
// DOT: arith.mulf %[[XV]], %[[WF]] : vector<32xf32>
// CHECK: %[[ROW_SUM:.*]] = vector.reduction <add>, %{{.*}} : vector<32xf32> into f32
// CHECK: linalg.yield %[[ROW_SUM]] : f32
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

// Leading batch dimensions fold into the kernel's rows and come back.
// CHECK-LABEL: func @batched
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x5x3xf32> into tensor<10x3xf32>
// CHECK: linalg.generic
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [2, 5, 2] : tensor<10x2xf32> into tensor<2x5x2xf32>
func.func @batched(%x: tensor<2x5x3xf32>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<2x5x2xf32> {
  %y = tern.matmul %x, %w, %s : tensor<2x5x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<2x5x2xf32>
  return %y : tensor<2x5x2xf32>
}

// -----

// Quantized matmuls split into quantize, an exact int32 accumulation, and
// dequantize.
// CHECK-LABEL: func @quantized
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>, %[[W:.*]]: tensor<2x3xi8>, %[[S:.*]]: tensor<f32>)
// CHECK: %[[Q:.*]], %[[AS:.*]] = tern.quantize %[[X]] : tensor<?x3xf32> -> tensor<?x3xi8>, tensor<?x1xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x2xi32>)
// CHECK: vector.transfer_read %[[Q]]
// CHECK: arith.extsi %{{.*}} : vector<32xi8> to vector<32xi32>
// CHECK: tern.dequantize %[[ACC]], %[[AS]], %[[S]] : tensor<?x2xi32>, tensor<?x1xf32>, tensor<f32> -> tensor<?x2xf32>
func.func @quantized(%x: tensor<?x3xf32>, %w: tensor<2x3xi8>, %s: tensor<f32>) -> tensor<?x2xf32> {
  %y = tern.matmul %x, %w, %s quant(per_token_absmax) : tensor<?x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Ternary constants read only by the kernels become plain i8 constants,
// which bufferization can place in globals.
// CHECK-LABEL: func @constant_weights
// CHECK: arith.constant dense<{{\[}}[1, 0, -1], [-1, 1, 0]]> : tensor<2x3xi8>
// CHECK-NOT: tern.constant
func.func @constant_weights(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = tern.constant dense<[[1, 0, -1], [-1, 1, 0]]> : tensor<2x3xi8>
  %s = arith.constant dense<0.5> : tensor<f32>
  %y = tern.matmul %x, %w, %s : tensor<4x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
