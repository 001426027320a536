// RUN: tern-opt %s -split-input-file -tern-gpu-managed-buffers | FileCheck %s
// RUN: tern-opt %s -split-input-file -tern-gpu-managed-buffers=host-memory | FileCheck %s --check-prefix=HOST

// A buffer a parallel loop (a kernel) reads goes to device memory, freed
// by a gpu.dealloc; a buffer inside the loop (a kernel's own) stays a
// memref.alloc.
// CHECK-LABEL: func @kernel_buffer
// CHECK: %[[A:.*]] = gpu.alloc  (%arg0) : memref<?xf32>
// CHECK: scf.parallel
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: memref.dealloc %{{.*}} : memref<4xf32>
// CHECK: gpu.dealloc  %[[A]] : memref<?xf32>
// CHECK-NOT: memref.dealloc
func.func @kernel_buffer(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %t = memref.alloc() : memref<4xf32>
    %v = memref.load %a[%i] : memref<?xf32>
    memref.store %v, %t[%c0] : memref<4xf32>
    memref.dealloc %t : memref<4xf32>
    scf.reduce
  }
  memref.dealloc %a : memref<?xf32>
  return
}

// -----

// A shape vector the host builds for a reshape stays host memory; the
// reshaped buffer, which the function returns, is device memory.
// CHECK-LABEL: func @shape_vector
// CHECK: %[[SHAPE:.*]] = memref.alloc() : memref<2xi64>
// CHECK: memref.store %{{.*}}, %[[SHAPE]][%{{.*}}] : memref<2xi64>
// CHECK: %[[DATA:.*]] = gpu.alloc  (%arg0) : memref<?xf32>
// CHECK: memref.reshape %[[DATA]](%[[SHAPE]])
// CHECK: memref.dealloc %[[SHAPE]] : memref<2xi64>
func.func @shape_vector(%n: index, %rows: i64, %cols: i64) -> memref<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %shape = memref.alloc() : memref<2xi64>
  memref.store %rows, %shape[%c0] : memref<2xi64>
  memref.store %cols, %shape[%c1] : memref<2xi64>
  %data = memref.alloc(%n) : memref<?xf32>
  %r = memref.reshape %data(%shape) : (memref<?xf32>, memref<2xi64>) -> memref<?x?xf32>
  memref.dealloc %shape : memref<2xi64>
  return %r : memref<?x?xf32>
}

// -----

// A copy out of device memory (an argument) becomes a parallel loop over
// its elements (a kernel), and its target device memory; a copy between
// the host's own buffers stays a host copy.
// CHECK-LABEL: func @copies
// CHECK: %[[OUT:.*]] = gpu.alloc  () : memref<3x4xf32>
// CHECK: %[[VIEW:.*]] = memref.subview %[[OUT]]
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%[[C0]], %[[C0]]) to (%[[C3]], %[[C2]]) step (%[[C1]], %[[C1]])
// CHECK-NEXT: %[[V:.*]] = memref.load %arg0[%[[I]], %[[J]]] : memref<3x2xf32>
// CHECK-NEXT: memref.store %[[V]], %[[VIEW]][%[[I]], %[[J]]]
// CHECK: %[[H0:.*]] = memref.alloc() : memref<2xi64>
// CHECK: %[[H1:.*]] = memref.alloc() : memref<2xi64>
// CHECK: memref.copy %[[H0]], %[[H1]] : memref<2xi64> to memref<2xi64>
// CHECK-NOT: memref.copy
func.func @copies(%arg0: memref<3x2xf32>) -> (memref<3x4xf32>, i64) {
  %c0 = arith.constant 0 : index
  %c7 = arith.constant 7 : i64
  %out = memref.alloc() : memref<3x4xf32>
  %view = memref.subview %out[0, 0] [3, 2] [1, 1] : memref<3x4xf32> to memref<3x2xf32, strided<[4, 1]>>
  memref.copy %arg0, %view : memref<3x2xf32> to memref<3x2xf32, strided<[4, 1]>>
  %h0 = memref.alloc() : memref<2xi64>
  memref.store %c7, %h0[%c0] : memref<2xi64>
  %h1 = memref.alloc() : memref<2xi64>
  memref.copy %h0, %h1 : memref<2xi64> to memref<2xi64>
  %v = memref.load %h1[%c0] : memref<2xi64>
  memref.dealloc %h0 : memref<2xi64>
  memref.dealloc %h1 : memref<2xi64>
  return %out, %v : memref<3x4xf32>, i64
}

