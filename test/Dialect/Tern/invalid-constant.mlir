// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @not_ternary() -> tensor<3xi8> {
  // expected-error @+1 {{'tern.constant' op value must contain only -1, 0 and 1}}
  %w = tern.constant dense<[1, 2, -1]> : tensor<3xi8>
  return %w : tensor<3xi8>
}

// -----

func.func @not_ternary_splat() -> tensor<3xi8> {
  // expected-error @+1 {{value must contain only -1, 0 and 1}}
  %w = tern.constant dense<-2> : tensor<3xi8>
  return %w : tensor<3xi8>
}

// -----

func.func @wrong_element_type() -> tensor<2xi32> {
  // expected-error @+1 {{result #0 must be ranked tensor of 8-bit signless integer values}}
  %w = "tern.constant"() {value = dense<[1, 0]> : tensor<2xi32>} : () -> tensor<2xi32>
  return %w : tensor<2xi32>
}

// -----

func.func @type_mismatch() -> tensor<3xi8> {
  // expected-error @+1 {{value type 'tensor<2xi8>' does not match result type 'tensor<3xi8>'}}
  %w = "tern.constant"() {value = dense<[1, 0]> : tensor<2xi8>} : () -> tensor<3xi8>
  return %w : tensor<3xi8>
}
