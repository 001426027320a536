//===- ReductionOps.cpp - Reductions and the ops built on them ------------===//
//
// Reduce*, ArgMax/ArgMin, and the ops that normalize along axes with them:
// Softmax, LogSoftmax, LayerNormalization.
//
//===----------------------------------------------------------------------===//

#include "../ContribSchemas.h"
#include "AttentionBuilders.h"
#include "Broadcast.h"
#include "RuntimeChecks.h"
#include "ShapeBuilders.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace ::tern;

namespace {

/// Marks the dimensions ONNX `axes` name (negative ones count from the
/// back); all of them when `axes` is empty.
FailureOr<SmallVector<bool>>
getReducedDims(NodeImporter &node, ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<bool> reduced(rank, axes.empty());
  for (int64_t axis : axes) {
    if (axis < -rank || axis >= rank) {
      node.emitError() << "axis " << axis << " is out of range for rank "
                       << rank;
      return failure();
    }
    reduced[axis < 0 ? axis + rank : axis] = true;
  }
  return reduced;
}

/// Shape, indexing map and dynamic sizes of a reduction's result.
struct ReducedShape {
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes;
  AffineMap map;
};

ReducedShape getReducedShape(OpBuilder &b, Location loc, Value input,
                             ArrayRef<bool> reduced, bool keepdims) {
  auto type = cast<RankedTensorType>(input.getType());
  ReducedShape result;
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (reduced[d]) {
      if (keepdims) {
        result.shape.push_back(1);
        exprs.push_back(b.getAffineConstantExpr(0));
      }
      continue;
    }
    result.shape.push_back(type.getDimSize(d));
    exprs.push_back(b.getAffineDimExpr(d));
    if (type.isDynamicDim(d))
      result.dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  }
  result.map = AffineMap::get(type.getRank(), 0, exprs, b.getContext());
  return result;
}

SmallVector<utils::IteratorType> getIterators(ArrayRef<bool> reduced) {
  SmallVector<utils::IteratorType> iterators;
  for (bool r : reduced)
    iterators.push_back(r ? utils::IteratorType::reduction
                          : utils::IteratorType::parallel);
  return iterators;
}

using CombineFn =
    function_ref<Value(OpBuilder &, Location, Value element, Value acc)>;

/// Folds `input` along the reduced dimensions, starting from `init`.
Value buildReduce(OpBuilder &b, Location loc, Value input,
                  ArrayRef<bool> reduced, bool keepdims, TypedAttr init,
                  CombineFn combine) {
  auto type = cast<RankedTensorType>(input.getType());
  ReducedShape shape = getReducedShape(b, loc, input, reduced, keepdims);
  auto resultType = RankedTensorType::get(shape.shape, init.getType());
  Value empty = tensor::EmptyOp::create(b, loc, shape.shape, init.getType(),
                                        shape.dynamicSizes);
  Value initValue = arith::ConstantOp::create(b, loc, init);
  Value filled = linalg::FillOp::create(b, loc, initValue, empty).getResult(0);
  return linalg::GenericOp::create(
             b, loc, resultType, ValueRange{input}, ValueRange{filled},
             ArrayRef<AffineMap>{b.getMultiDimIdentityMap(type.getRank()),
                                 shape.map},
             getIterators(reduced),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(nb, nloc,
                                       combine(nb, nloc, args[0], args[1]));
             })
      .getResult(0);
}

/// How many elements each output of a reduction over `reduced` folds, as
/// a float of the input's element type, read at run time for dynamic dims.
Value buildReducedCount(OpBuilder &b, Location loc, Value input,
                        ArrayRef<bool> reduced) {
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [d, isReduced] : llvm::enumerate(reduced))
    if (isReduced)
      count = arith::MulIOp::create(b, loc, count,
                                    tensor::DimOp::create(b, loc, input, d));
  Type elementType = cast<RankedTensorType>(input.getType()).getElementType();
  return arith::SIToFPOp::create(
      b, loc, elementType,
      arith::IndexCastOp::create(b, loc, b.getI64Type(), count));
}

TypedAttr extremeAttr(OpBuilder &b, Type type, bool largest) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return b.getFloatAttr(type, largest ? INFINITY : -INFINITY);
  unsigned width = type.getIntOrFloatBitWidth();
  return b.getIntegerAttr(type, largest ? APInt::getSignedMaxValue(width)
                                        : APInt::getSignedMinValue(width));
}

enum class ReduceKind {
  Sum,
  Prod,
  Max,
  Min,
  Mean,
  SumSquare,
  L1,
  L2,
  LogSum,
  LogSumExp
};

template <ReduceKind kind>
LogicalResult emitReduction(NodeImporter &node, Value input,
                            ArrayRef<bool> reducedDims, bool keepdims);

