// RUN: tern-opt %s -tern-lower-matmul="strategy=addsub" | FileCheck %s --check-prefix=ADDSUB
// RUN: tern-opt %s -tern-lower-matmul="strategy=dot" | FileCheck %s --check-prefix=DOT
// RUN: tern-opt %s -tern-lower-matmul="strategy=auto" | FileCheck %s --check-prefix=DOT
// RUN: tern-opt %s -tern-lower-matmul="strategy=lut" | FileCheck %s --check-prefix=LUT

// i2-packed weights, block 128: one 32-byte load per block yields four
// fields of 32 consecutive codes (w + 1), each next to a 32-lane load of
// activations; the int32 accumulation is exact in every strategy.
//
// addsub decodes w = code - 1 and only adds or subtracts.
// ADDSUB-LABEL: func @int_matmul_i2
// ADDSUB: %[[BYTES:.*]] = arith.constant dense_resource<blob> : tensor<2x32xi8>
// ADDSUB: scf.for {{.*}} -> (vector<32xi32>)
// ADDSUB: %[[B:.*]] = vector.transfer_read %[[BYTES]]{{.*}} {in_bounds = [true]} : tensor<2x32xi8>, vector<32xi8>
// ADDSUB: vector.transfer_read %{{.*}} : tensor<?x100xi8>, vector<32xi8>
// ADDSUB: arith.shrui %[[B]]
// ADDSUB: arith.andi
// ADDSUB: arith.subi
// ADDSUB: arith.cmpi eq
// ADDSUB: arith.addi {{.*}} : vector<32xi32>
// ADDSUB: arith.subi {{.*}} : vector<32xi32>
// ADDSUB: arith.select
// ADDSUB-NOT: arith.muli {{.*}} : vector
// ADDSUB: vector.reduction <add>
//
// dot pairs two fields of codes (64 consecutive weights) with 64
// activations in one tern.dot_u8s8 (codes unsigned, activations signed),
// and subtracts each row's activation sum once. Whole tiles of 4 rows (a
// prompt) decode each block of codes once for all 4 and keep one
// accumulator per output, written as one 4 x 1 slice in place; the rows
// left one at a time (all of a decoding step's) give each pair of fields
// its own accumulator, so the dot products form independent chains.
// DOT-LABEL: func @int_matmul_i2
// DOT: %[[ROWSUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// DOT: %[[TILES:.*]] = arith.divui %{{.*}}, %c4
// DOT: %[[ANY:.*]] = arith.cmpi ne, %[[TILES]], %c0
// DOT: scf.if %[[ANY]]
// DOT: scf.forall (%{{.*}}, %{{.*}}) in (2, %[[TILES]])
// DOT: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// DOT-COUNT-4: tern.dot_u8s8
// DOT: vector.transfer_write {{.*}} : vector<4x1xi32>, tensor<4x1xi32>
// DOT: scf.if
// DOT: scf.forall
// DOT: scf.for {{.*}} iter_args(%[[A0:.*]] = %{{.*}}, %[[A1:.*]] = %{{.*}}) -> (vector<16xi32>, vector<16xi32>)
// DOT: %[[C01:.*]] = vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, {{.*}}, 63] : vector<32xi8>, vector<32xi8>
// DOT: %[[X01:.*]] = vector.transfer_read %{{.*}} : tensor<?x100xi8>, vector<64xi8>
// DOT: tern.dot_u8s8 %[[A0]], %[[C01]], %[[X01]] {small_codes} : vector<64xi8> into vector<16xi32>
// DOT: tern.dot_u8s8 %[[A1]]
// DOT: %[[S:.*]] = tensor.extract %[[ROWSUM]]
// DOT: %[[T:.*]] = arith.addi %{{.*}}#0, %{{.*}}#1 : vector<16xi32>
// DOT: %[[R:.*]] = vector.reduction <add>, %[[T]]
// DOT: arith.subi %[[R]], %[[S]] : i32
//
// lut builds per-row tables of pair sums, then gathers by nibble.
// LUT-LABEL: func @int_matmul_i2
// LUT: %[[TABLES:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x1x1024xi32>)
// LUT: scf.for
// LUT: arith.shrui %{{.*}} : vector<32xi32>
// LUT: vector.gather %[[TABLES]]
// LUT: vector.gather %[[TABLES]]
// LUT-NOT: arith.muli {{.*}} : vector
// LUT: vector.reduction <add>
func.func @int_matmul_i2(%x: tensor<?x100xi8>) -> tensor<?x2xi32> {
  %w = tern.packed_constant dense_resource<blob> : tensor<2x32xi8> -> !tern.packed<2x100, #tern.layout<i2, block = 128>>
  %acc = tern.int_matmul %x, %w : tensor<?x100xi8>, !tern.packed<2x100, #tern.layout<i2, block = 128>> -> tensor<?x2xi32>
  return %acc : tensor<?x2xi32>
}

// With a multiple of 4 output channels, dot computes 4 channels per
// iteration of an scf.forall over (channel tile, row tile): each block of
// activations is loaded once for the 4 rows of codes, and each row's 4
// outputs are one vector store. With 4-row tiles, the 4 decoded blocks of
// codes serve the 4 rows (16 accumulators, one 4 x 4 store); one-row
// tiles keep 8 independent chains.
// DOT-LABEL: func @int_matmul_i2_channel_tiles
// DOT: scf.if
// DOT: scf.forall (%[[TILE:.*]], %[[ROW:.*]]) in (1, %{{.*}})
// DOT: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// DOT-COUNT-4: vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<4x32xi8>, vector<32xi8>
// DOT-COUNT-4: vector.shuffle
// DOT: %[[X:.*]] = vector.transfer_read %{{.*}} : tensor<?x100xi8>, vector<64xi8>
// DOT-COUNT-4: tern.dot_u8s8 %{{.*}}, %{{.*}}, %[[X]] {small_codes}
// DOT: %[[X1:.*]] = vector.transfer_read %{{.*}} : tensor<?x100xi8>, vector<64xi8>
// DOT-COUNT-4: tern.dot_u8s8 %{{.*}}, %{{.*}}, %[[X1]] {small_codes}
// DOT: vector.transfer_write {{.*}} : vector<4x4xi32>, tensor<4x4xi32>
// DOT: tensor.parallel_insert_slice
// DOT: scf.if
// DOT: scf.forall (%{{.*}}, %{{.*}}) in (1, %{{.*}})
// DOT: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// DOT-COUNT-4: vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<4x32xi8>, vector<32xi8>
// DOT: %[[Y:.*]] = vector.transfer_read %{{.*}} : tensor<?x100xi8>, vector<64xi8>
// DOT-COUNT-4: tern.dot_u8s8 %{{.*}}, %{{.*}}, %[[Y]] {small_codes}
// DOT: vector.from_elements {{.*}} : vector<4xi32>
// DOT: vector.transfer_write {{.*}} : vector<1x4xi32>, tensor<1x4xi32>
// DOT: tensor.parallel_insert_slice
func.func @int_matmul_i2_channel_tiles(%x: tensor<?x100xi8>) -> tensor<?x4xi32> {
  %w = tern.packed_constant dense_resource<blob4> : tensor<4x32xi8> -> !tern.packed<4x100, #tern.layout<i2, block = 128>>
  %acc = tern.int_matmul %x, %w : tensor<?x100xi8>, !tern.packed<4x100, #tern.layout<i2, block = 128>> -> tensor<?x4xi32>
  return %acc : tensor<?x4xi32>
}

{-#
  dialect_resources: {
    builtin: {
      blob4: "0x010000005555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555",
      blob: "0x010000005555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555"
    }
  }
#-}

