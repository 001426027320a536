//===- ShapeOps.cpp - Shape, Size, Reshape, Transpose and friends ---------===//
//
// Ops that move or reinterpret data without arithmetic. Shapes, axes,
// bounds and repeats are usually constants (initializers, Constant nodes
// or folded shape computations) and give static types; read at run time,
// they give dynamic sizes that the model checks when it runs.
//
//===----------------------------------------------------------------------===//

#include "../ShapeFolding.h"
#include "../TensorConversion.h"
#include "Broadcast.h"
#include "RuntimeChecks.h"
#include "ShapeBuilders.h"
#include "SizeOrigin.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace ::tern;

namespace {

RankedTensorType getType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// Size of dimension `d` as an index value.
Value dimValue(OpBuilder &b, Location loc, Value tensor, int64_t d) {
  return getValueOrCreateConstantIndexOp(
      b, loc, tensor::getMixedSize(b, loc, tensor, d));
}

/// The number of elements of `tensor` as an index value.
Value elementCount(OpBuilder &b, Location loc, Value tensor) {
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 0; d < getType(tensor).getRank(); ++d)
    count = arith::MulIOp::create(b, loc, count, dimValue(b, loc, tensor, d));
  return count;
}

/// Groups the dimensions of the higher-rank shape around the kept ones;
/// unit dimensions join the group of the kept dimension before them (or
/// the first group).
SmallVector<ReassociationIndices> groupAroundKept(ArrayRef<bool> kept) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices current;
  for (int64_t d = 0, e = kept.size(); d < e; ++d) {
    current.push_back(d);
    if (kept[d]) {
      groups.push_back(current);
      current.clear();
    }
  }
  if (!current.empty() && !groups.empty())
    groups.back().append(current.begin(), current.end());
  return groups;
}

