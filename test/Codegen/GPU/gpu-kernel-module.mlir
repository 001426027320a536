// RUN: tern-opt %s -tern-gpu-kernel-module | FileCheck %s

// Kernel outlining makes one gpu.module per kernel, each with its own copy
// of the functions the kernel calls. They become one module (one
// cuModuleLoadData at create), each kernel named after its old module,
// shared functions kept once, and the launches follow. The run-time error
// hook the kernels call gets a body: an atomic max into the module's
// public tern_kernel_error, which the device runtime reads after a run.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK: gpu.module @main_graph_kernel {
// CHECK: memref.global @tern_kernel_error : memref<i32, #gpu.address_space<global>> = dense<0>
// CHECK: gpu.func @main_graph_kernel(%{{.*}}: i32) kernel
// CHECK: func.call @tern_report_runtime_error
// CHECK: func.func private @tern_report_runtime_error(%[[CODE:.*]]: i32) {
// CHECK: %[[FLAG:.*]] = memref.get_global @tern_kernel_error : memref<i32, #gpu.address_space<global>>
// CHECK: memref.atomic_rmw maxs %[[CODE]], %[[FLAG]][] : (i32, memref<i32, #gpu.address_space<global>>) -> i32
// CHECK: gpu.func @main_graph_kernel_0(%{{.*}}: i32) kernel
// CHECK-NOT: func.func private @tern_report_runtime_error
// CHECK: }
// CHECK-NOT: gpu.module
// CHECK: func.func @main_graph
// CHECK: gpu.launch_func @main_graph_kernel::@main_graph_kernel
// CHECK: gpu.launch_func @main_graph_kernel::@main_graph_kernel_0
module attributes {gpu.container_module} {
  gpu.module @main_graph_kernel {
    gpu.func @main_graph_kernel(%code: i32) kernel {
      func.call @tern_report_runtime_error(%code) : (i32) -> ()
      gpu.return
    }
    func.func private @tern_report_runtime_error(i32)
  }
  gpu.module @main_graph_kernel_0 {
    gpu.func @main_graph_kernel(%code: i32) kernel {
      func.call @tern_report_runtime_error(%code) : (i32) -> ()
      gpu.return
    }
    func.func private @tern_report_runtime_error(i32)
  }
  func.func @main_graph(%code: i32) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @main_graph_kernel::@main_graph_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%code : i32)
    gpu.launch_func @main_graph_kernel_0::@main_graph_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%code : i32)
    return
  }
}
