//===- Broadcast.cpp - ONNX multidirectional broadcasting -----------------===//

#include "Broadcast.h"
#include "RuntimeChecks.h"
#include "Signedness.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace tern {
FailureOr<Value> buildBroadcastElementwise(NodeImporter &node,
                                           ValueRange operands,
                                           Type resultElementType,
                                           ElementwiseBodyFn body) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  MLIRContext *ctx = b.getContext();

  int64_t rank = 0;
  for (Value operand : operands)
    rank = std::max(rank, cast<RankedTensorType>(operand.getType()).getRank());

  // Right-align every shape; a dimension of 1 stretches to the others.
  SmallVector<int64_t> shape(rank, 1);
  // For each result dimension, an operand dimension that gives its size.
  SmallVector<std::pair<Value, int64_t>> sizeSource(rank, {nullptr, 0});
  for (Value operand : operands) {
    auto type = cast<RankedTensorType>(operand.getType());
    int64_t offset = rank - type.getRank();
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t size = type.getDimSize(d);
      int64_t &result = shape[offset + d];
      if (size == 1)
        continue;
      if (result == 1 ||
          (ShapedType::isDynamic(result) && !ShapedType::isDynamic(size))) {
        result = size;
        sizeSource[offset + d] = {operand, d};
      } else if (!ShapedType::isDynamic(size) && result != size) {
        node.emitError() << "operand shapes " << operands[0].getType()
                         << " and " << operand.getType()
                         << " cannot be broadcast together";
        return failure();
      } else if (!sizeSource[offset + d].first) {
        sizeSource[offset + d] = {operand, d};
      }
    }
  }

  SmallVector<AffineMap> maps;
  for (Value operand : operands) {
    auto type = cast<RankedTensorType>(operand.getType());
    int64_t offset = rank - type.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < type.getRank(); ++d)
      exprs.push_back(type.getDimSize(d) == 1 && shape[offset + d] != 1
                          ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(offset + d, ctx));
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));

  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (ShapedType::isDynamic(shape[d]))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, sizeSource[d].first,
                                                   sizeSource[d].second));

  // A dynamic dimension is read as if it had the result's size. One that
  // turns out to be 1 (or anything else) at run time would be read out of
  // bounds, so the run stops instead.
  for (Value operand : operands) {
    auto type = cast<RankedTensorType>(operand.getType());
    int64_t offset = rank - type.getRank();
    for (int64_t d = 0; d < type.getRank(); ++d) {
      auto [source, sourceDim] = sizeSource[offset + d];
      if (!type.isDynamicDim(d) || (source == operand && sourceDim == d))
        continue;
      Value expected =
          ShapedType::isDynamic(shape[offset + d])
              ? tensor::DimOp::create(b, loc, source, sourceDim).getResult()
              : arith::ConstantIndexOp::create(b, loc, shape[offset + d])
                    .getResult();
      emitRuntimeEqualityCheck(b, loc,
                               tensor::DimOp::create(b, loc, operand, d),
                               expected, TERN_RUNTIME_ERROR_SHAPE_MISMATCH);
    }
  }
  auto resultType = RankedTensorType::get(shape, resultElementType);
  Value init =
      tensor::EmptyOp::create(b, loc, shape, resultElementType, dynamicSizes);
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, operands, ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> elements;
        for (Value arg : args.drop_back())
          elements.push_back(castToSignless(nb, nloc, arg));
        Value result = body(nb, nloc, elements);
        linalg::YieldOp::create(
            nb, nloc, castFromSignless(nb, nloc, result, resultElementType));
      });
  return generic.getResult(0);
}
static bool isAccepted(Type type, unsigned accepted) {
  if (isa<FloatType>(type))
    return accepted & kFloat;
  if (type.isInteger(1))
    return accepted & kBool;
  if (type.isUnsignedInteger())
    return accepted & kUnsignedInt;
  return type.isSignlessInteger() && (accepted & kSignedInt);
}

LogicalResult convertElementwise(NodeImporter &node, unsigned numInputs,
                                 unsigned accepted, TypedBodyFn body,
                                 Type resultElementType) {
  SmallVector<Value> operands;
  for (unsigned i = 0; i < numInputs; ++i) {
    Value operand = node.getInput(i);
    if (!operand)
      return failure();
    operands.push_back(operand);
  }
  Type elementType =
      cast<RankedTensorType>(operands[0].getType()).getElementType();
  for (Value operand : operands)
    if (cast<RankedTensorType>(operand.getType()).getElementType() !=
        elementType)
      return node.emitError() << "operands have different element types";
  if (!isAccepted(elementType, accepted))
    return node.emitError()
           << "element type " << elementType << " is not supported by this op";
  FailureOr<Value> result = buildBroadcastElementwise(
      node, operands, resultElementType ? resultElementType : elementType,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        return body(b, loc, args, elementType);
      });
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace tern

Value tern::expandAlongChannels(OpBuilder &b, Location loc, Value vector,
                                int64_t rank) {
  auto type = cast<RankedTensorType>(vector.getType());
  SmallVector<int64_t> shape = {type.getDimSize(0)};
  shape.append(rank - 2, 1);
  SmallVector<ReassociationIndices> groups(1);
  for (int64_t d = 0; d < rank - 1; ++d)
    groups[0].push_back(d);
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, vector, 0)};
  sizes.append(rank - 2, b.getIndexAttr(1));
  return tensor::ExpandShapeOp::create(
             b, loc, RankedTensorType::get(shape, type.getElementType()),
             vector, groups, sizes)
      .getResult();
}