/// ReduceSum over axes read at run time (the only reduction of opset 13 to
/// take them as an input): one dimension at a time, each summed (keeping
/// it as 1) where the axes name it and passed through where they do not;
/// without keepdims the summed dimensions are dropped at the end.
LogicalResult convertReduceSumAtRunTime(NodeImporter &node, Value input) {
  Value axes = node.getInput(1);
  if (!axes)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  auto axesType = cast<RankedTensorType>(axes.getType());
  if (axesType.getRank() != 1 || axesType.isDynamicDim(0))
    return node.emitError() << "axes computed at run time must be a 1-D "
                               "tensor of static length (the result's rank "
                               "depends on it), not "
                            << axesType;
  int64_t count = axesType.getDimSize(0), rank = type.getRank();
  if (count == 0) {
    // Known to be empty: all axes, or none with noop_with_empty_axes.
    if (node.getIntAttr("noop_with_empty_axes", 0)) {
      node.setOutput(0, input);
      return success();
    }
    return emitReduction<ReduceKind::Sum>(node, input,
                                          SmallVector<bool>(rank, true),
                                          node.getIntAttr("keepdims", 1));
  }
  FailureOr<SmallVector<Value>> summed = readAxisFlags(node, axes, rank);
  if (failed(summed))
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Type elementType = type.getElementType();
  bool isFloat = isa<FloatType>(elementType);
  TypedAttr zero = cast<TypedAttr>(b.getZeroAttr(elementType));
  Value x = input;
  for (int64_t d = 0; d < rank; ++d) {
    auto xType = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape(xType.getShape());
    shape[d] = ShapedType::kDynamic;
    auto resultType = RankedTensorType::get(shape, elementType);
    SmallVector<bool> reduced(rank, false);
    reduced[d] = true;
    Value current = x;
    auto ifOp = scf::IfOp::create(
        b, loc, (*summed)[d],
        [&](OpBuilder &tb, Location tloc) {
          Value sum = buildReduce(
              tb, tloc, current, reduced, /*keepdims=*/true, zero,
              [&](OpBuilder &nb, Location nloc, Value v, Value acc) -> Value {
                if (isFloat)
                  return arith::AddFOp::create(nb, nloc, acc, v);
                return arith::AddIOp::create(nb, nloc, acc, v);
              });
          scf::YieldOp::create(
              tb, tloc,
              tensor::CastOp::create(tb, tloc, resultType, sum).getResult());
        },
        [&](OpBuilder &eb, Location eloc) {
          scf::YieldOp::create(
              eb, eloc,
              tensor::CastOp::create(eb, eloc, resultType, current)
                  .getResult());
        });
    x = ifOp.getResult(0);
  }
  if (!node.getIntAttr("keepdims", 1)) {
    FailureOr<Value> reduced = buildDropUnitDims(node, x, *summed, count);
    if (failed(reduced))
      return failure();
    node.setOutput(0, *reduced);
    return success();
  }
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(tensor::DimOp::create(b, loc, x, d));
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, sizes);
  node.setOutput(0, tensor::CastOp::create(
                        b, loc, RankedTensorType::get(shape, elementType), x));
  return success();
}

template <ReduceKind kind> LogicalResult convertReduce(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  bool isFloat = isa<FloatType>(elementType);
  bool needsFloat = kind == ReduceKind::Mean || kind == ReduceKind::L2 ||
                    kind == ReduceKind::LogSum || kind == ReduceKind::LogSumExp;
  if (elementType.isInteger(1) || (needsFloat && !isFloat))
    return node.emitError()
           << "element type " << elementType << " is not supported by this op";

  // ReduceSum takes its axes as an input from opset 13, the others as an
  // attribute until opset 18.
  SmallVector<int64_t> axes;
  if (std::optional<SmallVector<int64_t>> attr = node.getIntsAttr("axes"))
    axes = *attr;
  if (node.hasInput(1)) {
    std::optional<SmallVector<int64_t>> values = node.getConstantInts(1);
    if (!values) {
      if constexpr (kind == ReduceKind::Sum)
        return convertReduceSumAtRunTime(node, input);
      return node.emitError() << "axes must be a constant";
    }
    axes = *values;
  }
  if (axes.empty() && node.getIntAttr("noop_with_empty_axes", 0)) {
    node.setOutput(0, input);
    return success();
  }
  FailureOr<SmallVector<bool>> reduced =
      getReducedDims(node, axes, type.getRank());
  if (failed(reduced))
    return failure();
  return emitReduction<kind>(node, input, *reduced,
                             node.getIntAttr("keepdims", 1));
}

