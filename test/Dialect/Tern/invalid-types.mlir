// RUN: tern-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{block of a 'i2' layout must be a positive multiple of 4, got 6}}
func.func private @i2_block() attributes {layout = #tern.layout<i2, block = 6>}

// -----

// expected-error @+1 {{block of a 'tq1' layout must be a positive multiple of 5, got 0}}
func.func private @tq1_block() attributes {layout = #tern.layout<tq1, block = 0>}

// -----

// expected-error @+2 {{expected ::mlir::tern::PackFormat to be one of: i2, tq1}}
// expected-error @+1 {{failed to parse Tern_PackedLayoutAttr parameter 'format'}}
func.func private @format() attributes {layout = #tern.layout<i4, block = 64>}

// -----

// expected-error @+1 {{packed weights must be N x K, got rank 3}}
func.func private @rank(!tern.packed<2x8x64, #tern.layout<i2, block = 64>>)

// -----

// expected-error @+1 {{packed weights need positive dimensions}}
func.func private @zero(!tern.packed<0x64, #tern.layout<i2, block = 64>>)

// -----

// expected-error @+2 {{expected ::mlir::tern::MatmulStrategy to be one of: auto, addsub, dot, lut}}
// expected-error @+1 {{failed to parse Tern_MatmulStrategyAttr parameter 'value'}}
func.func private @strategy() attributes {strategy = #tern.matmul_strategy<fma>}
