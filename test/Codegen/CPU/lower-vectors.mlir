// RUN: tern-opt %s --tern-lower-vectors | FileCheck %s

// A register tile's K step: the 4x1 by 1x8 contraction is one broadcast of
// the left-hand side and one FMA per row; the 2-D transfers become one
// 1-D load per row.
// CHECK-LABEL: func.func @tile_step
// CHECK-NOT: vector.contract
// CHECK-COUNT-4: vector.load {{.*}} : memref<4x1xf32, strided<[8, 1]>>, vector<1xf32>
// CHECK: vector.load {{.*}} : memref<1x8xf32>, vector<8xf32>
// CHECK-COUNT-4: vector.fma {{.*}} : vector<8xf32>
// CHECK-NOT: vector.fma
func.func @tile_step(%a: memref<4x1xf32, strided<[8, 1]>>, %b: memref<1x8xf32>, %acc: vector<4x8xf32>) -> vector<4x8xf32> {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  %lhs = vector.transfer_read %a[%c0, %c0], %z {in_bounds = [true, true]} : memref<4x1xf32, strided<[8, 1]>>, vector<4x1xf32>
  %rhs = vector.transfer_read %b[%c0, %c0], %z {in_bounds = [true, true]} : memref<1x8xf32>, vector<1x8xf32>
  %r = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %lhs, %rhs, %acc : vector<4x1xf32>, vector<1x8xf32> into vector<4x8xf32>
  return %r : vector<4x8xf32>
}
