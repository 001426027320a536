// RUN: tern-opt %s | FileCheck %s

// CHECK: func.func private @layouts(!tern.packed<2560x2560, #tern.layout<i2, block = 128>>, !tern.packed<3x7, #tern.layout<tq1, block = 5>>)
func.func private @layouts(!tern.packed<2560x2560, #tern.layout<i2, block = 128>>, !tern.packed<3x7, #tern.layout<tq1, block = 5>>)

// CHECK: func.func private @attrs() attributes {layout = #tern.layout<i2, block = 4>}
func.func private @attrs() attributes {layout = #tern.layout<i2, block = 4>}

// The lowering choices as attributes.
// CHECK: func.func private @choices() attributes {dot = #tern.dot_instruction<x86_avx512_vnni>, pack = #tern.pack_choice<tq1>, strategy = #tern.matmul_strategy<lut>}
func.func private @choices() attributes {dot = #tern.dot_instruction<x86_avx512_vnni>, pack = #tern.pack_choice<tq1>, strategy = #tern.matmul_strategy<lut>}
