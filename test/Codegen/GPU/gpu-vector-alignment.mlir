// RUN: tern-opt %s -allow-unregistered-dialect -pass-pipeline='builtin.module(gpu.module(gpu.func(tern-gpu-vector-alignment)))' | FileCheck %s
// RUN: tern-opt %s -allow-unregistered-dialect -pass-pipeline='builtin.module(gpu.module(gpu.func(tern-gpu-vector-alignment{base-alignment=16})))' | FileCheck %s --check-prefix=BASE16

gpu.module @kernels {
  // Rows of 96 packed bytes read 32 at a time at columns that are
  // multiples of 32 (a block index times 32): every address is a multiple
  // of 32, the load's size. Activation rows of 300 bytes are only known to
  // start at multiples of 4; the masked load past the end keeps that too.
  // With buffers only known to start at multiples of 16, 16 is the most.
  // CHECK-LABEL: gpu.func @rows
  // CHECK: vector.load %arg0[%{{.*}}, %{{.*}}] {alignment = 32 : i64} : memref<4x96xi8>, vector<32xi8>
  // CHECK: vector.maskedload %arg1[%{{.*}}, %{{.*}}], %{{.*}}, %{{.*}} {alignment = 4 : i64} : memref<?x300xi8>, vector<64xi1>, vector<64xi8> into vector<64xi8>
  // CHECK: vector.store %{{.*}}, %arg2[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<?x4xi32>, vector<4xi32>
  // BASE16-LABEL: gpu.func @rows
  // BASE16: vector.load %arg0[%{{.*}}, %{{.*}}] {alignment = 16 : i64}
  gpu.func @rows(%codes: memref<4x96xi8>, %x: memref<?x300xi8>, %out: memref<?x4xi32>, %row: index, %block: index) kernel {
    %c0 = arith.constant 0 : index
    %c32 = arith.constant 32 : index
    %c128 = arith.constant 128 : index
    %zero = arith.constant 0 : i8
    %column = arith.muli %block, %c32 : index
    %bytes = vector.transfer_read %codes[%row, %column], %zero {in_bounds = [true]} : memref<4x96xi8>, vector<32xi8>
    %k = arith.muli %block, %c128 : index
    %acts = vector.transfer_read %x[%row, %k], %zero : memref<?x300xi8>, vector<64xi8>
    %sums = arith.constant dense<0> : vector<4xi32>
    vector.transfer_write %sums, %out[%row, %c0] {in_bounds = [true]} : vector<4xi32>, memref<?x4xi32>
    "test.use"(%bytes, %acts) : (vector<32xi8>, vector<64xi8>) -> ()
    gpu.return
  }

  // A loop's induction variable counts by its step from its lower bound:
  // starting at a thread's slice (any value) it is no multiple of anything,
  // so loads at it keep the element's alignment (none is set); from 0 by 2
  // it is even, twice 16 floats' 64 bytes.
  // CHECK-LABEL: gpu.func @loops
  // CHECK: vector.load %arg0[%{{.*}}] : memref<1024xf32>, vector<16xf32>
  // CHECK: vector.load %arg0[%{{.*}}] {alignment = 64 : i64} : memref<1024xf32>, vector<16xf32>
  gpu.func @loops(%a: memref<1024xf32>, %slice: index) kernel {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %c16 = arith.constant 16 : index
    %c64 = arith.constant 64 : index
    scf.for %i = %slice to %c64 step %c2 {
      %v = vector.load %a[%i] : memref<1024xf32>, vector<16xf32>
      "test.use"(%v) : (vector<16xf32>) -> ()
    }
    scf.for %i = %c0 to %c64 step %c2 {
      %offset = arith.muli %i, %c16 : index
      %v = vector.load %a[%offset] : memref<1024xf32>, vector<16xf32>
      "test.use"(%v) : (vector<16xf32>) -> ()
    }
    gpu.return
  }

  // A buffer the kernel allocates, or a view at a dynamic offset, promises
  // nothing.
  // CHECK-LABEL: gpu.func @not_arguments
  // CHECK-NOT: alignment
  // CHECK: gpu.return
  gpu.func @not_arguments(%a: memref<64xf32, strided<[1], offset: ?>>) kernel {
    %c0 = arith.constant 0 : index
    %local = memref.alloca() : memref<64xf32>
    %v = vector.load %local[%c0] : memref<64xf32>, vector<16xf32>
    %w = vector.load %a[%c0] : memref<64xf32, strided<[1], offset: ?>>, vector<16xf32>
    "test.use"(%v, %w) : (vector<16xf32>, vector<16xf32>) -> ()
    gpu.return
  }
}
