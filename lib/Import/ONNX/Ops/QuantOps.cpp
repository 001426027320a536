//===- QuantOps.cpp - QuantizeLinear and DequantizeLinear -----------------===//
//
// The linear (de)quantization of ONNX's QDQ form, for int8 tensors with a
// per-tensor or per-axis scale and zero point.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "QuantArithmetic.h"
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

/// DynamicQuantizeLinear: uint8 codes of x with the scale and zero point
/// its range gives: scale = (max(0, max x) - min(0, min x)) / 255, zero
/// point = saturate(round(-min / scale)), codes = saturate(round(x / scale)
/// + zero point), rounding half to even, as ONNX defines them.
LogicalResult convertDynamicQuantizeLinear(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  Type ft = type.getElementType();
  if (!ft.isF32())
    return node.emitError() << "the input must be float32";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  int64_t rank = type.getRank();
  auto f = [&](OpBuilder &nb, Location nloc, double v) -> Value {
    return arith::ConstantOp::create(nb, nloc, ft, nb.getFloatAttr(ft, v));
  };
  // min(0, min x) and max(0, max x), folded over every element.
  auto scalarType = RankedTensorType::get({}, ft);
  auto filled = [&](double v) {
    Value empty = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, ft);
    return linalg::FillOp::create(b, loc, f(b, loc, v), empty).getResult(0);
  };
  AffineMap all = b.getMultiDimIdentityMap(rank);
  AffineMap none = AffineMap::get(rank, 0, {}, b.getContext());
  auto range = linalg::GenericOp::create(
      b, loc, TypeRange{scalarType, scalarType}, ValueRange{input},
      ValueRange{filled(0), filled(0)}, ArrayRef<AffineMap>{all, none, none},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::reduction),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(
            nb, nloc,
            ValueRange{arith::MinimumFOp::create(nb, nloc, args[1], args[0]),
                       arith::MaximumFOp::create(nb, nloc, args[2], args[0])});
      });
  Value low = tensor::ExtractOp::create(b, loc, range.getResult(0));
  Value high = tensor::ExtractOp::create(b, loc, range.getResult(1));
  Value scale = arith::DivFOp::create(
      b, loc, arith::SubFOp::create(b, loc, high, low), f(b, loc, 255));
  auto saturate = [&](OpBuilder &nb, Location nloc, Value v) -> Value {
    return arith::MinimumFOp::create(
        nb, nloc, arith::MaximumFOp::create(nb, nloc, v, f(nb, nloc, 0)),
        f(nb, nloc, 255));
  };
  Value zeroPoint = saturate(
      b, loc,
      math::RoundEvenOp::create(
          b, loc,
          arith::SubFOp::create(b, loc, f(b, loc, 0),
                                arith::DivFOp::create(b, loc, low, scale))));
  Type u8 = b.getIntegerType(8, /*isSigned=*/false);
  Type i8 = b.getI8Type();
  auto toU8 = [&](OpBuilder &nb, Location nloc, Value v) {
    return castFromSignless(nb, nloc, arith::FPToUIOp::create(nb, nloc, i8, v),
                            u8);
  };
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  Value init =
      tensor::EmptyOp::create(b, loc, type.getShape(), u8, dynamicSizes);
  auto codes = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{input}, ValueRange{init},
      ArrayRef<AffineMap>{all, all},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value q = math::RoundEvenOp::create(
            nb, nloc, arith::DivFOp::create(nb, nloc, args[0], scale));
        linalg::YieldOp::create(
            nb, nloc,
            toU8(nb, nloc,
                 saturate(nb, nloc,
                          arith::AddFOp::create(nb, nloc, q, zeroPoint))));
      });
  node.setOutput(0, codes.getResult(0));
  node.setOutput(
      1, tensor::FromElementsOp::create(b, loc, scalarType, ValueRange{scale}));
  node.setOutput(
      2, tensor::FromElementsOp::create(b, loc, RankedTensorType::get({}, u8),
                                        ValueRange{toU8(b, loc, zeroPoint)}));
  return success();
}

} // namespace

