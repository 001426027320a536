//===- ElementwiseOps.cpp - Arithmetic and math elementwise ops -----------===//
//
// Add Sub Mul Div Mod Pow Min Max Sum Mean, the unary math ops, and the
// activations that are a scalar function of their input.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace ::tern;

namespace {

Value constantLike(OpBuilder &b, Location loc, Type type, double value) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
  return arith::ConstantOp::create(
      b, loc, type, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

/// Float, signed and unsigned integer forms of a binary op.
template <typename FloatOp, typename IntOp, typename UnsignedOp = IntOp>
LogicalResult convertBinary(NodeImporter &node) {
  return convertElementwise(
      node, 2, kNumeric | kUnsignedInt,
      [](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        if (isa<FloatType>(type))
          return FloatOp::create(b, loc, args[0], args[1]);
        if (type.isUnsignedInteger())
          return UnsignedOp::create(b, loc, args[0], args[1]);
        return IntOp::create(b, loc, args[0], args[1]);
      });
}

/// Min, Max, Sum and Mean take any number of inputs.
template <typename FloatOp, typename IntOp, typename UnsignedOp = IntOp,
          bool isMean = false>
LogicalResult convertVariadic(NodeImporter &node) {
  unsigned n = node.getNumInputs();
  if (n == 0)
    return node.emitError() << "needs at least one input";
  if (isMean && n > 0 &&
      !isa<FloatType>(
          cast<RankedTensorType>(node.getInput(0).getType()).getElementType()))
    return node.emitError() << "Mean needs float inputs";
  return convertElementwise(
      node, n, isMean ? kFloat : kNumeric | kUnsignedInt,
      [n](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value acc = args[0];
        for (Value arg : args.drop_front())
          acc = isa<FloatType>(type)
                    ? FloatOp::create(b, loc, acc, arg).getResult()
                : type.isUnsignedInteger()
                    ? UnsignedOp::create(b, loc, acc, arg).getResult()
                    : IntOp::create(b, loc, acc, arg).getResult();
        if (isMean)
          acc =
              arith::DivFOp::create(b, loc, acc, constantLike(b, loc, type, n));
        return acc;
      });
}

LogicalResult convertMod(NodeImporter &node) {
  bool fmod = node.getIntAttr("fmod", 0);
  Value lhs = node.getInput(0);
  if (lhs && !fmod &&
      isa<FloatType>(cast<RankedTensorType>(lhs.getType()).getElementType()))
    return node.emitError() << "float operands need fmod = 1";
  return convertElementwise(
      node, 2, kNumeric | kUnsignedInt,
      [fmod](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        if (isa<FloatType>(type))
          return arith::RemFOp::create(b, loc, args[0], args[1]);
        if (type.isUnsignedInteger())
          return arith::RemUIOp::create(b, loc, args[0], args[1]);
        Value rem = arith::RemSIOp::create(b, loc, args[0], args[1]);
        if (fmod)
          return rem;
        // Python-style: the result takes the sign of the divisor.
        Value zero = constantLike(b, loc, type, 0);
        Value nonZero =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rem, zero);
        Value remNeg =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, rem, zero);
        Value divNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                             args[1], zero);
        Value signsDiffer = arith::XOrIOp::create(b, loc, remNeg, divNeg);
        Value adjust = arith::AndIOp::create(b, loc, nonZero, signsDiffer);
        Value adjusted = arith::AddIOp::create(b, loc, rem, args[1]);
        return arith::SelectOp::create(b, loc, adjust, adjusted, rem);
      });
}

