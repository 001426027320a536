// RUN: tern-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(tern-vectorize-contractions{vector-bits=256 register-tile-m=4 register-vectors-n=1 thread-tile-m=64 thread-tile-n=16}))' | FileCheck %s
// RUN: tern-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(tern-vectorize-contractions{vector-bits=128 register-tile-m=2 register-vectors-n=2}))' | FileCheck %s --check-prefix=NEON

// A linear layer on a constant: the weight is packed into panels of 8
// columns (12 -> 2 panels, the last padded with zeros) and the output is
// computed as a [rows, panels, 8] view (of a zero fill 16 wide). Threads
// take 64 rows and 2 panels (here all of them, so no loop over panels);
// register tiles are 4 rows by one 8-wide vector, K one step at a time,
// with the accumulator carried through the K loop; the last rows (a GEMV's
// only row) are one-row tiles.
// CHECK-LABEL: func.func @linear
// CHECK: %[[W:.*]] = arith.constant dense_resource<packed_weight> : tensor<2x4x8xf32>
// CHECK: tensor.expand_shape {{.*}} into tensor<?x2x8xf32>
// CHECK: scf.forall ({{.*}}) = (0) to ({{.*}}) step (64)
// CHECK:   scf.for
// CHECK:     scf.for {{.*}} step %c4
// CHECK:       vector.transfer_read {{.*}} : tensor<4x8xf32>, vector<4x8xf32>
// CHECK:       scf.for {{.*}} iter_args({{.*}} = {{.*}}) -> (vector<4x8xf32>)
// CHECK:         vector.contract {{.*}} : vector<4x1xf32>, vector<1x8xf32> into vector<4x8xf32>
// CHECK:     scf.for
// CHECK:       scf.for {{.*}} -> (vector<1x8xf32>)
// CHECK:         vector.contract {{.*}} : vector<1x1xf32>, vector<1x8xf32> into vector<1x8xf32>
// CHECK: tensor.collapse_shape {{.*}} into tensor<?x16xf32>
// CHECK: tensor.extract_slice {{.*}}[0, 0] [%{{.*}}, 12] [1, 1] : tensor<?x16xf32> to tensor<?x12xf32>
// NEON-LABEL: func.func @linear
// NEON: dense_resource<packed_weight> : tensor<2x4x8xf32>
// NEON: vector.contract {{.*}} : vector<2x1xf32>, vector<1x8xf32> into vector<2x8xf32>
func.func @linear(%x: tensor<?x4xf32>) -> tensor<?x12xf32> {
  %w = arith.constant dense<[[2.0, 1.0, 0.0, -2.0, -1.0, -3.0, -3.0, -3.0, -2.0, 2.0, 1.0, 3.0], [0.0, 1.0, 3.0, 2.0, 1.0, 0.0, 0.0, 3.0, -2.0, 2.0, 1.0, -3.0], [-1.0, 3.0, 0.0, -3.0, 2.0, 2.0, 2.0, -2.0, -3.0, 3.0, -3.0, 0.0], [-3.0, -1.0, 0.0, -1.0, -1.0, -3.0, -3.0, -3.0, -3.0, 1.0, 0.0, 1.0]]> : tensor<4x12xf32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%m) : tensor<?x12xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<?x12xf32>) -> tensor<?x12xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x4xf32>, tensor<4x12xf32>) outs(%f : tensor<?x12xf32>) -> tensor<?x12xf32>
  return %r : tensor<?x12xf32>
}

// -----

// An activation times an activation (attention's scores): no packing;
// threads take one batch, 64 rows and 16 columns; both the row and the
// column loops are peeled, so whole tiles are static and the rest are
// one-row or one-column tiles.
// CHECK-LABEL: func.func @batched
// CHECK-NOT: dense_resource
// CHECK: scf.forall {{.*}} step (1, 64, 16)
// CHECK: vector.contract {{.*}} : vector<4x1xf32>, vector<1x8xf32> into vector<4x8xf32>
// CHECK: vector.contract {{.*}} : vector<1x1xf32>, vector<1x1xf32> into vector<1x1xf32>
func.func @batched(%a: tensor<4x?x16xf32>, %b: tensor<4x16x?xf32>) -> tensor<4x?x?xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %m = tensor.dim %a, %c1 : tensor<4x?x16xf32>
  %n = tensor.dim %b, %c2 : tensor<4x16x?xf32>
  %e = tensor.empty(%m, %n) : tensor<4x?x?xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x?x?xf32>) -> tensor<4x?x?xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<4x?x16xf32>, tensor<4x16x?xf32>) outs(%f : tensor<4x?x?xf32>) -> tensor<4x?x?xf32>
  return %r : tensor<4x?x?xf32>
}

// -----

// A transposed activation operand (einsum's bhqd,bhkd->bhqk) would need a
// strided load per column: it is left to the loops.
// CHECK-LABEL: func.func @transposed_activation
// CHECK-NOT: scf.forall
// CHECK: linalg.generic
func.func @transposed_activation(%a: tensor<2x3x4xf32>, %b: tensor<2x5x4xf32>) -> tensor<2x3x5xf32> {
  %e = tensor.empty() : tensor<2x3x5xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<2x3x4xf32>, tensor<2x5x4xf32>) outs(%f : tensor<2x3x5xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x3x5xf32>
  return %r : tensor<2x3x5xf32>
}

// -----

// Integer contractions are not this pass's (tern-lower-matmul has them).
// CHECK-LABEL: func.func @integer
// CHECK-NOT: vector.contract
// CHECK: linalg.matmul
func.func @integer(%a: tensor<4x8xi32>, %b: tensor<8x16xi32>, %c: tensor<4x16xi32>) -> tensor<4x16xi32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x8xi32>, tensor<8x16xi32>) outs(%c : tensor<4x16xi32>) -> tensor<4x16xi32>
  return %r : tensor<4x16xi32>
}