/// Reduces `input` over the `reduced` dimensions with `kind` and records
/// the node's output.
template <ReduceKind kind>
LogicalResult emitReduction(NodeImporter &node, Value input,
                            ArrayRef<bool> reducedDims, bool keepdims) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  bool isFloat = isa<FloatType>(elementType);
  std::optional<SmallVector<bool>> reduced(
      SmallVector<bool>(reducedDims.begin(), reducedDims.end()));
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto add = [&](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
    if (isFloat)
      return arith::AddFOp::create(nb, nloc, acc, x);
    return arith::AddIOp::create(nb, nloc, acc, x);
  };
  TypedAttr zero = cast<TypedAttr>(b.getZeroAttr(elementType));
  Value result;
  switch (kind) {
  case ReduceKind::Sum:
  case ReduceKind::Mean:
  case ReduceKind::LogSum:
    result = buildReduce(b, loc, input, *reduced, keepdims, zero, add);
    break;
  case ReduceKind::Prod:
    result = buildReduce(
        b, loc, input, *reduced, keepdims,
        isFloat ? TypedAttr(b.getFloatAttr(elementType, 1.0))
                : TypedAttr(b.getIntegerAttr(elementType, 1)),
        [&](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
          if (isFloat)
            return arith::MulFOp::create(nb, nloc, acc, x);
          return arith::MulIOp::create(nb, nloc, acc, x);
        });
    break;
  case ReduceKind::Max:
  case ReduceKind::Min: {
    bool isMax = kind == ReduceKind::Max;
    result = buildReduce(
        b, loc, input, *reduced, keepdims, extremeAttr(b, elementType, !isMax),
        [&](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
          if (isFloat)
            return isMax
                       ? arith::MaximumFOp::create(nb, nloc, acc, x).getResult()
                       : arith::MinimumFOp::create(nb, nloc, acc, x)
                             .getResult();
          return isMax ? arith::MaxSIOp::create(nb, nloc, acc, x).getResult()
                       : arith::MinSIOp::create(nb, nloc, acc, x).getResult();
        });
    break;
  }
  case ReduceKind::SumSquare:
  case ReduceKind::L2:
    result = buildReduce(
        b, loc, input, *reduced, keepdims, zero,
        [&](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
          Value square =
              isFloat ? arith::MulFOp::create(nb, nloc, x, x).getResult()
                      : arith::MulIOp::create(nb, nloc, x, x).getResult();
          return add(nb, nloc, square, acc);
        });
    break;
  case ReduceKind::L1:
    result = buildReduce(
        b, loc, input, *reduced, keepdims, zero,
        [&](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
          Value magnitude = isFloat
                                ? math::AbsFOp::create(nb, nloc, x).getResult()
                                : math::AbsIOp::create(nb, nloc, x).getResult();
          return add(nb, nloc, magnitude, acc);
        });
    break;
  case ReduceKind::LogSumExp:
    result = buildReduce(
        b, loc, input, *reduced, keepdims, zero,
        [&](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
          return add(nb, nloc, math::ExpOp::create(nb, nloc, x), acc);
        });
    break;
  }

  // Finish element by element where the op needs it.
  std::function<Value(OpBuilder &, Location, Value)> finish;
  if (kind == ReduceKind::Mean) {
    // The element count, read at run time for dynamic dimensions.
    Value countFloat = buildReducedCount(b, loc, input, *reduced);
    finish = [countFloat](OpBuilder &nb, Location nloc, Value x) -> Value {
      return arith::DivFOp::create(nb, nloc, x, countFloat);
    };
  } else if (kind == ReduceKind::L2) {
    finish = [](OpBuilder &nb, Location nloc, Value x) -> Value {
      return math::SqrtOp::create(nb, nloc, x);
    };
  } else if (kind == ReduceKind::LogSum || kind == ReduceKind::LogSumExp) {
    finish = [](OpBuilder &nb, Location nloc, Value x) -> Value {
      return math::LogOp::create(nb, nloc, x);
    };
  }
  if (finish) {
    FailureOr<Value> finished = buildBroadcastElementwise(
        node, {result}, elementType,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return finish(nb, nloc, args[0]);
        });
    if (failed(finished))
      return failure();
    result = *finished;
  }
  node.setOutput(0, result);
  return success();
}

/// GlobalAveragePool / GlobalMaxPool: a reduction over every spatial
/// dimension of an N x C x D1 x ... tensor, keeping them as 1.
template <ReduceKind kind> LogicalResult convertGlobalPool(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  if (rank < 3)
    return node.emitError() << "input must be N x C x spatial dimensions";
  if (!isa<FloatType>(type.getElementType()))
    return node.emitError() << "element type " << type.getElementType()
                            << " is not supported by this op";
  SmallVector<bool> reduced(rank, true);
  reduced[0] = reduced[1] = false;
  return emitReduction<kind>(node, input, reduced, /*keepdims=*/true);
}

/// The index (int64) of the largest (`isMax`) or smallest element of
/// `input` along `axis`, the first such one unless `selectLast`.
FailureOr<Value> buildArgExtreme(NodeImporter &node, Value input, int64_t axis,
                                 bool keepdims, bool isMax, bool selectLast) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  if (elementType.isInteger(1)) {
    node.emitError() << "bool input is not supported";
    return failure();
  }
  FailureOr<SmallVector<bool>> reduced =
      getReducedDims(node, {axis}, type.getRank());
  if (failed(reduced))
    return failure();
  if (axis < 0)
    axis += type.getRank();

  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  ReducedShape shape = getReducedShape(b, loc, input, *reduced, keepdims);
  Type i64 = b.getI64Type();
  auto fill = [&](TypedAttr value) {
    Value empty = tensor::EmptyOp::create(b, loc, shape.shape, value.getType(),
                                          shape.dynamicSizes);
    Value init = arith::ConstantOp::create(b, loc, value);
    return linalg::FillOp::create(b, loc, init, empty).getResult(0);
  };
  Value bestInit = fill(extremeAttr(b, elementType, !isMax));
  Value indexInit = fill(b.getIntegerAttr(i64, 0));
  bool isFloat = isa<FloatType>(elementType);
  auto generic = linalg::GenericOp::create(
      b, loc,
      TypeRange{RankedTensorType::get(shape.shape, elementType),
                RankedTensorType::get(shape.shape, i64)},
      ValueRange{input}, ValueRange{bestInit, indexInit},
      ArrayRef<AffineMap>{b.getMultiDimIdentityMap(type.getRank()), shape.map,
                          shape.map},
      getIterators(*reduced),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = args[0], best = args[1], bestIndex = args[2];
        Value index = arith::IndexCastOp::create(
            nb, nloc, i64, linalg::IndexOp::create(nb, nloc, axis));
        Value better;
        if (isFloat)
          better = arith::CmpFOp::create(
              nb, nloc,
              isMax ? (selectLast ? arith::CmpFPredicate::OGE
                                  : arith::CmpFPredicate::OGT)
                    : (selectLast ? arith::CmpFPredicate::OLE
                                  : arith::CmpFPredicate::OLT),
              x, best);
        else
          better = arith::CmpIOp::create(
              nb, nloc,
              isMax ? (selectLast ? arith::CmpIPredicate::sge
                                  : arith::CmpIPredicate::sgt)
                    : (selectLast ? arith::CmpIPredicate::sle
                                  : arith::CmpIPredicate::slt),
              x, best);
        Value newBest = arith::SelectOp::create(nb, nloc, better, x, best);
        Value newIndex =
            arith::SelectOp::create(nb, nloc, better, index, bestIndex);
        linalg::YieldOp::create(nb, nloc, ValueRange{newBest, newIndex});
      });
  return generic.getResult(1);
}

