// RUN: tern-opt %s -tern-quantize-weights="min-elements=1" -split-input-file | FileCheck %s
// RUN: tern-opt %s -tern-quantize-weights -split-input-file | FileCheck %s --check-prefix=DEFAULT

// A K x N float weight becomes int8 codes in N x K order with one absmax
// scale per output channel (column): s = max |w| / 127, q = round(w / s).
// An all-zero channel gets scale 1. Each channel is one block, padded with
// zero codes to the 4/8-bit kernels' step of 64: rows [50, -127],
// [-127, 51], [0, 0].
// CHECK-LABEL: func @head
// CHECK-DAG: %[[CODES:.*]] = arith.constant dense<"0x3281{{(00)+}}8133{{(00)+}}"> : tensor<3x64xi8>
// CHECK-DAG: %[[SCALES:.*]] = arith.constant dense<{{\[}}[2.000000e-02], [0.00393700786], [1.000000e+00]]> : tensor<3x1xf32>
// CHECK: %[[Y:.*]] = tern.quant_matmul %arg0, %[[CODES]], %[[SCALES]] {bits = 8 : i64, block_size = 64 : i64, k = 2 : i64, signed_codes} : tensor<?x2xf32>, tensor<3x64xi8>, tensor<3x1xf32> -> tensor<?x3xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[Y]]
// Below the default 4096 elements nothing changes.
// DEFAULT-LABEL: func @head
// DEFAULT-NOT: tern.quant_matmul
// DEFAULT: linalg.matmul
func.func @head(%x: tensor<?x2xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x2xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty(%m) : tensor<?x3xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x3xf32>) -> tensor<?x3xf32>
  %w = arith.constant dense<[[1.0, -0.5, 0.0], [-2.54, 0.2, 0.0]]> : tensor<2x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x2xf32>, tensor<2x3xf32>) outs(%acc : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// Gemm with transB = 1: the N x K constant is quantized along its rows and
// the transpose goes; a nonzero init is still added.
// CHECK-LABEL: func @transposed_with_bias
// CHECK-DAG: arith.constant dense<"0x7FC0{{(00)+}}007F{{(00)+}}"> : tensor<2x64xi8>
// CHECK: %[[Y:.*]] = tern.quant_matmul %arg0
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {{.*}} ins(%[[Y]] : tensor<4x2xf32>) outs(%arg1 : tensor<4x2xf32>)
// CHECK: arith.addf
func.func @transposed_with_bias(%x: tensor<4x2xf32>, %bias: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[2.0, -1.0], [0.0, 3.0]]> : tensor<2x2xf32>
  %empty = tensor.empty() : tensor<2x2xf32>
  %wt = linalg.transpose ins(%w : tensor<2x2xf32>) outs(%empty : tensor<2x2xf32>) permutation = [1, 0]
  %y = linalg.matmul ins(%x, %wt : tensor<4x2xf32>, tensor<2x2xf32>) outs(%bias : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// An embedding table read element by element (the importer's Gather) reads
// int8 codes times its row's scale.
// CHECK-LABEL: func @embedding
// CHECK-DAG: %[[CODES:.*]] = arith.constant dense<{{\[}}[51, -127, 32], [127, 0, -127]]> : tensor<2x3xi8>
// CHECK-DAG: %[[SCALES:.*]] = arith.constant dense<[0.00787401571, 0.0157480314]> : tensor<2xf32>
// CHECK: linalg.generic
// CHECK: %[[Q:.*]] = tensor.extract %[[CODES]][%{{.*}}, %{{.*}}] : tensor<2x3xi8>
// CHECK: %[[S:.*]] = tensor.extract %[[SCALES]][%{{.*}}] : tensor<2xf32>
// CHECK: %[[F:.*]] = arith.sitofp %[[Q]] : i8 to f32
// CHECK: %[[V:.*]] = arith.mulf %[[F]], %[[S]] : f32
// CHECK: linalg.yield %[[V]]
// CHECK-NOT: tensor<2x3xf32>
func.func @embedding(%ids: tensor<5xindex>) -> tensor<5x3xf32> {
  %table = arith.constant dense<[[0.4, -1.0, 0.25], [2.0, 0.0, -2.0]]> : tensor<2x3xf32>
  %empty = tensor.empty() : tensor<5x3xf32>
  %rows = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%ids : tensor<5xindex>) outs(%empty : tensor<5x3xf32>) {
  ^bb0(%id: index, %out: f32):
    %col = linalg.index 1 : index
    %v = tensor.extract %table[%id, %col] : tensor<2x3xf32>
    linalg.yield %v : f32
  } -> tensor<5x3xf32>
  return %rows : tensor<5x3xf32>
}

// -----

// A table that is also read whole stays float: quantizing the element reads
// alone would keep both copies.
// CHECK-LABEL: func @table_read_whole
// CHECK-NOT: xi8>
// CHECK: tensor.extract %{{.*}} : tensor<2x2xf32>
func.func @table_read_whole(%i: index) -> (f32, tensor<2x2xf32>) {
  %table = arith.constant dense<[[0.5, -1.0], [2.0, 0.0]]> : tensor<2x2xf32>
  %v = tensor.extract %table[%i, %i] : tensor<2x2xf32>
  return %v, %table : f32, tensor<2x2xf32>
}

// -----

// A weight that is not finite stays float: no code stands for it.
// CHECK-LABEL: func @not_finite
// CHECK-NOT: tern.quant_matmul
// CHECK: linalg.matmul
func.func @not_finite(%x: tensor<4x2xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[0x7F800000, 1.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