/// Pow allows an exponent of another type than the base.
LogicalResult convertPow(NodeImporter &node) {
  Value base = node.getInput(0), exponent = node.getInput(1);
  if (!base || !exponent)
    return failure();
  Type baseType = cast<RankedTensorType>(base.getType()).getElementType();
  Type expType = cast<RankedTensorType>(exponent.getType()).getElementType();
  if (baseType.isSignlessInteger() && expType == baseType &&
      !baseType.isInteger(1))
    return convertElementwise(
        node, 2, kSignedInt,
        [](OpBuilder &b, Location loc, ValueRange args, Type) -> Value {
          return math::IPowIOp::create(b, loc, args[0], args[1]);
        });
  if (baseType.isSignlessInteger() && !baseType.isInteger(1) &&
      isa<FloatType>(expType)) {
    // An integer base with a float exponent: the power in f64, truncated
    // back to the base's type, as ONNX Runtime computes it.
    FailureOr<Value> result = buildBroadcastElementwise(
        node, {base, exponent}, baseType,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Type f64 = b.getF64Type();
          Value x = arith::SIToFPOp::create(b, loc, f64, args[0]);
          Value e =
              expType.isF64()
                  ? args[1]
                  : arith::ExtFOp::create(b, loc, f64, args[1]).getResult();
          return arith::FPToSIOp::create(b, loc, baseType,
                                         math::PowFOp::create(b, loc, x, e));
        });
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  }
  if (!isa<FloatType>(baseType))
    return node.emitError() << "integer bases need an exponent of the same "
                               "type or a float one";
  if (!isa<FloatType>(expType) && !expType.isInteger())
    return node.emitError()
           << "exponent type " << expType << " is not supported";
  FailureOr<Value> result = buildBroadcastElementwise(
      node, {base, exponent}, baseType,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value e = args[1];
        if (expType.isUnsignedInteger())
          e = arith::UIToFPOp::create(b, loc, baseType, e);
        else if (expType.isSignlessInteger())
          e = arith::SIToFPOp::create(b, loc, baseType, e);
        else if (expType != baseType)
          e = expType.getIntOrFloatBitWidth() < baseType.getIntOrFloatBitWidth()
                  ? arith::ExtFOp::create(b, loc, baseType, e).getResult()
                  : arith::TruncFOp::create(b, loc, baseType, e).getResult();
        return math::PowFOp::create(b, loc, args[0], e);
      });
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// A unary op defined for floats only.
template <typename MathOp> LogicalResult convertFloatUnary(NodeImporter &node) {
  return convertElementwise(
      node, 1, kFloat,
      [](OpBuilder &b, Location loc, ValueRange args, Type) -> Value {
        return MathOp::create(b, loc, args[0]);
      });
}

LogicalResult convertAbs(NodeImporter &node) {
  return convertElementwise(
      node, 1, kNumeric,
      [](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        if (isa<FloatType>(type))
          return math::AbsFOp::create(b, loc, args[0]);
        return math::AbsIOp::create(b, loc, args[0]);
      });
}

LogicalResult convertNeg(NodeImporter &node) {
  return convertElementwise(
      node, 1, kNumeric,
      [](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        if (isa<FloatType>(type))
          return arith::NegFOp::create(b, loc, args[0]);
        return arith::SubIOp::create(b, loc, constantLike(b, loc, type, 0),
                                     args[0]);
      });
}

LogicalResult convertSign(NodeImporter &node) {
  return convertElementwise(
      node, 1, kNumeric,
      [](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value x = args[0], zero = constantLike(b, loc, type, 0);
        Value one = constantLike(b, loc, type, 1);
        Value minusOne = constantLike(b, loc, type, -1);
        Value positive, negative;
        if (isa<FloatType>(type)) {
          positive =
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
          negative =
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
        } else {
          positive =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, x, zero);
          negative =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
        }
        // Zero (and NaN) map to themselves.
        Value rest = arith::SelectOp::create(b, loc, negative, minusOne, x);
        return arith::SelectOp::create(b, loc, positive, one, rest);
      });
}

LogicalResult convertReciprocal(NodeImporter &node) {
  return convertElementwise(
      node, 1, kFloat,
      [](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        return arith::DivFOp::create(b, loc, constantLike(b, loc, type, 1),
                                     args[0]);
      });
}