/// ArgMax / ArgMin: the index of the extreme along `axis`, as int64.
template <bool isMax> LogicalResult convertArgExtreme(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  FailureOr<Value> index = buildArgExtreme(
      node, input, node.getIntAttr("axis", 0), node.getIntAttr("keepdims", 1),
      isMax, node.getIntAttr("select_last_index", 0));
  if (failed(index))
    return failure();
  node.setOutput(0, *index);
  return success();
}

/// Hardmax: 1 where an element is the first largest along `axis`, else 0.
LogicalResult convertHardmax(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  if (!isa<FloatType>(type.getElementType()))
    return node.emitError() << "element type " << type.getElementType()
                            << " is not supported by this op";
  int64_t rank = type.getRank(), axis = node.getIntAttr("axis", -1);
  FailureOr<Value> best =
      buildArgExtreme(node, input, axis, /*keepdims=*/true, /*isMax=*/true,
                      /*selectLast=*/false);
  if (failed(best))
    return failure();
  if (axis < 0)
    axis += rank;
  Type elementType = type.getElementType();
  FailureOr<Value> y = buildBroadcastElementwise(
      node, {input, *best}, elementType,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value index = arith::IndexCastOp::create(
            nb, nloc, nb.getI64Type(), linalg::IndexOp::create(nb, nloc, axis));
        Value isBest = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq,
                                             index, args[1]);
        return arith::UIToFPOp::create(nb, nloc, elementType, isBest);
      });
  if (failed(y))
    return failure();
  node.setOutput(0, *y);
  return success();
}

/// Softmax and LogSoftmax along one axis (opset-13 semantics).
template <bool isLog> LogicalResult convertSoftmax(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  FailureOr<Value> result =
      buildSoftmax(node, input, node.getIntAttr("axis", -1), isLog);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// The negative log-likelihood of `target` [N, d...] (class indices) under
/// `logProb` [N, C, d...], weighted by `weight` [C] (or null: 1), classes
/// equal to `ignoreIndex` counting nothing, reduced as ONNX's `reduction`
/// says: none ([N, d...]), sum, or mean (the weighted mean: sum over the
/// weights the targets take). A target outside [0, C) stops the run.
FailureOr<Value>
buildNegativeLogLikelihood(NodeImporter &node, Value logProb, Value target,
                           Value weight, StringRef reduction,
                           std::optional<int64_t> ignoreIndex) {
  auto type = cast<RankedTensorType>(logProb.getType());
  auto targetType = cast<RankedTensorType>(target.getType());
  Type elementType = type.getElementType();
  int64_t rank = type.getRank();
  if (!isa<FloatType>(elementType) || rank < 2 ||
      !targetType.getElementType().isSignlessInteger() ||
      targetType.getRank() != rank - 1) {
    node.emitError() << "needs float scores [N, C, d...] and integer targets "
                        "[N, d...], got "
                     << type << " and " << targetType;
    return failure();
  }
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    node.emitError() << "reduction '" << reduction << "' is not supported";
    return failure();
  }
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < targetType.getRank(); ++d)
    if (targetType.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, target, d));
  auto outType = RankedTensorType::get(targetType.getShape(), elementType);
  Value lossInit = tensor::EmptyOp::create(b, loc, targetType.getShape(),
                                           elementType, dynamicSizes);
  Value weightInit = tensor::EmptyOp::create(b, loc, targetType.getShape(),
                                             elementType, dynamicSizes);
  Value classes = tensor::DimOp::create(b, loc, logProb, 1);
  AffineMap identity = b.getMultiDimIdentityMap(targetType.getRank());
  auto elements = linalg::GenericOp::create(
      b, loc, TypeRange{outType, outType}, ValueRange{target},
      ValueRange{lossInit, weightInit},
      ArrayRef<AffineMap>{identity, identity, identity},
      SmallVector<utils::IteratorType>(targetType.getRank(),
                                       utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value raw = args[0];
        Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
        Value t = arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), raw);
        Value ignored = arith::ConstantOp::create(nb, nloc, nb.getI1Type(),
                                                  nb.getBoolAttr(false));
        if (ignoreIndex)
          ignored = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::eq, raw,
              arith::ConstantOp::create(
                  nb, nloc, raw.getType(),
                  nb.getIntegerAttr(raw.getType(), *ignoreIndex)));
        Value outOfRange = arith::OrIOp::create(
            nb, nloc,
            arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, t, zero),
            arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sge, t,
                                  classes));
        Value bad = arith::AndIOp::create(
            nb, nloc, outOfRange,
            arith::XOrIOp::create(
                nb, nloc, ignored,
                arith::ConstantOp::create(nb, nloc, nb.getI1Type(),
                                          nb.getBoolAttr(true))));
        emitRuntimeCheck(nb, nloc, bad, RunError::IndexOutOfRange);
        Value last = arith::SubIOp::create(
            nb, nloc, classes, arith::ConstantIndexOp::create(nb, nloc, 1));
        Value c = arith::MaxSIOp::create(
            nb, nloc, arith::MinSIOp::create(nb, nloc, t, last), zero);
        SmallVector<Value> coords = {linalg::IndexOp::create(nb, nloc, 0), c};
        for (int64_t d = 1; d < targetType.getRank(); ++d)
          coords.push_back(linalg::IndexOp::create(nb, nloc, d));
        Value x = tensor::ExtractOp::create(nb, nloc, logProb, coords);
        Value zeroF = arith::ConstantOp::create(nb, nloc, elementType,
                                                nb.getZeroAttr(elementType));
        Value w =
            weight
                ? tensor::ExtractOp::create(nb, nloc, weight, c).getResult()
                : arith::ConstantOp::create(nb, nloc, elementType,
                                            nb.getFloatAttr(elementType, 1.0))
                      .getResult();
        w = arith::SelectOp::create(nb, nloc, ignored, zeroF, w);
        Value loss = arith::NegFOp::create(
            nb, nloc, arith::MulFOp::create(nb, nloc, x, w));
        linalg::YieldOp::create(nb, nloc, ValueRange{loss, w});
      });
  Value losses = elements.getResult(0);
  if (reduction == "none")
    return losses;
  SmallVector<bool> all(targetType.getRank(), true);
  TypedAttr zero = cast<TypedAttr>(b.getZeroAttr(elementType));
  auto add = [](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
    return arith::AddFOp::create(nb, nloc, acc, x);
  };
  Value total = buildReduce(b, loc, losses, all, /*keepdims=*/false, zero, add);
  if (reduction == "sum")
    return total;
  Value weights = buildReduce(b, loc, elements.getResult(1), all,
                              /*keepdims=*/false, zero, add);
  return buildBroadcastElementwise(
      node, {total, weights}, elementType,
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::DivFOp::create(nb, nloc, args[0], args[1]);
      });
}

