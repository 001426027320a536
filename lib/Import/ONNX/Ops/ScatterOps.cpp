//===- ScatterOps.cpp - ScatterND, ScatterElements and GatherND -----------===//
//
// The scatters copy `data` and write `updates` at positions an index input
// names, in index order, so that later duplicates win (or combine, with a
// reduction); GatherND reads at index tuples. Indices are checked at run
// time like Gather's.
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

enum class ScatterReduction { None, Add, Mul, Max, Min };

FailureOr<ScatterReduction> getReduction(NodeImporter &node) {
  std::string reduction = node.getStringAttr("reduction", "none");
  if (reduction == "none")
    return ScatterReduction::None;
  if (reduction == "add")
    return ScatterReduction::Add;
  if (reduction == "mul")
    return ScatterReduction::Mul;
  if (reduction == "max")
    return ScatterReduction::Max;
  if (reduction == "min")
    return ScatterReduction::Min;
  node.emitError() << "reduction '" << reduction << "' is not supported";
  return failure();
}

/// The scalar `old (reduction) update`; `update` alone without one.
Value combine(OpBuilder &b, Location loc, ScatterReduction reduction, Value old,
              Value update, Type elementType) {
  bool isFloat = isa<FloatType>(elementType);
  bool isUnsigned = elementType.isUnsignedInteger();
  switch (reduction) {
  case ScatterReduction::None:
    return update;
  case ScatterReduction::Add:
    return isFloat ? arith::AddFOp::create(b, loc, old, update).getResult()
                   : arith::AddIOp::create(b, loc, old, update).getResult();
  case ScatterReduction::Mul:
    return isFloat ? arith::MulFOp::create(b, loc, old, update).getResult()
                   : arith::MulIOp::create(b, loc, old, update).getResult();
  case ScatterReduction::Max:
    return isFloat ? arith::MaximumFOp::create(b, loc, old, update).getResult()
           : isUnsigned
               ? arith::MaxUIOp::create(b, loc, old, update).getResult()
               : arith::MaxSIOp::create(b, loc, old, update).getResult();
  case ScatterReduction::Min:
    return isFloat ? arith::MinimumFOp::create(b, loc, old, update).getResult()
           : isUnsigned
               ? arith::MinUIOp::create(b, loc, old, update).getResult()
               : arith::MinSIOp::create(b, loc, old, update).getResult();
  }
  llvm_unreachable("unknown reduction");
}

/// `value` with its leading `count` dimensions folded into one (a new unit
/// dimension when `count` is 0).
Value foldLeadingDims(OpBuilder &b, Location loc, Value value, int64_t count) {
  auto type = getType(value);
  int64_t rank = type.getRank();
  if (count == 0) {
    SmallVector<int64_t> shape = {1};
    llvm::append_range(shape, type.getShape());
    SmallVector<ReassociationIndices> groups;
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
    for (int64_t d = 0; d < rank; ++d) {
      groups.push_back(d == 0 ? ReassociationIndices{0, 1}
                              : ReassociationIndices{d + 1});
      sizes.push_back(tensor::getMixedSize(b, loc, value, d));
    }
    if (rank == 0)
      return tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({1}, type.getElementType()), value,
          SmallVector<ReassociationIndices>{}, sizes);
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), value,
        groups, sizes);
  }
  ReassociationIndices leading;
  for (int64_t d = 0; d < count; ++d)
    leading.push_back(d);
  SmallVector<ReassociationIndices> groups = {leading};
  for (int64_t d = count; d < rank; ++d)
    groups.push_back({d});
  return tensor::CollapseShapeOp::create(b, loc, value, groups);
}

