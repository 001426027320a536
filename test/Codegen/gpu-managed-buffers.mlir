// RUN: tern-opt %s -tern-gpu-managed-buffers | FileCheck %s

// The host code's buffers become host-shared GPU allocations, freed by an
// asynchronous gpu.dealloc that is waited for at once; a buffer inside a
// parallel loop (a kernel's own) stays a memref.alloc.
// CHECK-LABEL: func @buffers
// CHECK: %[[A:.*]] = gpu.alloc host_shared (%arg0) : memref<?xf32>
// CHECK: scf.parallel
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: memref.dealloc %{{.*}} : memref<4xf32>
// CHECK: %[[READY:.*]] = gpu.wait async
// CHECK: %[[FREED:.*]] = gpu.dealloc async [%[[READY]]] %[[A]] : memref<?xf32>
// CHECK: gpu.wait [%[[FREED]]]
// CHECK-NOT: memref.dealloc
func.func @buffers(%n: index) {
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
