// RUN: tern-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// Large weights live in resource blobs; the verifier reads them too.
// CHECK-LABEL: func @resource
// CHECK: tern.constant dense_resource<ternary_ok> : tensor<4xi8>
func.func @resource() -> tensor<4xi8> {
  %w = tern.constant dense_resource<ternary_ok> : tensor<4xi8>
  return %w : tensor<4xi8>
}

{-#
  dialect_resources: {
    builtin: {
      ternary_ok: "0x0100000001FF0001"
    }
  }
#-}

// -----

func.func @resource_not_ternary() -> tensor<4xi8> {
  // expected-error @+1 {{value must contain only -1, 0 and 1}}
  %w = tern.constant dense_resource<ternary_bad> : tensor<4xi8>
  return %w : tensor<4xi8>
}

{-#
  dialect_resources: {
    builtin: {
      ternary_bad: "0x0100000001020001"
    }
  }
#-}
