//===- CastOps.cpp - Cast, CastLike, Identity, Dropout --------------------===//

#include "../TensorConversion.h"
#include "Broadcast.h"
#include "Signedness.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace ::tern;

namespace {

/// Converts one scalar from ONNX element type `from` to `to`, the way
/// numpy's astype does (floats truncate toward zero, integers wrap).
/// Integer scalars travel in their signless view (see Signedness.h).
Value castScalar(OpBuilder &b, Location loc, Value value, Type from, Type to) {
  Type target = getSignlessType(to);
  if (value.getType() == target)
    return value;
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  bool fromUnsigned = from.isInteger(1) || from.isUnsignedInteger();
  Type valueType = value.getType();
  if (to.isInteger(1)) {
    Value zero =
        arith::ConstantOp::create(b, loc, valueType, b.getZeroAttr(valueType));
    if (fromFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value, zero);
  }
  if (fromFloat && toFloat)
    return from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()
               ? arith::ExtFOp::create(b, loc, target, value).getResult()
               : arith::TruncFOp::create(b, loc, target, value).getResult();
  if (fromFloat)
    return to.isUnsignedInteger()
               ? arith::FPToUIOp::create(b, loc, target, value).getResult()
               : arith::FPToSIOp::create(b, loc, target, value).getResult();
  if (toFloat)
    return fromUnsigned
               ? arith::UIToFPOp::create(b, loc, target, value).getResult()
               : arith::SIToFPOp::create(b, loc, target, value).getResult();
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return fromUnsigned
               ? arith::ExtUIOp::create(b, loc, target, value).getResult()
               : arith::ExtSIOp::create(b, loc, target, value).getResult();
  return arith::TruncIOp::create(b, loc, target, value);
}

LogicalResult castTo(NodeImporter &node, Type to) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  Type from = cast<RankedTensorType>(input.getType()).getElementType();
  if (from == to) {
    node.setOutput(0, input);
    return success();
  }
  FailureOr<Value> result = buildBroadcastElementwise(
      node, {input}, to, [&](OpBuilder &b, Location loc, ValueRange args) {
        return castScalar(b, loc, args[0], from, to);
      });
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult convertCast(NodeImporter &node) {
  int64_t to = node.getIntAttr("to", 0);
  Type type = convertElementType(to, node.getBuilder().getContext());
  if (!type)
    return node.emitError()
           << "cast to " << getDataTypeName(to) << " is not supported";
  return castTo(node, type);
}

LogicalResult convertCastLike(NodeImporter &node) {
  Value target = node.getInput(1);
  if (!target)
    return failure();
  return castTo(node,
                cast<RankedTensorType>(target.getType()).getElementType());
}

LogicalResult convertIdentity(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  node.setOutput(0, input);
  return success();
}

/// Inference only: the output is the input and the mask is all true.
LogicalResult convertDropout(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  if (node.hasInput(2))
    return node.emitError() << "training_mode is not supported (inference "
                               "only)";
  node.setOutput(0, input);
  if (node.hasOutput(1)) {
    FailureOr<Value> mask = buildBroadcastElementwise(
        node, {input}, node.getBuilder().getI1Type(),
        [](OpBuilder &b, Location loc, ValueRange) -> Value {
          return arith::ConstantOp::create(b, loc, b.getI1Type(),
                                           b.getBoolAttr(true));
        });
    if (failed(mask))
      return failure();
    node.setOutput(1, *mask);
  }
  return success();
}

} // namespace

void ::tern::registerCastConverters(OpConverterRegistry &registry) {
  registry.add("Cast", 6, 17, convertCast);
  registry.add("CastLike", 15, 17, convertCastLike);
  registry.add("Identity", 1, 17, convertIdentity);
  registry.add("Dropout", 7, 17, convertDropout);
}
