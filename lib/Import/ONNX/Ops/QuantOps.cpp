//===- QuantOps.cpp - QuantizeLinear and DequantizeLinear -----------------===//
//
// The linear (de)quantization of ONNX's QDQ form, for int8 tensors with a
// per-tensor or per-axis scale and zero point.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "Signedness.h"
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
/// input, `body` gets a zero of `zeroType`. Integers reach `body` in their
/// signless view, and it returns the result in its signless view.
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
        Type zeroBits = getSignlessType(zeroType);
        Value zp = zeroPoint ? castToSignless(nb, nloc, args[2])
                             : arith::ConstantOp::create(
                                   nb, nloc, zeroBits, nb.getZeroAttr(zeroBits))
                                   .getResult();
        Value result =
            body(nb, nloc, castToSignless(nb, nloc, args[0]), args[1], zp);
        linalg::YieldOp::create(
            nb, nloc, castFromSignless(nb, nloc, result, resultElementType));
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
  if (!inputType.isInteger(8) && !inputType.isSignlessInteger(32))
    return node.emitError()
           << "only int8, uint8 and int32 inputs are supported";
  bool isUnsigned = inputType.isUnsignedInteger();
  // Constant 8-bit codes: the linear layers that read the result keep the
  // codes (see DequantizedConstant).
  DequantizedConstant constant;
  constant.codes = matchConstantBits(input);
  constant.scale = matchConstantBits(scale);
  constant.isSigned = !isUnsigned;
  if (node.hasInput(2) && node.getInput(2))
    constant.zeroPoint = matchConstantBits(node.getInput(2));
  bool keepCodes = inputType.isInteger(8) && constant.codes && constant.scale &&
                   (!node.hasInput(2) || constant.zeroPoint);
  if (keepCodes) {
    int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
    int64_t axis = node.getIntAttr("axis", 1);
    constant.axis = axis < 0 ? axis + rank : axis;
  }
  LogicalResult converted = convertLinearQuant(
      node, floatType, inputType,
      [&](OpBuilder &b, Location loc, Value x, Value s, Value zp) -> Value {
        auto widen = [&](Value v) -> Value {
          if (isUnsigned)
            return arith::ExtUIOp::create(b, loc, b.getI64Type(), v);
          return arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
        };
        Value centered = arith::SubIOp::create(b, loc, widen(x), widen(zp));
        Value asFloat = arith::SIToFPOp::create(b, loc, floatType, centered);
        return arith::MulFOp::create(b, loc, asFloat, s);
      });
  if (succeeded(converted) && keepCodes)
    if (Value output = node.getOutputValue(0))
      node.setDequantized(output, constant);
  return converted;
}

/// y = saturate(round_half_even(x / scale) + zero_point) into the zero
/// point's type: int8, or uint8 (also when there is no zero point).
LogicalResult convertQuantizeLinear(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  Type floatType = cast<RankedTensorType>(input.getType()).getElementType();
  if (!isa<FloatType>(floatType))
    return node.emitError() << "the input must be float";
  OpBuilder &builder = node.getBuilder();
  Type resultType = builder.getIntegerType(8, /*isSigned=*/false);
  if (node.hasInput(2)) {
    Value zeroPoint = node.getInput(2);
    if (!zeroPoint)
      return failure();
    resultType = cast<RankedTensorType>(zeroPoint.getType()).getElementType();
    if (!resultType.isInteger(8))
      return node.emitError() << "only int8 and uint8 outputs are supported";
  }
  bool isUnsigned = resultType.isUnsignedInteger();
  double lowest = isUnsigned ? 0 : -128, highest = isUnsigned ? 255 : 127;
  Type i8 = builder.getI8Type();
  return convertLinearQuant(
      node, resultType, resultType,
      [&](OpBuilder &b, Location loc, Value x, Value s, Value zp) -> Value {
        auto constant = [&](double v) {
          return arith::ConstantOp::create(b, loc, floatType,
                                           b.getFloatAttr(floatType, v));
        };
        Value q = math::RoundEvenOp::create(
            b, loc, arith::DivFOp::create(b, loc, x, s));
        Value zeroPoint =
            isUnsigned
                ? arith::UIToFPOp::create(b, loc, floatType, zp).getResult()
                : arith::SIToFPOp::create(b, loc, floatType, zp).getResult();
        q = arith::AddFOp::create(b, loc, q, zeroPoint);
        q = arith::MaximumFOp::create(b, loc, q, constant(lowest));
        q = arith::MinimumFOp::create(b, loc, q, constant(highest));
        if (isUnsigned)
          return arith::FPToUIOp::create(b, loc, i8, q);
        return arith::FPToSIOp::create(b, loc, i8, q);
      });
}

} // namespace

void ::tern::registerQuantConverters(OpConverterRegistry &registry) {
  registry.add("DequantizeLinear", 13, 17, convertDequantizeLinear);
  registry.add("QuantizeLinear", 13, 17, convertQuantizeLinear);
}
