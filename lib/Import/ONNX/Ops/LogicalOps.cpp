//===- LogicalOps.cpp - Comparisons, boolean logic and Where --------------===//

#include "Broadcast.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace ::tern;

namespace {

template <arith::CmpFPredicate floatPredicate,
          arith::CmpIPredicate intPredicate,
          arith::CmpIPredicate unsignedPredicate = intPredicate>
LogicalResult convertCompare(NodeImporter &node) {
  return convertElementwise(
      node, 2, kAnyKind | kUnsignedInt,
      [](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        if (isa<FloatType>(type))
          return arith::CmpFOp::create(b, loc, floatPredicate, args[0],
                                       args[1]);
        return arith::CmpIOp::create(
            b, loc, type.isUnsignedInteger() ? unsignedPredicate : intPredicate,
            args[0], args[1]);
      },
      node.getBuilder().getI1Type());
}

template <typename LogicOp> LogicalResult convertLogic(NodeImporter &node) {
  return convertElementwise(
      node, 2, kBool,
      [](OpBuilder &b, Location loc, ValueRange args, Type) -> Value {
        return LogicOp::create(b, loc, args[0], args[1]);
      });
}

LogicalResult convertNot(NodeImporter &node) {
  return convertElementwise(
      node, 1, kBool,
      [](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        Value trueValue =
            arith::ConstantOp::create(b, loc, type, b.getBoolAttr(true));
        return arith::XOrIOp::create(b, loc, args[0], trueValue);
      });
}

LogicalResult convertIsNaN(NodeImporter &node) {
  return convertElementwise(
      node, 1, kFloat,
      [](OpBuilder &b, Location loc, ValueRange args, Type) -> Value {
        return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, args[0],
                                     args[0]);
      },
      node.getBuilder().getI1Type());
}

LogicalResult convertIsInf(NodeImporter &node) {
  bool positive = node.getIntAttr("detect_positive", 1);
  bool negative = node.getIntAttr("detect_negative", 1);
  return convertElementwise(
      node, 1, kFloat,
      [=](OpBuilder &b, Location loc, ValueRange args, Type type) -> Value {
        auto inf = [&](bool negate) {
          return arith::ConstantOp::create(
              b, loc, type,
              b.getFloatAttr(type, negate ? -INFINITY : INFINITY));
        };
        Value result = arith::ConstantOp::create(b, loc, b.getI1Type(),
                                                 b.getBoolAttr(false));
        if (positive)
          result = arith::OrIOp::create(
              b, loc, result,
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, args[0],
                                    inf(false)));
        if (negative)
          result = arith::OrIOp::create(
              b, loc, result,
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, args[0],
                                    inf(true)));
        return result;
      },
      node.getBuilder().getI1Type());
}

LogicalResult convertWhere(NodeImporter &node) {
  Value condition = node.getInput(0), x = node.getInput(1),
        y = node.getInput(2);
  if (!condition || !x || !y)
    return failure();
  if (!cast<RankedTensorType>(condition.getType())
           .getElementType()
           .isInteger(1))
    return node.emitError() << "condition must be bool";
  Type type = cast<RankedTensorType>(x.getType()).getElementType();
  if (type != cast<RankedTensorType>(y.getType()).getElementType())
    return node.emitError() << "X and Y have different element types";
  FailureOr<Value> result = buildBroadcastElementwise(
      node, {condition, x, y}, type,
      [](OpBuilder &b, Location loc, ValueRange args) -> Value {
        return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
      });
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void ::tern::registerLogicalConverters(OpConverterRegistry &registry) {
  using F = arith::CmpFPredicate;
  using I = arith::CmpIPredicate;
  registry.add("Equal", 11, 17, convertCompare<F::OEQ, I::eq>);
  registry.add("Less", 9, 17, convertCompare<F::OLT, I::slt, I::ult>);
  registry.add("LessOrEqual", 12, 17, convertCompare<F::OLE, I::sle, I::ule>);
  registry.add("Greater", 9, 17, convertCompare<F::OGT, I::sgt, I::ugt>);
  registry.add("GreaterOrEqual", 12, 17,
               convertCompare<F::OGE, I::sge, I::uge>);
  registry.add("And", 7, 17, convertLogic<arith::AndIOp>);
  registry.add("Or", 7, 17, convertLogic<arith::OrIOp>);
  registry.add("Xor", 7, 17, convertLogic<arith::XOrIOp>);
  registry.add("Not", 1, 17, convertNot);
  registry.add("IsNaN", 9, 17, convertIsNaN);
  registry.add("IsInf", 10, 17, convertIsInf);
  registry.add("Where", 9, 17, convertWhere);
}