LogicalResult convertSigmoid(NodeImporter &node) {
  return convertElementwise(
      node, 1, kFloat,
      [](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value one = constantLike(b, loc, type, 1);
        Value e =
            math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, args[0]));
        return arith::DivFOp::create(b, loc, one,
                                     arith::AddFOp::create(b, loc, one, e));
      });
}

LogicalResult convertRelu(NodeImporter &node) {
  return convertElementwise(
      node, 1, kNumeric,
      [](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value zero = constantLike(b, loc, type, 0);
        if (isa<FloatType>(type))
          return arith::MaximumFOp::create(b, loc, args[0], zero);
        return arith::MaxSIOp::create(b, loc, args[0], zero);
      });
}

/// x < 0 ? negative(x) : x, for the ReLU family.
template <typename NegativeFn>
LogicalResult convertPiecewise(NodeImporter &node, NegativeFn negative) {
  return convertElementwise(
      node, 1, kFloat,
      [&](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value x = args[0];
        Value isNegative =
            arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                  constantLike(b, loc, type, 0));
        return arith::SelectOp::create(b, loc, isNegative,
                                       negative(b, loc, x, type), x);
      });
}

LogicalResult convertLeakyRelu(NodeImporter &node) {
  double alpha = node.getFloatAttr("alpha", 0.01f);
  return convertPiecewise(
      node, [alpha](OpBuilder &b, Location loc, Value x, Type type) -> Value {
        return arith::MulFOp::create(b, loc, x,
                                     constantLike(b, loc, type, alpha));
      });
}

LogicalResult convertElu(NodeImporter &node) {
  double alpha = node.getFloatAttr("alpha", 1.0f);
  return convertPiecewise(
      node, [alpha](OpBuilder &b, Location loc, Value x, Type type) -> Value {
        Value expm1 = math::ExpM1Op::create(b, loc, x);
        return arith::MulFOp::create(b, loc, expm1,
                                     constantLike(b, loc, type, alpha));
      });
}

/// x < 0 ? x * slope : x.
Value preluBody(OpBuilder &b, Location loc, Value x, Value slope) {
  Value isNegative =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                            constantLike(b, loc, x.getType(), 0));
  Value scaled = arith::MulFOp::create(b, loc, x, slope);
  return arith::SelectOp::create(b, loc, isNegative, scaled, x);
}

LogicalResult convertPRelu(NodeImporter &node) {
  // Models from before opset 7 (PyTorch's PReLU(num_parameters=C) among
  // them) give a 1-D slope of the channel count, which applied along
  // dimension 1; the version converter leaves it 1-D, where numpy-style
  // broadcasting would align it with the last dimension. Such a slope
  // becomes [C, 1, ..., 1].
  Value input = node.lookupInput(0), slope = node.lookupInput(1);
  auto inputType =
      input ? dyn_cast<RankedTensorType>(input.getType()) : nullptr;
  auto slopeType =
      slope ? dyn_cast<RankedTensorType>(slope.getType()) : nullptr;
  if (inputType && slopeType && inputType.getRank() > 2 &&
      slopeType.getRank() == 1 && !slopeType.isDynamicDim(0) &&
      slopeType.getDimSize(0) > 1 &&
      inputType.getDimSize(1) == slopeType.getDimSize(0) &&
      inputType.getDimSize(inputType.getRank() - 1) !=
          slopeType.getDimSize(0)) {
    Value perChannel = expandAlongChannels(node.getBuilder(), node.getLoc(),
                                           slope, inputType.getRank());
    FailureOr<Value> y = buildBroadcastElementwise(
        node, {input, perChannel}, inputType.getElementType(),
        [](OpBuilder &nb, Location loc, ValueRange args) {
          return preluBody(nb, loc, args[0], args[1]);
        });
    if (failed(y))
      return failure();
    node.setOutput(0, *y);
    return success();
  }
  return convertElementwise(
      node, 2, kFloat,
      [](OpBuilder &b, Location loc, ValueRange args, Type) -> Value {
        return preluBody(b, loc, args[0], args[1]);
      });
}

