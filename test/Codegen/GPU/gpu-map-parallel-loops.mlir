// RUN: tern-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect -tern-gpu-map-parallel-loops -cse | FileCheck %s

// A 2-D loop becomes one dimension of 3 x 100 iterations, the last the
// fastest, in blocks of 256 threads: block_x steps by 256 through the 300,
// thread_x inside, guarded past the end. The loop nested in the body runs
// sequentially in each thread.
// CHECK-LABEL: func @two_dims
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C100:.*]] = arith.constant 100 : index
// CHECK: %[[ROWS:.*]] = arith.muli %{{.*}}, %[[C3]] : index
// CHECK: %[[TOTAL:.*]] = arith.muli %[[ROWS]], %[[C100]] : index
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[STEP:.*]] = arith.muli %{{.*}}, %[[C256]] : index
// CHECK: scf.parallel (%[[B:.*]]) = (%{{.*}}) to (%[[TOTAL]]) step (%[[STEP]]) {
// CHECK: scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[STEP]]) step (%{{.*}}) {
// CHECK: %[[LINEAR:.*]] = arith.addi %[[T]], %[[B]] : index
// CHECK: arith.cmpi ult, %{{.*}}, %[[TOTAL]] : index
// CHECK: scf.if
// CHECK: %[[J:.*]] = arith.remsi %[[LINEAR]], %[[C100]] : index
// CHECK: %[[I:.*]] = arith.divsi %[[LINEAR]], %[[C100]] : index
// CHECK: scf.parallel (%[[K:.*]]) =
// CHECK: "test.use"(%[[I]], %[[J]], %[[K]])
// CHECK: {mapping = [#gpu.loop_dim_map<processor = sequential, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
func.func @two_dims(%m: memref<3x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c100 = arith.constant 100 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c3, %c100) step (%c1, %c1) {
    scf.parallel (%k) = (%c0) to (%c4) step (%c1) {
      "test.use"(%i, %j, %k) : (index, index, index) -> ()
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// A loop that reduces across iterations has no kernel form yet.
func.func @reduction(%m: memref<100xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{a parallel loop with reductions cannot be mapped to the GPU yet}}
  %sum = scf.parallel (%i) = (%c0) to (%c100) step (%c1) init (%zero) -> f32 {
    %v = memref.load %m[%i] : memref<100xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
