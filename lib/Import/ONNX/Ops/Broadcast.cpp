//===- Broadcast.cpp - ONNX multidirectional broadcasting -----------------===//

#include "Broadcast.h"
#include "RuntimeChecks.h"
#include "Signedness.h"
#include "SizeOrigin.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace tern {

Value buildStretchedUnitDims(OpBuilder &b, Location loc, Value operand,
                             ArrayRef<std::pair<int64_t, Value>> sizes) {
  auto type = cast<RankedTensorType>(operand.getType());
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value matches = arith::ConstantIntOp::create(b, loc, 1, 1);
  Value mismatches = arith::ConstantIntOp::create(b, loc, 0, 1);
  SmallVector<Value> isUnit(type.getRank());
  for (auto [d, size] : sizes) {
    Value own = tensor::DimOp::create(b, loc, operand, d);
    Value same =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, own, size);
    isUnit[d] =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, own, one);
    matches = arith::AndIOp::create(b, loc, matches, same);
    Value stretches = arith::OrIOp::create(b, loc, same, isUnit[d]);
    mismatches = arith::OrIOp::create(
        b, loc, mismatches,
        arith::XOrIOp::create(b, loc, stretches,
                              arith::ConstantIntOp::create(b, loc, 1, 1)));
  }
  // Sizes that match, the common case, cost one branch; the check and the
  // stretched copy (a gather) only run when a size differs.
  auto ifOp = scf::IfOp::create(
      b, loc, matches,
      [&](OpBuilder &tb, Location tloc) {
        scf::YieldOp::create(tb, tloc, operand);
      },
      [&](OpBuilder &eb, Location eloc) {
        emitRuntimeCheck(eb, eloc, mismatches, RunError::ShapeMismatch);
        SmallVector<OpFoldResult> shape =
            tensor::getMixedSizes(eb, eloc, operand);
        for (auto [d, size] : sizes)
          shape[d] = size;
        Value init =
            tensor::EmptyOp::create(eb, eloc, shape, type.getElementType());
        Value zero = arith::ConstantIndexOp::create(eb, eloc, 0);
        auto copy = linalg::GenericOp::create(
            eb, eloc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
            {eb.getMultiDimIdentityMap(type.getRank())},
            SmallVector<utils::IteratorType>(type.getRank(),
                                             utils::IteratorType::parallel),
            [&](OpBuilder &nb, Location nloc, ValueRange) {
              SmallVector<Value> indices;
              for (int64_t d = 0; d < type.getRank(); ++d) {
                Value index = linalg::IndexOp::create(nb, nloc, d);
                if (isUnit[d])
                  index =
                      arith::SelectOp::create(nb, nloc, isUnit[d], zero, index);
                indices.push_back(index);
              }
              linalg::YieldOp::create(
                  nb, nloc,
                  tensor::ExtractOp::create(nb, nloc, operand, indices)
                      .getResult());
            });
        scf::YieldOp::create(eb, eloc, copy.getResult(0));
      });
  return ifOp.getResult(0);
}

