// RUN: tern-opt %s | FileCheck %s

// CHECK: func.func private @layouts(!tern.packed<2560x2560, #tern.layout<i2, block = 128>>, !tern.packed<3x7, #tern.layout<tq1, block = 5>>)
func.func private @layouts(!tern.packed<2560x2560, #tern.layout<i2, block = 128>>, !tern.packed<3x7, #tern.layout<tq1, block = 5>>)

// CHECK: func.func private @attrs() attributes {layout = #tern.layout<i2, block = 4>}
func.func private @attrs() attributes {layout = #tern.layout<i2, block = 4>}
