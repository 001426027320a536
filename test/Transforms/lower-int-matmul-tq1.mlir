// RUN: tern-opt %s -tern-lower-matmul="strategy=addsub" | FileCheck %s --check-prefix=ADDSUB
// RUN: tern-opt %s -tern-lower-matmul="strategy=dot" | FileCheck %s --check-prefix=DOT

// tq1 weights decode base-3 digits with unsigned divisions and remainders.
// ADDSUB-LABEL: func @int_matmul_tq1
// ADDSUB: vector.transfer_read {{.*}} : tensor<1x32xi8>, vector<32xi8>
// ADDSUB: arith.remui
// ADDSUB: arith.divui
// ADDSUB: arith.remui
// DOT-LABEL: func @int_matmul_tq1
// DOT: arith.divui
func.func @int_matmul_tq1(%x: tensor<?x160xi8>) -> tensor<?x1xi32> {
  %w = tern.packed_constant dense<121> : tensor<1x32xi8> -> !tern.packed<1x160, #tern.layout<tq1, block = 160>>
  %acc = tern.int_matmul %x, %w : tensor<?x160xi8>, !tern.packed<1x160, #tern.layout<tq1, block = 160>> -> tensor<?x1xi32>
  return %acc : tensor<?x1xi32>
}