LogicalResult convertThresholdedRelu(NodeImporter &node) {
  double alpha = node.getFloatAttr("alpha", 1.0f);
  return convertElementwise(
      node, 1, kFloat,
      [alpha](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value above =
            arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, args[0],
                                  constantLike(b, loc, type, alpha));
        return arith::SelectOp::create(b, loc, above, args[0],
                                       constantLike(b, loc, type, 0));
      });
}

LogicalResult convertSelu(NodeImporter &node) {
  // The defaults are the float32 constants of the ONNX spec.
  double alpha = node.getFloatAttr("alpha", 1.67326319217681884765625f);
  double gamma = node.getFloatAttr("gamma", 1.05070102214813232421875f);
  return convertElementwise(
      node, 1, kFloat,
      [=](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value x = args[0];
        Value positive =
            arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                  constantLike(b, loc, type, 0));
        Value negative = arith::MulFOp::create(
            b, loc, constantLike(b, loc, type, alpha),
            arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, x),
                                  constantLike(b, loc, type, 1)));
        Value y = arith::SelectOp::create(b, loc, positive, x, negative);
        return arith::MulFOp::create(b, loc, y,
                                     constantLike(b, loc, type, gamma));
      });
}

LogicalResult convertShrink(NodeImporter &node) {
  double lambd = node.getFloatAttr("lambd", 0.5f);
  double bias = node.getFloatAttr("bias", 0.0f);
  return convertElementwise(
      node, 1, kFloat,
      [=](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value x = args[0];
        Value below =
            arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                  constantLike(b, loc, type, -lambd));
        Value above =
            arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                  constantLike(b, loc, type, lambd));
        Value raised =
            arith::AddFOp::create(b, loc, x, constantLike(b, loc, type, bias));
        Value lowered =
            arith::SubFOp::create(b, loc, x, constantLike(b, loc, type, bias));
        return arith::SelectOp::create(
            b, loc, below, raised,
            arith::SelectOp::create(b, loc, above, lowered,
                                    constantLike(b, loc, type, 0)));
      });
}

LogicalResult convertHardSigmoid(NodeImporter &node) {
  double alpha = node.getFloatAttr("alpha", 0.2f);
  double beta = node.getFloatAttr("beta", 0.5f);
  return convertElementwise(
      node, 1, kFloat,
      [=](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value y = arith::AddFOp::create(
            b, loc,
            arith::MulFOp::create(b, loc, args[0],
                                  constantLike(b, loc, type, alpha)),
            constantLike(b, loc, type, beta));
        y = arith::MinimumFOp::create(b, loc, y, constantLike(b, loc, type, 1));
        return arith::MaximumFOp::create(b, loc, y,
                                         constantLike(b, loc, type, 0));
      });
}

/// Celu: max(0, x) + min(0, alpha (exp(x / alpha) - 1)).
LogicalResult convertCelu(NodeImporter &node) {
  double alpha = node.getFloatAttr("alpha", 1.0f);
  return convertElementwise(
      node, 1, kFloat,
      [=](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value x = args[0];
        Value zero = constantLike(b, loc, type, 0);
        Value negative = arith::MulFOp::create(
            b, loc, constantLike(b, loc, type, alpha),
            arith::SubFOp::create(
                b, loc,
                math::ExpOp::create(
                    b, loc,
                    arith::DivFOp::create(b, loc, x,
                                          constantLike(b, loc, type, alpha))),
                constantLike(b, loc, type, 1)));
        return arith::AddFOp::create(
            b, loc, arith::MaximumFOp::create(b, loc, x, zero),
            arith::MinimumFOp::create(b, loc, negative, zero));
      });
}

