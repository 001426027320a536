//===- TensorBuilders.h - Shared tensor-building helpers --------*- C++ -*-===//
//
// Helpers the tern lowerings share to build linalg ops on tensors whose
// leading dimensions (batch, sequence) may be dynamic.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_CONVERSION_TERNTOLINALG_TENSORBUILDERS_H
#define TERN_CONVERSION_TERNTOLINALG_TENSORBUILDERS_H

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

/// A constant of `type`, a scalar or a vector splat, holding `value`
/// (truncated for integer types).
Value createSplat(OpBuilder &b, Location loc, Type type, double value);

/// `type`'s lanes of row `row` of the 2-D `source` from `column`; columns
/// past the end read as 0, unless `inBounds` promises that there are none.
Value loadRow(OpBuilder &b, Location loc, Value source, Value row, Value column,
              VectorType type, bool inBounds);

/// A kernel over `rows` rows in tiles of `rowTile`: `build(b, init,
/// tileRows, firstRow, tiles)` makes one loop nest over `tiles` tiles of
/// `tileRows` rows from `firstRow` that writes `init`. It is called for the
/// whole tiles, then with `tileRows` = 1 for the rows left, each under an
/// scf.if that skips it when there are none (an empty forall would still
/// wake the threads). Every tile is whole, so its outputs are one slice.
Value buildRowTiles(
    OpBuilder &b, Location loc, Value rows, Value init, int64_t rowTile,
    function_ref<Value(OpBuilder &, Value, int64_t, Value, Value)> build);

/// From inside an scf.forall body whose shared output is `out`: writes each
/// 2-D vector `values[i]` into the slice of `out` at `offsets[i]` of its
/// shape, and inserts the slices in the forall's terminator (which this
/// creates), so that bufferization writes `out` in place.
void writeFromForall(OpBuilder &b, Location loc, Value out,
                     ArrayRef<Value> values,
                     ArrayRef<SmallVector<OpFoldResult>> offsets);

/// The indexing map of a weight scale inside a loop nest of `numLoops`
/// dimensions whose output-channel dimension is `channelDim`: a 0-d scale
/// broadcasts everywhere, a 1-d scale follows the channel.
AffineMap getScaleMap(MLIRContext *ctx, int64_t scaleRank, unsigned numLoops,
                      unsigned channelDim);

} // namespace tern
} // namespace mlir

#endif // TERN_CONVERSION_TERNTOLINALG_TENSORBUILDERS_H