/// The optional weight input `i` of a loss: 1-D of the scores' type.
FailureOr<Value> getLossWeight(NodeImporter &node, unsigned i) {
  if (!node.hasInput(i))
    return Value();
  Value weight = node.getInput(i);
  if (!weight)
    return failure();
  if (cast<RankedTensorType>(weight.getType()).getRank() != 1) {
    node.emitError() << "weights must be 1-D, got " << weight.getType();
    return failure();
  }
  return weight;
}

std::optional<int64_t> getIgnoreIndex(NodeImporter &node) {
  if (!node.getAttribute("ignore_index"))
    return std::nullopt;
  return node.getIntAttr("ignore_index", 0);
}

std::string getReduction(NodeImporter &node) {
  return node.getStringAttr("reduction", "mean");
}

LogicalResult convertNegativeLogLikelihoodLoss(NodeImporter &node) {
  Value input = node.getInput(0), target = node.getInput(1);
  FailureOr<Value> weight = getLossWeight(node, 2);
  if (!input || !target || failed(weight))
    return failure();
  FailureOr<Value> loss = buildNegativeLogLikelihood(
      node, input, target, *weight, getReduction(node), getIgnoreIndex(node));
  if (failed(loss))
    return failure();
  node.setOutput(0, *loss);
  return success();
}

/// SoftmaxCrossEntropyLoss: the negative log-likelihood of the labels
/// under LogSoftmax(scores) along the classes (dimension 1), which is the
/// optional second output.
LogicalResult convertSoftmaxCrossEntropyLoss(NodeImporter &node) {
  Value scores = node.getInput(0), labels = node.getInput(1);
  FailureOr<Value> weight = getLossWeight(node, 2);
  if (!scores || !labels || failed(weight))
    return failure();
  FailureOr<Value> logProb = buildSoftmax(node, scores, 1, /*isLog=*/true);
  if (failed(logProb))
    return failure();
  FailureOr<Value> loss =
      buildNegativeLogLikelihood(node, *logProb, labels, *weight,
                                 getReduction(node), getIgnoreIndex(node));
  if (failed(loss))
    return failure();
  node.setOutput(0, *loss);
  node.setOutput(1, *logProb);
  return success();
}

/// The results of normalizing along the dimensions from an axis on.
struct Normalized {
  Value y, mean, invStdDev;
};

