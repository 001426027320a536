// RUN: tern-opt %s -tern-parallel-threshold="min-work=1000" | FileCheck %s

// The region runs on many threads only when trip count times body work
// reaches min-work: here 4 operations (load, add, store, yield) times a
// 32-iteration inner loop, plus the omp.yield (129), times the outer
// trips.
// CHECK-LABEL: func @dynamic_rows
// CHECK-SAME: (%[[M:.*]]: memref<?x32xf32>, %[[N:.*]]: index)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[BODY:.*]] = arith.constant 129 : index
// CHECK: %[[SPAN:.*]] = arith.subi %[[N]], %[[C0]] : index
// CHECK: %[[TRIPS:.*]] = arith.ceildivsi %[[SPAN]], %[[C1]] : index
// CHECK: %[[WORK:.*]] = arith.muli %[[BODY]], %[[TRIPS]] : index
// CHECK: %[[MIN:.*]] = arith.constant 1000 : index
// CHECK: %[[ENOUGH:.*]] = arith.cmpi sge, %[[WORK]], %[[MIN]] : index
// CHECK: omp.parallel if(%[[ENOUGH]])
func.func @dynamic_rows(%m: memref<?x32xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        scf.for %j = %c0 to %c32 step %c1 {
          %v = memref.load %m[%i, %j] : memref<?x32xf32>
          %w = arith.addf %v, %v : f32
          memref.store %w, %m[%i, %j] : memref<?x32xf32>
        }
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// A region that already has an if clause keeps it.
// CHECK-LABEL: func @given_if
// CHECK-SAME: (%[[COND:.*]]: i1
// CHECK: omp.parallel if(%[[COND]])
// CHECK-NOT: arith.cmpi
func.func @given_if(%cond: i1, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel if(%cond) {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