/// Normalizes an axis that may count from the back.
FailureOr<int64_t> normalizeAxis(NodeImporter &node, int64_t axis,
                                 int64_t rank) {
  if (axis < -rank || axis >= rank) {
    node.emitError() << "axis " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

LogicalResult convertShape(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  int64_t rank = getType(input).getRank();
  auto clampIndex = [&](int64_t i) {
    if (i < 0)
      i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  int64_t start = clampIndex(node.getIntAttr("start", 0));
  int64_t end = clampIndex(node.getIntAttr("end", rank));
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<Value> sizes;
  for (int64_t d = start; d < end; ++d)
    sizes.push_back(arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                               dimValue(b, loc, input, d)));
  auto type = RankedTensorType::get({std::max<int64_t>(end - start, 0)},
                                    b.getI64Type());
  node.setOutput(0, tensor::FromElementsOp::create(b, loc, type, sizes));
  return success();
}

LogicalResult convertSize(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value size = arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                          elementCount(b, loc, input));
  node.setOutput(0,
                 tensor::FromElementsOp::create(
                     b, loc, RankedTensorType::get({}, b.getI64Type()), size));
  return success();
}

LogicalResult convertTranspose(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = getType(input);
  int64_t rank = type.getRank();
  SmallVector<int64_t> perm;
  if (std::optional<SmallVector<int64_t>> attr = node.getIntsAttr("perm"))
    perm = *attr;
  else
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  SmallVector<bool> seen(rank, false);
  if (static_cast<int64_t>(perm.size()) != rank)
    return node.emitError()
           << "perm has " << perm.size() << " entries for rank " << rank;
  for (int64_t &p : perm) {
    if (p < 0)
      p += rank;
    if (p < 0 || p >= rank || seen[p])
      return node.emitError() << "perm is not a permutation";
    seen[p] = true;
  }
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<OpFoldResult> sizes;
  for (int64_t p : perm)
    sizes.push_back(tensor::getMixedSize(b, loc, input, p));
  Value init = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  node.setOutput(
      0, linalg::TransposeOp::create(b, loc, input, init, perm).getResult()[0]);
  return success();
}

/// Reshapes between `input` and a shape that differs only by unit dims.
Value insertOrDropUnitDims(OpBuilder &b, Location loc, Value input,
                           ArrayRef<bool> kept, ArrayRef<int64_t> outShape,
                           bool expand) {
  SmallVector<ReassociationIndices> groups = groupAroundKept(kept);
  auto outType =
      RankedTensorType::get(outShape, getType(input).getElementType());
  if (!expand)
    return tensor::CollapseShapeOp::create(b, loc, outType, input, groups);
  SmallVector<OpFoldResult> outputShape;
  int64_t inDim = 0;
  for (bool k : kept)
    outputShape.push_back(k ? tensor::getMixedSize(b, loc, input, inDim++)
                            : OpFoldResult(b.getIndexAttr(1)));
  return tensor::ExpandShapeOp::create(b, loc, outType, input, groups,
                                       outputShape);
}

LogicalResult convertSqueeze(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = getType(input);
  int64_t rank = type.getRank();
  SmallVector<bool> kept(rank, true);
  if (node.hasInput(1)) {
    std::optional<SmallVector<int64_t>> axes = node.getConstantInts(1);
    if (!axes) {
      // Axes read at run time: the result drops as many dimensions.
      Value axesInput = node.getInput(1);
      if (!axesInput)
        return failure();
      FailureOr<SmallVector<Value>> dropped =
          readAxisFlags(node, axesInput, rank);
      if (failed(dropped))
        return failure();
      FailureOr<Value> squeezed = buildDropUnitDims(
          node, input, *dropped, getType(axesInput).getDimSize(0));
      if (failed(squeezed))
        return failure();
      node.setOutput(0, *squeezed);
      return success();
    }
    for (int64_t axis : *axes) {
      FailureOr<int64_t> d = normalizeAxis(node, axis, rank);
      if (failed(d))
        return failure();
      if (type.getDimSize(*d) != 1)
        return node.emitError()
               << "dimension " << *d << " of " << type << " is not 1";
      kept[*d] = false;
    }
  } else {
    for (int64_t d = 0; d < rank; ++d) {
      if (type.isDynamicDim(d))
        return node.emitError() << "without axes, dynamic dimensions cannot "
                                   "be squeezed";
      kept[d] = type.getDimSize(d) != 1;
    }
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d)
    if (kept[d])
      shape.push_back(type.getDimSize(d));
  node.setOutput(0, insertOrDropUnitDims(node.getBuilder(), node.getLoc(),
                                         input, kept, shape, false));
  return success();
}

LogicalResult convertUnsqueeze(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  std::optional<SmallVector<int64_t>> axes = node.getConstantInts(1);
  auto type = getType(input);
  if (!axes) {
    // Axes read at run time: as many unit dimensions as they have entries.
    Value axesInput = node.getInput(1);
    if (!axesInput)
      return failure();
    auto axesType = getType(axesInput);
    int64_t count = axesType.getRank() == 1 ? axesType.getDimSize(0) : 0;
    if (failed(node.checkResultRank(
            type.getRank() + std::max<int64_t>(count, 0), "the axes input")))
      return failure();
    FailureOr<SmallVector<Value>> inserted = readAxisFlags(
        node, axesInput, type.getRank() + std::max<int64_t>(count, 0));
    if (failed(inserted))
      return failure();
    node.setOutput(0, buildInsertUnitDims(node, input, *inserted));
    return success();
  }
  int64_t outRank = type.getRank() + axes->size();
  if (failed(node.checkResultRank(outRank, "the axes input")))
    return failure();
  SmallVector<bool> kept(outRank, true);
  for (int64_t axis : *axes) {
    FailureOr<int64_t> d = normalizeAxis(node, axis, outRank);
    if (failed(d))
      return failure();
    if (!kept[*d])
      return node.emitError() << "axis " << axis << " appears twice";
    kept[*d] = false;
  }
  SmallVector<int64_t> shape;
  int64_t inDim = 0;
  for (bool k : kept)
    shape.push_back(k ? type.getDimSize(inDim++) : 1);
  node.setOutput(0, insertOrDropUnitDims(node.getBuilder(), node.getLoc(),
                                         input, kept, shape, true));
  return success();
}

LogicalResult convertFlatten(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = getType(input);
  int64_t rank = type.getRank();
  int64_t axis = node.getIntAttr("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return node.emitError() << "axis is out of range for rank " << rank;
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto product = [&](int64_t from, int64_t to) {
    int64_t p = 1;
    for (int64_t d = from; d < to; ++d) {
      if (type.isDynamicDim(d))
        return ShapedType::kDynamic;
      p *= type.getDimSize(d);
    }
    return p;
  };
  SmallVector<int64_t> shape = {product(0, axis), product(axis, rank)};
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  if (axis > 0 && axis < rank) {
    ReassociationIndices outer, inner;
    for (int64_t d = 0; d < rank; ++d)
      (d < axis ? outer : inner).push_back(d);
    node.setOutput(0, tensor::CollapseShapeOp::create(
                          b, loc, resultType, input,
                          SmallVector<ReassociationIndices>{outer, inner}));
    return success();
  }
  // All dimensions on one side: collapse to 1-D, then add the unit dim.
  Value flat = input;
  if (rank != 1) {
    ReassociationIndices all;
    for (int64_t d = 0; d < rank; ++d)
      all.push_back(d);
    SmallVector<ReassociationIndices> groups;
    if (rank > 0)
      groups.push_back(all);
    flat = tensor::CollapseShapeOp::create(
        b, loc,
        RankedTensorType::get({product(0, rank)}, type.getElementType()), input,
        groups);
  }
  OpFoldResult n = tensor::getMixedSize(b, loc, flat, 0);
  SmallVector<OpFoldResult> outputShape =
      axis == 0 ? SmallVector<OpFoldResult>{b.getIndexAttr(1), n}
                : SmallVector<OpFoldResult>{n, b.getIndexAttr(1)};
  node.setOutput(0,
                 tensor::ExpandShapeOp::create(
                     b, loc, resultType, flat,
                     SmallVector<ReassociationIndices>{{0, 1}}, outputShape));
  return success();
}

} // namespace

namespace tern {

FailureOr<Value> buildConcat(NodeImporter &node, ArrayRef<Value> inputs,
                             int64_t axisAttr) {
  if (inputs.empty()) {
    node.emitError() << "needs at least one input";
    return failure();
  }
  auto firstType = getType(inputs[0]);
  int64_t rank = firstType.getRank();
  FailureOr<int64_t> axis = normalizeAxis(node, axisAttr, rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(firstType.getShape());
  shape[*axis] = 0;
  for (Value input : inputs) {
    auto type = getType(input);
    if (type.getRank() != rank ||
        type.getElementType() != firstType.getElementType()) {
      node.emitError() << "inputs differ in rank or element type";
      return failure();
    }
    for (int64_t d = 0; d < rank; ++d) {
      if (d == *axis)
        continue;
      if (!type.isDynamicDim(d) && !ShapedType::isDynamic(shape[d]) &&
          type.getDimSize(d) != shape[d]) {
        node.emitError() << "inputs differ in dimension " << d;
        return failure();
      }
      if (ShapedType::isDynamic(shape[d]))
        shape[d] = type.getDimSize(d);
    }
    shape[*axis] =
        ShapedType::isDynamic(shape[*axis]) || type.isDynamicDim(*axis)
            ? ShapedType::kDynamic
            : shape[*axis] + type.getDimSize(*axis);
  }
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  // Sizes of the result: the concatenated axis is the running total.
  OpFoldResult total = b.getIndexAttr(0);
  SmallVector<OpFoldResult> offsets;
  for (Value input : inputs) {
    offsets.push_back(total);
    OpFoldResult size = tensor::getMixedSize(b, loc, input, *axis);
    if (isa<Attribute>(total) && isa<Attribute>(size))
      total =
          b.getIndexAttr(cast<IntegerAttr>(cast<Attribute>(total)).getInt() +
                         cast<IntegerAttr>(cast<Attribute>(size)).getInt());
    else
      total = arith::AddIOp::create(
                  b, loc, getValueOrCreateConstantIndexOp(b, loc, total),
                  getValueOrCreateConstantIndexOp(b, loc, size))
                  .getResult();
  }
  SmallVector<OpFoldResult> resultSizes;
  for (int64_t d = 0; d < rank; ++d)
    resultSizes.push_back(
        d == *axis ? total : tensor::getMixedSize(b, loc, inputs[0], d));
  Value result =
      tensor::EmptyOp::create(b, loc, resultSizes, firstType.getElementType());
  for (auto [input, offset] : llvm::zip(inputs, offsets)) {
    // An input that is statically empty along the axis adds nothing (and
    // its offset may be the end of the result, which no slice may start
    // at).
    if (getType(input).getDimSize(*axis) == 0)
      continue;
    SmallVector<OpFoldResult> sliceOffsets(rank, b.getIndexAttr(0));
    sliceOffsets[*axis] = offset;
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(tensor::getMixedSize(b, loc, input, d));
    result = tensor::InsertSliceOp::create(
        b, loc, input, result, sliceOffsets, sizes,
        SmallVector<OpFoldResult>(rank, b.getIndexAttr(1)));
  }
  return tensor::CastOp::create(
             b, loc, RankedTensorType::get(shape, firstType.getElementType()),
             result)
      .getResult();
}

} // namespace tern

namespace {

/// `input` repeated `times` along each of its static size-1 dimensions
/// `dim`, as Expand broadcasts it: the broadcast reads the one element
/// there, and keeps every other size the input's.
FailureOr<Value>
buildUnitDimRepeat(NodeImporter &node, Value input,
                   ArrayRef<std::pair<int64_t, int64_t>> dimAndTimes) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto type = getType(input);
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<Value> dynamicSizes;
  for (auto [dim, times] : dimAndTimes)
    shape[dim] = times;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  Value shapeOnly = tensor::EmptyOp::create(
      b, loc, shape, type.getElementType(), dynamicSizes);
  return buildBroadcastElementwise(
      node, {input, shapeOnly}, type.getElementType(),
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

LogicalResult convertConcat(NodeImporter &node) {
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < node.getNumInputs(); ++i) {
    Value input = node.getInput(i);
    if (!input)
      return failure();
    inputs.push_back(input);
  }
  // One tensor of size 1 along the axis, n times (`torch.cat([x] * n)`, a
  // repeat_kv): a broadcast, as Expand builds it, which the attention's
  // matmul recognizes (RepeatedHeads.h) instead of a chain of copies.
  int64_t rank = getType(inputs[0]).getRank();
  int64_t axis = node.getIntAttr("axis", 0);
  if (axis < 0)
    axis += rank;
  if (inputs.size() > 1 && axis >= 0 && axis < rank &&
      llvm::all_equal(inputs) && getType(inputs[0]).getDimSize(axis) == 1) {
    FailureOr<Value> repeated =
        buildUnitDimRepeat(node, inputs[0], {{axis, int64_t(inputs.size())}});
    if (failed(repeated))
      return failure();
    node.setOutput(0, *repeated);
    return success();
  }
  FailureOr<Value> result =
      buildConcat(node, inputs, node.getIntAttr("axis", 0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

namespace tern {

FailureOr<SmallVector<Value>> readShapeEntries(NodeImporter &node,
                                               Value shape) {
  auto type = getType(shape);
  if (type.getRank() != 1 || type.isDynamicDim(0) ||
      !type.getElementType().isSignlessInteger(64)) {
    node.emitError() << "a shape computed at run time must be a 1-D int64 "
                        "tensor of static length, not "
                     << type;
    return failure();
  }
  // Shapes, pads (two per dimension) and axes of the ranks Tern takes;
  // anything longer would only build one read per entry for nothing.
  if (type.getDimSize(0) > 2 * NodeImporter::kMaxRank) {
    node.emitError() << "the shape, pads or axes input has "
                     << type.getDimSize(0) << " entries, more than the "
                     << 2 * NodeImporter::kMaxRank << " a tensor of rank "
                     << NodeImporter::kMaxRank << " (Tern's limit) can need";
    return failure();
  }
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  // Entries shape folding knows to be an input's size are that size, so
  // that what they shape is tied to the input (SizeOrigin.h).
  std::optional<KnownInts> known;
  for (unsigned i = 0, e = node.getNumInputs(); i < e && !known; ++i)
    if (node.lookupInput(i) == shape)
      known = node.getKnownInts(i);
  SmallVector<Value> entries;
  for (int64_t i = 0; i < type.getDimSize(0); ++i) {
    if (known && i < int64_t(known->values.size()))
      if (Value size = buildSingleSize(b, loc, known->getAffine(i))) {
        entries.push_back(size);
        continue;
      }
    Value position = arith::ConstantIndexOp::create(b, loc, i);
    Value entry = tensor::ExtractOp::create(b, loc, shape, position);
    entries.push_back(
        arith::IndexCastOp::create(b, loc, b.getIndexType(), entry));
  }
  return entries;
}

Value buildFromCoordinates(
    OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamicSizes,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>)> body) {
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType(), dynamicSizes);
  int64_t rank = type.getRank();
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{}, ValueRange{init},
             ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank)},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange) {
               SmallVector<Value> at;
               for (int64_t d = 0; d < rank; ++d)
                 at.push_back(linalg::IndexOp::create(nb, nloc, d));
               linalg::YieldOp::create(nb, nloc, body(nb, nloc, at));
             })
      .getResult(0);
}

Value readScalarIndex(OpBuilder &b, Location loc, Value tensor) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value v = tensor::ExtractOp::create(
      b, loc, tensor, SmallVector<Value>(getType(tensor).getRank(), zero));
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

SmallVector<int64_t> staticSizesCheckedAtRunTime(NodeImporter &node,
                                                 ArrayRef<Value> sizes) {
  SmallVector<int64_t> shape(sizes.size(), ShapedType::kDynamic);
  RankedTensorType inferred = node.getInferredOutputType(0);
  if (!inferred || inferred.getRank() != static_cast<int64_t>(sizes.size()))
    return shape;
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  for (auto [d, size] : llvm::enumerate(sizes)) {
    if (inferred.isDynamicDim(d))
      continue;
    shape[d] = inferred.getDimSize(d);
    emitRuntimeEqualityCheck(b, loc, size,
                             arith::ConstantIndexOp::create(b, loc, shape[d]),
                             RunError::ShapeMismatch);
  }
  return shape;
}

Value buildReshape(OpBuilder &b, Location loc, Value input,
                   ArrayRef<Value> sizes, ArrayRef<int64_t> shape) {
  SmallVector<Value> sizesI64;
  for (Value size : sizes)
    sizesI64.push_back(
        arith::IndexCastOp::create(b, loc, b.getI64Type(), size));
  Value shapeTensor = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({(int64_t)sizes.size()}, b.getI64Type()),
      sizesI64);
  return tensor::ReshapeOp::create(
      b, loc, RankedTensorType::get(shape, getType(input).getElementType()),
      input, shapeTensor);
}

} // namespace tern

