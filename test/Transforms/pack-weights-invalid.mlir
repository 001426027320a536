// RUN: not tern-opt %s -tern-pack-weights="format=i2 block=6" 2>&1 | FileCheck %s

// A block that is not a whole number of bytes is refused.
// CHECK: error: block of a 'i2' layout must be a positive multiple of 4, got 6
func.func @pack(%x: tensor<?x8xi8>) -> tensor<?x1xi32> {
  %w = tern.constant dense<[[1, 0, -1, 1, 0, 0, 1, -1]]> : tensor<1x8xi8>
  %acc = tern.int_matmul %x, %w : tensor<?x8xi8>, tensor<1x8xi8> -> tensor<?x1xi32>
  return %acc : tensor<?x1xi32>
}
