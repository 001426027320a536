// RUN: tern-opt %s -tern-quantize-acts -split-input-file | FileCheck %s

// The activation fake-quant of a PyTorch BitLinear export, one generic per
// ONNX node: s = (1 / max(max |x|, 1e-5)) * 127, y = clip(round(x * s),
// -128, 127) / s. The matmul reads x with W1.58A8 quantization instead.
// CHECK-LABEL: func @fake_quant
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>
// CHECK: tern.matmul %[[X]], %{{.*}}, %{{.*}} quant(per_token_absmax)
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#s = affine_map<(d0, d1) -> ()>
#p = affine_map<(d0, d1) -> (d0, d1)>
func.func @fake_quant(%x: tensor<?x8xf32>, %w: tensor<4x8xi8>, %ws: tensor<f32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %one = arith.constant 1.0 : f32
  %eps = arith.constant dense<9.99999974E-6> : tensor<f32>
  %c127 = arith.constant dense<127.0> : tensor<f32>
  %cm128 = arith.constant dense<-128.0> : tensor<f32>
  %e8 = tensor.empty(%n) : tensor<?x8xf32>
  %e1 = tensor.empty(%n) : tensor<?x1xf32>
  %abs = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x8xf32>) outs(%e8 : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.absf %in : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %init = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<?x1xf32>) -> tensor<?x1xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%abs : tensor<?x8xf32>) outs(%init : tensor<?x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %out, %in : f32
    linalg.yield %r : f32
  } -> tensor<?x1xf32>
  %clamped = linalg.generic {indexing_maps = [#id, #s, #id], iterator_types = ["parallel", "parallel"]} ins(%max, %eps : tensor<?x1xf32>, tensor<f32>) outs(%e1 : tensor<?x1xf32>) {
  ^bb0(%in: f32, %e: f32, %out: f32):
    %r = arith.maximumf %in, %e : f32
    linalg.yield %r : f32
  } -> tensor<?x1xf32>
  %inv = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%clamped : tensor<?x1xf32>) outs(%e1 : tensor<?x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.divf %one, %in : f32
    linalg.yield %r : f32
  } -> tensor<?x1xf32>
  %scale = linalg.generic {indexing_maps = [#id, #s, #id], iterator_types = ["parallel", "parallel"]} ins(%inv, %c127 : tensor<?x1xf32>, tensor<f32>) outs(%e1 : tensor<?x1xf32>) {
  ^bb0(%in: f32, %k: f32, %out: f32):
    %r = arith.mulf %in, %k : f32
    linalg.yield %r : f32
  } -> tensor<?x1xf32>
  %scaled = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %scale : tensor<?x8xf32>, tensor<?x1xf32>) outs(%e8 : tensor<?x8xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %r = arith.mulf %in, %s : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %rounded = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%scaled : tensor<?x8xf32>) outs(%e8 : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.roundeven %in : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %clipped = linalg.generic {indexing_maps = [#id, #s, #s, #id], iterator_types = ["parallel", "parallel"]} ins(%rounded, %cm128, %c127 : tensor<?x8xf32>, tensor<f32>, tensor<f32>) outs(%e8 : tensor<?x8xf32>) {
  ^bb0(%in: f32, %lo: f32, %hi: f32, %out: f32):
    %a = arith.maximumf %in, %lo : f32
    %b = arith.minimumf %a, %hi : f32
    linalg.yield %b : f32
  } -> tensor<?x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%clipped, %scale : tensor<?x8xf32>, tensor<?x1xf32>) outs(%e8 : tensor<?x8xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %r = arith.divf %in, %s : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %out = tern.matmul %y, %w, %ws : tensor<?x8xf32>, tensor<4x8xi8>, tensor<f32> -> tensor<?x4xf32>
  return %out : tensor<?x4xf32>
}

// -----

// The same chain with another eps is not BitNet's quantization (tern.quantize
// clamps at 1e-5): it stays float.
// CHECK-LABEL: func @other_eps
// CHECK-NOT: quant(
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#s = affine_map<(d0, d1) -> ()>
#p = affine_map<(d0, d1) -> (d0, d1)>
func.func @other_eps(%x: tensor<?x8xf32>, %w: tensor<4x8xi8>, %ws: tensor<f32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %one = arith.constant 1.0 : f32
  %eps = arith.constant dense<1.000000e-06> : tensor<f32>
  %c127 = arith.constant dense<127.0> : tensor<f32>
  %cm128 = arith.constant dense<-128.0> : tensor<f32>
  %e8 = tensor.empty(%n) : tensor<?x8xf32>
  %e1 = tensor.empty(%n) : tensor<?x1xf32>
  %abs = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x8xf32>) outs(%e8 : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.absf %in : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %init = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<?x1xf32>) -> tensor<?x1xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%abs : tensor<?x8xf32>) outs(%init : tensor<?x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %out, %in : f32
    linalg.yield %r : f32
  } -> tensor<?x1xf32>
  %clamped = linalg.generic {indexing_maps = [#id, #s, #id], iterator_types = ["parallel", "parallel"]} ins(%max, %eps : tensor<?x1xf32>, tensor<f32>) outs(%e1 : tensor<?x1xf32>) {
  ^bb0(%in: f32, %e: f32, %out: f32):
    %r = arith.maximumf %in, %e : f32
    linalg.yield %r : f32
  } -> tensor<?x1xf32>
  %inv = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%clamped : tensor<?x1xf32>) outs(%e1 : tensor<?x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.divf %one, %in : f32
    linalg.yield %r : f32
  } -> tensor<?x1xf32>
  %scale = linalg.generic {indexing_maps = [#id, #s, #id], iterator_types = ["parallel", "parallel"]} ins(%inv, %c127 : tensor<?x1xf32>, tensor<f32>) outs(%e1 : tensor<?x1xf32>) {
  ^bb0(%in: f32, %k: f32, %out: f32):
    %r = arith.mulf %in, %k : f32
    linalg.yield %r : f32
  } -> tensor<?x1xf32>
  %scaled = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %scale : tensor<?x8xf32>, tensor<?x1xf32>) outs(%e8 : tensor<?x8xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %r = arith.mulf %in, %s : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %rounded = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%scaled : tensor<?x8xf32>) outs(%e8 : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.roundeven %in : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %clipped = linalg.generic {indexing_maps = [#id, #s, #s, #id], iterator_types = ["parallel", "parallel"]} ins(%rounded, %cm128, %c127 : tensor<?x8xf32>, tensor<f32>, tensor<f32>) outs(%e8 : tensor<?x8xf32>) {
  ^bb0(%in: f32, %lo: f32, %hi: f32, %out: f32):
    %a = arith.maximumf %in, %lo : f32
    %b = arith.minimumf %a, %hi : f32
    linalg.yield %b : f32
  } -> tensor<?x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%clipped, %scale : tensor<?x8xf32>, tensor<?x1xf32>) outs(%e8 : tensor<?x8xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %r = arith.divf %in, %s : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  %out = tern.matmul %y, %w, %ws : tensor<?x8xf32>, tensor<4x8xi8>, tensor<f32> -> tensor<?x4xf32>
  return %out : tensor<?x4xf32>
}

