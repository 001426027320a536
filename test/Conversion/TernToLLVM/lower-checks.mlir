// RUN: tern-opt %s -tern-lower-checks -split-input-file | FileCheck %s

// Each check calls the runtime's error hook with the runtime's code for its
// error (tern/ABI/ModelABI.h) when its condition is false; the
// module declares the hook once. The importer's `ok = failed xor true` is
// read back as `failed`.
// CHECK: func.func private @tern_report_runtime_error(i32)
// CHECK-LABEL: func @checks
// CHECK-SAME: (%[[A:.*]]: index, %[[B:.*]]: index, %[[OK:.*]]: i1)
// CHECK: %[[NE:.*]] = arith.cmpi ne, %[[A]], %[[B]]
// CHECK-NOT: arith.xori
// CHECK: scf.if %[[NE]] {
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : i32
// CHECK-NEXT: func.call @tern_report_runtime_error(%[[C2]]) : (i32) -> ()
// CHECK: %[[F1:.*]] = arith.xori %[[OK]], %{{.*}} : i1
// CHECK: scf.if %[[F1]] {
// CHECK-NEXT: arith.constant 1 : i32
// CHECK: %[[F3:.*]] = arith.xori %[[OK]], %{{.*}} : i1
// CHECK: scf.if %[[F3]] {
// CHECK-NEXT: arith.constant 3 : i32
// CHECK: %[[F4:.*]] = arith.xori %[[OK]], %{{.*}} : i1
// CHECK: scf.if %[[F4]] {
// CHECK-NEXT: arith.constant 4 : i32
// CHECK-NOT: tern.check
func.func @checks(%a: index, %b: index, %ok: i1) {
  %ne = arith.cmpi ne, %a, %b : index
  %true = arith.constant true
  %eq = arith.xori %ne, %true : i1
  tern.check %eq, reshape_mismatch
  tern.check %ok, index_out_of_range
  tern.check %ok, shape_mismatch
  tern.check %ok, sequence_length
  return
}

// -----

// Checks inside op bodies (a Gather's index in a linalg.generic) lower in
// place, and a module that declares the hook already keeps its declaration.
// CHECK: func.func private @tern_report_runtime_error(i32)
// CHECK-NOT: func.func private @tern_report_runtime_error
// CHECK: linalg.generic
// CHECK: scf.if
// CHECK: func.call @tern_report_runtime_error
// CHECK: linalg.yield
func.func private @tern_report_runtime_error(i32)
func.func @in_body(%ids: tensor<4xindex>, %n: index) -> tensor<4xindex> {
  %init = tensor.empty() : tensor<4xindex>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%ids : tensor<4xindex>) outs(%init : tensor<4xindex>) {
  ^bb0(%id: index, %out: index):
    %inside = arith.cmpi ult, %id, %n : index
    tern.check %inside, index_out_of_range
    linalg.yield %id : index
  } -> tensor<4xindex>
  return %r : tensor<4xindex>
}

// -----

// Without checks the module stays as it was: no declaration.
// CHECK-LABEL: func @no_checks
// CHECK-NOT: tern_report_runtime_error
func.func @no_checks() {
  return
}
