// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @check_not_i1(%ok: i32) {
  // expected-error @+1 {{'tern.check' op operand #0 must be 1-bit signless integer, but got 'i32'}}
  "tern.check"(%ok) {error = #tern<run_error shape_mismatch>} : (i32) -> ()
  return
}

// -----

func.func @check_unknown_error(%ok: i1) {
  // expected-error @+2 {{expected ::mlir::tern::RunError to be one of: index_out_of_range, reshape_mismatch, shape_mismatch, sequence_length}}
  // expected-error @+2 {{failed to parse Tern_RunErrorAttr parameter 'value'}}
  tern.check %ok, out_of_memory
  return
}

// -----

func.func @check_without_error(%ok: i1) {
  // expected-error @+1 {{'tern.check' op requires attribute 'error'}}
  "tern.check"(%ok) : (i1) -> ()
  return
}