namespace {

/// Reshape to a shape computed at run time: the rules for 0 and -1 are
/// applied to the values when the model runs, and a shape that is invalid
/// or holds another element count stops the run.
///
/// Exporters compute most entries from the input's own sizes (torch's
/// `x.view(batch, seq, heads, head_dim)`), and shape folding knows them:
/// a constant entry, or a tensor's size. Those build no run-time selects,
/// so the result's sizes stay the sizes they were read from: broadcasts
/// and bufferization's subset analysis then relate them without a search
/// through select chains.
LogicalResult convertReshapeOfRunTimeShape(NodeImporter &node, Value input) {
  FailureOr<SmallVector<Value>> entries =
      readShapeEntries(node, node.getInput(1));
  if (failed(entries) ||
      failed(node.checkResultRank(entries->size(), "the shape input")))
    return failure();
  std::optional<KnownInts> folded = node.getKnownInts(1);
  bool allowZero = node.getIntAttr("allowzero", 0);
  int64_t rank = getType(input).getRank();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto constant = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto compare = [&](arith::CmpIPredicate predicate, Value lhs, Value rhs) {
    return arith::CmpIOp::create(b, loc, predicate, lhs, rhs).getResult();
  };
  Value zero = constant(0), one = constant(1), minusOne = constant(-1);
  // A -1 among entries that are constants and the input's own dynamic
  // sizes, each once (`view(batch, -1, seq, head_dim)` after repeat_kv), is
  // the quotient of the static sizes: known now, so the result's size is
  // static (the element count is still checked when the model runs).
  std::optional<int64_t> staticInferred;
  {
    auto inputType = getType(input);
    SmallVector<bool> matched(rank, false);
    int64_t constants = 1, inferredAt = -1;
    bool fits = !allowZero && folded;
    for (auto [i, entry] : llvm::enumerate(*entries)) {
      if (!fits)
        break;
      std::optional<int64_t> value =
          i < folded->values.size() ? folded->values[i] : std::nullopt;
      if (value && *value == -1 && inferredAt < 0) {
        inferredAt = i;
      } else if (value && *value > 0) {
        constants *= *value;
      } else if (auto dimOp = entry.getDefiningOp<tensor::DimOp>();
                 dimOp && dimOp.getConstantIndex() && !value) {
        auto same = llvm::find_if(llvm::seq<int64_t>(0, rank), [&](int64_t d) {
          return inputType.isDynamicDim(d) && !matched[d] &&
                 relateSizes(node, dimOp.getSource(), *dimOp.getConstantIndex(),
                             input, d) == SizeRelation::Same;
        });
        if (same == llvm::seq<int64_t>(0, rank).end())
          fits = false;
        else
          matched[*same] = true;
      } else {
        fits = false;
      }
    }
    int64_t staticElements = 1;
    for (int64_t d = 0; d < rank && fits; ++d) {
      if (inputType.isDynamicDim(d))
        fits = matched[d];
      else
        staticElements *= inputType.getDimSize(d);
    }
    if (fits && inferredAt >= 0 && constants > 0 &&
        staticElements % constants == 0)
      staticInferred = staticElements / constants;
  }
  // The product of the sizes that are not inferred, and how many are.
  Value known = one, numInferred = zero;
  Value invalid = arith::ConstantIntOp::create(b, loc, 0, 1);
  // Per entry its size, and whether it is the one inferred: a constant
  // i1, or a flag computed when the model runs.
  SmallVector<Value> sizes, isInferred;
  Value isTrue = arith::ConstantIntOp::create(b, loc, 1, 1);
  Value isFalse = arith::ConstantIntOp::create(b, loc, 0, 1);
  for (auto [i, entry] : llvm::enumerate(*entries)) {
    std::optional<int64_t> value =
        folded && i < folded->values.size() ? folded->values[i] : std::nullopt;
    bool inRank = static_cast<int64_t>(i) < rank;
    auto dimOp = entry.getDefiningOp<tensor::DimOp>();
    std::optional<int64_t> dimIndex =
        dimOp ? dimOp.getConstantIndex() : std::nullopt;
    if (value && *value < -1)
      return node.emitError() << "shape entry " << *value << " is invalid";
    if (value && *value == -1 && staticInferred) {
      value = staticInferred;
    } else if (value && *value == -1) {
      sizes.push_back(nullptr);
      isInferred.push_back(isTrue);
      numInferred = arith::AddIOp::create(b, loc, numInferred, one);
      continue;
    }
    Value size;
    if (value && *value == 0 && !allowZero) {
      if (!inRank)
        return node.emitError()
               << "shape entry " << i << " copies a dimension the input lacks";
      size = dimValue(b, loc, input, i);
    } else if (value) {
      size = constant(*value);
    } else if (dimIndex) {
      // A tensor's size (shape folding read it through Shape): never
      // negative, so never the one inferred, and the result's size unless
      // it is 0 where the input's size at i is not (ONNX copies that one
      // then; the run stops instead, as that shape cannot hold the input's
      // elements unless both are 0).
      size = entry;
      if (!allowZero && inRank &&
          relateSizes(node, dimOp.getSource(), *dimIndex, input, i) !=
              SizeRelation::Same)
        invalid = arith::OrIOp::create(
            b, loc, invalid,
            arith::AndIOp::create(
                b, loc, compare(arith::CmpIPredicate::eq, entry, zero),
                compare(arith::CmpIPredicate::ne, dimValue(b, loc, input, i),
                        zero)));
    }
    if (size) {
      known = arith::MulIOp::create(b, loc, known, size);
      sizes.push_back(size);
      isInferred.push_back(isFalse);
      continue;
    }
    // Known only when the model runs.
    size = entry;
    if (!allowZero && inRank)
      size = arith::SelectOp::create(
          b, loc, compare(arith::CmpIPredicate::eq, entry, zero),
          dimValue(b, loc, input, i), entry);
    Value inferredHere = compare(arith::CmpIPredicate::eq, entry, minusOne);
    known = arith::MulIOp::create(
        b, loc, known,
        arith::SelectOp::create(b, loc, inferredHere, one, size));
    numInferred = arith::AddIOp::create(
        b, loc, numInferred,
        arith::SelectOp::create(b, loc, inferredHere, one, zero));
    invalid = arith::OrIOp::create(
        b, loc, invalid, compare(arith::CmpIPredicate::slt, entry, minusOne));
    sizes.push_back(size);
    isInferred.push_back(inferredHere);
  }
  Value total = elementCount(b, loc, input);
  Value inferredSize = arith::DivUIOp::create(
      b, loc, total, arith::MaxUIOp::create(b, loc, known, one));
  Value count = one;
  for (auto [size, inferredHere] : llvm::zip(sizes, isInferred)) {
    if (inferredHere == isTrue)
      size = inferredSize;
    else if (inferredHere != isFalse)
      size = arith::SelectOp::create(b, loc, inferredHere, inferredSize, size);
    count = arith::MulIOp::create(b, loc, count, size);
  }
  invalid = arith::OrIOp::create(
      b, loc, invalid, compare(arith::CmpIPredicate::sgt, numInferred, one));
  invalid = arith::OrIOp::create(
      b, loc, invalid, compare(arith::CmpIPredicate::ne, count, total));
  emitRuntimeCheck(b, loc, invalid, RunError::ReshapeMismatch);
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, sizes);
  // Entries known now (constants, a -1 inferred above) are static sizes.
  for (auto [d, size] : llvm::enumerate(sizes))
    if (std::optional<int64_t> constant = getConstantIntValue(size);
        constant && ShapedType::isDynamic(shape[d]))
      shape[d] = *constant;
  node.setOutput(0, buildReshape(b, loc, input, sizes, shape));
  return success();
}

