//===- TensorBuilders.h - Shared tensor-building helpers --------*- C++ -*-===//
//
// Helpers the tern lowerings share to build linalg ops on tensors whose
// leading dimensions (batch, sequence) may be dynamic.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_CODEGEN_TENSORBUILDERS_H
#define TERN_CODEGEN_TENSORBUILDERS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

namespace mlir {
namespace tern {

/// A `tensor.empty` of `shape` x `elementType`. Each dynamic dimension `i`
/// of `shape` takes its size from dimension `i` of `source`.
Value createEmptyLike(OpBuilder &b, Location loc, Value source,
                      ArrayRef<int64_t> shape, Type elementType);

/// Like `createEmptyLike`, then filled with `value` by `linalg.fill`.
Value createFilledLike(OpBuilder &b, Location loc, Value source,
                       ArrayRef<int64_t> shape, TypedAttr value);

/// The indexing map of a weight scale inside a loop nest of `numLoops`
/// dimensions whose output-channel dimension is `channelDim`: a 0-d scale
/// broadcasts everywhere, a 1-d scale follows the channel.
AffineMap getScaleMap(MLIRContext *ctx, int64_t scaleRank, unsigned numLoops,
                      unsigned channelDim);

} // namespace tern
} // namespace mlir

#endif // TERN_CODEGEN_TENSORBUILDERS_H
