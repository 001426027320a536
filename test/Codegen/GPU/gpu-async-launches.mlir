// RUN: tern-opt %s -split-input-file -tern-gpu-async-launches | FileCheck %s

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%a: memref<?xf32>) kernel { gpu.return }
  }
  func.func private @tern_report_runtime_error(i32)

  // Allocations, launches and frees follow one another on one stream; the
  // host's own shape vector, the reshape of a device buffer by it, and the
  // external error report wait for nothing. The host waits before it
  // reads a kernel's result, and the function ends with the GPU idle.
  // CHECK-LABEL: func @chain
  // CHECK: %[[S0:.*]] = gpu.wait async
  // CHECK-NEXT: %[[A:.*]], %[[T0:.*]] = gpu.alloc async [%[[S0]]] (%arg0) : memref<?xf32>
  // CHECK-NEXT: %[[T1:.*]] = gpu.launch_func async [%[[T0]]] @kernels::@k
  // CHECK-NEXT: memref.alloc() : memref<1xi64>
  // CHECK-NEXT: arith.index_cast
  // CHECK-NEXT: memref.store
  // CHECK-NEXT: memref.reshape %[[A]]
  // CHECK-NEXT: call @tern_report_runtime_error
  // CHECK-NEXT: %[[T2:.*]] = gpu.launch_func async [%[[T1]]] @kernels::@k
  // CHECK-NEXT: gpu.wait [%[[T2]]]
  // CHECK-NEXT: memref.load %[[A]]
  // CHECK-NEXT: %[[S1:.*]] = gpu.wait async
  // CHECK-NEXT: %[[T3:.*]] = gpu.dealloc async [%[[S1]]] %[[A]] : memref<?xf32>
  // CHECK-NEXT: gpu.wait [%[[T3]]]
  // CHECK-NEXT: return
  func.func @chain(%n: index, %code: i32) -> f32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %a = gpu.alloc (%n) : memref<?xf32>
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    %shape = memref.alloc() : memref<1xi64>
    %n64 = arith.index_cast %n : index to i64
    memref.store %n64, %shape[%c0] : memref<1xi64>
    %r = memref.reshape %a(%shape) : (memref<?xf32>, memref<1xi64>) -> memref<?xf32>
    func.call @tern_report_runtime_error(%code) : (i32) -> ()
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%r : memref<?xf32>)
    %v = memref.load %a[%c0] : memref<?xf32>
    gpu.dealloc %a : memref<?xf32>
    return %v : f32
  }

  // Host code in a region that writes device memory (an argument) waits
  // before the region; GPU work inside a region starts its own stream and
  // ends at the region's terminator.
  // CHECK-LABEL: func @regions
  // CHECK: %[[T0:.*]] = gpu.launch_func async
  // CHECK-NEXT: gpu.wait [%[[T0]]]
  // CHECK-NEXT: scf.if
  // CHECK-NEXT: memref.store
  // CHECK-NEXT: }
  // CHECK-NEXT: scf.for
  // CHECK-NEXT: %[[S:.*]] = gpu.wait async
  // CHECK-NEXT: %[[T1:.*]] = gpu.launch_func async [%[[S]]]
  // CHECK-NEXT: gpu.wait [%[[T1]]]
  // CHECK-NEXT: }
  // CHECK-NEXT: return
  func.func @regions(%a: memref<?xf32>, %flag: i1, %x: f32) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    scf.if %flag {
      memref.store %x, %a[%c0] : memref<?xf32>
    }
    scf.for %i = %c0 to %c4 step %c1 {
      gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    }
    return
  }
}