/// ScatterND: indices [..., k] name the first k coordinates of `data`; each
/// index tuple writes one slice of `data`'s remaining dimensions.
LogicalResult convertScatterND(NodeImporter &node) {
  Value data = node.getInput(0), indices = node.getInput(1),
        updates = node.getInput(2);
  if (!data || !indices || !updates)
    return failure();
  FailureOr<ScatterReduction> reduction = getReduction(node);
  if (failed(reduction))
    return failure();
  auto dataType = getType(data), indicesType = getType(indices);
  Type elementType = dataType.getElementType();
  if (!indicesType.getElementType().isSignlessInteger(64))
    return node.emitError() << "indices must be int64";
  if (elementType != getType(updates).getElementType())
    return node.emitError() << "data and updates have different types";
  int64_t q = indicesType.getRank(), r = dataType.getRank();
  if (q == 0 || indicesType.isDynamicDim(q - 1))
    return node.emitError() << "the last dimension of indices must be static";
  int64_t k = indicesType.getDimSize(q - 1);
  if (k > r)
    return node.emitError()
           << "index tuples of " << k << " entries for rank " << r << " data";
  if (getType(updates).getRank() != q - 1 + r - k)
    return node.emitError() << "updates must have rank " << q - 1 + r - k;
  if (*reduction != ScatterReduction::None && elementType.isInteger(1))
    return node.emitError() << "reductions on bool are not supported";

  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  // indices [M, k] and updates [M, slice...].
  Value tuples = foldLeadingDims(b, loc, indices, q - 1);
  Value slices = foldLeadingDims(b, loc, updates, q - 1);
  Value count = tensor::DimOp::create(b, loc, tuples, 0);
  // The slices must have the shape of data's trailing dimensions.
  for (int64_t d = k; d < r; ++d)
    emitRuntimeEqualityCheck(
        b, loc, tensor::DimOp::create(b, loc, slices, d - k + 1),
        tensor::DimOp::create(b, loc, data, d), RunError::ShapeMismatch);
  emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, slices, 0),
                           count, RunError::ShapeMismatch);

  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, zero, count, one, ValueRange{data},
      [&](OpBuilder &lb, Location lloc, Value i, ValueRange state) {
        SmallVector<OpFoldResult> offsets, sizes;
        SmallVector<int64_t> sliceShape;
        for (int64_t d = 0; d < k; ++d) {
          Value raw = tensor::ExtractOp::create(
              lb, lloc, tuples,
              ValueRange{i, arith::ConstantIndexOp::create(lb, lloc, d)});
          offsets.push_back(checkedIndex(
              lb, lloc, raw, tensor::DimOp::create(lb, lloc, data, d)));
          sizes.push_back(lb.getIndexAttr(1));
        }
        for (int64_t d = k; d < r; ++d) {
          offsets.push_back(lb.getIndexAttr(0));
          sizes.push_back(tensor::getMixedSize(lb, lloc, data, d));
          sliceShape.push_back(dataType.getDimSize(d));
        }
        SmallVector<OpFoldResult> strides(r, lb.getIndexAttr(1));
        // Slice i of the updates, shaped like data's slice (rank r, with
        // unit dimensions for the k indexed ones).
        SmallVector<OpFoldResult> updateOffsets = {i},
                                  updateSizes = {lb.getIndexAttr(1)};
        for (int64_t d = k; d < r; ++d) {
          updateOffsets.push_back(lb.getIndexAttr(0));
          updateSizes.push_back(tensor::getMixedSize(lb, lloc, data, d));
        }
        auto sliceType = RankedTensorType::get(sliceShape, elementType);
        Value update = tensor::ExtractSliceOp::create(
            lb, lloc, sliceType, slices, updateOffsets, updateSizes,
            SmallVector<OpFoldResult>(r - k + 1, lb.getIndexAttr(1)));
        if (*reduction != ScatterReduction::None) {
          Value old = tensor::ExtractSliceOp::create(
              lb, lloc, sliceType, state[0], offsets, sizes, strides);
          AffineMap identity = lb.getMultiDimIdentityMap(r - k);
          update =
              linalg::GenericOp::create(
                  lb, lloc, sliceType, ValueRange{old, update}, ValueRange{old},
                  ArrayRef<AffineMap>{identity, identity, identity},
                  SmallVector<utils::IteratorType>(
                      r - k, utils::IteratorType::parallel),
                  [&](OpBuilder &nb, Location nloc, ValueRange args) {
                    Value result = combine(
                        nb, nloc, *reduction, castToSignless(nb, nloc, args[0]),
                        castToSignless(nb, nloc, args[1]), elementType);
                    linalg::YieldOp::create(
                        nb, nloc,
                        castFromSignless(nb, nloc, result, elementType));
                  })
                  .getResult(0);
        }
        Value written = tensor::InsertSliceOp::create(
            lb, lloc, update, state[0], offsets, sizes, strides);
        scf::YieldOp::create(lb, lloc, written);
      });
  node.setOutput(0, loop.getResult(0));
  return success();
}