LogicalResult convertReshape(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  std::optional<SmallVector<int64_t>> target = node.getConstantInts(1);
  if (!target)
    return convertReshapeOfRunTimeShape(node, input);
  if (failed(node.checkResultRank(target->size(), "the shape input")))
    return failure();
  auto type = getType(input);
  bool allowZero = node.getIntAttr("allowzero", 0);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();

  // Each output size, statically where it can be, else computed.
  SmallVector<int64_t> shape;
  SmallVector<Value> sizes;
  int64_t inferred = -1;
  Value known = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [i, entry] : llvm::enumerate(*target)) {
    if (entry == -1) {
      if (inferred >= 0)
        return node.emitError() << "shape has more than one -1";
      inferred = i;
      shape.push_back(ShapedType::kDynamic);
      sizes.push_back(nullptr);
      continue;
    }
    if (entry < -1)
      return node.emitError() << "shape entry " << entry << " is invalid";
    if (entry == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= type.getRank())
        return node.emitError()
               << "shape entry " << i << " copies a dimension the input lacks";
      shape.push_back(type.getDimSize(i));
      sizes.push_back(dimValue(b, loc, input, i));
    } else {
      shape.push_back(entry);
      sizes.push_back(arith::ConstantIndexOp::create(b, loc, entry));
    }
    known = arith::MulIOp::create(b, loc, known, sizes.back());
  }
  Value total = elementCount(b, loc, input);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  if (inferred >= 0) {
    // When the input's dimensions that no 0 entry copies hold one dynamic
    // size and static ones whose product the other entries repeat, the
    // -1 is that size (GPT-J's rotation flattens [b, h, s, d/2, 2] to
    // [0, 0, -1, d]): the size value itself, which SizeOrigin relates.
    auto copied = [&](int64_t d) {
      return d < int64_t(target->size()) && (*target)[d] == 0 && !allowZero;
    };
    std::optional<int64_t> dynamicDim;
    bool single = true;
    int64_t inputStatic = 1, targetStatic = 1;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (copied(d))
        continue;
      if (type.isDynamicDim(d)) {
        single &= !dynamicDim;
        dynamicDim = d;
      } else {
        inputStatic *= type.getDimSize(d);
      }
    }
    for (auto [i, entry] : llvm::enumerate(*target))
      if (int64_t(i) != inferred && !copied(i))
        targetStatic *= entry;
    if (single && dynamicDim && inputStatic != 0 && inputStatic == targetStatic)
      sizes[inferred] = dimValue(b, loc, input, *dynamicDim);
    else
      sizes[inferred] = arith::DivUIOp::create(
          b, loc, total, arith::MaxUIOp::create(b, loc, known, one));
  }
  // Dynamic sizes can disagree at run time; fail the run rather than read
  // past the input.
  if (!type.hasStaticShape()) {
    Value count = one;
    for (Value size : sizes)
      count = arith::MulIOp::create(b, loc, count, size);
    emitRuntimeCheck(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, count, total),
        RunError::ReshapeMismatch);
  }
  bool othersStatic = true;
  int64_t knownStatic = 1;
  for (auto [i, size] : llvm::enumerate(shape)) {
    if (static_cast<int64_t>(i) == inferred)
      continue;
    othersStatic &= !ShapedType::isDynamic(size);
    if (!ShapedType::isDynamic(size))
      knownStatic *= size;
  }
  if (type.hasStaticShape() && othersStatic) {
    int64_t total = type.getNumElements();
    if (inferred >= 0 && knownStatic != 0 && total % knownStatic == 0)
      shape[inferred] = total / knownStatic;
    else if (inferred >= 0 ? total != 0 || knownStatic != 0
                           : total != knownStatic)
      return node.emitError()
             << "cannot reshape " << type << " (" << total
             << " elements) to shape ["
             << llvm::make_range(target->begin(), target->end()) << "]";
  }
  node.setOutput(0, buildReshape(b, loc, input, sizes, shape));
  return success();
}

LogicalResult convertExpand(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Type elementType = getType(input).getElementType();
  // Broadcasting against an (unread) tensor of the target shape gives the
  // bidirectional rule: a target 1 keeps the input's size.
  Value shapeOnly;
  if (std::optional<SmallVector<int64_t>> target = node.getConstantInts(1)) {
    if (failed(node.checkResultRank(target->size(), "the shape input")))
      return failure();
    for (int64_t size : *target)
      if (size < 0)
        return node.emitError() << "shape entries must not be negative";
    shapeOnly = tensor::EmptyOp::create(b, loc, *target, elementType);
  } else {
    // A shape computed at run time (`repeat_kv`'s expand(batch, heads,
    // n_rep, seq, dim)): the entries shape folding knows are static, the
    // others are read when the model runs. A dynamic target size meets the
    // input's size in the broadcast, which checks that they agree.
    Value shape = node.getInput(1);
    if (!shape)
      return failure();
    FailureOr<SmallVector<Value>> entries = readShapeEntries(node, shape);
    if (failed(entries) ||
        failed(node.checkResultRank(entries->size(), "the shape input")))
      return failure();
    std::optional<KnownInts> known = node.getKnownInts(1);
    // Shape inference (or the model's declared output) may know a size
    // the shape's entry does not: the entry is then 1 (the input's size
    // stays, as the bidirectional rule says) or that size, checked when
    // the model runs.
    // The entries align with the output's last dimensions.
    RankedTensorType inferred = node.getInferredOutputType(0);
    if (inferred && inferred.getRank() < int64_t(entries->size()))
      inferred = nullptr;
    int64_t skipped =
        inferred ? inferred.getRank() - int64_t(entries->size()) : 0;
    SmallVector<int64_t> sizes;
    SmallVector<Value> dynamicSizes;
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    for (auto [i, entry] : llvm::enumerate(*entries)) {
      std::optional<int64_t> value =
          known && i < known->values.size() ? known->values[i] : std::nullopt;
      if (value && *value < 0)
        return node.emitError() << "shape entries must not be negative";
      if (!value && inferred && !inferred.isDynamicDim(skipped + i)) {
        int64_t size = inferred.getDimSize(skipped + i);
        Value agrees = arith::OrIOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, entry, one),
            arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::eq, entry,
                arith::ConstantIndexOp::create(b, loc, size)));
        emitRuntimeCheck(b, loc,
                         arith::XOrIOp::create(
                             b, loc, agrees,
                             arith::ConstantOp::create(b, loc, b.getI1Type(),
                                                       b.getBoolAttr(true))),
                         RunError::ShapeMismatch);
        value = size;
      }
      sizes.push_back(value ? *value : ShapedType::kDynamic);
      if (value)
        continue;
      Value negative =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, entry, zero);
      emitRuntimeCheck(b, loc, negative, RunError::ShapeMismatch);
      dynamicSizes.push_back(entry);
    }
    shapeOnly = tensor::EmptyOp::create(
        b, loc, RankedTensorType::get(sizes, elementType), dynamicSizes);
  }
  FailureOr<Value> result = buildBroadcastElementwise(
      node, {input, shapeOnly}, elementType,
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult convertConstantOfShape(NodeImporter &node) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Attribute element = b.getF32FloatAttr(0.0f);
  Type elementType = b.getF32Type();
  if (const onnx::AttributeProto *value = node.getAttribute("value")) {
    llvm::Expected<DenseElementsAttr> tensor =
        convertTensorProto(value->t(), b.getContext());
    if (!tensor)
      return node.emitError() << llvm::toString(tensor.takeError());
    if (tensor->getNumElements() != 1)
      return node.emitError() << "value must have one element";
    elementType = tensor->getElementType();
    element = tensor->getValues<Attribute>()[0];
  }
  if (std::optional<SmallVector<int64_t>> shape = node.getConstantInts(0)) {
    if (failed(node.checkResultRank(shape->size(), "the shape input")))
      return failure();
    for (int64_t size : *shape)
      if (size < 0)
        return node.emitError() << "shape entries must not be negative";
    auto type = RankedTensorType::get(*shape, elementType);
    node.setOutput(0, arith::ConstantOp::create(
                          b, loc, DenseElementsAttr::get(type, element)));
    return success();
  }
  // A shape computed at run time.
  Value shapeInput = node.getInput(0);
  if (!shapeInput)
    return failure();
  FailureOr<SmallVector<Value>> sizes = readShapeEntries(node, shapeInput);
  if (failed(sizes) ||
      failed(node.checkResultRank(sizes->size(), "the shape input")))
    return failure();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative = arith::ConstantIntOp::create(b, loc, 0, 1);
  for (Value size : *sizes)
    negative = arith::OrIOp::create(
        b, loc, negative,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, size, zero));
  emitRuntimeCheck(b, loc, negative, RunError::ShapeMismatch);
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, *sizes);
  SmallVector<Value> dynamicSizes;
  for (auto [size, staticSize] : llvm::zip(*sizes, shape))
    if (ShapedType::isDynamic(staticSize))
      dynamicSizes.push_back(size);
  Value init =
      tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
  Value fillValue = arith::ConstantOp::create(b, loc, cast<TypedAttr>(element));
  node.setOutput(0,
                 linalg::FillOp::create(b, loc, fillValue, init).getResult(0));
  return success();
}

