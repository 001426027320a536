// RUN: tern-opt %s --tern-serialize-inner-loops | FileCheck %s

// A copy over [?, 4, 128]: the outer two dimensions stay parallel, the
// innermost runs in order inside them.
// CHECK-LABEL: func.func @copy
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0, %c0) to (%{{.*}}, %c4) step (%c1, %c1)
// CHECK-NEXT: scf.for %[[K:.*]] = %c0 to %c128 step %c1
// CHECK-NEXT: memref.load %arg0[%[[I]], %[[J]], %[[K]]]
// CHECK-NEXT: memref.store {{.*}}, %arg1[%[[I]], %[[J]], %[[K]]]
func.func @copy(%a: memref<?x4x128xf32>, %b: memref<?x4x128xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c128 = arith.constant 128 : index
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%n, %c4, %c128) step (%c1, %c1, %c1) {
    %v = memref.load %a[%i, %j, %k] : memref<?x4x128xf32>
    memref.store %v, %b[%i, %j, %k] : memref<?x4x128xf32>
    scf.reduce
  }
  return
}

// A kernel with a loop of its own keeps every dimension parallel (a GEMV's
// only parallelism is its channels), and so does a one-dimensional loop.
// CHECK-LABEL: func.func @kernel
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) =
// CHECK: scf.for
// CHECK-LABEL: func.func @flat
// CHECK: scf.parallel (%{{.*}}) =
// CHECK-NOT: scf.for
func.func @kernel(%a: memref<?x64xf32>, %b: memref<?x8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c8) step (%c1, %c1) {
    %s = scf.for %k = %c0 to %c64 step %c1 iter_args(%acc = %z) -> f32 {
      %v = memref.load %a[%i, %k] : memref<?x64xf32>
      %t = arith.addf %acc, %v : f32
      scf.yield %t : f32
    }
    memref.store %s, %b[%i, %j] : memref<?x8xf32>
    scf.reduce
  }
  return
}
func.func @flat(%a: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %z, %a[%i] : memref<?xf32>
    scf.reduce
  }
  return
}
