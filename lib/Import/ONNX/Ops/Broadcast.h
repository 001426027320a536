//===- Broadcast.h - ONNX multidirectional broadcasting ---------*- C++ -*-===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_BROADCAST_H
#define TERN_LIB_IMPORT_ONNX_OPS_BROADCAST_H

#include "tern/Import/ONNX/NodeImporter.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace tern {

/// Builds the scalar body of an elementwise op from its operands' elements,
/// which unsigned operands pass in their signless view (see Signedness.h).
using ElementwiseBodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Emits a `linalg.generic` applying `body` to `operands` broadcast
/// numpy-style (ONNX multidirectional broadcasting) into a result of
/// `resultElementType`. Reports incompatible shapes on the node.
mlir::FailureOr<mlir::Value>
buildBroadcastElementwise(NodeImporter &node, mlir::ValueRange operands,
                          mlir::Type resultElementType, ElementwiseBodyFn body);

/// The result of broadcasting operands' leading dimensions (ONNX
/// multidirectional broadcasting, right-aligned): its static shape, its
/// dynamic sizes in order, and the operands, those with a dynamic size of
/// 1 at run time stretched to the result's size.
struct BroadcastShape {
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<mlir::Value> dynamicSizes;
  llvm::SmallVector<mlir::Value> operands;
};

/// Broadcasts all but the last `trailing` dimensions of each operand.
/// Static sizes that cannot broadcast are reported on the node. A dynamic
/// size tied to the others by construction (SizeOrigin.h) is only checked
/// at run time; any other may be 1 and is then stretched, and a size that
/// is neither 1 nor the result's stops the run.
mlir::FailureOr<BroadcastShape> broadcastLeadingDims(NodeImporter &node,
                                                     mlir::ValueRange operands,
                                                     int64_t trailing);

/// `operand` whose dynamic dimensions `sizes[i].first` must be 1 or
/// `sizes[i].second` when the model runs (else the run stops): a copy that
/// stretches those that are 1, or the operand itself when none is.
mlir::Value
buildStretchedUnitDims(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value operand,
                       llvm::ArrayRef<std::pair<int64_t, mlir::Value>> sizes);

/// A 1-D `vector` [C] as [C, 1, ..., 1], so that it broadcasts along
/// dimension 1 of a rank-`rank` tensor (per-channel parameters).
mlir::Value expandAlongChannels(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value vector, int64_t rank);

/// Element kinds an elementwise converter accepts.
enum ElementKinds : unsigned {
  kFloat = 1,
  kSignedInt = 2,
  kBool = 4,
  kUnsignedInt = 8,
  kNumeric = kFloat | kSignedInt,
  kAnyKind = kFloat | kSignedInt | kBool,
};

/// Builds the scalar body from the operands' elements and their (shared)
/// element type. For unsigned operands the elements are signless and the
/// type says they are unsigned.
using TypedBodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange, mlir::Type)>;

/// The common shape of an ONNX elementwise op: reads inputs `0..n-1`
/// (all present, one element type of the `accepted` kinds), broadcasts
/// them, applies `body`, and records output 0 with `resultElementType`
/// (the operands' type when null). Reports every mismatch on the node.
mlir::LogicalResult convertElementwise(NodeImporter &node, unsigned numInputs,
                                       unsigned accepted, TypedBodyFn body,
                                       mlir::Type resultElementType = {});

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_BROADCAST_H
