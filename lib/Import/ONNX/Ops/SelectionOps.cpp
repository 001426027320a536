//===- SelectionOps.cpp - Compress, NonZero, ReverseSequence --------------===//
//
// Compress and NonZero return as many elements as a condition selects, a
// number only the running model knows: they count first, then fill a
// result of that size in order. ReverseSequence reverses each row's own
// prefix.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "ShapeBuilders.h"
#include "Signedness.h"
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

Value c(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Whether a scalar (of any type) is not zero.
Value isNonZero(OpBuilder &b, Location loc, Value v) {
  if (isa<FloatType>(v.getType()))
    return arith::CmpFOp::create(
        b, loc, arith::CmpFPredicate::UNE, v,
        arith::ConstantOp::create(b, loc, v.getType(),
                                  b.getFloatAttr(v.getType(), 0)));
  Value signless = castToSignless(b, loc, v);
  return arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ne, signless,
      arith::ConstantOp::create(b, loc, signless.getType(),
                                b.getIntegerAttr(signless.getType(), 0)));
}

/// How many of the first `count` elements of the 1-D `flat` are not zero.
Value countNonZero(OpBuilder &b, Location loc, Value flat, Value count) {
  return scf::ForOp::create(
             b, loc, c(b, loc, 0), count, c(b, loc, 1),
             ValueRange{c(b, loc, 0)},
             [&](OpBuilder &lb, Location lloc, Value i, ValueRange acc) {
               Value v = tensor::ExtractOp::create(lb, lloc, flat, i);
               scf::YieldOp::create(
                   lb, lloc,
                   arith::AddIOp::create(
                       lb, lloc, acc[0],
                       arith::SelectOp::create(lb, lloc, isNonZero(lb, lloc, v),
                                               c(lb, lloc, 1), c(lb, lloc, 0)))
                       .getResult());
             })
      .getResult(0);
}

/// `value` as a 1-D tensor.
Value flatten(OpBuilder &b, Location loc, Value value) {
  auto type = getType(value);
  if (type.getRank() == 1)
    return value;
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1}, type.getElementType()), value,
        SmallVector<ReassociationIndices>{},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return tensor::CollapseShapeOp::create(
      b, loc, value, SmallVector<ReassociationIndices>{all});
}

/// Compress: the slices of `input` along `axis` (of the flattened input
/// without one) where `condition` holds; a condition shorter than the
/// dimension drops the rest, a longer one stops the run.
LogicalResult convertCompress(NodeImporter &node) {
  Value input = node.getInput(0), condition = node.getInput(1);
  if (!input || !condition)
    return failure();
  if (getType(condition).getRank() != 1)
    return node.emitError() << "condition must be 1-D";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  int64_t axis = 0;
  if (node.getAttribute("axis")) {
    int64_t rank = getType(input).getRank();
    axis = node.getIntAttr("axis", 0);
    if (axis < -rank || axis >= rank)
      return node.emitError()
             << "axis " << axis << " is out of range for rank " << rank;
    if (axis < 0)
      axis += rank;
  } else {
    input = flatten(b, loc, input);
  }
  auto type = getType(input);
  int64_t rank = type.getRank();
  Value dim = tensor::DimOp::create(b, loc, input, axis);
  Value length = tensor::DimOp::create(b, loc, condition, 0);
  emitRuntimeCheck(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, length, dim),
      RunError::ShapeMismatch);
  Value count = countNonZero(b, loc, condition, length);
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(d == axis
                        ? count
                        : tensor::DimOp::create(b, loc, input, d).getResult());
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, sizes);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (ShapedType::isDynamic(shape[d]))
      dynamicSizes.push_back(sizes[d]);
  Type elementType = type.getElementType();
  Value init =
      tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
  // The slices' shape: the input's with 1 at `axis`.
  SmallVector<int64_t> sliceShape(type.getShape());
  sliceShape[axis] = 1;
  auto sliceType = RankedTensorType::get(sliceShape, elementType);
  auto loop = scf::ForOp::create(
      b, loc, c(b, loc, 0), length, c(b, loc, 1),
      ValueRange{init, c(b, loc, 0)},
      [&](OpBuilder &lb, Location lloc, Value j, ValueRange state) {
        Value keep = isNonZero(
            lb, lloc, tensor::ExtractOp::create(lb, lloc, condition, j));
        auto ifOp = scf::IfOp::create(
            lb, lloc, keep,
            [&](OpBuilder &tb, Location tloc) {
              SmallVector<OpFoldResult> offsets(rank, tb.getIndexAttr(0)),
                  sliceSizes, strides(rank, tb.getIndexAttr(1));
              for (int64_t d = 0; d < rank; ++d)
                sliceSizes.push_back(
                    d == axis ? OpFoldResult(tb.getIndexAttr(1))
                              : tensor::getMixedSize(tb, tloc, input, d));
              offsets[axis] = j;
              Value slice = tensor::ExtractSliceOp::create(
                  tb, tloc, sliceType, input, offsets, sliceSizes, strides);
              offsets[axis] = state[1];
              Value written = tensor::InsertSliceOp::create(
                  tb, tloc, slice, state[0], offsets, sliceSizes, strides);
              scf::YieldOp::create(
                  tb, tloc,
                  ValueRange{written, arith::AddIOp::create(tb, tloc, state[1],
                                                            c(tb, tloc, 1))});
            },
            [&](OpBuilder &eb, Location eloc) {
              scf::YieldOp::create(eb, eloc, state);
            });
        scf::YieldOp::create(lb, lloc, ifOp.getResults());
      });
  node.setOutput(0, loop.getResult(0));
  return success();
}