/// Gather along `axis`. An index outside [-size, size) fails the run.
LogicalResult convertGather(NodeImporter &node) {
  Value data = node.getInput(0), indices = node.getInput(1);
  if (!data || !indices)
    return failure();
  auto dataType = getType(data);
  auto indicesType = getType(indices);
  if (!indicesType.getElementType().isSignlessInteger(32) &&
      !indicesType.getElementType().isSignlessInteger(64))
    return node.emitError() << "indices must be int32 or int64";
  int64_t rank = dataType.getRank(), q = indicesType.getRank();
  FailureOr<int64_t> axis =
      normalizeAxis(node, node.getIntAttr("axis", 0), rank);
  if (failed(axis))
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();

  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < *axis; ++d) {
    sizes.push_back(tensor::getMixedSize(b, loc, data, d));
    shape.push_back(dataType.getDimSize(d));
  }
  for (int64_t d = 0; d < q; ++d) {
    sizes.push_back(tensor::getMixedSize(b, loc, indices, d));
    shape.push_back(indicesType.getDimSize(d));
  }
  for (int64_t d = *axis + 1; d < rank; ++d) {
    sizes.push_back(tensor::getMixedSize(b, loc, data, d));
    shape.push_back(dataType.getDimSize(d));
  }
  int64_t outRank = shape.size();
  Value init =
      tensor::EmptyOp::create(b, loc, sizes, dataType.getElementType());
  SmallVector<AffineExpr> indexExprs;
  for (int64_t d = 0; d < q; ++d)
    indexExprs.push_back(b.getAffineDimExpr(*axis + d));
  AffineMap indexMap = AffineMap::get(outRank, 0, indexExprs, b.getContext());
  Value axisSize = dimValue(b, loc, data, *axis);
  auto generic = linalg::GenericOp::create(
      b, loc, RankedTensorType::get(shape, dataType.getElementType()),
      ValueRange{indices}, ValueRange{init},
      ArrayRef<AffineMap>{indexMap, b.getMultiDimIdentityMap(outRank)},
      SmallVector<utils::IteratorType>(outRank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value index = checkedIndex(nb, nloc, args[0], axisSize);
        SmallVector<Value> coords;
        for (int64_t d = 0; d < *axis; ++d)
          coords.push_back(linalg::IndexOp::create(nb, nloc, d));
        coords.push_back(index);
        for (int64_t d = *axis + 1; d < rank; ++d)
          coords.push_back(linalg::IndexOp::create(nb, nloc, d - 1 + q));
        linalg::YieldOp::create(
            nb, nloc,
            ValueRange{tensor::ExtractOp::create(nb, nloc, data, coords)});
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

/// GatherElements: out[i...] = data[i... with i_axis = indices[i...]].
/// Indices are checked as in Gather.
LogicalResult convertGatherElements(NodeImporter &node) {
  Value data = node.getInput(0), indices = node.getInput(1);
  if (!data || !indices)
    return failure();
  auto dataType = getType(data);
  auto indicesType = getType(indices);
  if (!indicesType.getElementType().isSignlessInteger(32) &&
      !indicesType.getElementType().isSignlessInteger(64))
    return node.emitError() << "indices must be int32 or int64";
  int64_t rank = dataType.getRank();
  if (indicesType.getRank() != rank)
    return node.emitError() << "indices must have the rank of data";
  FailureOr<int64_t> axis =
      normalizeAxis(node, node.getIntAttr("axis", 0), rank);
  if (failed(axis))
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(tensor::getMixedSize(b, loc, indices, d));
  Value init =
      tensor::EmptyOp::create(b, loc, sizes, dataType.getElementType());
  Value axisSize = dimValue(b, loc, data, *axis);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  auto generic = linalg::GenericOp::create(
      b, loc,
      RankedTensorType::get(indicesType.getShape(), dataType.getElementType()),
      ValueRange{indices}, ValueRange{init},
      ArrayRef<AffineMap>{identity, identity},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value index = checkedIndex(nb, nloc, args[0], axisSize);
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d)
          coords.push_back(
              d == *axis ? index
                         : linalg::IndexOp::create(nb, nloc, d).getResult());
        linalg::YieldOp::create(
            nb, nloc,
            ValueRange{tensor::ExtractOp::create(nb, nloc, data, coords)});
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

/// Trilu keeps the upper (or lower) triangle of the last two dimensions,
/// shifted by the diagonal offset k, which may be a run-time scalar.
LogicalResult convertTrilu(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = getType(input);
  int64_t rank = type.getRank();
  if (rank < 2)
    return node.emitError() << "input must have at least two dimensions";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value k = arith::ConstantIndexOp::create(b, loc, 0);
  if (node.hasInput(1)) {
    Value kTensor = node.getInput(1);
    if (!kTensor)
      return failure();
    if (getType(kTensor).getRank() != 0 ||
        !getType(kTensor).getElementType().isSignlessInteger(64))
      return node.emitError() << "k must be an int64 scalar";
    k = arith::IndexCastOp::create(
        b, loc, b.getIndexType(),
        tensor::ExtractOp::create(b, loc, kTensor, ValueRange{}));
  }
  bool upper = node.getIntAttr("upper", 1);
  Type elementType = type.getElementType();
  FailureOr<Value> result = buildBroadcastElementwise(
      node, {input}, elementType,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value row = linalg::IndexOp::create(nb, nloc, rank - 2);
        Value col = linalg::IndexOp::create(nb, nloc, rank - 1);
        // Keep col - row >= k (upper) or col - row <= k (lower).
        Value diagonal = arith::SubIOp::create(nb, nloc, col, row);
        Value keep = arith::CmpIOp::create(nb, nloc,
                                           upper ? arith::CmpIPredicate::sge
                                                 : arith::CmpIPredicate::sle,
                                           diagonal, k);
        Value zero = arith::ConstantOp::create(nb, nloc, elementType,
                                               nb.getZeroAttr(elementType));
        return arith::SelectOp::create(nb, nloc, keep, args[0], zero);
      });
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// One sliced dimension: the first index read, the step and the count.
struct SliceDim {
  Value start;
  Value step;
  Value size;
  int64_t staticSize; // kDynamic unless the dimension is static
};

/// ONNX Slice arithmetic for one dimension of size `dim`: negative starts
/// and ends count from the back, both are clamped into range, and the
/// count is ceil((end - start) / step), at least 0.
SliceDim sliceDim(OpBuilder &b, Location loc, Value tensor, int64_t d,
                  int64_t start, int64_t end, int64_t step) {
  int64_t staticDim = getType(tensor).getDimSize(d);
  SliceDim result;
  result.step = arith::ConstantIndexOp::create(b, loc, step);
  if (!ShapedType::isDynamic(staticDim)) {
    auto clampTo = [](int64_t v, int64_t lo, int64_t hi) {
      return std::min(std::max(v, lo), hi);
    };
    int64_t s = start < 0 ? start + staticDim : start;
    int64_t e = end < 0 ? end + staticDim : end;
    int64_t count;
    if (step > 0) {
      s = clampTo(s, 0, staticDim);
      e = clampTo(e, 0, staticDim);
      count = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = clampTo(s, 0, staticDim - 1);
      e = clampTo(e, -1, staticDim - 1);
      count = s > e ? (s - e - step - 1) / -step : 0;
    }
    result.start = arith::ConstantIndexOp::create(b, loc, s);
    result.size = arith::ConstantIndexOp::create(b, loc, count);
    result.staticSize = count;
    return result;
  }
  // The same arithmetic at run time.
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value dim = tensor::DimOp::create(b, loc, tensor, d);
  auto wrap = [&](int64_t v) -> Value {
    if (v >= 0)
      return c(std::min<int64_t>(v, INT64_MAX / 2));
    return arith::AddIOp::create(b, loc, dim,
                                 c(std::max<int64_t>(v, -(INT64_MAX / 2))));
  };
  auto clampV = [&](Value v, Value lo, Value hi) -> Value {
    return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, v, lo),
                                  hi);
  };
  Value s = wrap(start), e = wrap(end), zero = c(0);
  Value count;
  if (step > 0) {
    s = clampV(s, zero, dim);
    e = clampV(e, zero, dim);
    Value span = arith::SubIOp::create(b, loc, e, s);
    count = arith::CeilDivSIOp::create(b, loc, span, c(step));
  } else {
    Value last = arith::SubIOp::create(b, loc, dim, c(1));
    s = clampV(s, zero, last);
    e = clampV(e, c(-1), last);
    Value span = arith::SubIOp::create(b, loc, s, e);
    count = arith::CeilDivSIOp::create(b, loc, span, c(-step));
  }
  result.start = s;
  result.size = arith::MaxSIOp::create(b, loc, count, zero);
  result.staticSize = ShapedType::kDynamic;
  return result;
}

/// out[i...] = input[start_d + i_d * step_d ...] for the given dimensions.
Value buildStridedGather(OpBuilder &b, Location loc, Value input,
                         ArrayRef<SliceDim> dims) {
  auto type = getType(input);
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d) {
    shape.push_back(dims[d].staticSize);
    if (ShapedType::isDynamic(dims[d].staticSize))
      dynamicSizes.push_back(dims[d].size);
  }
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType(),
                                       dynamicSizes);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{}, ValueRange{init},
             ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank)},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange) {
               SmallVector<Value> coords;
               for (int64_t d = 0; d < rank; ++d) {
                 Value i = linalg::IndexOp::create(nb, nloc, d);
                 Value offset =
                     arith::MulIOp::create(nb, nloc, i, dims[d].step);
                 coords.push_back(
                     arith::AddIOp::create(nb, nloc, dims[d].start, offset));
               }
               linalg::YieldOp::create(nb, nloc,
                                       ValueRange{tensor::ExtractOp::create(
                                           nb, nloc, input, coords)});
             })
      .getResult(0);
}

/// The whole of dimension `d`: start 0, step 1.
SliceDim fullDim(OpBuilder &b, Location loc, Value tensor, int64_t d) {
  return {arith::ConstantIndexOp::create(b, loc, 0),
          arith::ConstantIndexOp::create(b, loc, 1),
          dimValue(b, loc, tensor, d), getType(tensor).getDimSize(d)};
}

