//===- PositionalOps.cpp - Results computed from their own coordinates ----===//
//
// DepthToSpace and SpaceToDepth (each output element reads the input at
// coordinates its own determine), EyeLike and OneHot (each is a constant
// or a value chosen by comparing its coordinates).
//
//===----------------------------------------------------------------------===//

#include "../TensorConversion.h"
#include "RuntimeChecks.h"
#include "ShapeBuilders.h"
#include "Signedness.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace {

RankedTensorType getType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

Value c(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The blocksize of DepthToSpace and SpaceToDepth on a 4-D input.
FailureOr<int64_t> getBlockSize(NodeImporter &node, Value input) {
  int64_t blockSize = node.getIntAttr("blocksize", 0);
  if (blockSize <= 0 || getType(input).getRank() != 4) {
    node.emitError() << "needs a positive blocksize and an N x C x H x W "
                        "input, got "
                     << input.getType();
    return failure();
  }
  return blockSize;
}

/// Size `d` of `input` times (or divided by) `factor`, static where it is.
int64_t scaled(RankedTensorType type, int64_t d, int64_t factor, bool divide) {
  if (type.isDynamicDim(d))
    return ShapedType::kDynamic;
  return divide ? type.getDimSize(d) / factor : type.getDimSize(d) * factor;
}

/// DepthToSpace: out[n, c, h, w] = in[n, c', h / bs, w / bs] with, for
/// block offsets (h % bs, w % bs) = (i, j), c' = (i bs + j) C + c (DCR) or
/// c bs^2 + i bs + j (CRD).
LogicalResult convertDepthToSpace(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  FailureOr<int64_t> bs = getBlockSize(node, input);
  if (failed(bs))
    return failure();
  std::string mode = node.getStringAttr("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return node.emitError() << "mode '" << mode << "' is not DCR or CRD";
  auto type = getType(input);
  if (type.isDynamicDim(1) || type.getDimSize(1) % (*bs * *bs) != 0)
    return node.emitError() << "the channels must be a static multiple of "
                               "blocksize^2, got "
                            << type;
  int64_t channels = type.getDimSize(1) / (*bs * *bs);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto resultType = RankedTensorType::get({type.getDimSize(0), channels,
                                           scaled(type, 2, *bs, false),
                                           scaled(type, 3, *bs, false)},
                                          type.getElementType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d : {0, 2, 3})
    if (resultType.isDynamicDim(d)) {
      Value size = tensor::DimOp::create(b, loc, input, d);
      dynamicSizes.push_back(
          d == 0 ? size : arith::MulIOp::create(b, loc, size, c(b, loc, *bs)));
    }
  bool dcr = mode == "DCR";
  node.setOutput(
      0, buildFromCoordinates(
             b, loc, resultType, dynamicSizes,
             [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
               Value block = c(nb, nloc, *bs);
               Value i = arith::RemUIOp::create(nb, nloc, at[2], block);
               Value j = arith::RemUIOp::create(nb, nloc, at[3], block);
               Value offset = arith::AddIOp::create(
                   nb, nloc, arith::MulIOp::create(nb, nloc, i, block), j);
               Value channel =
                   dcr ? arith::AddIOp::create(
                             nb, nloc,
                             arith::MulIOp::create(nb, nloc, offset,
                                                   c(nb, nloc, channels)),
                             at[1])
                             .getResult()
                       : arith::AddIOp::create(
                             nb, nloc,
                             arith::MulIOp::create(nb, nloc, at[1],
                                                   c(nb, nloc, *bs * *bs)),
                             offset)
                             .getResult();
               return tensor::ExtractOp::create(
                   nb, nloc, input,
                   ValueRange{at[0], channel,
                              arith::DivUIOp::create(nb, nloc, at[2], block),
                              arith::DivUIOp::create(nb, nloc, at[3], block)});
             }));
  return success();
}

/// SpaceToDepth: out[n, (i bs + j) C + c, h, w] = in[n, c, h bs + i, w bs + j].
LogicalResult convertSpaceToDepth(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  FailureOr<int64_t> bs = getBlockSize(node, input);
  if (failed(bs))
    return failure();
  auto type = getType(input);
  if (type.isDynamicDim(1))
    return node.emitError() << "the channels must be static, got " << type;
  int64_t channels = type.getDimSize(1);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  // The spatial sizes must divide by the block size.
  for (int64_t d : {2, 3})
    emitRuntimeEqualityCheck(
        b, loc,
        arith::RemUIOp::create(b, loc, tensor::DimOp::create(b, loc, input, d),
                               c(b, loc, *bs)),
        c(b, loc, 0), RunError::ShapeMismatch);
  auto resultType = RankedTensorType::get(
      {type.getDimSize(0), channels * *bs * *bs, scaled(type, 2, *bs, true),
       scaled(type, 3, *bs, true)},
      type.getElementType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d : {0, 2, 3})
    if (resultType.isDynamicDim(d)) {
      Value size = tensor::DimOp::create(b, loc, input, d);
      dynamicSizes.push_back(
          d == 0 ? size : arith::DivUIOp::create(b, loc, size, c(b, loc, *bs)));
    }
  node.setOutput(
      0,
      buildFromCoordinates(
          b, loc, resultType, dynamicSizes,
          [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
            Value block = c(nb, nloc, *bs);
            Value offset =
                arith::DivUIOp::create(nb, nloc, at[1], c(nb, nloc, channels));
            Value channel =
                arith::RemUIOp::create(nb, nloc, at[1], c(nb, nloc, channels));
            Value i = arith::DivUIOp::create(nb, nloc, offset, block);
            Value j = arith::RemUIOp::create(nb, nloc, offset, block);
            auto spatial = [&](Value o, Value within) -> Value {
              return arith::AddIOp::create(
                  nb, nloc, arith::MulIOp::create(nb, nloc, o, block), within);
            };
            return tensor::ExtractOp::create(nb, nloc, input,
                                             ValueRange{at[0], channel,
                                                        spatial(at[2], i),
                                                        spatial(at[3], j)});
          }));
  return success();
}

/// A constant of `type`'s element type with value `v` (0 or 1 for bool).
Value scalarConstant(OpBuilder &b, Location loc, Type type, int64_t v) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, v));
  Type signless = b.getIntegerType(type.getIntOrFloatBitWidth());
  return castFromSignless(b, loc,
                          arith::ConstantOp::create(
                              b, loc, signless, b.getIntegerAttr(signless, v)),
                          type);
}

