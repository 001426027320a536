// RUN: tern-opt %s -tern-linalg-to-llvm | FileCheck %s

// A reshape that splits one dynamic size in two, whose sizes are read
// back: the pipeline takes them from the expand_shape's output_shape
// (expand-strided-metadata alone crashes on this in LLVM 22).
// CHECK-LABEL: llvm.func @main_graph
// CHECK-NOT: memref.
func.func @main_graph(%x: tensor<?x64xf32>, %a: index, %b: index) -> tensor<?x?x64xf32> {
  %e = tensor.expand_shape %x [[0, 1], [2]] output_shape [%a, %b, 64] : tensor<?x64xf32> into tensor<?x?x64xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %e, %c0 : tensor<?x?x64xf32>
  %d1 = tensor.dim %e, %c1 : tensor<?x?x64xf32>
  %init = tensor.empty(%d0, %d1) : tensor<?x?x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, j, k)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%e : tensor<?x?x64xf32>) outs(%init : tensor<?x?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %in : f32
    linalg.yield %s : f32
  }  -> tensor<?x?x64xf32>
  return %r : tensor<?x?x64xf32>
}