/// The Slice arithmetic of sliceDim on values read at run time, a step of
/// either sign included (a step of 0 stops the run).
SliceDim sliceDimAtRunTime(OpBuilder &b, Location loc, Value tensor, int64_t d,
                           Value start, Value end, Value step) {
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  auto cmp = [&](arith::CmpIPredicate p, Value lhs, Value rhs) -> Value {
    return arith::CmpIOp::create(b, loc, p, lhs, rhs);
  };
  auto clampV = [&](Value v, Value lo, Value hi) -> Value {
    return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, v, lo),
                                  hi);
  };
  Value dim = dimValue(b, loc, tensor, d), zero = c(0);
  emitRuntimeCheck(b, loc, cmp(arith::CmpIPredicate::eq, step, zero),
                   RunError::IndexOutOfRange);
  // Bounds far past the dimension (INT64_MAX for "to the end") are clamped
  // before adding it, so nothing overflows.
  Value far = c(INT64_MAX / 4);
  auto wrap = [&](Value v) -> Value {
    v = clampV(v, c(-(INT64_MAX / 4)), far);
    return arith::SelectOp::create(b, loc,
                                   cmp(arith::CmpIPredicate::slt, v, zero),
                                   arith::AddIOp::create(b, loc, v, dim), v);
  };
  Value s = wrap(start), e = wrap(end);
  Value forward = cmp(arith::CmpIPredicate::sgt, step, zero);
  Value last = arith::SubIOp::create(b, loc, dim, c(1));
  Value sForward = clampV(s, zero, dim), eForward = clampV(e, zero, dim);
  Value sBackward = clampV(s, zero, last), eBackward = clampV(e, c(-1), last);
  Value magnitude = arith::MaxSIOp::create(
      b, loc,
      arith::SelectOp::create(b, loc, forward, step,
                              arith::SubIOp::create(b, loc, zero, step)),
      c(1));
  Value span = arith::SelectOp::create(
      b, loc, forward, arith::SubIOp::create(b, loc, eForward, sForward),
      arith::SubIOp::create(b, loc, sBackward, eBackward));
  Value count = arith::MaxSIOp::create(
      b, loc, arith::CeilDivSIOp::create(b, loc, span, magnitude), zero);
  return {arith::SelectOp::create(b, loc, forward, sForward, sBackward), step,
          count, ShapedType::kDynamic};
}

/// Slice with starts, ends, axes or steps read at run time: every
/// dimension takes the bounds of the entry whose axis names it (the whole
/// dimension when none does).
LogicalResult convertSliceAtRunTime(NodeImporter &node, Value input) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  int64_t rank = getType(input).getRank();
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  SmallVector<SmallVector<Value>> operands;
  for (unsigned i = 1; i <= 4; ++i) {
    if (!node.hasInput(i)) {
      operands.emplace_back();
      continue;
    }
    Value v = node.getInput(i);
    if (!v)
      return failure();
    FailureOr<SmallVector<Value>> entries = readShapeEntries(node, v);
    if (failed(entries))
      return failure();
    operands.push_back(*entries);
  }
  size_t n = operands[0].size();
  if (operands[1].size() != n)
    return node.emitError() << "starts and ends differ in length";
  if (operands[2].empty())
    for (size_t i = 0; i < n; ++i)
      operands[2].push_back(c(i));
  if (operands[3].empty())
    operands[3].assign(n, c(1));
  if (operands[2].size() != n || operands[3].size() != n)
    return node.emitError() << "starts, ends, axes and steps differ in length";
  // Each axis, counted from the front; one out of range or named twice
  // stops the run.
  Value zero = c(0), size = c(rank);
  Value invalid = arith::ConstantIntOp::create(b, loc, 0, 1);
  SmallVector<Value> axes;
  for (Value axis : operands[2]) {
    Value wrapped = arith::SelectOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, axis, zero),
        arith::AddIOp::create(b, loc, axis, size), axis);
    invalid = arith::OrIOp::create(
        b, loc, invalid,
        arith::OrIOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, wrapped,
                                  zero),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, wrapped,
                                  size)));
    for (Value other : axes)
      invalid = arith::OrIOp::create(
          b, loc, invalid,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, wrapped,
                                other));
    axes.push_back(wrapped);
  }
  emitRuntimeCheck(b, loc, invalid, RunError::IndexOutOfRange);
  SmallVector<SliceDim> dims;
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    Value start = zero, end = c(INT64_MAX / 4), step = c(1);
    for (size_t i = 0; i < n; ++i) {
      Value here = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         axes[i], c(d));
      start = arith::SelectOp::create(b, loc, here, operands[0][i], start);
      end = arith::SelectOp::create(b, loc, here, operands[1][i], end);
      step = arith::SelectOp::create(b, loc, here, operands[3][i], step);
    }
    dims.push_back(sliceDimAtRunTime(b, loc, input, d, start, end, step));
    sizes.push_back(dims.back().size);
  }
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, sizes);
  for (int64_t d = 0; d < rank; ++d)
    dims[d].staticSize = shape[d];
  node.setOutput(0, buildStridedGather(b, loc, input, dims));
  return success();
}

LogicalResult convertSlice(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  int64_t rank = getType(input).getRank();
  std::optional<SmallVector<int64_t>> starts = node.getConstantInts(1);
  std::optional<SmallVector<int64_t>> ends = node.getConstantInts(2);
  if (!starts || !ends || (node.hasInput(3) && !node.getConstantInts(3)) ||
      (node.hasInput(4) && !node.getConstantInts(4)))
    return convertSliceAtRunTime(node, input);
  SmallVector<int64_t> axes, steps(starts->size(), 1);
  for (int64_t i = 0, e = starts->size(); i < e; ++i)
    axes.push_back(i);
  // Constants here: the run-time path above takes the others.
  if (node.hasInput(3))
    axes = *node.getConstantInts(3);
  if (node.hasInput(4))
    steps = *node.getConstantInts(4);
  if (ends->size() != starts->size() || axes.size() != starts->size() ||
      steps.size() != starts->size())
    return node.emitError() << "starts, ends, axes and steps differ in length";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<std::optional<SliceDim>> dims(rank);
  for (auto [i, axisValue] : llvm::enumerate(axes)) {
    FailureOr<int64_t> axis = normalizeAxis(node, axisValue, rank);
    if (failed(axis))
      return failure();
    if (steps[i] == 0)
      return node.emitError() << "steps must not be 0";
    if (dims[*axis])
      return node.emitError() << "axis " << *axis << " is sliced twice";
    dims[*axis] =
        sliceDim(b, loc, input, *axis, (*starts)[i], (*ends)[i], steps[i]);
  }
  SmallVector<SliceDim> all;
  for (int64_t d = 0; d < rank; ++d)
    all.push_back(dims[d] ? *dims[d] : fullDim(b, loc, input, d));
  node.setOutput(0, buildStridedGather(b, loc, input, all));
  return success();
}

LogicalResult convertSplit(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = getType(input);
  FailureOr<int64_t> axis =
      normalizeAxis(node, node.getIntAttr("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  int64_t numOutputs = node.getNode().output_size();
  SmallVector<int64_t> sizes;
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  if (node.hasInput(1) && !node.getConstantInts(1)) {
    // Sizes read at run time: they must add up to the dimension.
    FailureOr<SmallVector<Value>> split =
        readShapeEntries(node, node.getInput(1));
    if (failed(split))
      return failure();
    if (static_cast<int64_t>(split->size()) != numOutputs)
      return node.emitError() << "split has " << split->size()
                              << " entries for " << numOutputs << " outputs";
    Value offset = arith::ConstantIndexOp::create(b, loc, 0);
    Value zero = offset;
    Value invalid = arith::ConstantIntOp::create(b, loc, 0, 1);
    for (int64_t i = 0; i < numOutputs; ++i) {
      Value part = (*split)[i];
      invalid = arith::OrIOp::create(
          b, loc, invalid,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, part, zero));
      SmallVector<SliceDim> dims;
      for (int64_t d = 0; d < type.getRank(); ++d)
        dims.push_back(d == *axis
                           ? SliceDim{offset,
                                      arith::ConstantIndexOp::create(b, loc, 1),
                                      part, ShapedType::kDynamic}
                           : fullDim(b, loc, input, d));
      RankedTensorType inferred = node.getInferredOutputType(i);
      if (inferred && inferred.getRank() == type.getRank() &&
          !inferred.isDynamicDim(*axis)) {
        dims[*axis].staticSize = inferred.getDimSize(*axis);
        emitRuntimeEqualityCheck(
            b, loc, part,
            arith::ConstantIndexOp::create(b, loc, dims[*axis].staticSize),
            RunError::ShapeMismatch);
      }
      node.setOutput(i, buildStridedGather(b, loc, input, dims));
      offset = arith::AddIOp::create(b, loc, offset, part);
    }
    invalid = arith::OrIOp::create(
        b, loc, invalid,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, offset,
                              dimValue(b, loc, input, *axis)));
    emitRuntimeCheck(b, loc, invalid, RunError::ShapeMismatch);
    return success();
  }
  if (node.hasInput(1)) {
    sizes = *node.getConstantInts(1);
  } else {
    int64_t dim = type.getDimSize(*axis);
    if (ShapedType::isDynamic(dim))
      return node.emitError() << "an even split needs a static dimension";
    if (dim % numOutputs != 0)
      return node.emitError() << "dimension " << dim
                              << " does not split evenly into " << numOutputs;
    sizes.assign(numOutputs, dim / numOutputs);
  }
  if (static_cast<int64_t>(sizes.size()) != numOutputs)
    return node.emitError() << "split has " << sizes.size() << " entries for "
                            << numOutputs << " outputs";
  int64_t offset = 0;
  for (int64_t i = 0; i < numOutputs; ++i) {
    SmallVector<SliceDim> dims;
    for (int64_t d = 0; d < type.getRank(); ++d)
      dims.push_back(
          d == *axis ? sliceDim(b, loc, input, d, offset, offset + sizes[i], 1)
                     : fullDim(b, loc, input, d));
    offset += sizes[i];
    node.setOutput(i, buildStridedGather(b, loc, input, dims));
  }
  return success();
}