/// (x - mean) / sqrt(var + epsilon) * scale (+ bias) over the dimensions
/// from `axis` on; without `centered`, RMS normalization:
/// x / sqrt(mean(x^2) + epsilon) * scale. `bias` may be null.
FailureOr<Normalized> buildNormalization(NodeImporter &node, Value input,
                                         Value scale, Value bias, int64_t axis,
                                         double epsilon, bool centered) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  if (!isa<FloatType>(elementType)) {
    node.emitError() << "element type " << elementType
                     << " is not supported by this op";
    return failure();
  }
  int64_t rank = type.getRank();
  if (axis < -rank || axis >= rank) {
    node.emitError() << "axis " << axis << " is out of range for rank " << rank;
    return failure();
  }
  if (axis < 0)
    axis += rank;
  SmallVector<bool> reduced(rank, false);
  for (int64_t d = axis; d < rank; ++d)
    reduced[d] = true;

  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value countFloat = buildReducedCount(b, loc, input, reduced);
  TypedAttr zero = cast<TypedAttr>(b.getZeroAttr(elementType));
  auto divideByCount = [&](Value sum) {
    return buildBroadcastElementwise(
        node, {sum}, elementType,
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          return arith::DivFOp::create(nb, nloc, args[0], countFloat);
        });
  };
  Normalized result;
  Value centeredInput = input;
  if (centered) {
    FailureOr<Value> mean = divideByCount(buildReduce(
        b, loc, input, reduced, /*keepdims=*/true, zero,
        [](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
          return arith::AddFOp::create(nb, nloc, acc, x);
        }));
    if (failed(mean))
      return failure();
    FailureOr<Value> difference = buildBroadcastElementwise(
        node, {input, *mean}, elementType,
        [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          return arith::SubFOp::create(nb, nloc, args[0], args[1]);
        });
    if (failed(difference))
      return failure();
    result.mean = *mean;
    centeredInput = *difference;
  }
  FailureOr<Value> meanSquare = divideByCount(buildReduce(
      b, loc, centeredInput, reduced, /*keepdims=*/true, zero,
      [](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
        return arith::AddFOp::create(nb, nloc, acc,
                                     arith::MulFOp::create(nb, nloc, x, x));
      }));
  if (failed(meanSquare))
    return failure();
  FailureOr<Value> invStdDev = buildBroadcastElementwise(
      node, {*meanSquare}, elementType,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value eps = arith::ConstantOp::create(
            nb, nloc, elementType, nb.getFloatAttr(elementType, epsilon));
        return math::RsqrtOp::create(
            nb, nloc, arith::AddFOp::create(nb, nloc, args[0], eps));
      });
  if (failed(invStdDev))
    return failure();
  SmallVector<Value> operands = {centeredInput, *invStdDev, scale};
  if (bias)
    operands.push_back(bias);
  FailureOr<Value> y = buildBroadcastElementwise(
      node, operands, elementType,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value v = arith::MulFOp::create(
            nb, nloc, arith::MulFOp::create(nb, nloc, args[0], args[1]),
            args[2]);
        if (bias)
          v = arith::AddFOp::create(nb, nloc, v, args[3]);
        return v;
      });
  if (failed(y))
    return failure();
  result.y = *y;
  result.invStdDev = *invStdDev;
  return result;
}

/// The optional input `i`: null when left out, failure when named but
/// missing.
FailureOr<Value> getOptionalInput(NodeImporter &node, unsigned i) {
  if (!node.hasInput(i))
    return Value();
  Value value = node.getInput(i);
  if (!value)
    return failure();
  return value;
}

/// LayerNormalization, also returning the mean and 1 / sqrt(var + epsilon)
/// when asked.
LogicalResult convertLayerNorm(NodeImporter &node) {
  Value input = node.getInput(0), scale = node.getInput(1);
  FailureOr<Value> bias = getOptionalInput(node, 2);
  if (!input || !scale || failed(bias))
    return failure();
  FailureOr<Normalized> result = buildNormalization(
      node, input, scale, *bias, node.getIntAttr("axis", -1),
      node.getFloatAttr("epsilon", 1e-5f), /*centered=*/true);
  if (failed(result))
    return failure();
  node.setOutput(0, result->y);
  node.setOutput(1, result->mean);
  node.setOutput(2, result->invStdDev);
  return success();
}

/// InstanceNormalization: each (n, c) normalized over the spatial
/// dimensions, times scale[c], plus bias[c].
LogicalResult convertInstanceNorm(NodeImporter &node) {
  Value input = node.getInput(0), scale = node.getInput(1),
        bias = node.getInput(2);
  if (!input || !scale || !bias)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  if (rank < 3)
    return node.emitError() << "input must have rank 3 or more, got " << type;
  // [C] -> [C, 1, ..., 1], so that it broadcasts along dimension 1.
  OpBuilder &b = node.getBuilder();
  auto alongChannels = [&](Value v) -> FailureOr<Value> {
    if (cast<RankedTensorType>(v.getType()).getRank() != 1) {
      node.emitError() << "scale and B must be 1-D, got " << v.getType();
      return failure();
    }
    return expandAlongChannels(b, node.getLoc(), v, rank);
  };
  FailureOr<Value> channelScale = alongChannels(scale);
  FailureOr<Value> channelBias = alongChannels(bias);
  if (failed(channelScale) || failed(channelBias))
    return failure();
  FailureOr<Normalized> result = buildNormalization(
      node, input, *channelScale, *channelBias, /*axis=*/2,
      node.getFloatAttr("epsilon", 1e-5f), /*centered=*/true);
  if (failed(result))
    return failure();
  node.setOutput(0, result->y);
  return success();
}