/// HardSwish: x * max(0, min(1, x / 6 + 1 / 2)).
LogicalResult convertHardSwish(NodeImporter &node) {
  return convertElementwise(
      node, 1, kFloat,
      [](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value x = args[0];
        Value y = arith::AddFOp::create(
            b, loc,
            arith::MulFOp::create(b, loc, x,
                                  constantLike(b, loc, type, 1.0 / 6.0)),
            constantLike(b, loc, type, 0.5));
        y = arith::MinimumFOp::create(b, loc, y, constantLike(b, loc, type, 1));
        y = arith::MaximumFOp::create(b, loc, y, constantLike(b, loc, type, 0));
        return arith::MulFOp::create(b, loc, x, y);
      });
}

LogicalResult convertSoftsign(NodeImporter &node) {
  return convertElementwise(
      node, 1, kFloat,
      [](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value denom =
            arith::AddFOp::create(b, loc, constantLike(b, loc, type, 1),
                                  math::AbsFOp::create(b, loc, args[0]));
        return arith::DivFOp::create(b, loc, args[0], denom);
      });
}

LogicalResult convertSoftplus(NodeImporter &node) {
  return convertElementwise(
      node, 1, kFloat,
      [](OpBuilder &b, Location loc, ValueRange args, Type) -> Value {
        return math::Log1pOp::create(b, loc,
                                     math::ExpOp::create(b, loc, args[0]));
      });
}

/// Clip(x, min?, max?): absent bounds do not clip.
/// Shifts of unsigned integers; a shift by the width or more gives 0, as
/// numpy does, where arith would give poison.
LogicalResult convertBitShift(NodeImporter &node) {
  const onnx::AttributeProto *direction = node.getAttribute("direction");
  if (!direction || (direction->s() != "LEFT" && direction->s() != "RIGHT"))
    return node.emitError() << "direction must be LEFT or RIGHT";
  bool left = direction->s() == "LEFT";
  return convertElementwise(
      node, 2, kUnsignedInt,
      [left](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Type bits = args[0].getType();
        Value shifted =
            left ? arith::ShLIOp::create(b, loc, args[0], args[1]).getResult()
                 : arith::ShRUIOp::create(b, loc, args[0], args[1]).getResult();
        Value width = arith::ConstantOp::create(
            b, loc, bits, b.getIntegerAttr(bits, type.getIntOrFloatBitWidth()));
        Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                              args[1], width);
        Value zero =
            arith::ConstantOp::create(b, loc, bits, b.getZeroAttr(bits));
        return arith::SelectOp::create(b, loc, inRange, shifted, zero);
      });
}

