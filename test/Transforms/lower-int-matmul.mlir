// RUN: tern-opt %s -tern-lower-matmul | FileCheck %s

// The integer core accumulates in i32 with add/sub only: bit-exact.
// CHECK-LABEL: func @int_matmul
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xi8>, %[[W:.*]]: tensor<32x64xi8>)
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<?x32xi32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[X]], %[[W]] : tensor<?x64xi8>, tensor<32x64xi8>) outs(%[[ZERO]] : tensor<?x32xi32>)
// CHECK: ^bb0(%[[XV:.*]]: i8, %[[WV:.*]]: i8, %[[ACC:.*]]: i32):
// CHECK: %[[XW:.*]] = arith.extsi %[[XV]] : i8 to i32
// CHECK-DAG: arith.addi %[[ACC]], %[[XW]] : i32
// CHECK-DAG: arith.subi %[[ACC]], %[[XW]] : i32
// CHECK-NOT: arith.muli
// CHECK: linalg.yield
func.func @int_matmul(%x: tensor<?x64xi8>, %w: tensor<32x64xi8>) -> tensor<?x32xi32> {
  %acc = tern.int_matmul %x, %w : tensor<?x64xi8>, tensor<32x64xi8> -> tensor<?x32xi32>
  return %acc : tensor<?x32xi32>
}