/// MeanVarianceNormalization, as ONNX's function body computes it:
/// (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9) over `axes` (default
/// 0, 2, 3).
LogicalResult convertMeanVarianceNorm(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  if (!isa<FloatType>(elementType))
    return node.emitError()
           << "element type " << elementType << " is not supported by this op";
  SmallVector<int64_t> axes = {0, 2, 3};
  if (std::optional<SmallVector<int64_t>> attr = node.getIntsAttr("axes"))
    axes = *attr;
  FailureOr<SmallVector<bool>> reduced =
      getReducedDims(node, axes, type.getRank());
  if (failed(reduced))
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value count = buildReducedCount(b, loc, input, *reduced);
  TypedAttr zero = cast<TypedAttr>(b.getZeroAttr(elementType));
  Value sum = buildReduce(
      b, loc, input, *reduced, /*keepdims=*/true, zero,
      [](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
        return arith::AddFOp::create(nb, nloc, acc, x);
      });
  Value sumSquares = buildReduce(
      b, loc, input, *reduced, /*keepdims=*/true, zero,
      [](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
        return arith::AddFOp::create(nb, nloc, acc,
                                     arith::MulFOp::create(nb, nloc, x, x));
      });
  FailureOr<Value> y = buildBroadcastElementwise(
      node, {input, sum, sumSquares}, elementType,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value mean = arith::DivFOp::create(nb, nloc, args[1], count);
        Value meanSquare = arith::DivFOp::create(nb, nloc, args[2], count);
        Value variance = arith::SubFOp::create(
            nb, nloc, meanSquare, arith::MulFOp::create(nb, nloc, mean, mean));
        Value deviation = arith::AddFOp::create(
            nb, nloc, math::SqrtOp::create(nb, nloc, variance),
            arith::ConstantOp::create(nb, nloc, elementType,
                                      nb.getFloatAttr(elementType, 1e-9)));
        return arith::DivFOp::create(
            nb, nloc, arith::SubFOp::create(nb, nloc, args[0], mean),
            deviation);
      });
  if (failed(y))
    return failure();
  node.setOutput(0, *y);
  return success();
}

/// LRN: x / (bias + alpha / size * sum of x^2 over the `size` channels
/// around c)^beta, the window from c - floor((size - 1) / 2) to
/// c + ceil((size - 1) / 2), clipped to the channels.
LogicalResult convertLRN(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  int64_t size = node.getIntAttr("size", 0);
  if (!isa<FloatType>(elementType) || type.getRank() < 3 || size <= 0)
    return node.emitError() << "needs a float N x C x ... input and a "
                               "positive size, got "
                            << type;
  double alpha = node.getFloatAttr("alpha", 1e-4f);
  double beta = node.getFloatAttr("beta", 0.75f);
  double bias = node.getFloatAttr("bias", 1.0f);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  int64_t rank = type.getRank();
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), elementType,
                                       dynamicSizes);
  Value channels = tensor::DimOp::create(b, loc, input, 1);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  auto generic = linalg::GenericOp::create(
      b, loc, type, ValueRange{input}, ValueRange{init},
      ArrayRef<AffineMap>{identity, identity},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        auto f = [&](double v) -> Value {
          return arith::ConstantOp::create(nb, nloc, elementType,
                                           nb.getFloatAttr(elementType, v));
        };
        SmallVector<Value> at;
        for (int64_t d = 0; d < rank; ++d)
          at.push_back(linalg::IndexOp::create(nb, nloc, d));
        Value sum = f(0);
        for (int64_t o = -(size - 1) / 2; o <= size / 2; ++o) {
          Value channel = arith::AddIOp::create(
              nb, nloc, at[1], arith::ConstantIndexOp::create(nb, nloc, o));
          Value inside = arith::AndIOp::create(
              nb, nloc,
              arith::CmpIOp::create(
                  nb, nloc, arith::CmpIPredicate::sge, channel,
                  arith::ConstantIndexOp::create(nb, nloc, 0)),
              arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt,
                                    channel, channels));
          // Reads channel 0 outside the window's valid part; the value is
          // dropped.
          SmallVector<Value> neighbour(at);
          neighbour[1] = arith::SelectOp::create(
              nb, nloc, inside, channel,
              arith::ConstantIndexOp::create(nb, nloc, 0));
          Value v = tensor::ExtractOp::create(nb, nloc, input, neighbour);
          sum = arith::AddFOp::create(
              nb, nloc, sum,
              arith::SelectOp::create(nb, nloc, inside,
                                      arith::MulFOp::create(nb, nloc, v, v),
                                      f(0)));
        }
        Value scale = math::PowFOp::create(
            nb, nloc,
            arith::AddFOp::create(
                nb, nloc, f(bias),
                arith::MulFOp::create(nb, nloc, f(alpha / size), sum)),
            f(beta));
        linalg::YieldOp::create(
            nb, nloc,
            arith::DivFOp::create(nb, nloc, args[0], scale).getResult());
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

/// RMS normalization (ONNX Runtime's contrib op, in the default domain and
/// in com.microsoft).
LogicalResult convertSimplifiedLayerNorm(NodeImporter &node) {
  Value input = node.getInput(0), scale = node.getInput(1);
  if (!input || !scale)
    return failure();
  FailureOr<Normalized> result = buildNormalization(
      node, input, scale, nullptr, node.getIntAttr("axis", -1),
      node.getFloatAttr("epsilon", 1e-5f), /*centered=*/false);
  if (failed(result))
    return failure();
  node.setOutput(0, result->y);
  node.setOutput(1, result->invStdDev);
  return success();
}

