//===- RuntimeAxes.cpp - Axes that only the running model knows -----------===//
//
// Squeeze, Unsqueeze and ReduceSum take their axes as an input, which a
// model may compute or receive at run time. The result's rank still
// follows from the input's and the axes' static length; which dimensions
// they name is read when the model runs, as one flag per dimension, and
// the shapes follow from the flags.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "ShapeBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace {

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value compare(OpBuilder &b, Location loc, arith::CmpIPredicate predicate,
              Value lhs, Value rhs) {
  return arith::CmpIOp::create(b, loc, predicate, lhs, rhs);
}

/// 1 where `flag` holds, else 0, as an index.
Value countOf(OpBuilder &b, Location loc, Value flag) {
  return arith::SelectOp::create(b, loc, flag, indexConstant(b, loc, 1),
                                 indexConstant(b, loc, 0));
}

} // namespace

namespace tern {

FailureOr<SmallVector<Value>> readAxisFlags(NodeImporter &node, Value axes,
                                            int64_t rank) {
  auto axesType = cast<RankedTensorType>(axes.getType());
  if (axesType.getRank() != 1 || axesType.isDynamicDim(0)) {
    node.emitError() << "axes computed at run time must be a 1-D tensor of "
                        "static length (the result's rank depends on it), "
                        "not "
                     << axesType;
    return failure();
  }
  FailureOr<SmallVector<Value>> entries = readShapeEntries(node, axes);
  if (failed(entries))
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value zero = indexConstant(b, loc, 0), size = indexConstant(b, loc, rank);
  Value invalid = arith::ConstantIntOp::create(b, loc, 0, 1);
  SmallVector<Value> normalized;
  for (Value axis : *entries) {
    Value wrapped = arith::SelectOp::create(
        b, loc, compare(b, loc, arith::CmpIPredicate::slt, axis, zero),
        arith::AddIOp::create(b, loc, axis, size), axis);
    invalid = arith::OrIOp::create(
        b, loc, invalid,
        arith::OrIOp::create(
            b, loc, compare(b, loc, arith::CmpIPredicate::slt, wrapped, zero),
            compare(b, loc, arith::CmpIPredicate::sge, wrapped, size)));
    normalized.push_back(wrapped);
  }
  SmallVector<Value> flags;
  Value named = zero;
  for (int64_t d = 0; d < rank; ++d) {
    Value flag = arith::ConstantIntOp::create(b, loc, 0, 1);
    for (Value axis : normalized)
      flag = arith::OrIOp::create(b, loc, flag,
                                  compare(b, loc, arith::CmpIPredicate::eq,
                                          axis, indexConstant(b, loc, d)));
    named = arith::AddIOp::create(b, loc, named, countOf(b, loc, flag));
    flags.push_back(flag);
  }
  // Every entry names a different dimension.
  invalid =
      arith::OrIOp::create(b, loc, invalid,
                           compare(b, loc, arith::CmpIPredicate::ne, named,
                                   indexConstant(b, loc, entries->size())));
  emitRuntimeCheck(b, loc, invalid, RunError::IndexOutOfRange);
  return flags;
}

FailureOr<Value> buildDropUnitDims(NodeImporter &node, Value input,
                                   ArrayRef<Value> dropped,
                                   int64_t numDropped) {
  // Found by the fuzzers (Squeeze, ReduceSum): more axes than dimensions.
  int64_t rank = dropped.size();
  if (numDropped > rank)
    return node.emitError()
           << numDropped << " axes given for a rank-" << rank << " input";
  int64_t resultRank = rank - numDropped;
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  // Result dimension j is the input's dimension d that is kept with j kept
  // ones before it.
  SmallVector<Value> sizes(resultRank, indexConstant(b, loc, 1));
  Value keptBefore = indexConstant(b, loc, 0);
  Value invalid = arith::ConstantIntOp::create(b, loc, 0, 1);
  Value one = indexConstant(b, loc, 1);
  for (auto [d, drop] : llvm::enumerate(dropped)) {
    Value size = tensor::DimOp::create(b, loc, input, d);
    invalid = arith::OrIOp::create(
        b, loc, invalid,
        arith::AndIOp::create(
            b, loc, drop,
            compare(b, loc, arith::CmpIPredicate::ne, size, one)));
    Value kept = arith::XOrIOp::create(
        b, loc, drop, arith::ConstantIntOp::create(b, loc, 1, 1));
    for (int64_t j = 0; j < resultRank; ++j) {
      Value here =
          arith::AndIOp::create(b, loc, kept,
                                compare(b, loc, arith::CmpIPredicate::eq,
                                        keptBefore, indexConstant(b, loc, j)));
      sizes[j] = arith::SelectOp::create(b, loc, here, size, sizes[j]);
    }
    keptBefore =
        arith::AddIOp::create(b, loc, keptBefore, countOf(b, loc, kept));
  }
  invalid =
      arith::OrIOp::create(b, loc, invalid,
                           compare(b, loc, arith::CmpIPredicate::ne, keptBefore,
                                   indexConstant(b, loc, resultRank)));
  emitRuntimeCheck(b, loc, invalid, RunError::ShapeMismatch);
  return buildReshape(b, loc, input, sizes,
                      staticSizesCheckedAtRunTime(node, sizes));
}

Value buildInsertUnitDims(NodeImporter &node, Value input,
                          ArrayRef<Value> inserted) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  // Result dimension j is 1 where inserted, else the input's dimension
  // j - (insertions before j).
  SmallVector<Value> sizes;
  Value insertedBefore = indexConstant(b, loc, 0);
  int64_t inputRank = cast<RankedTensorType>(input.getType()).getRank();
  for (auto [j, insert] : llvm::enumerate(inserted)) {
    Value source =
        arith::SubIOp::create(b, loc, indexConstant(b, loc, j), insertedBefore);
    // Clamped so that the read stays in range while the flags are wrong;
    // readAxisFlags stops such runs.
    source = arith::MinSIOp::create(
        b, loc, source,
        indexConstant(b, loc, std::max<int64_t>(inputRank - 1, 0)));
    Value size = inputRank
                     ? tensor::DimOp::create(b, loc, input, source).getResult()
                     : indexConstant(b, loc, 1);
    sizes.push_back(arith::SelectOp::create(b, loc, insert,
                                            indexConstant(b, loc, 1), size));
    insertedBefore =
        arith::AddIOp::create(b, loc, insertedBefore, countOf(b, loc, insert));
  }
  return buildReshape(b, loc, input, sizes,
                      staticSizesCheckedAtRunTime(node, sizes));
}

} // namespace tern