/// NonZero: the coordinates [rank, count] of the input's nonzero elements
/// in row-major order.
LogicalResult convertNonZero(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto type = getType(input);
  int64_t rank = type.getRank();
  Value flat = flatten(b, loc, input);
  Value total = tensor::DimOp::create(b, loc, flat, 0);
  Value count = countNonZero(b, loc, flat, total);
  SmallVector<Value> sizes = {c(b, loc, std::max<int64_t>(rank, 1)), count};
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, sizes);
  SmallVector<Value> dynamicSizes;
  if (ShapedType::isDynamic(shape[1]))
    dynamicSizes.push_back(count);
  Value init =
      tensor::EmptyOp::create(b, loc, shape, b.getI64Type(), dynamicSizes);
  SmallVector<Value> dims;
  for (int64_t d = 0; d < rank; ++d)
    dims.push_back(tensor::DimOp::create(b, loc, input, d));
  auto loop = scf::ForOp::create(
      b, loc, c(b, loc, 0), total, c(b, loc, 1), ValueRange{init, c(b, loc, 0)},
      [&](OpBuilder &lb, Location lloc, Value n, ValueRange state) {
        Value keep =
            isNonZero(lb, lloc, tensor::ExtractOp::create(lb, lloc, flat, n));
        auto ifOp = scf::IfOp::create(
            lb, lloc, keep,
            [&](OpBuilder &tb, Location tloc) {
              Value result = state[0], rest = n;
              SmallVector<Value> coords(rank);
              for (int64_t d = rank - 1; d >= 0; --d) {
                coords[d] = arith::RemUIOp::create(tb, tloc, rest, dims[d]);
                rest = arith::DivUIOp::create(tb, tloc, rest, dims[d]);
              }
              for (int64_t d = 0; d < rank; ++d)
                result = tensor::InsertOp::create(
                    tb, tloc,
                    arith::IndexCastOp::create(tb, tloc, tb.getI64Type(),
                                               coords[d]),
                    result, ValueRange{c(tb, tloc, d), state[1]});
              if (rank == 0)
                result = tensor::InsertOp::create(
                    tb, tloc, arith::ConstantIntOp::create(tb, tloc, 0, 64),
                    result, ValueRange{c(tb, tloc, 0), state[1]});
              scf::YieldOp::create(
                  tb, tloc,
                  ValueRange{result, arith::AddIOp::create(tb, tloc, state[1],
                                                           c(tb, tloc, 1))});
            },
            [&](OpBuilder &eb, Location eloc) {
              scf::YieldOp::create(eb, eloc, state);
            });
        scf::YieldOp::create(lb, lloc, ifOp.getResults());
      });
  node.setOutput(0, loop.getResult(0));
  return success();
}

/// ReverseSequence: along `time_axis`, each batch row b reverses its first
/// sequence_lens[b] entries and keeps the rest.
LogicalResult convertReverseSequence(NodeImporter &node) {
  Value input = node.getInput(0), lengths = node.getInput(1);
  if (!input || !lengths)
    return failure();
  auto type = getType(input);
  int64_t rank = type.getRank();
  int64_t timeAxis = node.getIntAttr("time_axis", 0);
  int64_t batchAxis = node.getIntAttr("batch_axis", 1);
  if (rank < 2 || (timeAxis != 0 && timeAxis != 1) ||
      (batchAxis != 0 && batchAxis != 1) || timeAxis == batchAxis)
    return node.emitError() << "time_axis and batch_axis must be 0 and 1 of "
                               "a tensor of rank 2 or more";
  if (getType(lengths).getRank() != 1)
    return node.emitError() << "sequence_lens must be 1-D";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, lengths, 0),
                           tensor::DimOp::create(b, loc, input, batchAxis),
                           RunError::ShapeMismatch);
  Value steps = tensor::DimOp::create(b, loc, input, timeAxis);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  Value result = buildFromCoordinates(
      b, loc, type, dynamicSizes,
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
        Value raw = tensor::ExtractOp::create(nb, nloc, lengths,
                                              ValueRange{at[batchAxis]});
        Value length =
            arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), raw);
        // A length outside [0, steps] stops the run.
        emitRuntimeLengthCheck(nb, nloc, length, steps);
        Value t = at[timeAxis];
        Value reversed = arith::SubIOp::create(
            nb, nloc, arith::SubIOp::create(nb, nloc, length, c(nb, nloc, 1)),
            t);
        Value inPrefix = arith::CmpIOp::create(
            nb, nloc, arith::CmpIPredicate::slt, t, length);
        SmallVector<Value> from(at);
        from[timeAxis] =
            arith::SelectOp::create(nb, nloc, inPrefix, reversed, t);
        return tensor::ExtractOp::create(nb, nloc, input, from);
      });
  node.setOutput(0, result);
  return success();
}

} // namespace

void ::tern::registerSelectionConverters(OpConverterRegistry &registry) {
  registry.add("Compress", 11, 17, convertCompress);
  registry.add("NonZero", 13, 17, convertNonZero);
  registry.add("ReverseSequence", 10, 17, convertReverseSequence);
}