/// ScatterElements: updates[p] goes to data at p with coordinate `axis`
/// replaced by indices[p], position by position in order.
LogicalResult convertScatterElements(NodeImporter &node) {
  Value data = node.getInput(0), indices = node.getInput(1),
        updates = node.getInput(2);
  if (!data || !indices || !updates)
    return failure();
  FailureOr<ScatterReduction> reduction = getReduction(node);
  if (failed(reduction))
    return failure();
  auto dataType = getType(data), indicesType = getType(indices);
  Type elementType = dataType.getElementType();
  int64_t rank = dataType.getRank();
  if (!indicesType.getElementType().isSignlessInteger(64) &&
      !indicesType.getElementType().isSignlessInteger(32))
    return node.emitError() << "indices must be int32 or int64";
  if (elementType != getType(updates).getElementType() ||
      indicesType.getRank() != rank || getType(updates).getRank() != rank)
    return node.emitError() << "data, indices and updates must share a rank, "
                               "and data and updates a type";
  if (*reduction != ScatterReduction::None && elementType.isInteger(1))
    return node.emitError() << "reductions on bool are not supported";
  int64_t axis = node.getIntAttr("axis", 0);
  if (axis < -rank || axis >= rank)
    return node.emitError()
           << "axis " << axis << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> dims;
  for (int64_t d = 0; d < rank; ++d) {
    dims.push_back(tensor::DimOp::create(b, loc, indices, d));
    emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, updates, d),
                             dims.back(), RunError::ShapeMismatch);
    count = arith::MulIOp::create(b, loc, count, dims.back());
  }
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0), count,
      arith::ConstantIndexOp::create(b, loc, 1), ValueRange{data},
      [&](OpBuilder &lb, Location lloc, Value n, ValueRange state) {
        // Position n of indices in row-major order.
        SmallVector<Value> at(rank);
        Value rest = n;
        for (int64_t d = rank - 1; d >= 0; --d) {
          at[d] = arith::RemUIOp::create(lb, lloc, rest, dims[d]);
          rest = arith::DivUIOp::create(lb, lloc, rest, dims[d]);
        }
        SmallVector<Value> target(at);
        target[axis] = checkedIndex(
            lb, lloc, tensor::ExtractOp::create(lb, lloc, indices, at),
            tensor::DimOp::create(lb, lloc, data, axis));
        // Coordinates past data's other sizes stop the run too.
        for (int64_t d = 0; d < rank; ++d)
          if (d != axis)
            target[d] = checkedIndex(
                lb, lloc,
                arith::IndexCastOp::create(lb, lloc, lb.getI64Type(), at[d]),
                tensor::DimOp::create(lb, lloc, data, d));
        Value update = tensor::ExtractOp::create(lb, lloc, updates, at);
        if (*reduction != ScatterReduction::None) {
          Value old = tensor::ExtractOp::create(lb, lloc, state[0], target);
          update = castFromSignless(
              lb, lloc,
              combine(lb, lloc, *reduction, castToSignless(lb, lloc, old),
                      castToSignless(lb, lloc, update), elementType),
              elementType);
        }
        scf::YieldOp::create(
            lb, lloc,
            tensor::InsertOp::create(lb, lloc, update, state[0], target)
                .getResult());
      });
  node.setOutput(0, loop.getResult(0));
  return success();
}

/// GatherND: out[i..., j...] = data[i_0..i_{b-1}, indices[i..., :], j...],
/// the first batch_dims dimensions shared by data and indices.
LogicalResult convertGatherND(NodeImporter &node) {
  Value data = node.getInput(0), indices = node.getInput(1);
  if (!data || !indices)
    return failure();
  auto dataType = getType(data), indicesType = getType(indices);
  if (!indicesType.getElementType().isSignlessInteger(64))
    return node.emitError() << "indices must be int64";
  int64_t q = indicesType.getRank(), r = dataType.getRank();
  int64_t batchDims = node.getIntAttr("batch_dims", 0);
  if (q == 0 || indicesType.isDynamicDim(q - 1))
    return node.emitError() << "the last dimension of indices must be static";
  int64_t k = indicesType.getDimSize(q - 1);
  if (batchDims < 0 || batchDims >= q || batchDims + k > r)
    return node.emitError() << "batch_dims " << batchDims << " and tuples of "
                            << k << " do not fit rank " << r << " data";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d + 1 < q; ++d) {
    shape.push_back(indicesType.getDimSize(d));
    if (indicesType.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, indices, d));
  }
  for (int64_t d = 0; d < batchDims; ++d)
    emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, data, d),
                             tensor::DimOp::create(b, loc, indices, d),
                             RunError::ShapeMismatch);
  for (int64_t d = batchDims + k; d < r; ++d) {
    shape.push_back(dataType.getDimSize(d));
    if (dataType.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, data, d));
  }
  Type elementType = dataType.getElementType();
  Value gathered = buildFromCoordinates(
      b, loc, RankedTensorType::get(shape, elementType), dynamicSizes,
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> out) -> Value {
        SmallVector<Value> at(out.begin(), out.begin() + batchDims);
        SmallVector<Value> tuple(out.begin(), out.begin() + (q - 1));
        for (int64_t j = 0; j < k; ++j) {
          tuple.push_back(arith::ConstantIndexOp::create(nb, nloc, j));
          at.push_back(checkedIndex(
              nb, nloc, tensor::ExtractOp::create(nb, nloc, indices, tuple),
              tensor::DimOp::create(nb, nloc, data, batchDims + j)));
          tuple.pop_back();
        }
        at.append(out.begin() + (q - 1), out.end());
        return tensor::ExtractOp::create(nb, nloc, data, at);
      });
  node.setOutput(0, gathered);
  return success();
}

} // namespace

void ::tern::registerScatterConverters(OpConverterRegistry &registry) {
  registry.add("ScatterND", 11, 17, convertScatterND);
  registry.add("ScatterElements", 11, 17, convertScatterElements);
  registry.add("GatherND", 12, 17, convertGatherND);
}
