//===- TernDialect.cpp - Tern dialect registration ------------------------===//

#include "tern/Dialect/Tern/IR/TernDialect.h"
#include "tern/Dialect/Tern/IR/TernOps.h"

using namespace mlir;
using namespace mlir::tern;

#include "tern/Dialect/Tern/IR/TernDialect.cpp.inc"

void TernDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "tern/Dialect/Tern/IR/TernOps.cpp.inc"
      >();
}

Operation *TernDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements)
    return nullptr;
  if (isa<PackedWeightsType>(type))
    return PackedConstantOp::create(builder, loc, type, elements);
  if (elements.getType() != type)
    return nullptr;
  if (elements.getElementType().isInteger(8) && isTernaryValued(elements))
    return ConstantOp::create(builder, loc, elements);
  if (arith::ConstantOp::isBuildableWith(value, type))
    return arith::ConstantOp::create(builder, loc, cast<TypedAttr>(value));
  return nullptr;
}
