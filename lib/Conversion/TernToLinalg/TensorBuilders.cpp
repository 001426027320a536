//===- TensorBuilders.cpp - Shared tensor-building helpers ----------------===//

#include "tern/Conversion/TernToLinalg/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;

Value mlir::tern::createEmptyLike(OpBuilder &b, Location loc, Value source,
                                  ArrayRef<int64_t> shape, Type elementType) {
  SmallVector<Value> dynamicSizes;
  for (auto [dim, size] : llvm::enumerate(shape))
    if (ShapedType::isDynamic(size))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, source, dim));
  return tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
}

Value mlir::tern::createFilledLike(OpBuilder &b, Location loc, Value source,
                                   ArrayRef<int64_t> shape, TypedAttr value) {
  Value empty = createEmptyLike(b, loc, source, shape, value.getType());
  Value fillValue = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, fillValue, empty).getResult(0);
}

AffineMap mlir::tern::getScaleMap(MLIRContext *ctx, int64_t scaleRank,
                                  unsigned numLoops, unsigned channelDim) {
  if (scaleRank == 0)
    return AffineMap::get(numLoops, 0, {}, ctx);
  return AffineMap::get(numLoops, 0, getAffineDimExpr(channelDim, ctx));
}

Value mlir::tern::createSplat(OpBuilder &b, Location loc, Type type,
                              double value) {
  Type element = getElementTypeOrSelf(type);
  TypedAttr attr =
      isa<FloatType>(element)
          ? TypedAttr(b.getFloatAttr(element, value))
          : TypedAttr(b.getIntegerAttr(element, static_cast<int64_t>(value)));
  if (auto vectorType = dyn_cast<VectorType>(type))
    attr = DenseElementsAttr::get(vectorType, attr);
  return arith::ConstantOp::create(b, loc, attr);
}

Value mlir::tern::loadRow(OpBuilder &b, Location loc, Value source, Value row,
                          Value column, VectorType type, bool inBounds) {
  Value padding = createSplat(b, loc, type.getElementType(), 0);
  return vector::TransferReadOp::create(b, loc, type, source,
                                        ValueRange{row, column}, padding,
                                        ArrayRef<bool>{inBounds});
}

Value mlir::tern::buildRowTiles(
    OpBuilder &b, Location loc, Value rows, Value init, int64_t rowTile,
    function_ref<Value(OpBuilder &, Value, int64_t, Value, Value)> build) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value tileSize = arith::ConstantIndexOp::create(b, loc, rowTile);
  Value fullTiles = arith::DivUIOp::create(b, loc, rows, tileSize);
  Value tiledRows = arith::MulIOp::create(b, loc, fullTiles, tileSize);
  Value leftRows = arith::SubIOp::create(b, loc, rows, tiledRows);
  auto ifAny = [&](Value count, Value passThrough, int64_t tileRows,
                   Value firstRow) {
    Value any =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, count, zero);
    return scf::IfOp::create(
               b, loc, any,
               [&](OpBuilder &tb, Location) {
                 scf::YieldOp::create(
                     tb, loc,
                     build(tb, passThrough, tileRows, firstRow, count));
               },
               [&](OpBuilder &eb, Location) {
                 scf::YieldOp::create(eb, loc, passThrough);
               })
        .getResult(0);
  };
  Value tiled = ifAny(fullTiles, init, rowTile, zero);
  return ifAny(leftRows, tiled, 1, tiledRows);
}

void mlir::tern::writeFromForall(OpBuilder &b, Location loc, Value out,
                                 ArrayRef<Value> values,
                                 ArrayRef<SmallVector<OpFoldResult>> offsets) {
  auto outType = cast<RankedTensorType>(out.getType());
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> written;
  SmallVector<SmallVector<OpFoldResult>> sizes;
  for (Value value : values) {
    auto vectorType = cast<VectorType>(value.getType());
    SmallVector<OpFoldResult> size;
    for (int64_t d : vectorType.getShape())
      size.push_back(b.getIndexAttr(d));
    sizes.push_back(size);
  }
  SmallVector<OpFoldResult> strides(outType.getRank(), b.getIndexAttr(1));
  for (auto [value, offset, size] : llvm::zip(values, offsets, sizes)) {
    auto vectorType = cast<VectorType>(value.getType());
    Value slice = tensor::ExtractSliceOp::create(
        b, loc,
        RankedTensorType::get(vectorType.getShape(), outType.getElementType()),
        out, offset, size, strides);
    SmallVector<Value> indices(vectorType.getRank(), zero);
    SmallVector<bool> inBounds(vectorType.getRank(), true);
    written.push_back(
        vector::TransferWriteOp::create(b, loc, value, slice, indices, inBounds)
            .getResult());
  }
  auto inParallel = scf::InParallelOp::create(b, loc);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(inParallel.getBody());
  for (auto [slice, offset, size] : llvm::zip(written, offsets, sizes))
    tensor::ParallelInsertSliceOp::create(b, loc, slice, out, offset, size,
                                          strides);
}
