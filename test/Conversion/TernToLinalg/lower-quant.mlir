// RUN: tern-opt %s -tern-lower-quant -split-input-file | FileCheck %s

// BitNet's absmax quantization: act_scale = 127 / max(max|x|, eps), then
// round half to even and clamp to [-128, 127].
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[TOKEN:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func @quantize
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
// CHECK-DAG: %[[EPS:.*]] = arith.constant 1.000000e-03 : f32
// CHECK-DAG: %[[MAX:.*]] = arith.constant 1.270000e+02 : f32
// CHECK-DAG: %[[MIN:.*]] = arith.constant -1.280000e+02 : f32
// CHECK: %[[ABSMAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[TOKEN]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x8xf32>)
// CHECK: math.absf
// CHECK: arith.maximumf
// CHECK: %[[SCALE:.*]] = linalg.generic {{.*}} ins(%[[ABSMAX]] : tensor<?x1xf32>)
// CHECK: %[[CLAMPED:.*]] = arith.maximumf %{{.*}}, %[[EPS]]
// CHECK: arith.divf %[[MAX]], %[[CLAMPED]]
// CHECK: %[[Q:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[TOKEN]], #[[ID]]], {{.*}} ins(%[[X]], %[[SCALE]] : tensor<?x8xf32>, tensor<?x1xf32>) outs(%{{.*}} : tensor<?x8xi8>)
// CHECK: arith.mulf
// CHECK: math.roundeven
// CHECK: arith.maximumf %{{.*}}, %[[MIN]]
// CHECK: arith.minimumf %{{.*}}, %[[MAX]]
// CHECK: arith.fptosi %{{.*}} : f32 to i8
// CHECK: return %[[Q]], %[[SCALE]]
func.func @quantize(%x: tensor<?x8xf32>) -> (tensor<?x8xi8>, tensor<?x1xf32>) {
  %q, %s = tern.quantize %x {eps = 1.0e-3 : f32} : tensor<?x8xf32> -> tensor<?x8xi8>, tensor<?x1xf32>
  return %q, %s : tensor<?x8xi8>, tensor<?x1xf32>
}

// -----

// acc / act_scale * scale, with a per-channel scale.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[TOKEN:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[CHANNEL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @dequantize
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[TOKEN]], #[[CHANNEL]], #[[ID]]]
// CHECK: ^bb0(%[[ACC:.*]]: i32, %[[AS:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[F:.*]] = arith.sitofp %[[ACC]] : i32 to f32
// CHECK: %[[D:.*]] = arith.divf %[[F]], %[[AS]]
// CHECK: arith.mulf %[[D]], %[[S]]
// CHECK-NOT: tern.
func.func @dequantize(%acc: tensor<?x2xi32>, %as: tensor<?x1xf32>, %s: tensor<2xf32>) -> tensor<?x2xf32> {
  %y = tern.dequantize %acc, %as, %s : tensor<?x2xi32>, tensor<?x1xf32>, tensor<2xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Rank-3 activations quantize per token along the last dimension.
// CHECK-DAG: #[[TOKEN3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
// CHECK-LABEL: func @quantize_3d
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: #[[TOKEN3]]
func.func @quantize_3d(%x: tensor<2x5x8xf32>) -> tensor<2x5x8xi8> {
  %q, %s = tern.quantize %x : tensor<2x5x8xf32> -> tensor<2x5x8xi8>, tensor<2x5x1xf32>
  return %q : tensor<2x5x8xi8>
}
