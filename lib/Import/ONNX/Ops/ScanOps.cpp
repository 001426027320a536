//===- ScanOps.cpp - CumSum and TopK: ops that walk along one axis --------===//
//
// Both read an axis in order: CumSum sums the prefix up to each position,
// TopK picks the k extremes one after another.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace {

RankedTensorType getType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// The axis a scalar constant input names, normalized against `rank`.
FailureOr<int64_t> getConstantAxis(NodeImporter &node, unsigned input,
                                   int64_t rank) {
  std::optional<SmallVector<int64_t>> axis = node.getConstantInts(input);
  if (!axis || axis->size() != 1) {
    node.emitError() << "axis must be a constant scalar";
    return failure();
  }
  int64_t value = axis->front();
  if (value < -rank || value >= rank) {
    node.emitError() << "axis " << value << " is out of range for rank "
                     << rank;
    return failure();
  }
  return value < 0 ? value + rank : value;
}

SmallVector<Value> getDynamicSizes(OpBuilder &b, Location loc, Value tensor) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < getType(tensor).getRank(); ++d)
    if (getType(tensor).isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, tensor, d));
  return sizes;
}

/// y[..., j, ...] = sum of x[..., i, ...] over i <= j (i < j when
/// exclusive; i >= j or i > j when reversed). A linalg.generic over the
/// output position and the summed one: quadratic in the axis length, but
/// one vectorizable op. Terms are added in ascending index order: a forward
/// scan matches a sequential one bit for bit; a reversed one adds the same
/// terms in the other order, so float results can differ in the last bits.
Value buildCumSum(OpBuilder &b, Location loc, Value input, int64_t axis,
                  bool exclusive, bool reverse) {
  auto type = getType(input);
  Type elementType = type.getElementType();
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  // Loops: the output's dimensions, then the summed position.
  SmallVector<AffineExpr> inputExprs, outputExprs;
  for (int64_t d = 0; d < rank; ++d) {
    outputExprs.push_back(getAffineDimExpr(d, ctx));
    inputExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
  }
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), elementType,
                                        getDynamicSizes(b, loc, input));
  Value zero = arith::ConstantOp::create(b, loc, elementType,
                                         b.getZeroAttr(elementType));
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  arith::CmpIPredicate included =
      reverse
          ? (exclusive ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::sge)
          : (exclusive ? arith::CmpIPredicate::slt : arith::CmpIPredicate::sle);
  auto generic = linalg::GenericOp::create(
      b, loc, type, ValueRange{input}, ValueRange{init},
      ArrayRef<AffineMap>{AffineMap::get(rank + 1, 0, inputExprs, ctx),
                          AffineMap::get(rank + 1, 0, outputExprs, ctx)},
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value summed = linalg::IndexOp::create(nb, nloc, rank);
        Value position = linalg::IndexOp::create(nb, nloc, axis);
        Value take =
            arith::CmpIOp::create(nb, nloc, included, summed, position);
        Value sum =
            isa<FloatType>(elementType)
                ? arith::AddFOp::create(nb, nloc, args[1], args[0]).getResult()
                : arith::AddIOp::create(nb, nloc, args[1], args[0]).getResult();
        linalg::YieldOp::create(
            nb, nloc,
            ValueRange{arith::SelectOp::create(nb, nloc, take, sum, args[1])});
      });
  return generic.getResult(0);
}

LogicalResult convertCumSum(NodeImporter &node) {
  Value input = node.getInput(0), axisInput = node.getInput(1);
  if (!input || !axisInput)
    return failure();
  auto type = getType(input);
  Type elementType = type.getElementType();
  if (!isa<FloatType>(elementType) && !elementType.isSignlessInteger(32) &&
      !elementType.isSignlessInteger(64))
    return node.emitError()
           << "element type " << elementType << " is not supported by this op";
  int64_t rank = type.getRank();
  bool exclusive = node.getIntAttr("exclusive", 0);
  bool reverse = node.getIntAttr("reverse", 0);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  if (node.getConstantElements(1)) {
    FailureOr<int64_t> axis = getConstantAxis(node, 1, rank);
    if (failed(axis))
      return failure();
    node.setOutput(0, buildCumSum(b, loc, input, *axis, exclusive, reverse));
    return success();
  }
  // An axis known only at run time: one case per axis; the result's type
  // is the input's whichever it is.
  auto axisType = getType(axisInput);
  if (axisType.getNumElements() != 1 ||
      !axisType.getElementType().isSignlessInteger())
    return node.emitError() << "axis must be an integer scalar";
  Value axis = tensor::ExtractOp::create(
      b, loc, axisInput,
      SmallVector<Value>(axisType.getRank(),
                         arith::ConstantIndexOp::create(b, loc, 0)));
  axis =
      checkedIndex(b, loc, axis, arith::ConstantIndexOp::create(b, loc, rank));
  SmallVector<int64_t> cases;
  for (int64_t d = 1; d < rank; ++d)
    cases.push_back(d);
  auto perAxis = scf::IndexSwitchOp::create(b, loc, TypeRange{type}, axis,
                                            cases, cases.size());
  for (int64_t d = 0; d < rank; ++d) {
    // Axis 0 is the default region; the others are the cases.
    Region &region =
        d == 0 ? perAxis.getDefaultRegion() : perAxis.getCaseRegions()[d - 1];
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&region.emplaceBlock());
    scf::YieldOp::create(b, loc,
                         buildCumSum(b, loc, input, d, exclusive, reverse));
  }
  node.setOutput(0, perAxis.getResult(0));
  return success();
}