FailureOr<BroadcastShape> broadcastLeadingDims(NodeImporter &node,
                                               ValueRange operands,
                                               int64_t trailing) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto typeOf = [](Value v) { return cast<RankedTensorType>(v.getType()); };

  int64_t rank = 0;
  for (Value operand : operands)
    rank = std::max(rank, typeOf(operand).getRank() - trailing);
  // Operand `i`'s dimension at result dimension `p` (right-aligned), or -1.
  auto operandDim = [&](unsigned i, int64_t p) {
    int64_t d = p - (rank - (typeOf(operands[i]).getRank() - trailing));
    return d < 0 ? -1 : d;
  };

  BroadcastShape result;
  result.shape.assign(rank, 1);
  result.operands.assign(operands.begin(), operands.end());
  for (int64_t p = 0; p < rank; ++p) {
    for (unsigned i = 0; i < operands.size(); ++i) {
      int64_t d = operandDim(i, p);
      int64_t size = d < 0 ? 1 : typeOf(operands[i]).getDimSize(d);
      int64_t &shaped = result.shape[p];
      if (size == 1 || shaped == size)
        continue;
      if (shaped == 1 || ShapedType::isDynamic(shaped))
        shaped = size;
      else if (!ShapedType::isDynamic(size))
        return node.emitError()
               << "operand shapes " << operands[0].getType() << " and "
               << operands[i].getType() << " cannot be broadcast together";
    }
  }

  // Dynamic dimensions, per operand, that may have to stretch to the
  // result's size (they may be 1 when the model runs).
  SmallVector<SmallVector<std::pair<int64_t, Value>>> stretches(
      operands.size());
  for (int64_t p = 0; p < rank; ++p) {
    SmallVector<std::pair<unsigned, int64_t>> dynamic;
    for (unsigned i = 0; i < operands.size(); ++i) {
      int64_t d = operandDim(i, p);
      if (d >= 0 && typeOf(operands[i]).isDynamicDim(d))
        dynamic.push_back({i, d});
    }
    if (dynamic.empty())
      continue;
    auto sizeOf = [&](std::pair<unsigned, int64_t> at) -> Value {
      return tensor::DimOp::create(b, loc, operands[at.first], at.second);
    };
    SmallVector<SizeRelation> relations;
    for (auto [i, d] : dynamic)
      relations.push_back(relateSizes(node, operands[dynamic[0].first],
                                      dynamic[0].second, operands[i], d));
    if (ShapedType::isDynamic(result.shape[p]) &&
        !llvm::is_contained(relations, SizeRelation::Unrelated)) {
      // One size by construction, or by name: the latter is checked, in
      // case the inputs contradict their names. Neither is stretched.
      Value size = sizeOf(dynamic[0]);
      for (auto [at, relation] : llvm::zip(dynamic, relations))
        if (relation == SizeRelation::SameByName)
          emitRuntimeEqualityCheck(b, loc, sizeOf(at), size,
                                   RunError::ShapeMismatch);
      result.dynamicSizes.push_back(size);
      continue;
    }
    Value size;
    if (!ShapedType::isDynamic(result.shape[p])) {
      size = arith::ConstantIndexOp::create(b, loc, result.shape[p]);
    } else {
      // The sizes are each 1 or the result's (buildStretchedUnitDims
      // checks): the first that is not 1, else 1.
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      for (auto at : dynamic) {
        Value own = sizeOf(at);
        size = !size ? own
                     : arith::SelectOp::create(
                           b, loc,
                           arith::CmpIOp::create(
                               b, loc, arith::CmpIPredicate::eq, size, one),
                           own, size);
      }
      result.dynamicSizes.push_back(size);
    }
    for (auto [i, d] : dynamic)
      stretches[i].push_back({d, size});
  }
  for (auto [operand, sizes] : llvm::zip(result.operands, stretches))
    if (!sizes.empty())
      operand = buildStretchedUnitDims(b, loc, operand, sizes);
  return result;
}

FailureOr<Value> buildBroadcastElementwise(NodeImporter &node,
                                           ValueRange operands,
                                           Type resultElementType,
                                           ElementwiseBodyFn body) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  MLIRContext *ctx = b.getContext();
  FailureOr<BroadcastShape> broadcast =
      broadcastLeadingDims(node, operands, /*trailing=*/0);
  if (failed(broadcast))
    return failure();
  ArrayRef<int64_t> shape = broadcast->shape;
  int64_t rank = shape.size();

  SmallVector<AffineMap> maps;
  for (Value operand : broadcast->operands) {
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

  auto resultType = RankedTensorType::get(shape, resultElementType);
  Value init = tensor::EmptyOp::create(b, loc, shape, resultElementType,
                                       broadcast->dynamicSizes);
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, broadcast->operands, ValueRange{init}, maps,
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

Value expandAlongChannels(OpBuilder &b, Location loc, Value vector,
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

} // namespace tern
