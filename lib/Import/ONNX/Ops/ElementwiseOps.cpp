//===- ElementwiseOps.cpp - Add, Mul, Relu --------------------------------===//

#include "Broadcast.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace ::tern;

namespace {

/// A binary arithmetic op with a float and an integer form.
template <typename FloatOp, typename IntOp>
LogicalResult convertBinaryArith(NodeImporter &node) {
  Value lhs = node.getInput(0), rhs = node.getInput(1);
  if (!lhs || !rhs)
    return failure();
  Type elementType = cast<RankedTensorType>(lhs.getType()).getElementType();
  if (elementType != cast<RankedTensorType>(rhs.getType()).getElementType())
    return node.emitError() << "operands have different element types";
  if (elementType.isInteger(1))
    return node.emitError() << "bool operands are not supported";
  FailureOr<Value> result = buildBroadcastElementwise(
      node, {lhs, rhs}, elementType,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        if (isa<FloatType>(elementType))
          return FloatOp::create(b, loc, args[0], args[1]);
        return IntOp::create(b, loc, args[0], args[1]);
      });
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult convertRelu(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  Type elementType = cast<RankedTensorType>(input.getType()).getElementType();
  if (elementType.isInteger(1))
    return node.emitError() << "bool input is not supported";
  FailureOr<Value> result = buildBroadcastElementwise(
      node, {input}, elementType,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value zero = arith::ConstantOp::create(b, loc, elementType,
                                               b.getZeroAttr(elementType));
        if (isa<FloatType>(elementType))
          return arith::MaximumFOp::create(b, loc, args[0], zero);
        return arith::MaxSIOp::create(b, loc, args[0], zero);
      });
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void ::tern::registerElementwiseConverters(OpConverterRegistry &registry) {
  registry.add("Add", 7, 17, convertBinaryArith<arith::AddFOp, arith::AddIOp>);
  registry.add("Mul", 7, 17, convertBinaryArith<arith::MulFOp, arith::MulIOp>);
  registry.add("Relu", 6, 17, convertRelu);
}