/// EyeLike: ones on the k-th diagonal of a 2-D tensor shaped like the
/// input, of the input's type or `dtype`.
LogicalResult convertEyeLike(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = getType(input);
  if (type.getRank() != 2)
    return node.emitError() << "input must be 2-D, got " << type;
  Type elementType = type.getElementType();
  if (node.getAttribute("dtype")) {
    elementType = convertElementType(node.getIntAttr("dtype", 1),
                                     node.getBuilder().getContext());
    if (!elementType)
      return node.emitError()
             << "dtype " << node.getIntAttr("dtype", 1) << " is not supported";
  }
  int64_t k = node.getIntAttr("k", 0);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < 2; ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  auto resultType = RankedTensorType::get(type.getShape(), elementType);
  node.setOutput(
      0,
      buildFromCoordinates(
          b, loc, resultType, dynamicSizes,
          [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
            Value onDiagonal = arith::CmpIOp::create(
                nb, nloc, arith::CmpIPredicate::eq,
                arith::SubIOp::create(nb, nloc, at[1], at[0]), c(nb, nloc, k));
            return arith::SelectOp::create(
                nb, nloc, onDiagonal, scalarConstant(nb, nloc, elementType, 1),
                scalarConstant(nb, nloc, elementType, 0));
          }));
  return success();
}