// -----

// A host buffer copied into device memory goes to device memory too (the
// copy's kernel reads it), and so does one copied from that one: copies
// are decided together.
// CHECK-LABEL: func @copy_chain
// CHECK: %[[A:.*]] = gpu.alloc  () : memref<i64>
// CHECK: %[[B:.*]] = gpu.alloc  () : memref<i64>
// CHECK: scf.parallel
// CHECK: memref.load %[[A]][] : memref<i64>
// CHECK: memref.store %{{.*}}, %[[B]][] : memref<i64>
// CHECK: scf.parallel
// CHECK: memref.load %[[B]][] : memref<i64>
// CHECK: memref.store %{{.*}}, %arg0[] : memref<i64>
// CHECK-NOT: memref.copy
func.func @copy_chain(%arg0: memref<i64>, %x: i64) {
  %a = memref.alloc() : memref<i64>
  memref.store %x, %a[] : memref<i64>
  %b = memref.alloc() : memref<i64>
  memref.copy %a, %b : memref<i64> to memref<i64>
  memref.copy %b, %arg0 : memref<i64> to memref<i64>
  return
}

// -----

// A shape vector put together from a constant piece (as Concat of a
// Shape and a constant gives it) stays host memory: the piece is stored as
// its values, not copied from the global, which is device memory. A
// constant copied into device memory is a copy kernel as any other.
// CHECK-LABEL: func @constant_pieces
// CHECK: %[[SHAPE:.*]] = memref.alloc() : memref<3xi64>
// CHECK: %[[PIECE:.*]] = memref.subview %[[SHAPE]][1] [2] [1]
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[FOUR:.*]] = arith.constant 4 : i64
// CHECK: memref.store %[[FOUR]], %[[PIECE]][%[[C0]]]
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[THIRTYTWO:.*]] = arith.constant 32 : i64
// CHECK: memref.store %[[THIRTYTWO]], %[[PIECE]][%[[C1]]]
// CHECK: memref.reshape %arg0(%[[SHAPE]])
// CHECK: %[[DEVICE:.*]] = gpu.alloc  () : memref<2xi64>
// CHECK: scf.parallel
// CHECK: memref.load %{{.*}} : memref<2xi64>
// CHECK: memref.store %{{.*}}, %[[DEVICE]]
// CHECK-NOT: memref.copy
memref.global "private" constant @heads_and_width : memref<2xi64> = dense<[4, 32]>
func.func @constant_pieces(%arg0: memref<?xf32>, %rows: i64) -> (memref<?x?x?xf32>, memref<2xi64>) {
  %c0 = arith.constant 0 : index
  %piece = memref.get_global @heads_and_width : memref<2xi64>
  %shape = memref.alloc() : memref<3xi64>
  memref.store %rows, %shape[%c0] : memref<3xi64>
  %tail = memref.subview %shape[1] [2] [1] : memref<3xi64> to memref<2xi64, strided<[1], offset: 1>>
  memref.copy %piece, %tail : memref<2xi64> to memref<2xi64, strided<[1], offset: 1>>
  %r = memref.reshape %arg0(%shape) : (memref<?xf32>, memref<3xi64>) -> memref<?x?x?xf32>
  memref.dealloc %shape : memref<3xi64>
  %device = memref.alloc() : memref<2xi64>
  memref.copy %piece, %device : memref<2xi64> to memref<2xi64>
  return %r, %device : memref<?x?x?xf32>, memref<2xi64>
}

// -----

// For the loop nests on the host: the same copy loops and stores, every
// buffer still a memref.alloc.
// HOST-LABEL: func @host_memory
// HOST: %[[OUT:.*]] = memref.alloc() : memref<4xf32>
// HOST: scf.parallel
// HOST: memref.load %arg0
// HOST: memref.store %{{.*}}, %[[OUT]]
// HOST: memref.dealloc %[[OUT]]
// HOST-NOT: gpu.
func.func @host_memory(%arg0: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %out = memref.alloc() : memref<4xf32>
  memref.copy %arg0, %out : memref<4xf32> to memref<4xf32>
  %v = memref.load %out[%c0] : memref<4xf32>
  memref.dealloc %out : memref<4xf32>
  return %v : f32
}
