// RUN: tern-opt %s -tern-lower-matmul="strategy=dot k-slice-blocks=1" | FileCheck %s
// RUN: tern-opt %s -tern-lower-matmul="strategy=dot k-slice-blocks=2" | FileCheck %s --check-prefix=TWO
// RUN: tern-opt %s -tern-lower-matmul="strategy=dot k-slice-blocks=3" | FileCheck %s --check-prefix=WHOLE

// K = 300 is 3 blocks of 128 codes. With k-slice-blocks=1 the byte dot
// product kernel has a third parallel dimension, one slice per block:
// slice s starts at block s and steps by 3. Each block of activations
// meets the 4 channels' codes and, in one more dot product, codes of 1:
// the slice's own activation sum, which each of its 4 partial sums drops.
// No row sums are computed beforehand; a reduction over the slices adds
// the 1 x 1 x 4 partial sums up.
// CHECK-LABEL: func @gemv_slices
// CHECK: %[[ONES:.*]] = arith.constant dense<1> : vector<64xi8>
// CHECK-NOT: linalg.generic
// CHECK: %[[PARTIAL:.*]] = tensor.empty() : tensor<3x1x4xi32>
// CHECK: %[[TILES:.*]] = scf.forall (%{{.*}}, %{{.*}}, %[[S:.*]]) in (1, %{{.*}}, 3) shared_outs(%{{.*}} = %[[PARTIAL]])
// CHECK: scf.for %{{.*}} = %[[S]] to %c3 step %c3 iter_args({{.*}}) -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK-COUNT-4: tern.dot_u8s8 %{{.*}}, %{{.*}}, %[[X0:.*]] {small_codes}
// CHECK: %[[SUM0:.*]] = tern.dot_u8s8 %{{.*}}, %[[ONES]], %[[X0]] {small_codes}
// CHECK-COUNT-4: tern.dot_u8s8 %{{.*}}, %{{.*}}, %[[X1:.*]] {small_codes}
// CHECK: tern.dot_u8s8 %[[SUM0]], %[[ONES]], %[[X1]] {small_codes}
// CHECK: %[[XSUM:.*]] = vector.reduction <add>, %{{.*}}#8
// CHECK: %[[R0:.*]] = vector.reduction <add>
// CHECK: arith.subi %[[R0]], %[[XSUM]] : i32
// CHECK: vector.transfer_write {{.*}} : vector<1x1x4xi32>, tensor<1x1x4xi32>
// CHECK: tensor.parallel_insert_slice
// CHECK: %[[ZEROS:.*]] = linalg.fill
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[TILES]] : tensor<3x1x4xi32>) outs(%[[ZEROS]] : tensor<1x4xi32>)
// CHECK: arith.addi
//
// Two blocks a slice: 2 slices, blocks {0, 2} and {1}.
// TWO-LABEL: func @gemv_slices
// TWO: tensor.empty() : tensor<2x1x4xi32>
// TWO: scf.forall {{.*}} in (1, %{{.*}}, 2)
// TWO: scf.for %{{.*}} = %{{.*}} to %c3 step %c2
//
// Three blocks a slice is one slice: the kernel without the split, which
// subtracts row sums computed first.
// WHOLE-LABEL: func @gemv_slices
// WHOLE-NOT: tensor<3x1x4xi32>
// WHOLE: %[[ROWSUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// WHOLE: scf.forall (%{{.*}}, %{{.*}}) in (1, %{{.*}})
// WHOLE: tensor.extract %[[ROWSUM]]
// WHOLE: arith.subi
// WHOLE-NOT: "reduction"]
// WHOLE-LABEL: func @gemm_slices
func.func @gemv_slices(%x: tensor<1x300xi8>) -> tensor<1x4xi32> {
  %w = tern.packed_constant dense_resource<blob> : tensor<4x96xi8> -> !tern.packed<4x300, #tern.layout<i2, block = 128>>
  %acc = tern.int_matmul %x, %w : tensor<1x300xi8>, !tern.packed<4x300, #tern.layout<i2, block = 128>> -> tensor<1x4xi32>
  return %acc : tensor<1x4xi32>
}

// A prompt's rows: the 4-row tiles and the rows left write the same
// partial sums, then one reduction.
// CHECK-LABEL: func @gemm_slices
// CHECK: tensor.empty(%{{.*}}) : tensor<3x?x4xi32>
// CHECK: scf.forall {{.*}} in (1, %{{.*}}, 3)
// CHECK: vector<1x4x4xi32>
// CHECK: scf.forall {{.*}} in (1, %{{.*}}, 3)
// CHECK: vector<1x1x4xi32>
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
func.func @gemm_slices(%x: tensor<?x300xi8>) -> tensor<?x4xi32> {
  %w = tern.packed_constant dense_resource<blob> : tensor<4x96xi8> -> !tern.packed<4x300, #tern.layout<i2, block = 128>>
  %acc = tern.int_matmul %x, %w : tensor<?x300xi8>, !tern.packed<4x300, #tern.layout<i2, block = 128>> -> tensor<?x4xi32>
  return %acc : tensor<?x4xi32>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x01000000555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555"
    }
  }
#-}