/// Pad in every mode of opset 17 (constant, reflect, edge), negative pads
/// cropping: out[o...] reads input[i...] with i_d = o_d - before_d, where
/// constant gives its value outside the input, edge clamps i_d into it and
/// reflect mirrors it about the edges (ONNX keeps reflect pads under the
/// size, so one mirroring suffices). Pads computed at run time (a graph
/// input) give dynamic sizes, checked when the model runs.
LogicalResult convertPad(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = getType(input);
  int64_t rank = type.getRank();
  std::string mode = node.getStringAttr("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return node.emitError() << "mode '" << mode
                            << "' is not supported (constant, reflect, edge)";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  // Each pad as an index value, and as a number where it is known.
  SmallVector<std::optional<int64_t>> known(2 * rank);
  SmallVector<Value> padValues;
  if (std::optional<SmallVector<int64_t>> pads = node.getConstantInts(1)) {
    if (static_cast<int64_t>(pads->size()) != 2 * rank)
      return node.emitError()
             << "pads has " << pads->size() << " entries for rank " << rank
             << " (needs " << 2 * rank << ")";
    for (auto [i, pad] : llvm::enumerate(*pads)) {
      known[i] = pad;
      padValues.push_back(index(pad));
    }
  } else {
    Value padsInput = node.getInput(1);
    if (!padsInput)
      return failure();
    FailureOr<SmallVector<Value>> entries = readShapeEntries(node, padsInput);
    if (failed(entries))
      return failure();
    if (static_cast<int64_t>(entries->size()) != 2 * rank)
      return node.emitError()
             << "pads has " << entries->size() << " entries for rank " << rank
             << " (needs " << 2 * rank << ")";
    padValues = *entries;
  }
  Type elementType = type.getElementType();
  Value padValue;
  if (mode == "constant") {
    if (node.hasInput(2)) {
      Value value = node.getInput(2);
      if (!value)
        return failure();
      auto valueType = getType(value);
      if (valueType.getNumElements() != 1 ||
          valueType.getElementType() != elementType)
        return node.emitError() << "constant_value must be one element of "
                                << elementType << ", got " << valueType;
      SmallVector<Value> zeros(valueType.getRank(), index(0));
      padValue = tensor::ExtractOp::create(b, loc, value, zeros);
    } else {
      padValue = arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
    }
  }
  auto compare = [&](OpBuilder &nb, arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(nb, loc, p, x, y).getResult();
  };
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes, sizes;
  for (int64_t d = 0; d < rank; ++d) {
    std::optional<int64_t> before = known[d], after = known[d + rank];
    Value size = dimValue(b, loc, input, d);
    sizes.push_back(size);
    if (!type.isDynamicDim(d) && before && after) {
      int64_t n = type.getDimSize(d);
      if (n + *before + *after < 0)
        return node.emitError() << "pads crop dimension " << d << " of size "
                                << n << " below zero";
      if (mode == "reflect" && (*before >= n || *after >= n))
        return node.emitError() << "reflect pads must be under the size (" << n
                                << ") of dimension " << d;
      if (mode == "edge" && n == 0 && *before + *after > 0)
        return node.emitError() << "edge pads need a non-empty dimension " << d;
      shape.push_back(n + *before + *after);
      continue;
    }
    shape.push_back(ShapedType::kDynamic);
    Value beforeValue = padValues[d], afterValue = padValues[d + rank];
    Value padded = arith::AddIOp::create(
        b, loc, size, arith::AddIOp::create(b, loc, beforeValue, afterValue));
    emitRuntimeCheck(b, loc,
                     compare(b, arith::CmpIPredicate::slt, padded, index(0)),
                     RunError::ShapeMismatch);
    if (mode == "reflect") {
      // Pads under the size.
      Value big = arith::OrIOp::create(
          b, loc, compare(b, arith::CmpIPredicate::sge, beforeValue, size),
          compare(b, arith::CmpIPredicate::sge, afterValue, size));
      emitRuntimeCheck(b, loc, big, RunError::ShapeMismatch);
    } else if (mode == "edge") {
      // Something to repeat.
      Value empty = arith::AndIOp::create(
          b, loc, compare(b, arith::CmpIPredicate::eq, size, index(0)),
          compare(b, arith::CmpIPredicate::sgt, padded, index(0)));
      emitRuntimeCheck(b, loc, empty, RunError::ShapeMismatch);
    }
    dynamicSizes.push_back(padded);
  }
  Value init =
      tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
  Value output =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{}, ValueRange{init},
          ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank)},
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nloc, ValueRange) {
            Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
            Value one = arith::ConstantIndexOp::create(nb, nloc, 1);
            Value inside;
            SmallVector<Value> coords;
            for (int64_t d = 0; d < rank; ++d) {
              Value i = arith::SubIOp::create(
                  nb, nloc, linalg::IndexOp::create(nb, nloc, d), padValues[d]);
              Value last = arith::SubIOp::create(nb, nloc, sizes[d], one);
              if (mode == "reflect") {
                // -i before the start, 2 (n - 1) - i past the end.
                Value mirrored = arith::SubIOp::create(nb, nloc, zero, i);
                i = arith::SelectOp::create(
                    nb, nloc, compare(nb, arith::CmpIPredicate::slt, i, zero),
                    mirrored, i);
                Value back = arith::SubIOp::create(
                    nb, nloc, arith::AddIOp::create(nb, nloc, last, last), i);
                i = arith::SelectOp::create(
                    nb, nloc, compare(nb, arith::CmpIPredicate::sgt, i, last),
                    back, i);
              } else if (mode == "constant") {
                Value in = arith::AndIOp::create(
                    nb, nloc, compare(nb, arith::CmpIPredicate::sge, i, zero),
                    compare(nb, arith::CmpIPredicate::sle, i, last));
                inside =
                    inside ? arith::AndIOp::create(nb, nloc, inside, in) : in;
              }
              // Clamped, so that no read leaves the input (edge: that is
              // the mode; constant: the read is discarded outside).
              i = arith::MaxSIOp::create(
                  nb, nloc, arith::MinSIOp::create(nb, nloc, i, last), zero);
              coords.push_back(i);
            }
            Value value = tensor::ExtractOp::create(nb, nloc, input, coords);
            if (inside)
              value =
                  arith::SelectOp::create(nb, nloc, inside, value, padValue);
            linalg::YieldOp::create(nb, nloc, ValueRange{value});
          })
          .getResult(0);
  // Shape inference may know sizes that depend on pads read at run time.
  RankedTensorType inferred = node.getInferredOutputType(0);
  if (inferred && inferred.getRank() == rank &&
      inferred.getElementType() == elementType &&
      inferred != output.getType() &&
      tensor::CastOp::areCastCompatible(output.getType(), inferred))
    output = tensor::CastOp::create(b, loc, inferred, output);
  node.setOutput(0, output);
  return success();
}