/// The k largest (or smallest) elements along `axis` and their indices,
/// sorted, ties going to the lower index. k rounds of a linalg reduction
/// that finds the best element not taken yet: O(k * n), for the small k
/// models use.
LogicalResult convertTopK(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = getType(input);
  Type elementType = type.getElementType();
  if (!isa<FloatType>(elementType) && !elementType.isSignlessInteger() &&
      !elementType.isInteger(1)) {
    return node.emitError()
           << "element type " << elementType << " is not supported by this op";
  }
  if (elementType.isInteger(1))
    return node.emitError() << "bool input is not supported";
  int64_t rank = type.getRank();
  // k is usually a constant; one read at run time gives a result whose
  // axis has a dynamic size.
  Value kInput = node.getInput(1);
  if (!kInput)
    return failure();
  if (getType(kInput).getNumElements() != 1 ||
      !getType(kInput).getElementType().isSignlessInteger(64))
    return node.emitError() << "K must be a 1-element int64 tensor";
  std::optional<SmallVector<int64_t>> kValues = node.getConstantInts(1);
  int64_t k = kValues ? kValues->front() : ShapedType::kDynamic;
  int64_t axis = node.getIntAttr("axis", -1);
  if (axis < -rank || axis >= rank)
    return node.emitError()
           << "axis " << axis << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  if (kValues &&
      (k < 0 || (!type.isDynamicDim(axis) && k > type.getDimSize(axis))))
    return node.emitError() << "K = " << k << " does not fit an axis of "
                            << type.getDimSize(axis);
  bool largest = node.getIntAttr("largest", 1);

  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  MLIRContext *ctx = b.getContext();
  Type i64 = b.getI64Type();
  Value kValue;
  if (kValues) {
    kValue = arith::ConstantIndexOp::create(b, loc, k);
  } else {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    kValue = arith::IndexCastOp::create(
        b, loc, b.getIndexType(),
        tensor::ExtractOp::create(
            b, loc, kInput,
            SmallVector<Value>(getType(kInput).getRank(), zero)));
    emitRuntimeCheck(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, kValue, zero),
        RunError::ShapeMismatch);
  }
  if (type.isDynamicDim(axis) || !kValues)
    emitRuntimeCheck(b, loc,
                     arith::CmpIOp::create(
                         b, loc, arith::CmpIPredicate::slt,
                         tensor::DimOp::create(b, loc, input, axis), kValue),
                     RunError::ShapeMismatch);

  SmallVector<int64_t> resultShape(type.getShape());
  resultShape[axis] = k;
  SmallVector<int64_t> bestShape(type.getShape());
  bestShape[axis] = 1;
  SmallVector<Value> outerSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis && type.isDynamicDim(d))
      outerSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  SmallVector<Value> resultSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (d == axis ? !kValues : type.isDynamicDim(d))
      resultSizes.push_back(
          d == axis ? kValue
                    : tensor::DimOp::create(b, loc, input, d).getResult());
  auto filled = [&](ArrayRef<int64_t> shape, TypedAttr value) {
    Value empty = tensor::EmptyOp::create(
        b, loc, shape, value.getType(),
        shape == ArrayRef<int64_t>(resultShape) ? resultSizes : outerSizes);
    Value constant = arith::ConstantOp::create(b, loc, value);
    return linalg::FillOp::create(b, loc, constant, empty).getResult(0);
  };
  Value values = filled(resultShape, b.getZeroAttr(elementType));
  Value indices = filled(resultShape, b.getIntegerAttr(i64, 0));
  Value taken = tensor::EmptyOp::create(b, loc, type.getShape(), b.getI1Type(),
                                        getDynamicSizes(b, loc, input));
  Value notTaken = arith::ConstantIntOp::create(b, loc, 0, 1);
  taken = linalg::FillOp::create(b, loc, notTaken, taken).getResult(0);
  // Each round's search starts from "none found": index -1.
  Value bestValueInit = filled(bestShape, b.getZeroAttr(elementType));
  Value bestIndexInit = filled(bestShape, b.getIntegerAttr(i64, -1));

  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineExpr> bestExprs;
  for (int64_t d = 0; d < rank; ++d)
    bestExprs.push_back(d == axis ? getAffineConstantExpr(0, ctx)
                                  : getAffineDimExpr(d, ctx));
  AffineMap bestMap = AffineMap::get(rank, 0, bestExprs, ctx);
  SmallVector<utils::IteratorType> reduceIterators(
      rank, utils::IteratorType::parallel);
  reduceIterators[axis] = utils::IteratorType::reduction;
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  bool isFloat = isa<FloatType>(elementType);

  Value lower = arith::ConstantIndexOp::create(b, loc, 0);
  Value upper = kValue;
  Value step = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, lower, upper, step, ValueRange{values, indices, taken},
      [&](OpBuilder &lb, Location lloc, Value round, ValueRange state) {
        // The best element not taken yet.
        auto best = linalg::GenericOp::create(
            lb, lloc,
            TypeRange{bestValueInit.getType(), bestIndexInit.getType()},
            ValueRange{input, state[2]},
            ValueRange{bestValueInit, bestIndexInit},
            ArrayRef<AffineMap>{identity, identity, bestMap, bestMap},
            reduceIterators,
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              Value x = args[0], isTaken = args[1], acc = args[2],
                    accIndex = args[3];
              Value index = arith::IndexCastOp::create(
                  nb, nloc, i64, linalg::IndexOp::create(nb, nloc, axis));
              Value beats;
              if (isFloat)
                beats =
                    arith::CmpFOp::create(nb, nloc,
                                          largest ? arith::CmpFPredicate::OGT
                                                  : arith::CmpFPredicate::OLT,
                                          x, acc);
              else
                beats =
                    arith::CmpIOp::create(nb, nloc,
                                          largest ? arith::CmpIPredicate::sgt
                                                  : arith::CmpIPredicate::slt,
                                          x, acc);
              Value none = arith::CmpIOp::create(
                  nb, nloc, arith::CmpIPredicate::slt, accIndex,
                  arith::ConstantIntOp::create(nb, nloc, i64, 0));
              Value better = arith::AndIOp::create(
                  nb, nloc,
                  arith::XOrIOp::create(
                      nb, nloc, isTaken,
                      arith::ConstantIntOp::create(nb, nloc, 1, 1)),
                  arith::OrIOp::create(nb, nloc, none, beats));
              linalg::YieldOp::create(
                  nb, nloc,
                  ValueRange{arith::SelectOp::create(nb, nloc, better, x, acc),
                             arith::SelectOp::create(nb, nloc, better, index,
                                                     accIndex)});
            });
        Value newBest = best.getResult(0), newIndex = best.getResult(1);
        // Mark it taken.
        auto marked = linalg::GenericOp::create(
            lb, lloc, TypeRange{state[2].getType()}, ValueRange{newIndex},
            ValueRange{state[2]}, ArrayRef<AffineMap>{bestMap, identity},
            parallel, [&](OpBuilder &nb, Location nloc, ValueRange args) {
              Value index = arith::IndexCastOp::create(
                  nb, nloc, i64, linalg::IndexOp::create(nb, nloc, axis));
              Value hit = arith::CmpIOp::create(
                  nb, nloc, arith::CmpIPredicate::eq, index, args[0]);
              linalg::YieldOp::create(
                  nb, nloc,
                  ValueRange{arith::OrIOp::create(nb, nloc, args[1], hit)});
            });
        // Store it at position `round` along the axis.
        SmallVector<OpFoldResult> offsets(rank, lb.getIndexAttr(0));
        offsets[axis] = round;
        SmallVector<OpFoldResult> sizes;
        for (int64_t d = 0; d < rank; ++d)
          sizes.push_back(d == axis ? lb.getIndexAttr(1)
                                    : tensor::getMixedSize(lb, lloc, input, d));
        SmallVector<OpFoldResult> strides(rank, lb.getIndexAttr(1));
        Value newValues = tensor::InsertSliceOp::create(
            lb, lloc, newBest, state[0], offsets, sizes, strides);
        Value newIndices = tensor::InsertSliceOp::create(
            lb, lloc, newIndex, state[1], offsets, sizes, strides);
        scf::YieldOp::create(
            lb, lloc, ValueRange{newValues, newIndices, marked.getResult(0)});
      });
  node.setOutput(0, loop.getResult(0));
  node.setOutput(1, loop.getResult(1));
  return success();
}

} // namespace

void ::tern::registerScanConverters(OpConverterRegistry &registry) {
  registry.add("CumSum", 11, 17, convertCumSum);
  registry.add("TopK", 11, 17, convertTopK);
}
