//===- RepeatedHeads.cpp - Attention heads repeated for grouped queries ---===//

#include "RepeatedHeads.h"

#include "MatMul.h"
#include "RuntimeChecks.h"
#include "SizeOrigin.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace tern {

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// The [B, KVN, 1, P, Q] input that `value` [B, KVN, R, P, Q] broadcasts
/// along dimension 2 (Expand's linalg.generic, which yields that input's
/// element unchanged), or null.
Value matchUnitDimBroadcast(Value value) {
  auto generic = value.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInits() != 1 ||
      generic.getNumReductionLoops() != 0)
    return nullptr;
  auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
  auto argument = dyn_cast<BlockArgument>(yield.getOperand(0));
  if (!argument || argument.getOwner() != generic.getBody() ||
      argument.getArgNumber() >= generic.getNumDpsInputs())
    return nullptr;
  OpOperand *input = generic.getDpsInputOperand(argument.getArgNumber());
  auto inputType = dyn_cast<RankedTensorType>(input->get().getType());
  if (!inputType || inputType.getRank() != 5 || inputType.getDimSize(2) != 1)
    return nullptr;
  // Read at (d0, d1, 0, d3, d4): every dimension but the repeated one is
  // the result's own.
  AffineMap map = generic.getMatchingIndexingMap(input);
  if (map.getNumResults() != 5)
    return nullptr;
  for (unsigned i = 0; i < 5; ++i) {
    AffineExpr expr = map.getResult(i);
    bool ok = i == 2 ? isa<AffineConstantExpr>(expr) &&
                           cast<AffineConstantExpr>(expr).getValue() == 0
                     : isa<AffineDimExpr>(expr) &&
                           cast<AffineDimExpr>(expr).getPosition() == i;
    if (!ok)
      return nullptr;
  }
  return input->get();
}

} // namespace

std::optional<RepeatedHeads> matchRepeatedHeads(NodeImporter &node,
                                                Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() != 4 || type.isDynamicDim(1))
    return std::nullopt;
  bool transposed = false;
  if (auto transpose = value.getDefiningOp<linalg::TransposeOp>()) {
    if (transpose.getPermutation() != ArrayRef<int64_t>{0, 1, 3, 2})
      return std::nullopt;
    value = transpose.getInput();
    transposed = true;
  }
  // [B, KVN, R, P, Q] -> [B, KVN * R, P, Q], by a collapse or a reshape to
  // sizes that keep B and Q (then P too: the reshape checks the count).
  Value repeated;
  if (auto collapse = value.getDefiningOp<tensor::CollapseShapeOp>()) {
    if (collapse.getReassociationIndices() !=
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}})
      return std::nullopt;
    repeated = collapse.getSrc();
  } else if (auto reshape = value.getDefiningOp<tensor::ReshapeOp>()) {
    repeated = reshape.getSource();
    auto sourceType = dyn_cast<RankedTensorType>(repeated.getType());
    auto resultType = typeOf(reshape.getResult());
    if (!sourceType || sourceType.getRank() != 5 ||
        sourceType.isDynamicDim(4) || resultType.isDynamicDim(3) ||
        sourceType.getDimSize(4) != resultType.getDimSize(3) ||
        relateSizes(node, reshape.getResult(), 0, repeated, 0) !=
            SizeRelation::Same)
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  auto repeatedType = typeOf(repeated);
  if (repeatedType.isDynamicDim(1) || repeatedType.isDynamicDim(2) ||
      repeatedType.getDimSize(1) * repeatedType.getDimSize(2) !=
          typeOf(value).getDimSize(1) ||
      repeatedType.getDimSize(2) < 2)
    return std::nullopt;
  Value unit = matchUnitDimBroadcast(repeated);
  if (!unit)
    return std::nullopt;
  OpBuilder &b = node.getBuilder();
  Value source = tensor::CollapseShapeOp::create(
      b, node.getLoc(), unit,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
  return RepeatedHeads{source, repeatedType.getDimSize(2), transposed};
}

FailureOr<Value> buildGroupedHeadsMatMul(NodeImporter &node, Value lhs,
                                         Value rhs) {
  auto lhsType = typeOf(lhs);
  if (lhsType.getRank() != 4 || lhsType.isDynamicDim(1))
    return Value();
  std::optional<RepeatedHeads> heads = matchRepeatedHeads(node, rhs);
  if (!heads)
    return Value();
  int64_t kvHeads = typeOf(heads->source).getDimSize(1);
  int64_t repeats = heads->repeats;
  if (lhsType.getDimSize(1) != kvHeads * repeats)
    return Value();
  // The batch sizes must be one (a broadcast batch would need the
  // general form).
  SizeRelation batch = relateSizes(node, lhs, 0, heads->source, 0);
  if (batch == SizeRelation::Unrelated &&
      (lhsType.isDynamicDim(0) ||
       lhsType.getDimSize(0) != typeOf(heads->source).getDimSize(0)))
    return Value();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  if (batch == SizeRelation::SameByName)
    emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, lhs, 0),
                             tensor::DimOp::create(b, loc, heads->source, 0),
                             RunError::ShapeMismatch);
  Type elementType = lhsType.getElementType();
  // [B, KVN * R, M, K] -> [B, KVN, R, M, K] -> [B, KVN, R * M, K]: views.
  OpFoldResult rows = tensor::getMixedSize(b, loc, lhs, 2);
  int64_t k = lhsType.getDimSize(3);
  Value grouped = tensor::CollapseShapeOp::create(
      b, loc,
      tensor::ExpandShapeOp::create(
          b, loc,
          RankedTensorType::get({lhsType.getDimSize(0), kvHeads, repeats,
                                 lhsType.getDimSize(2), k},
                                elementType),
          lhs, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}},
          SmallVector<OpFoldResult>{tensor::getMixedSize(b, loc, lhs, 0),
                                    b.getIndexAttr(kvHeads),
                                    b.getIndexAttr(repeats), rows,
                                    tensor::getMixedSize(b, loc, lhs, 3)}),
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
  Value source = heads->source;
  if (heads->transposed) {
    auto sourceType = typeOf(source);
    SmallVector<int64_t> shape = {sourceType.getDimSize(0), kvHeads,
                                  sourceType.getDimSize(3),
                                  sourceType.getDimSize(2)};
    SmallVector<Value> dynamicSizes;
    for (int64_t d : {0, 3, 2})
      if (sourceType.isDynamicDim(d))
        dynamicSizes.push_back(tensor::DimOp::create(b, loc, source, d));
    Value init =
        tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
    source = linalg::TransposeOp::create(b, loc, source, init,
                                         ArrayRef<int64_t>{0, 1, 3, 2})
                 .getResult()[0];
  }
  FailureOr<Value> product = buildMatMul(node, grouped, source);
  if (failed(product))
    return failure();
  // [B, KVN, R * M, N] -> [B, KVN, R, M, N] -> [B, KVN * R, M, N].
  auto productType = typeOf(*product);
  int64_t n = productType.getDimSize(3);
  Value split = tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get({productType.getDimSize(0), kvHeads, repeats,
                             lhsType.getDimSize(2), n},
                            elementType),
      *product, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}},
      SmallVector<OpFoldResult>{tensor::getMixedSize(b, loc, *product, 0),
                                b.getIndexAttr(kvHeads),
                                b.getIndexAttr(repeats), rows,
                                tensor::getMixedSize(b, loc, *product, 3)});
  return Value(tensor::CollapseShapeOp::create(
      b, loc, split, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}}));
}

} // namespace tern