/// A numeric scalar read as an integer (floats truncated, as ONNX Runtime
/// casts them).
Value readAsInteger(OpBuilder &b, Location loc, Value scalar) {
  Type type = scalar.getType();
  if (isa<FloatType>(type))
    return arith::FPToSIOp::create(b, loc, b.getI64Type(), scalar);
  Value signless = castToSignless(b, loc, scalar);
  if (type.getIntOrFloatBitWidth() == 64)
    return signless;
  if (type.isUnsignedInteger())
    return arith::ExtUIOp::create(b, loc, b.getI64Type(), signless);
  return arith::ExtSIOp::create(b, loc, b.getI64Type(), signless);
}

/// OneHot: out[..., d, ...] (d at `axis`) is values[1] where the index
/// there equals d (negative indices counting back from depth), else
/// values[0]; depth is read at run time.
LogicalResult convertOneHot(NodeImporter &node) {
  Value indices = node.getInput(0), depthInput = node.getInput(1),
        values = node.getInput(2);
  if (!indices || !depthInput || !values)
    return failure();
  auto indicesType = getType(indices);
  if (getType(depthInput).getNumElements() != 1 ||
      getType(values).getRank() != 1 || getType(values).getDimSize(0) != 2)
    return node.emitError() << "depth must be one value and values [off, on]";
  int64_t rank = indicesType.getRank() + 1;
  int64_t axis = node.getIntAttr("axis", -1);
  if (axis < -rank || axis >= rank)
    return node.emitError()
           << "axis " << axis << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value depthScalar = tensor::ExtractOp::create(
      b, loc, depthInput,
      SmallVector<Value>(getType(depthInput).getRank(), c(b, loc, 0)));
  Value depth64 = readAsInteger(b, loc, depthScalar);
  emitRuntimeCheck(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, depth64,
                            arith::ConstantIntOp::create(b, loc, 1, 64)),
      RunError::ShapeMismatch);
  Value depth = arith::IndexCastOp::create(b, loc, b.getIndexType(), depth64);
  SmallVector<Value> sizes;
  for (int64_t d = 0, i = 0; d < rank; ++d)
    sizes.push_back(
        d == axis ? depth
                  : tensor::DimOp::create(b, loc, indices, i++).getResult());
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, sizes);
  Type elementType = getType(values).getElementType();
  auto resultType = RankedTensorType::get(shape, elementType);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (ShapedType::isDynamic(shape[d]))
      dynamicSizes.push_back(sizes[d]);
  Value off =
      tensor::ExtractOp::create(b, loc, values, ValueRange{c(b, loc, 0)});
  Value on =
      tensor::ExtractOp::create(b, loc, values, ValueRange{c(b, loc, 1)});
  node.setOutput(
      0, buildFromCoordinates(
             b, loc, resultType, dynamicSizes,
             [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
               SmallVector<Value> indexAt;
               for (int64_t d = 0; d < rank; ++d)
                 if (d != axis)
                   indexAt.push_back(at[d]);
               Value index = readAsInteger(
                   nb, nloc,
                   tensor::ExtractOp::create(nb, nloc, indices, indexAt));
               Value negative = arith::CmpIOp::create(
                   nb, nloc, arith::CmpIPredicate::slt, index,
                   arith::ConstantIntOp::create(nb, nloc, 0, 64));
               index = arith::SelectOp::create(
                   nb, nloc, negative,
                   arith::AddIOp::create(nb, nloc, index, depth64), index);
               Value here = arith::CmpIOp::create(
                   nb, nloc, arith::CmpIPredicate::eq, index,
                   arith::IndexCastOp::create(nb, nloc, nb.getI64Type(),
                                              at[axis]));
               return arith::SelectOp::create(nb, nloc, here, on, off);
             }));
  return success();
}

} // namespace

void ::tern::registerPositionalConverters(OpConverterRegistry &registry) {
  registry.add("DepthToSpace", 13, 17, convertDepthToSpace);
  registry.add("SpaceToDepth", 13, 17, convertSpaceToDepth);
  registry.add("EyeLike", 9, 17, convertEyeLike);
  registry.add("OneHot", 11, 17, convertOneHot);
}