FailureOr<Value> tern::buildCenteredOnZeroPoint(NodeImporter &node, Value x,
                                                unsigned zeroPointInput,
                                                int64_t axisFromBack) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Type xType = cast<RankedTensorType>(x.getType()).getElementType();
  Type i32 = b.getI32Type();
  SmallVector<Value> operands = {x};
  if (node.hasInput(zeroPointInput)) {
    Value zeroPoint = node.getInput(zeroPointInput);
    if (!zeroPoint)
      return failure();
    auto zpType = cast<RankedTensorType>(zeroPoint.getType());
    if (zpType.getElementType() != xType || zpType.getRank() > 1)
      return node.emitError()
             << "zero point #" << zeroPointInput << " must be a scalar or 1-D "
             << xType << ", got " << zpType;
    bool perAxis = zpType.getRank() == 1 && zpType.getDimSize(0) != 1;
    if (perAxis && axisFromBack < 0)
      return node.emitError()
             << "zero point #" << zeroPointInput << " must be one value";
    if (zpType.getRank() == 1 && axisFromBack > 0) {
      // [M] -> [M, 1, ..., 1], to broadcast along its dimension of x.
      SmallVector<int64_t> shape(axisFromBack + 1, 1);
      shape[0] = zpType.getDimSize(0);
      SmallVector<OpFoldResult> sizes(axisFromBack + 1, b.getIndexAttr(1));
      sizes[0] = tensor::getMixedSize(b, loc, zeroPoint, 0);
      ReassociationIndices all;
      for (int64_t d = 0; d <= axisFromBack; ++d)
        all.push_back(d);
      zeroPoint = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get(shape, xType), zeroPoint,
          SmallVector<ReassociationIndices>{all}, sizes);
    }
    operands.push_back(zeroPoint);
  }
  return buildBroadcastElementwise(
      node, operands, i32,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        auto widen = [&](Value v) -> Value {
          if (xType.isUnsignedInteger())
            return arith::ExtUIOp::create(nb, nloc, i32, v);
          return arith::ExtSIOp::create(nb, nloc, i32, v);
        };
        Value centered = widen(args[0]);
        if (args.size() > 1)
          centered = arith::SubIOp::create(nb, nloc, centered, widen(args[1]));
        return centered;
      });
}

FailureOr<Value> tern::buildRequantized(NodeImporter &node, Value acc,
                                        ArrayRef<Value> scales, Value yScale,
                                        Value yZeroPoint) {
  auto zpType = cast<RankedTensorType>(yZeroPoint.getType());
  Type resultType = zpType.getElementType();
  if (!resultType.isInteger(8) || zpType.getNumElements() != 1) {
    node.emitError() << "y_zero_point must be one int8 or uint8";
    return failure();
  }
  SmallVector<Value> allScales(scales.begin(), scales.end());
  allScales.push_back(yScale);
  for (Value scale : allScales)
    if (!cast<RankedTensorType>(scale.getType()).getElementType().isF32()) {
      node.emitError() << "scales must be float32";
      return failure();
    }
  bool isUnsigned = resultType.isUnsignedInteger();
  SmallVector<Value> operands = {acc};
  operands.append(scales.begin(), scales.end());
  operands.append({yScale, yZeroPoint});
  size_t numScales = scales.size();
  return buildBroadcastElementwise(
      node, operands, resultType,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Type f32 = b.getF32Type();
        auto c = [&](double v) {
          return arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(v));
        };
        Value scale = args[1];
        for (size_t i = 1; i < numScales; ++i)
          scale = arith::MulFOp::create(b, loc, scale, args[1 + i]);
        scale = arith::DivFOp::create(b, loc, scale, args[1 + numScales]);
        Value zp = castToSignless(b, loc, args[2 + numScales]);
        Value zpFloat =
            isUnsigned ? arith::UIToFPOp::create(b, loc, f32, zp).getResult()
                       : arith::SIToFPOp::create(b, loc, f32, zp).getResult();
        Value q = math::RoundEvenOp::create(
            b, loc,
            arith::MulFOp::create(
                b, loc, arith::SIToFPOp::create(b, loc, f32, args[0]), scale));
        q = arith::AddFOp::create(b, loc, q, zpFloat);
        q = arith::MaximumFOp::create(b, loc, q, c(isUnsigned ? 0 : -128));
        q = arith::MinimumFOp::create(b, loc, q, c(isUnsigned ? 255 : 127));
        Type i8 = b.getI8Type();
        Value code = isUnsigned
                         ? arith::FPToUIOp::create(b, loc, i8, q).getResult()
                         : arith::FPToSIOp::create(b, loc, i8, q).getResult();
        return castFromSignless(b, loc, code, resultType);
      });
}

void ::tern::registerQuantConverters(OpConverterRegistry &registry) {
  registry.add("DynamicQuantizeLinear", 11, 17, convertDynamicQuantizeLinear);
  registry.add("DequantizeLinear", 13, 17, convertDequantizeLinear);
  registry.add("QuantizeLinear", 13, 17, convertQuantizeLinear);
}
