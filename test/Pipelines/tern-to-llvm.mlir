// RUN: tern-opt %s -tern-to-llvm | FileCheck %s
// RUN: tern-opt %s -tern-to-llvm | tern-translate --mlir-to-llvmir | FileCheck %s --check-prefix=LLVMIR

// All the way to the LLVM dialect, with the C interface ternc calls and
// the packed ternary weights in a global.
// CHECK-DAG: llvm.mlir.global private constant @__constant_2x32xi8
// CHECK-DAG: llvm.func @malloc
// CHECK-DAG: llvm.func @free
// CHECK: llvm.func @main_graph(
// CHECK-NOT: tern.
// CHECK: llvm.func @_mlir_ciface_main_graph(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// LLVMIR: define void @_mlir_ciface_main_graph(ptr %0, ptr %1)
func.func @main_graph(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %w = tern.constant dense<[[1, 0, -1], [-1, 1, 0]]> : tensor<2x3xi8>
  %s = arith.constant dense<0.5> : tensor<f32>
  %y = tern.matmul %x, %w, %s quant(per_token_absmax) : tensor<?x3xf32>, tensor<2x3xi8>, tensor<f32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
