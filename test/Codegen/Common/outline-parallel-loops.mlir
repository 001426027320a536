// RUN: tern-opt %s -tern-outline-parallel-loops -split-input-file | FileCheck %s

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

// -----

// Two layers' loops that differ only in the buffers and bounds they get
// are one function, called twice; a loop with another body is another.
// CHECK-LABEL: func.func private @layers_parallel_0(
// CHECK: arith.addf
// CHECK-NOT: func.func private @layers_parallel_1(
// CHECK: func.func private @layers_parallel_2(
// CHECK: arith.mulf
// CHECK-LABEL: func.func @layers
// CHECK: call @layers_parallel_0(%arg0,
// CHECK: call @layers_parallel_0(%arg1,
// CHECK: call @layers_parallel_2(
func.func @layers(%a: memref<?xf32>, %b: memref<?xf32>, %n: index, %m: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %a[%i] : memref<?xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %a[%i] : memref<?xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%m) step (%c1) {
    %v = memref.load %b[%i] : memref<?xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %b[%i] : memref<?xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%m) step (%c1) {
    %v = memref.load %b[%i] : memref<?xf32>
    %w = arith.mulf %v, %v : f32
    memref.store %w, %b[%i] : memref<?xf32>
    scf.reduce
  }
  return
}
