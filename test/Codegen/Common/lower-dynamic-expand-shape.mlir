// RUN: tern-opt %s -tern-lower-dynamic-expand-shape -split-input-file | FileCheck %s

// One dynamic size split in two: a reinterpret_cast of the base buffer
// with the output sizes and row-major strides.
// CHECK-LABEL: func @split
// CHECK-SAME: (%[[X:.*]]: memref<?x64xf32>, %[[A:.*]]: index, %[[B:.*]]: index)
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[BASE:.*]], %{{.*}}, %{{.*}}:2, %{{.*}}:2 = memref.extract_strided_metadata %[[X]]
// CHECK: %[[S0:.*]] = arith.muli %[[B]], %[[C64]] : index
// CHECK: memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%[[A]], %[[B]], 64], strides: [%[[S0]], 64, 1] : memref<f32> to memref<?x?x64xf32>
// CHECK-NOT: memref.expand_shape
func.func @split(%x: memref<?x64xf32>, %a: index, %b: index) -> memref<?x?x64xf32> {
  %e = memref.expand_shape %x [[0, 1], [2]] output_shape [%a, %b, 64] : memref<?x64xf32> into memref<?x?x64xf32>
  return %e : memref<?x?x64xf32>
}

// -----

// One dynamic size per group: upstream handles it; left alone.
// CHECK-LABEL: func @single_dynamic
// CHECK: memref.expand_shape
// CHECK-NOT: memref.reinterpret_cast
func.func @single_dynamic(%x: memref<?x64xf32>, %a: index) -> memref<?x4x16xf32> {
  %e = memref.expand_shape %x [[0], [1, 2]] output_shape [%a, 4, 16] : memref<?x64xf32> into memref<?x4x16xf32>
  return %e : memref<?x4x16xf32>
}

// -----

// A strided source (a padded result cut to size) keeps its offset and the
// stride of the dimension that is split.
// CHECK-LABEL: func @strided_source
// CHECK-SAME: (%[[X:.*]]: memref<?x64xf32, strided<[128, 1], offset: 8>>, %[[A:.*]]: index, %[[B:.*]]: index)
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[BASE:.*]], %{{.*}}, %{{.*}}:2, %{{.*}}:2 = memref.extract_strided_metadata %[[X]]
// CHECK: %[[S0:.*]] = arith.muli %[[B]], %[[C128]] : index
// CHECK: memref.reinterpret_cast %[[BASE]] to offset: [8], sizes: [%[[A]], %[[B]], 64], strides: [%[[S0]], 128, 1] : memref<f32> to memref<?x?x64xf32, strided<[?, 128, 1], offset: 8>>
// CHECK-NOT: memref.expand_shape
func.func @strided_source(%x: memref<?x64xf32, strided<[128, 1], offset: 8>>, %a: index, %b: index) -> memref<?x?x64xf32, strided<[?, 128, 1], offset: 8>> {
  %e = memref.expand_shape %x [[0, 1], [2]] output_shape [%a, %b, 64] : memref<?x64xf32, strided<[128, 1], offset: 8>> into memref<?x?x64xf32, strided<[?, 128, 1], offset: 8>>
  return %e : memref<?x?x64xf32, strided<[?, 128, 1], offset: 8>>
}
