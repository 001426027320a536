// RUN: tern-opt %s -tern-pack-weights="format=i2 block=8" | FileCheck %s --check-prefix=I2
// RUN: tern-opt %s -tern-pack-weights="format=tq1 block=5" | FileCheck %s --check-prefix=TQ1
// RUN: tern-opt %s -tern-pack-weights="format=none" | FileCheck %s --check-prefix=NONE
// The packed bytes round-trip exactly: unittests/Dialect/PackingTest.cpp,
// and the unpack folds in test/Dialect/Tern/canonicalize.mlir.

// Weights of ternary matmuls move into a dense_resource blob of packed
// bytes; the blob holds 1 x 2 bytes for i2 (8 weights at 2 bits) and
// 1 x 2 bytes for tq1 (8 weights pad to two blocks of 5).
// I2-LABEL: func @pack
// I2: %[[P:.*]] = tern.packed_constant dense_resource<tern_packed_weights> : tensor<1x2xi8> -> !tern.packed<1x8, #tern.layout<i2, block = 8>>
// I2: tern.int_matmul %{{.*}}, %[[P]] : tensor<?x8xi8>, !tern.packed<1x8, #tern.layout<i2, block = 8>> -> tensor<?x1xi32>
// I2-NOT: tern.constant
// The bytes: -122 = 0x86 and 100 = 0x64 (see test/Dialect/Tern/canonicalize.mlir),
// after the blob's alignment (64, a cache line).
// I2: tern_packed_weights: "0x400000008664"
// TQ1: tern.packed_constant dense_resource<tern_packed_weights> : tensor<1x2xi8> -> !tern.packed<1x8, #tern.layout<tq1, block = 5>>
// NONE: tern.constant dense<{{\[\[}}1, 0, -1, 1, 0, 0, 1, -1]]> : tensor<1x8xi8>
// NONE-NOT: tern.packed_constant
func.func @pack(%x: tensor<?x8xi8>) -> tensor<?x1xi32> {
  %w = tern.constant dense<[[1, 0, -1, 1, 0, 0, 1, -1]]> : tensor<1x8xi8>
  %acc = tern.int_matmul %x, %w : tensor<?x8xi8>, tensor<1x8xi8> -> tensor<?x1xi32>
  return %acc : tensor<?x1xi32>
}