/// com.microsoft SkipLayerNormalization (`centered`: gamma, beta, bias
/// inputs) and SkipSimplifiedLayerNormalization (RMS: gamma, bias):
/// normalization of input + skip (+ bias) over the last dimension, also
/// returning that sum.
template <bool centered>
LogicalResult convertSkipLayerNorm(NodeImporter &node) {
  Value input = node.getInput(0), skip = node.getInput(1),
        gamma = node.getInput(2);
  FailureOr<Value> beta = centered ? getOptionalInput(node, 3) : Value();
  FailureOr<Value> bias = getOptionalInput(node, centered ? 4 : 3);
  if (!input || !skip || !gamma || failed(beta) || failed(bias))
    return failure();
  if (!centered && node.hasOutput(1))
    return node.emitError() << "the mean output is not supported (RMS "
                               "normalization has no mean)";
  Type elementType = cast<RankedTensorType>(input.getType()).getElementType();
  SmallVector<Value> addends = {input, skip};
  if (*bias)
    addends.push_back(*bias);
  FailureOr<Value> sum = buildBroadcastElementwise(
      node, addends, elementType,
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value total = args[0];
        for (Value addend : args.drop_front())
          total = arith::AddFOp::create(nb, nloc, total, addend);
        return total;
      });
  if (failed(sum))
    return failure();
  FailureOr<Normalized> result =
      buildNormalization(node, *sum, gamma, *beta, -1,
                         node.getFloatAttr("epsilon", 1e-5f), centered);
  if (failed(result))
    return failure();
  node.setOutput(0, result->y);
  if (centered)
    node.setOutput(1, result->mean);
  node.setOutput(2, result->invStdDev);
  node.setOutput(3, *sum);
  return success();
}

} // namespace

namespace tern {

FailureOr<Value> buildSoftmax(NodeImporter &node, Value input, int64_t axis,
                              bool isLog) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  if (!isa<FloatType>(elementType)) {
    node.emitError() << "element type " << elementType
                     << " is not supported by this op";
    return failure();
  }
  FailureOr<SmallVector<bool>> reduced =
      getReducedDims(node, {axis}, type.getRank());
  if (failed(reduced))
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value max = buildReduce(
      b, loc, input, *reduced, /*keepdims=*/true,
      extremeAttr(b, elementType, /*largest=*/false),
      [](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
        return arith::MaximumFOp::create(nb, nloc, acc, x);
      });
  FailureOr<Value> shifted = buildBroadcastElementwise(
      node, {input, max}, elementType,
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::SubFOp::create(nb, nloc, args[0], args[1]);
      });
  if (failed(shifted))
    return failure();
  FailureOr<Value> exps = buildBroadcastElementwise(
      node, {*shifted}, elementType,
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return math::ExpOp::create(nb, nloc, args[0]);
      });
  if (failed(exps))
    return failure();
  Value sum = buildReduce(
      b, loc, *exps, *reduced, /*keepdims=*/true,
      cast<TypedAttr>(b.getZeroAttr(elementType)),
      [](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
        return arith::AddFOp::create(nb, nloc, acc, x);
      });
  return buildBroadcastElementwise(
      node, {isLog ? *shifted : *exps, sum}, elementType,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        if (isLog)
          return arith::SubFOp::create(nb, nloc, args[0],
                                       math::LogOp::create(nb, nloc, args[1]));
        return arith::DivFOp::create(nb, nloc, args[0], args[1]);
      });
}

} // namespace tern

void ::tern::registerReductionConverters(OpConverterRegistry &registry) {
  registry.add("ReduceSum", 13, 17, convertReduce<ReduceKind::Sum>);
  registry.add("ReduceProd", 13, 17, convertReduce<ReduceKind::Prod>);
  registry.add("ReduceMax", 13, 17, convertReduce<ReduceKind::Max>);
  registry.add("ReduceMin", 13, 17, convertReduce<ReduceKind::Min>);
  registry.add("ReduceMean", 13, 17, convertReduce<ReduceKind::Mean>);
  registry.add("ReduceSumSquare", 13, 17, convertReduce<ReduceKind::SumSquare>);
  registry.add("ReduceL1", 13, 17, convertReduce<ReduceKind::L1>);
  registry.add("ReduceL2", 13, 17, convertReduce<ReduceKind::L2>);
  registry.add("ReduceLogSum", 13, 17, convertReduce<ReduceKind::LogSum>);
  registry.add("ReduceLogSumExp", 13, 17, convertReduce<ReduceKind::LogSumExp>);
  registry.add("GlobalAveragePool", 1, 17, convertGlobalPool<ReduceKind::Mean>);
  registry.add("GlobalMaxPool", 1, 17, convertGlobalPool<ReduceKind::Max>);
  registry.add("ArgMax", 13, 17, convertArgExtreme<true>);
  registry.add("ArgMin", 13, 17, convertArgExtreme<false>);
  registry.add("Hardmax", 13, 17, convertHardmax);
  registry.add("Softmax", 13, 17, convertSoftmax<false>);
  registry.add("LogSoftmax", 13, 17, convertSoftmax<true>);
  registry.add("NegativeLogLikelihoodLoss", 13, 17,
               convertNegativeLogLikelihoodLoss);
  registry.add("SoftmaxCrossEntropyLoss", 13, 17,
               convertSoftmaxCrossEntropyLoss);
  registry.add("LayerNormalization", 17, 17, convertLayerNorm);
  registry.add("InstanceNormalization", 6, 17, convertInstanceNorm);
  registry.add("MeanVarianceNormalization", 13, 17, convertMeanVarianceNorm);
  registry.add("LRN", 13, 17, convertLRN);
  registry.add("SimplifiedLayerNormalization", 1, 17,
               convertSimplifiedLayerNorm);
  registry.add("SimplifiedLayerNormalization", 1, 1, convertSimplifiedLayerNorm,
               kContribDomain);
  registry.add("SkipSimplifiedLayerNormalization", 1, 1,
               convertSkipLayerNorm<false>, kContribDomain);
  registry.add("SkipLayerNormalization", 1, 1, convertSkipLayerNorm<true>,
               kContribDomain);
}
