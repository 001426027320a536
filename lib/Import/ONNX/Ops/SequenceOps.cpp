//===- SequenceOps.cpp - ONNX sequences, unrolled at import ---------------===//
//
// A sequence built inside the model from tensors, with positions known at
// compile time, is a list of tensors the importer keeps (GraphScope::
// sequences): SequenceConstruct, SequenceEmpty, SequenceInsert,
// SequenceErase, SequenceAt, SequenceLength, SplitToSequence and
// ConcatFromSequence produce or read such lists, and only the tensors
// reach the IR. Sequences as graph inputs or outputs, or positions read at
// run time, are refused with a clear error.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "ShapeBuilders.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace {

OpFoldResult addOfr(OpBuilder &b, Location loc, OpFoldResult x,
                    OpFoldResult y) {
  std::optional<int64_t> a = getConstantIntValue(x), c = getConstantIntValue(y);
  if (a && c)
    return b.getIndexAttr(*a + *c);
  return arith::AddIOp::create(b, loc,
                               getValueOrCreateConstantIndexOp(b, loc, x),
                               getValueOrCreateConstantIndexOp(b, loc, y))
      .getResult();
}

/// A constant position of input `i` in a sequence of `size` tensors (one
/// past the end allowed when `insert`), negative ones counting from the
/// back; `fallback` when the input is left out.
FailureOr<int64_t> getPosition(NodeImporter &node, unsigned i, int64_t size,
                               bool insert, int64_t fallback) {
  if (!node.hasInput(i))
    return fallback;
  std::optional<SmallVector<int64_t>> values = node.getConstantInts(i);
  if (!values || values->size() != 1) {
    node.emitError() << "position must be a constant scalar";
    return failure();
  }
  int64_t p = (*values)[0], limit = insert ? size + 1 : size;
  if (p < 0)
    p += size;
  if (p < 0 || p >= limit) {
    node.emitError() << "position " << (*values)[0]
                     << " is outside a sequence of " << size;
    return failure();
  }
  return p;
}

/// How the dimensions of a rank-`rank` shape with a unit dimension at
/// `axis` group onto the rank - 1 others (the unit joins a neighbour), for
/// collapse_shape and expand_shape.
SmallVector<ReassociationIndices> unitDimGroups(int64_t rank, int64_t axis) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      groups.push_back({d});
  if (groups.empty())
    return groups; // rank 1 <-> rank 0
  if (axis < rank - 1)
    groups[axis].insert(groups[axis].begin(), axis);
  else
    groups.back().push_back(axis);
  return groups;
}

LogicalResult convertSequenceEmpty(NodeImporter &node) {
  node.setSequenceOutput(0, {});
  return success();
}

LogicalResult convertSequenceConstruct(NodeImporter &node) {
  SmallVector<Value> values;
  for (unsigned i = 0; i < node.getNumInputs(); ++i) {
    Value value = node.getInput(i);
    if (!value)
      return failure();
    values.push_back(value);
  }
  node.setSequenceOutput(0, std::move(values));
  return success();
}

LogicalResult convertSequenceInsert(NodeImporter &node) {
  std::optional<SmallVector<Value>> sequence = node.getSequence(0);
  Value tensor = node.getInput(1);
  if (!sequence || !tensor)
    return failure();
  FailureOr<int64_t> at =
      getPosition(node, 2, sequence->size(), /*insert=*/true, sequence->size());
  if (failed(at))
    return failure();
  sequence->insert(sequence->begin() + *at, tensor);
  node.setSequenceOutput(0, std::move(*sequence));
  return success();
}

LogicalResult convertSequenceErase(NodeImporter &node) {
  std::optional<SmallVector<Value>> sequence = node.getSequence(0);
  if (!sequence)
    return failure();
  if (sequence->empty())
    return node.emitError() << "cannot erase from an empty sequence";
  FailureOr<int64_t> at = getPosition(node, 1, sequence->size(),
                                      /*insert=*/false, sequence->size() - 1);
  if (failed(at))
    return failure();
  sequence->erase(sequence->begin() + *at);
  node.setSequenceOutput(0, std::move(*sequence));
  return success();
}

LogicalResult convertSequenceAt(NodeImporter &node) {
  std::optional<SmallVector<Value>> sequence = node.getSequence(0);
  if (!sequence)
    return failure();
  FailureOr<int64_t> at =
      getPosition(node, 1, sequence->size(), /*insert=*/false, 0);
  if (failed(at))
    return failure();
  node.setOutput(0, (*sequence)[*at]);
  return success();
}

LogicalResult convertSequenceLength(NodeImporter &node) {
  std::optional<SmallVector<Value>> sequence = node.getSequence(0);
  if (!sequence)
    return failure();
  OpBuilder &b = node.getBuilder();
  auto type = RankedTensorType::get({}, b.getI64Type());
  node.setOutput(0, arith::ConstantOp::create(
                        b, node.getLoc(),
                        DenseElementsAttr::get(
                            type, b.getI64IntegerAttr(sequence->size()))));
  return success();
}

