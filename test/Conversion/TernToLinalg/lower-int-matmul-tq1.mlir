// RUN: tern-opt %s -tern-lower-matmul="strategy=addsub" | FileCheck %s --check-prefix=ADDSUB
// RUN: tern-opt %s -tern-lower-matmul="strategy=dot" | FileCheck %s --check-prefix=DOT

// tq1 weights decode base-3 digits with unsigned divisions and remainders.
// ADDSUB-LABEL: func @int_matmul_tq1
// ADDSUB: vector.transfer_read {{.*}} : tensor<1x32xi8>, vector<32xi8>
// ADDSUB: arith.remui
// ADDSUB: arith.divui
// ADDSUB: arith.remui
// With dot, the digits meet the activations in byte dot products like i2's
// codes: fields 0 and 1, 2 and 3, and field 4 (the digit of 81) with 32
// zero codes and the upper half of its activations zero; in 4-row tiles
// each pair of decoded fields serves the 4 rows.
// DOT-LABEL: func @int_matmul_tq1
// DOT-DAG: %[[C81:.*]] = arith.constant dense<81> : vector<32xi8>
// DOT-DAG: %[[ZERO:.*]] = arith.constant dense<0> : vector<32xi8>
// DOT: scf.if
// DOT: scf.forall
// DOT-COUNT-8: tern.dot_u8s8 {{.*}} : vector<64xi8> into vector<16xi32>
// DOT: %[[F4:.*]] = arith.divui %{{.*}}, %[[C81]] : vector<32xi8>
// DOT: %[[CODES:.*]] = vector.shuffle %[[F4]], %[[ZERO]] [0, 1,
// DOT: %[[X:.*]] = vector.shuffle %{{.*}}, %[[ZERO]] [0, 1,
// DOT: tern.dot_u8s8 %{{.*}}, %[[CODES]], %[[X]] {small_codes} : vector<64xi8> into vector<16xi32>
// DOT: } else {
// DOT: scf.forall
// DOT-COUNT-2: tern.dot_u8s8 {{.*}} : vector<64xi8> into vector<16xi32>
// DOT: arith.divui %{{.*}}, %[[C81]] : vector<32xi8>
// DOT: tern.dot_u8s8 {{.*}} : vector<64xi8> into vector<16xi32>
// DOT-NOT: tern.dot_u8s8
func.func @int_matmul_tq1(%x: tensor<?x160xi8>) -> tensor<?x1xi32> {
  %w = tern.packed_constant dense<121> : tensor<1x32xi8> -> !tern.packed<1x160, #tern.layout<tq1, block = 160>>
  %acc = tern.int_matmul %x, %w : tensor<?x160xi8>, !tern.packed<1x160, #tern.layout<tq1, block = 160>> -> tensor<?x1xi32>
  return %acc : tensor<?x1xi32>
}
