// RUN: tern-opt %s -tern-ternarize | FileCheck %s
// RUN: tern-opt %s -tern-ternarize -tern-lower-matmul=strategy=dot | FileCheck %s --check-prefix=LOWERED

// Blocks of 32 weights along K with their own scales (as MatMulNBits
// carries them): channel 0 uses 0.5 then 0.25, channel 1 uses 2 then 1.
// Neither a per-tensor nor a per-channel scale fits, per-block does.
// CHECK-LABEL: func @per_block
// CHECK: %[[S:.*]] = arith.constant dense<{{\[\[}}5.000000e-01, 2.500000e-01], [2.000000e+00, 1.000000e+00]]> : tensor<2x2xf32>
// CHECK: tern.matmul %{{.*}}, %{{.*}}, %[[S]] {scale_block = 32 : i64} : tensor<4x64xf32>, tensor<2x64xi8>, tensor<2x2xf32> -> tensor<4x2xf32>
// The kernel scales each 32-lane field by its block's scale.
// LOWERED-LABEL: func @per_block
// LOWERED: scf.for
// LOWERED: %[[G:.*]] = arith.minui
// LOWERED: %[[SC:.*]] = tensor.extract %{{.*}}[%{{.*}}, %[[G]]] : tensor<2x2xf32>
// LOWERED: %[[B:.*]] = vector.broadcast %[[SC]] : f32 to vector<32xf32>
// LOWERED: arith.mulf %{{.*}}, %[[B]] : vector<32xf32>
// LOWERED-NOT: tern.
func.func @per_block(%x: tensor<4x64xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[
    [0.5, 2.0], [-0.5, 0.0], [0.0, -2.0], [0.5, 2.0], [0.5, 2.0], [-0.5, 0.0], [0.0, -2.0], [0.5, 2.0],
    [0.5, 2.0], [-0.5, 0.0], [0.0, -2.0], [0.5, 2.0], [0.5, 2.0], [-0.5, 0.0], [0.0, -2.0], [0.5, 2.0],
    [0.5, 2.0], [-0.5, 0.0], [0.0, -2.0], [0.5, 2.0], [0.5, 2.0], [-0.5, 0.0], [0.0, -2.0], [0.5, 2.0],
    [0.5, 2.0], [-0.5, 0.0], [0.0, -2.0], [0.5, 2.0], [0.5, 2.0], [-0.5, 0.0], [0.0, -2.0], [0.5, 2.0],
    [0.25, 1.0], [-0.25, 0.0], [0.0, -1.0], [0.25, 1.0], [0.25, 1.0], [-0.25, 0.0], [0.0, -1.0], [0.25, 1.0],
    [0.25, 1.0], [-0.25, 0.0], [0.0, -1.0], [0.25, 1.0], [0.25, 1.0], [-0.25, 0.0], [0.0, -1.0], [0.25, 1.0],
    [0.25, 1.0], [-0.25, 0.0], [0.0, -1.0], [0.25, 1.0], [0.25, 1.0], [-0.25, 0.0], [0.0, -1.0], [0.25, 1.0],
    [0.25, 1.0], [-0.25, 0.0], [0.0, -1.0], [0.25, 1.0], [0.25, 1.0], [-0.25, 0.0], [0.0, -1.0], [0.25, 1.0]
  ]> : tensor<64x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
