//===- Signedness.cpp - ONNX's unsigned integers on signless arith --------===//

#include "Signedness.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace tern {

Type getSignlessType(Type type) {
  auto intType = dyn_cast<IntegerType>(type);
  if (!intType || intType.isSignless())
    return type;
  return IntegerType::get(type.getContext(), intType.getWidth());
}

static Value castScalar(OpBuilder &b, Location loc, Value scalar, Type to) {
  if (scalar.getType() == to)
    return scalar;
  return UnrealizedConversionCastOp::create(b, loc, to, scalar).getResult(0);
}

Value castToSignless(OpBuilder &b, Location loc, Value scalar) {
  return castScalar(b, loc, scalar, getSignlessType(scalar.getType()));
}

Value castFromSignless(OpBuilder &b, Location loc, Value scalar, Type type) {
  return castScalar(b, loc, scalar, type);
}

Value buildConstantTensor(OpBuilder &b, Location loc, DenseElementsAttr value) {
  auto type = cast<RankedTensorType>(value.getType());
  Type signless = getSignlessType(type.getElementType());
  return buildConstantTensor(
      b, loc,
      signless == type.getElementType() ? value : value.bitcast(signless),
      type);
}

Value buildConstantTensor(OpBuilder &b, Location loc, ElementsAttr bits,
                          RankedTensorType type) {
  Type elementType = type.getElementType();
  Value constant = arith::ConstantOp::create(b, loc, cast<TypedAttr>(bits));
  if (getSignlessType(elementType) == elementType)
    return constant;
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), elementType);
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  auto view = linalg::GenericOp::create(
      b, loc, type, constant, init, {identity, identity},
      SmallVector<utils::IteratorType>(type.getRank(),
                                       utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(
            nb, nloc, castFromSignless(nb, nloc, args[0], elementType));
      });
  return view.getResult(0);
}

/// The constant under the unsigned view `buildConstantTensor` makes.
static Value lookThroughUnsignedView(Value value) {
  auto view = value.getDefiningOp<linalg::GenericOp>();
  if (!view || view.getNumDpsInputs() != 1)
    return value;
  Block &body = view.getRegion().front();
  if (body.getOperations().size() != 2 ||
      !isa<UnrealizedConversionCastOp>(body.front()) ||
      cast<ShapedType>(view.getDpsInputs()[0].getType()).getShape() !=
          cast<ShapedType>(value.getType()).getShape())
    return value;
  return view.getDpsInputs()[0];
}

ElementsAttr matchConstantBits(Value value) {
  ElementsAttr attr;
  if (matchPattern(lookThroughUnsignedView(value), m_Constant(&attr)))
    return attr;
  return nullptr;
}

DenseElementsAttr matchConstantTensor(Value value) {
  DenseElementsAttr attr;
  if (matchPattern(value, m_Constant(&attr)))
    return attr;
  // The unsigned view `buildConstantTensor` makes.
  auto view = value.getDefiningOp<linalg::GenericOp>();
  if (!view || view.getNumDpsInputs() != 1 ||
      !matchPattern(view.getDpsInputs()[0], m_Constant(&attr)))
    return nullptr;
  Block &body = view.getRegion().front();
  if (body.getOperations().size() != 2 ||
      !isa<UnrealizedConversionCastOp>(body.front()))
    return nullptr;
  auto type = cast<RankedTensorType>(value.getType());
  if (attr.getType().getShape() != type.getShape())
    return nullptr;
  return attr.bitcast(type.getElementType());
}

} // namespace tern