LogicalResult convertClip(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  SmallVector<Value> operands = {input};
  bool hasMin = node.hasInput(1), hasMax = node.hasInput(2);
  for (unsigned i : {1u, 2u}) {
    if (!node.hasInput(i))
      continue;
    Value bound = node.getInput(i);
    if (!bound)
      return failure();
    if (cast<RankedTensorType>(bound.getType()).getRank() != 0)
      return node.emitError() << "min and max must be scalars";
    operands.push_back(bound);
  }
  Type type = cast<RankedTensorType>(input.getType()).getElementType();
  if (isa<IntegerType>(type) && type.isInteger(1))
    return node.emitError() << "bool input is not supported";
  FailureOr<Value> result = buildBroadcastElementwise(
      node, operands, type,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value x = args[0];
        unsigned next = 1;
        bool isFloat = isa<FloatType>(type);
        if (hasMin) {
          Value lo = args[next++];
          x = isFloat ? arith::MaximumFOp::create(b, loc, x, lo).getResult()
                      : arith::MaxSIOp::create(b, loc, x, lo).getResult();
        }
        if (hasMax) {
          Value hi = args[next++];
          x = isFloat ? arith::MinimumFOp::create(b, loc, x, hi).getResult()
                      : arith::MinSIOp::create(b, loc, x, hi).getResult();
        }
        return x;
      });
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void ::tern::registerElementwiseConverters(OpConverterRegistry &registry) {
  registry.add("Add", 7, 17, convertBinary<arith::AddFOp, arith::AddIOp>);
  registry.add("Sub", 7, 17, convertBinary<arith::SubFOp, arith::SubIOp>);
  registry.add("Mul", 7, 17, convertBinary<arith::MulFOp, arith::MulIOp>);
  registry.add("Div", 7, 17,
               convertBinary<arith::DivFOp, arith::DivSIOp, arith::DivUIOp>);
  registry.add("Mod", 10, 17, convertMod);
  registry.add("BitShift", 11, 17, convertBitShift);
  registry.add("Pow", 7, 17, convertPow);
  registry.add(
      "Max", 8, 17,
      convertVariadic<arith::MaximumFOp, arith::MaxSIOp, arith::MaxUIOp>);
  registry.add(
      "Min", 8, 17,
      convertVariadic<arith::MinimumFOp, arith::MinSIOp, arith::MinUIOp>);
  registry.add("Sum", 8, 17, convertVariadic<arith::AddFOp, arith::AddIOp>);
  registry.add(
      "Mean", 8, 17,
      convertVariadic<arith::AddFOp, arith::AddIOp, arith::AddIOp, true>);

  registry.add("Abs", 6, 17, convertAbs);
  registry.add("Neg", 6, 17, convertNeg);
  registry.add("Sign", 9, 17, convertSign);
  registry.add("Reciprocal", 6, 17, convertReciprocal);
  registry.add("Sqrt", 6, 17, convertFloatUnary<math::SqrtOp>);
  registry.add("Exp", 6, 17, convertFloatUnary<math::ExpOp>);
  registry.add("Log", 6, 17, convertFloatUnary<math::LogOp>);
  registry.add("Sin", 7, 17, convertFloatUnary<math::SinOp>);
  registry.add("Cos", 7, 17, convertFloatUnary<math::CosOp>);
  registry.add("Tan", 7, 17, convertFloatUnary<math::TanOp>);
  registry.add("Asin", 7, 17, convertFloatUnary<math::AsinOp>);
  registry.add("Acos", 7, 17, convertFloatUnary<math::AcosOp>);
  registry.add("Atan", 7, 17, convertFloatUnary<math::AtanOp>);
  registry.add("Sinh", 9, 17, convertFloatUnary<math::SinhOp>);
  registry.add("Cosh", 9, 17, convertFloatUnary<math::CoshOp>);
  registry.add("Asinh", 9, 17, convertFloatUnary<math::AsinhOp>);
  registry.add("Acosh", 9, 17, convertFloatUnary<math::AcoshOp>);
  registry.add("Atanh", 9, 17, convertFloatUnary<math::AtanhOp>);
  registry.add("Tanh", 6, 17, convertFloatUnary<math::TanhOp>);
  registry.add("Erf", 9, 17, convertFloatUnary<math::ErfOp>);
  registry.add("Floor", 6, 17, convertFloatUnary<math::FloorOp>);
  registry.add("Ceil", 6, 17, convertFloatUnary<math::CeilOp>);
  registry.add("Round", 11, 17, convertFloatUnary<math::RoundEvenOp>);

  registry.add("Relu", 6, 17, convertRelu);
  registry.add("LeakyRelu", 6, 17, convertLeakyRelu);
  registry.add("PRelu", 9, 17, convertPRelu);
  registry.add("Elu", 6, 17, convertElu);
  registry.add("Sigmoid", 6, 17, convertSigmoid);
  registry.add("HardSigmoid", 6, 17, convertHardSigmoid);
  registry.add("HardSwish", 14, 17, convertHardSwish);
  registry.add("Celu", 12, 17, convertCelu);
  registry.add("Selu", 6, 17, convertSelu);
  registry.add("Shrink", 9, 17, convertShrink);
  registry.add("ThresholdedRelu", 10, 17, convertThresholdedRelu);
  registry.add("Softsign", 1, 17, convertSoftsign);
  registry.add("Softplus", 1, 17, convertSoftplus);
  registry.add("Clip", 11, 17, convertClip);
}
