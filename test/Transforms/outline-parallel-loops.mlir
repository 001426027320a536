// RUN: tern-opt %s -tern-outline-parallel-loops | FileCheck %s

// Each outermost scf.parallel moves into a private function named after
// its own (placed before it), called with what the loop reads; loops
// nested in another one move with it, and code between the loops stays.
// CHECK: func.func private @model_parallel_0(%{{.*}}: f32, %{{.*}}: memref<?xf32>,
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: return
// CHECK: func.func private @model_parallel_1(%{{.*}}: memref<?xf32>, %{{.*}}: memref<4x?xf32>,
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: func.func @model
// CHECK-NOT: scf.parallel
// CHECK: call @model_parallel_0(
// CHECK: memref.store
// CHECK: call @model_parallel_1(
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @model(%a: memref<?xf32>, %b: memref<4x?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %one, %a[%i] : memref<?xf32>
    scf.reduce
  }
  memref.store %one, %a[%c0] : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      %v = memref.load %a[%j] : memref<?xf32>
      memref.store %v, %b[%i, %j] : memref<4x?xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// A declaration has nothing to outline.
// CHECK: func.func private @hook(i32)
func.func private @hook(i32)
