// RUN: tern-opt %s -tern-export-entry | FileCheck %s

// Public functions get the C interface and read-only tensor arguments.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: %{{.*}}: tensor<?x4xf32> {bufferization.writable = false, onnx.name = "x"}
// CHECK-SAME: %{{.*}}: i32)
// CHECK-SAME: attributes {llvm.emit_c_interface}
func.func @main_graph(%x: tensor<?x4xf32> {onnx.name = "x"}, %n: i32) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}

// Private helpers and declarations are left alone.
// CHECK-LABEL: func.func private @helper
// CHECK-NOT: emit_c_interface
// CHECK-NOT: writable
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// CHECK: func.func private @external(tensor<4xf32>)
// CHECK-NOT: attributes
func.func private @external(tensor<4xf32>)