/// SplitToSequence: equal parts of `split` (a scalar), the given sizes (a
/// 1-D split, constant or read at run time, which must add up to the
/// axis), or parts of one along the axis (without split), each squeezed
/// when keepdims = 0 and there is no split.
LogicalResult convertSplitToSequence(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank(), axis = node.getIntAttr("axis", 0);
  if (axis < -rank || axis >= rank)
    return node.emitError() << "axis " << axis << " is out of range";
  if (axis < 0)
    axis += rank;
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  int64_t size = type.getDimSize(axis);
  // The parts' sizes: numbers where known, else index values.
  SmallVector<OpFoldResult> parts;
  bool squeeze = false;
  std::optional<SmallVector<int64_t>> split =
      node.hasInput(1) ? node.getConstantInts(1) : std::nullopt;
  auto splitType = node.hasInput(1) && node.lookupInput(1)
                       ? cast<RankedTensorType>(node.lookupInput(1).getType())
                       : nullptr;
  if (node.hasInput(1) && !splitType)
    return failure();
  if (!node.hasInput(1) || (split && splitType.getRank() == 0)) {
    if (ShapedType::isDynamic(size))
      return node.emitError() << "the split axis must be static without "
                                 "split sizes";
    int64_t chunk = split ? (*split)[0] : 1;
    if (chunk <= 0)
      return node.emitError() << "split must be positive";
    for (int64_t done = 0; done < size; done += chunk)
      parts.push_back(b.getIndexAttr(std::min(chunk, size - done)));
    squeeze = !node.hasInput(1) && node.getIntAttr("keepdims", 1) == 0;
  } else if (split) {
    int64_t total = 0;
    for (int64_t p : *split) {
      if (p < 0)
        return node.emitError() << "split sizes must not be negative";
      parts.push_back(b.getIndexAttr(p));
      total += p;
    }
    if (!ShapedType::isDynamic(size) && total != size)
      return node.emitError()
             << "split sizes add up to " << total << ", not the axis' " << size;
    if (ShapedType::isDynamic(size))
      emitRuntimeEqualityCheck(b, loc,
                               tensor::DimOp::create(b, loc, input, axis),
                               arith::ConstantIndexOp::create(b, loc, total),
                               RunError::ShapeMismatch);
  } else {
    // Sizes read when the model runs: as many parts as the split has
    // entries, which must add up to the axis.
    if (splitType.getRank() != 1 || splitType.isDynamicDim(0))
      return node.emitError() << "split computed at run time must be 1-D "
                                 "of static length, got "
                              << splitType;
    Value total = arith::ConstantIndexOp::create(b, loc, 0);
    for (int64_t i = 0; i < splitType.getDimSize(0); ++i) {
      Value entry = tensor::ExtractOp::create(
          b, loc, node.getInput(1),
          ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
      Value part = arith::IndexCastOp::create(b, loc, b.getIndexType(), entry);
      emitRuntimeCheck(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, part,
                                arith::ConstantIndexOp::create(b, loc, 0)),
          RunError::ShapeMismatch);
      parts.push_back(part);
      total = arith::AddIOp::create(b, loc, total, part);
    }
    emitRuntimeEqualityCheck(b, loc, total,
                             tensor::DimOp::create(b, loc, input, axis),
                             RunError::ShapeMismatch);
  }
  SmallVector<Value> values;
  OpFoldResult offset = b.getIndexAttr(0);
  for (OpFoldResult part : parts) {
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes;
    offsets[axis] = offset;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(d == axis ? part
                                : tensor::getMixedSize(b, loc, input, d));
    SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
    Value slice =
        tensor::ExtractSliceOp::create(b, loc, input, offsets, sizes, strides);
    if (squeeze) {
      SmallVector<int64_t> shape(type.getShape());
      shape.erase(shape.begin() + axis);
      slice = tensor::CollapseShapeOp::create(
          b, loc, RankedTensorType::get(shape, type.getElementType()), slice,
          unitDimGroups(rank, axis));
    }
    values.push_back(slice);
    offset = addOfr(b, loc, offset, part);
  }
  node.setSequenceOutput(0, std::move(values));
  return success();
}

/// ConcatFromSequence: the tensors concatenated along the axis, or stacked
/// along a new one (new_axis = 1).
LogicalResult convertConcatFromSequence(NodeImporter &node) {
  std::optional<SmallVector<Value>> sequence = node.getSequence(0);
  if (!sequence)
    return failure();
  if (sequence->empty())
    return node.emitError() << "cannot concatenate an empty sequence";
  int64_t axis = node.getIntAttr("axis", 0);
  if (node.getIntAttr("new_axis", 0)) {
    // Each tensor gets a dimension of 1 at the axis first.
    auto type = cast<RankedTensorType>((*sequence)[0].getType());
    int64_t rank = type.getRank() + 1;
    if (axis < -rank || axis >= rank)
      return node.emitError() << "axis " << axis << " is out of range";
    if (axis < 0)
      axis += rank;
    OpBuilder &b = node.getBuilder();
    Location loc = node.getLoc();
    for (Value &value : *sequence) {
      auto t = cast<RankedTensorType>(value.getType());
      SmallVector<int64_t> shape(t.getShape());
      shape.insert(shape.begin() + axis, 1);
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < t.getRank(); ++d)
        sizes.push_back(tensor::getMixedSize(b, loc, value, d));
      sizes.insert(sizes.begin() + axis, b.getIndexAttr(1));
      value = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get(shape, t.getElementType()), value,
          unitDimGroups(rank, axis), sizes);
    }
  }
  FailureOr<Value> result = buildConcat(node, *sequence, axis);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void ::tern::registerSequenceConverters(OpConverterRegistry &registry) {
  registry.add("SequenceEmpty", 11, 17, convertSequenceEmpty);
  registry.add("SequenceConstruct", 11, 17, convertSequenceConstruct);
  registry.add("SequenceInsert", 11, 17, convertSequenceInsert);
  registry.add("SequenceErase", 11, 17, convertSequenceErase);
  registry.add("SequenceAt", 11, 17, convertSequenceAt);
  registry.add("SequenceLength", 11, 17, convertSequenceLength);
  registry.add("SplitToSequence", 11, 17, convertSplitToSequence);
  registry.add("ConcatFromSequence", 11, 17, convertConcatFromSequence);
}
