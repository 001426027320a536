//===- Broadcast.h - ONNX multidirectional broadcasting ---------*- C++ -*-===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_BROADCAST_H
#define TERN_LIB_IMPORT_ONNX_OPS_BROADCAST_H

#include "tern/Import/ONNX/NodeImporter.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace tern {

/// Builds the scalar body of an elementwise op from its operands' elements.
using ElementwiseBodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Emits a `linalg.generic` applying `body` to `operands` broadcast
/// numpy-style (ONNX multidirectional broadcasting) into a result of
/// `resultElementType`. Reports incompatible shapes on the node.
mlir::FailureOr<mlir::Value>
buildBroadcastElementwise(NodeImporter &node, mlir::ValueRange operands,
                          mlir::Type resultElementType, ElementwiseBodyFn body);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_BROADCAST_H