/// Tile: out[i...] = input[i_d mod size_d ...], with repeats constant or
/// read at run time.
LogicalResult convertTile(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  std::optional<SmallVector<int64_t>> repeats = node.getConstantInts(1);
  auto type = getType(input);
  int64_t rank = type.getRank();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes, sizes;
  if (!repeats) {
    // Repeats read at run time (negative ones stop the run).
    Value input1 = node.getInput(1);
    if (!input1)
      return failure();
    FailureOr<SmallVector<Value>> entries = readShapeEntries(node, input1);
    if (failed(entries))
      return failure();
    if (static_cast<int64_t>(entries->size()) != rank)
      return node.emitError() << "repeats has " << entries->size()
                              << " entries for rank " << rank;
    SmallVector<Value> resultSizes;
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    for (int64_t d = 0; d < rank; ++d) {
      Value r = (*entries)[d];
      emitRuntimeCheck(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero),
          RunError::ShapeMismatch);
      sizes.push_back(dimValue(b, loc, input, d));
      resultSizes.push_back(arith::MulIOp::create(b, loc, sizes.back(), r));
    }
    shape = staticSizesCheckedAtRunTime(node, resultSizes);
    for (int64_t d = 0; d < rank; ++d)
      if (ShapedType::isDynamic(shape[d]))
        dynamicSizes.push_back(resultSizes[d]);
  } else {
    if (static_cast<int64_t>(repeats->size()) != rank)
      return node.emitError() << "repeats has " << repeats->size()
                              << " entries for rank " << rank;
    // Repeating only dimensions of size 1 (`x[:, :, None].repeat(1, 1, n,
    // 1, 1)`, a repeat_kv) broadcasts them, as Expand does: the attention's
    // matmul recognizes that (RepeatedHeads.h), and it needs no modulo.
    SmallVector<std::pair<int64_t, int64_t>> unitRepeats;
    bool onlyUnitDims = true;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t r = (*repeats)[d];
      if (r > 1 && type.getDimSize(d) == 1)
        unitRepeats.push_back({d, r});
      else if (r != 1)
        onlyUnitDims = false;
    }
    if (onlyUnitDims && !unitRepeats.empty()) {
      FailureOr<Value> repeated = buildUnitDimRepeat(node, input, unitRepeats);
      if (failed(repeated))
        return failure();
      node.setOutput(0, *repeated);
      return success();
    }
    for (int64_t d = 0; d < rank; ++d) {
      int64_t r = (*repeats)[d];
      if (r < 0)
        return node.emitError() << "repeats must not be negative";
      Value size = dimValue(b, loc, input, d);
      sizes.push_back(size);
      if (type.isDynamicDim(d)) {
        shape.push_back(ShapedType::kDynamic);
        // Repeated once, the size stays the input's (SizeOrigin.h).
        dynamicSizes.push_back(
            r == 1
                ? size
                : arith::MulIOp::create(
                      b, loc, size, arith::ConstantIndexOp::create(b, loc, r))
                      .getResult());
      } else {
        shape.push_back(type.getDimSize(d) * r);
      }
    }
  }
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType(),
                                       dynamicSizes);
  node.setOutput(
      0,
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{}, ValueRange{init},
          ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank)},
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nloc, ValueRange) {
            SmallVector<Value> coords;
            for (int64_t d = 0; d < rank; ++d)
              coords.push_back(arith::RemUIOp::create(
                  nb, nloc, linalg::IndexOp::create(nb, nloc, d), sizes[d]));
            linalg::YieldOp::create(
                nb, nloc,
                ValueRange{tensor::ExtractOp::create(nb, nloc, input, coords)});
          })
          .getResult(0));
  return success();
}

/// Range with constant start, limit and delta folds to a constant.
/// Range with a bound known only at run time (a sequence length): the
/// count max(ceil((limit - start) / delta), 0) is computed when the model
/// runs, and a delta of 0 fails the run.
LogicalResult convertRuntimeRange(NodeImporter &node) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<Value> bounds;
  for (unsigned i = 0; i < 3; ++i) {
    Value v = node.getInput(i);
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getNumElements() != 1)
      return node.emitError() << "start, limit and delta must be scalars";
    bounds.push_back(tensor::ExtractOp::create(
        b, loc, v,
        SmallVector<Value>(type.getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0))));
  }
  Type type = bounds[0].getType();
  if (!type.isSignlessInteger() && !isa<FloatType>(type))
    return node.emitError() << "Range of " << type << " is not supported";
  bool isFloat = isa<FloatType>(type);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
  Value deltaIsZero =
      isFloat ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                      bounds[2], zero)
                    .getResult()
              : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                      bounds[2], zero)
                    .getResult();
  emitRuntimeCheck(b, loc, deltaIsZero, RunError::ShapeMismatch);
  Value span =
      isFloat ? arith::SubFOp::create(b, loc, bounds[1], bounds[0]).getResult()
              : arith::SubIOp::create(b, loc, bounds[1], bounds[0]).getResult();
  Value count;
  if (isFloat) {
    Value steps = math::CeilOp::create(
        b, loc, arith::DivFOp::create(b, loc, span, bounds[2]));
    count = arith::FPToSIOp::create(b, loc, b.getI64Type(), steps);
  } else {
    // A delta of 0 has stopped the run already; divide by 1 instead.
    Value one = arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, 1));
    Value delta = arith::SelectOp::create(b, loc, deltaIsZero, one, bounds[2]);
    count = arith::CeilDivSIOp::create(b, loc, span, delta);
  }
  Value size = arith::IndexCastOp::create(b, loc, b.getIndexType(), count);
  size = arith::MaxSIOp::create(b, loc, size,
                                arith::ConstantIndexOp::create(b, loc, 0));
  // A causal mask's Range(total - seq, total) has seq elements: the size
  // is then the input's, which ties the mask's sizes to the scores'.
  std::optional<KnownInts> known[3];
  for (unsigned i = 0; i < 3; ++i)
    known[i] = node.getKnownInts(i);
  if (llvm::all_of(known, [](auto &k) { return k && k->values.size() == 1; }) &&
      known[2]->values[0] == 1) {
    std::optional<KnownInts::Affine> start = known[0]->getAffine(0);
    std::optional<KnownInts::Affine> limit = known[1]->getAffine(0);
    if (start && limit)
      if (Value tied = buildSingleSize(b, loc, addScaled(*limit, *start, -1)))
        size = tied;
  }
  auto resultType = RankedTensorType::get({ShapedType::kDynamic}, type);
  Value init = tensor::EmptyOp::create(b, loc, resultType, ValueRange{size});
  Value start = bounds[0], step = bounds[2];
  Value range =
      linalg::GenericOp::create(
          b, loc, resultType, ValueRange{}, init,
          ArrayRef<AffineMap>{b.getMultiDimIdentityMap(1)},
          ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
          [&](OpBuilder &nb, Location nloc, ValueRange) {
            Value i = linalg::IndexOp::create(nb, nloc, 0);
            Value value;
            if (isFloat) {
              Value fi = arith::SIToFPOp::create(
                  nb, nloc, type,
                  arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), i));
              value = arith::AddFOp::create(
                  nb, nloc, start, arith::MulFOp::create(nb, nloc, fi, step));
            } else {
              Value ii = arith::IndexCastOp::create(nb, nloc, type, i);
              value = arith::AddIOp::create(
                  nb, nloc, start, arith::MulIOp::create(nb, nloc, ii, step));
            }
            linalg::YieldOp::create(nb, nloc, value);
          })
          .getResult(0);
  node.setOutput(0, range);
  return success();
}

LogicalResult convertRange(NodeImporter &node) {
  SmallVector<Attribute> bounds;
  for (unsigned i = 0; i < 3; ++i) {
    Value v = node.getInput(i);
    if (!v)
      return failure();
    DenseElementsAttr attr;
    if (!matchPattern(v, m_Constant(&attr)))
      return convertRuntimeRange(node);
    if (attr.getNumElements() != 1)
      return node.emitError() << "start, limit and delta must be scalars";
    bounds.push_back(attr.getValues<Attribute>()[0]);
  }
  Type type = cast<TypedAttr>(bounds[0]).getType();
  auto asDouble = [](Attribute a) {
    if (auto f = dyn_cast<FloatAttr>(a))
      return f.getValueAsDouble();
    return static_cast<double>(cast<IntegerAttr>(a).getInt());
  };
  double start = asDouble(bounds[0]), limit = asDouble(bounds[1]),
         delta = asDouble(bounds[2]);
  if (delta == 0)
    return node.emitError() << "delta must not be 0";
  int64_t count = std::max<int64_t>(
      static_cast<int64_t>(std::ceil((limit - start) / delta)), 0);
  OpBuilder &b = node.getBuilder();
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < count; ++i) {
    if (isa<FloatType>(type))
      values.push_back(b.getFloatAttr(type, start + i * delta));
    else
      values.push_back(b.getIntegerAttr(
          type, cast<IntegerAttr>(bounds[0]).getInt() +
                    i * cast<IntegerAttr>(bounds[2]).getInt()));
  }
  node.setOutput(0, arith::ConstantOp::create(
                        b, node.getLoc(),
                        DenseElementsAttr::get(
                            RankedTensorType::get({count}, type), values)));
  return success();
}

} // namespace

void ::tern::registerShapeConverters(OpConverterRegistry &registry) {
  registry.add("Shape", 13, 17, convertShape);
  registry.add("Size", 13, 17, convertSize);
  registry.add("Transpose", 13, 17, convertTranspose);
  registry.add("Squeeze", 13, 17, convertSqueeze);
  registry.add("Unsqueeze", 13, 17, convertUnsqueeze);
  registry.add("Flatten", 13, 17, convertFlatten);
  registry.add("Concat", 13, 17, convertConcat);
  registry.add("Reshape", 14, 17, convertReshape);
  registry.add("Expand", 13, 17, convertExpand);
  registry.add("ConstantOfShape", 9, 17, convertConstantOfShape);
  registry.add("Gather", 13, 17, convertGather);
  registry.add("GatherElements", 13, 17, convertGatherElements);
  registry.add("Trilu", 14, 17, convertTrilu);
  registry.add("Slice", 13, 17, convertSlice);
  registry.add("Split", 13, 17, convertSplit);
  registry.add("Tile", 13, 17, convertTile);
  registry.add("Pad", 13, 17, convertPad);
  registry.add("Range", 11, 17, convertRange);
}
