//===- QuantOps.cpp - QuantizeLinear and DequantizeLinear -----------------===//
//
// The linear (de)quantization of ONNX's QDQ form, for int8 tensors with a
// per-tensor or per-axis scale and zero point.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace {

/// Applies `body(x, scale, zeroPoint)` to every element of `input`, with a
/// 0-d scale and zero point, or 1-D ones along `axis`. Without a zero point
/// input, `body` gets a zero of `zeroType`.
LogicalResult convertLinearQuant(
    NodeImporter &node, Type resultElementType, Type zeroType,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> body) {
  Value input = node.getInput(0), scale = node.getInput(1);
  if (!input || !scale)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  auto scaleType = cast<RankedTensorType>(scale.getType());
  int64_t rank = type.getRank();
  SmallVector<Value> operands = {input, scale};
  Value zeroPoint;
  if (node.hasInput(2)) {
    zeroPoint = node.getInput(2);
    if (!zeroPoint)
      return failure();
    auto zpType = cast<RankedTensorType>(zeroPoint.getType());
    if (zpType.getElementType() != zeroType ||
        zpType.getShape() != scaleType.getShape())
      return node.emitError() << "the zero point must be " << zeroType
                              << " and shaped like the scale";
    operands.push_back(zeroPoint);
  }
  if (!isa<FloatType>(scaleType.getElementType()) || scaleType.getRank() > 1)
    return node.emitError() << "the scale must be a float scalar or 1-D";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap paramMap = AffineMap::get(rank, 0, {}, ctx);
  if (scaleType.getRank() == 1) {
    int64_t axis = node.getIntAttr("axis", 1);
    if (axis < -rank || axis >= rank)
      return node.emitError()
             << "axis " << axis << " is out of range for rank " << rank;
    if (axis < 0)
      axis += rank;
    if (!type.isDynamicDim(axis) && !scaleType.isDynamicDim(0) &&
        type.getDimSize(axis) != scaleType.getDimSize(0))
      return node.emitError()
             << "the scale has " << scaleType.getDimSize(0)
             << " entries for an axis of " << type.getDimSize(axis);
    paramMap = AffineMap::get(rank, 0, getAffineDimExpr(axis, ctx));
  }
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       resultElementType, dynamicSizes);
  SmallVector<AffineMap> maps(operands.size(), paramMap);
  maps[0] = identity;
  maps.push_back(identity);
  auto generic = linalg::GenericOp::create(
      b, loc, RankedTensorType::get(type.getShape(), resultElementType),
      operands, ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value zp = zeroPoint ? args[2]
                             : arith::ConstantOp::create(
                                   nb, nloc, zeroType, nb.getZeroAttr(zeroType))
                                   .getResult();
        linalg::YieldOp::create(
            nb, nloc, ValueRange{body(nb, nloc, args[0], args[1], zp)});
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

/// y = (float(x) - float(zero_point)) * scale.
LogicalResult convertDequantizeLinear(NodeImporter &node) {
  Value input = node.getInput(0), scale = node.getInput(1);
  if (!input || !scale)
    return failure();
  Type inputType = cast<RankedTensorType>(input.getType()).getElementType();
  Type floatType = cast<RankedTensorType>(scale.getType()).getElementType();
  if (!inputType.isSignlessInteger(8) && !inputType.isSignlessInteger(32))
    return node.emitError() << "only int8 and int32 inputs are supported";
  return convertLinearQuant(
      node, floatType, inputType,
      [&](OpBuilder &b, Location loc, Value x, Value s, Value zp) -> Value {
        Value centered = arith::SubIOp::create(
            b, loc, arith::ExtSIOp::create(b, loc, b.getI64Type(), x),
            arith::ExtSIOp::create(b, loc, b.getI64Type(), zp));
        Value asFloat = arith::SIToFPOp::create(b, loc, floatType, centered);
        return arith::MulFOp::create(b, loc, asFloat, s);
      });
}

/// y = saturate(round_half_even(x / scale) + zero_point) into int8.
LogicalResult convertQuantizeLinear(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  Type floatType = cast<RankedTensorType>(input.getType()).getElementType();
  if (!isa<FloatType>(floatType))
    return node.emitError() << "the input must be float";
  Type i8 = node.getBuilder().getI8Type();
  if (node.hasInput(2) && node.getInput(2) &&
      !cast<RankedTensorType>(node.getInput(2).getType())
           .getElementType()
           .isSignlessInteger(8))
    return node.emitError() << "only int8 outputs are supported";
  return convertLinearQuant(
      node, i8, i8,
      [&](OpBuilder &b, Location loc, Value x, Value s, Value zp) -> Value {
        auto constant = [&](double v) {
          return arith::ConstantOp::create(b, loc, floatType,
                                           b.getFloatAttr(floatType, v));
        };
        Value q = math::RoundEvenOp::create(
            b, loc, arith::DivFOp::create(b, loc, x, s));
        q = arith::AddFOp::create(
            b, loc, q, arith::SIToFPOp::create(b, loc, floatType, zp));
        q = arith::MaximumFOp::create(b, loc, q, constant(-128));
        q = arith::MinimumFOp::create(b, loc, q, constant(127));
        return arith::FPToSIOp::create(b, loc, i8, q);
      });
}

} // namespace

void ::tern::registerQuantConverters(OpConverterRegistry &registry) {
  registry.add("DequantizeLinear", 13, 17, convertDequantizeLinear);
  registry.add("QuantizeLinear", 13, 17, convertQuantizeLinear);
}
