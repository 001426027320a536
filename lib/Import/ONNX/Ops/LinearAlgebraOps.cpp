//===- LinearAlgebraOps.cpp - Det -----------------------------------------===//
//
// Det: the determinant of each square matrix of the last two dimensions,
// by Gaussian elimination with partial pivoting (the product of the
// pivots, negated per row exchange), one matrix at a time.
//
//===----------------------------------------------------------------------===//

#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace {

/// The determinant of the static M x M `matrix`.
Value buildDeterminant(OpBuilder &b, Location loc, Value matrix, int64_t m) {
  Type et = cast<RankedTensorType>(matrix.getType()).getElementType();
  auto c = [&](OpBuilder &nb, Location nloc, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, nloc, v);
  };
  auto f = [&](OpBuilder &nb, Location nloc, double v) -> Value {
    return arith::ConstantOp::create(nb, nloc, et, nb.getFloatAttr(et, v));
  };
  Value size = c(b, loc, m);
  auto columns = scf::ForOp::create(
      b, loc, c(b, loc, 0), size, c(b, loc, 1),
      ValueRange{matrix, f(b, loc, 1)},
      [&](OpBuilder &kb, Location kloc, Value k, ValueRange state) {
        Value a = state[0], det = state[1];
        // The row from k on with the largest |a[i, k]|.
        auto search = scf::ForOp::create(
            kb, kloc, k, size, c(kb, kloc, 1), ValueRange{k, f(kb, kloc, -1)},
            [&](OpBuilder &sb, Location sloc, Value i, ValueRange best) {
              Value v = math::AbsFOp::create(
                  sb, sloc,
                  tensor::ExtractOp::create(sb, sloc, a, ValueRange{i, k}));
              Value larger = arith::CmpFOp::create(
                  sb, sloc, arith::CmpFPredicate::OGT, v, best[1]);
              scf::YieldOp::create(
                  sb, sloc,
                  ValueRange{
                      arith::SelectOp::create(sb, sloc, larger, i, best[0]),
                      arith::SelectOp::create(sb, sloc, larger, v, best[1])});
            });
        Value p = search.getResult(0);
        // Exchange rows k and p (a no-op when they are one row).
        auto swap = scf::ForOp::create(
            kb, kloc, c(kb, kloc, 0), size, c(kb, kloc, 1), ValueRange{a},
            [&](OpBuilder &wb, Location wloc, Value j, ValueRange s) {
              Value rowK =
                  tensor::ExtractOp::create(wb, wloc, s[0], ValueRange{k, j});
              Value rowP =
                  tensor::ExtractOp::create(wb, wloc, s[0], ValueRange{p, j});
              Value t = tensor::InsertOp::create(wb, wloc, rowP, s[0],
                                                 ValueRange{k, j});
              t = tensor::InsertOp::create(wb, wloc, rowK, t, ValueRange{p, j});
              scf::YieldOp::create(wb, wloc, t);
            });
        a = swap.getResult(0);
        Value exchanged =
            arith::CmpIOp::create(kb, kloc, arith::CmpIPredicate::ne, p, k);
        det = arith::SelectOp::create(
            kb, kloc, exchanged, arith::NegFOp::create(kb, kloc, det), det);
        Value pivot = tensor::ExtractOp::create(kb, kloc, a, ValueRange{k, k});
        det = arith::MulFOp::create(kb, kloc, det, pivot);
        Value singular = arith::CmpFOp::create(
            kb, kloc, arith::CmpFPredicate::OEQ, pivot, f(kb, kloc, 0));
        // Eliminate below the pivot (nothing to eliminate when it is 0:
        // the determinant already is).
        Value next = arith::AddIOp::create(kb, kloc, k, c(kb, kloc, 1));
        auto rows = scf::ForOp::create(
            kb, kloc, next, size, c(kb, kloc, 1), ValueRange{a},
            [&](OpBuilder &rb, Location rloc, Value i, ValueRange s) {
              Value factor = arith::SelectOp::create(
                  rb, rloc, singular, f(rb, rloc, 0),
                  arith::DivFOp::create(rb, rloc,
                                        tensor::ExtractOp::create(
                                            rb, rloc, s[0], ValueRange{i, k}),
                                        pivot));
              auto cols = scf::ForOp::create(
                  rb, rloc, k, size, c(rb, rloc, 1), ValueRange{s[0]},
                  [&](OpBuilder &cb, Location cloc, Value j, ValueRange t) {
                    Value v = arith::SubFOp::create(
                        cb, cloc,
                        tensor::ExtractOp::create(cb, cloc, t[0],
                                                  ValueRange{i, j}),
                        arith::MulFOp::create(
                            cb, cloc, factor,
                            tensor::ExtractOp::create(cb, cloc, t[0],
                                                      ValueRange{k, j})));
                    scf::YieldOp::create(
                        cb, cloc,
                        tensor::InsertOp::create(cb, cloc, v, t[0],
                                                 ValueRange{i, j})
                            .getResult());
                  });
              scf::YieldOp::create(rb, rloc, cols.getResult(0));
            });
        scf::YieldOp::create(kb, kloc, ValueRange{rows.getResult(0), det});
      });
  return columns.getResult(1);
}

LogicalResult convertDet(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  Type et = type.getElementType();
  if (!isa<FloatType>(et) || rank < 2 || type.isDynamicDim(rank - 1) ||
      type.getDimSize(rank - 1) != type.getDimSize(rank - 2))
    return node.emitError() << "input must be float [..., M, M] with a static "
                               "M, got "
                            << type;
  int64_t m = type.getDimSize(rank - 1);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  // The batch of matrices, [B, M, M].
  Value batched;
  if (rank == 2) {
    batched = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, m, m}, et), input,
        SmallVector<ReassociationIndices>{{0, 1}, {2}},
        SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(m),
                                  b.getIndexAttr(m)});
  } else {
    ReassociationIndices leading;
    for (int64_t d = 0; d < rank - 2; ++d)
      leading.push_back(d);
    batched = tensor::CollapseShapeOp::create(
        b, loc, input,
        SmallVector<ReassociationIndices>{leading, {rank - 2}, {rank - 1}});
  }
  Value count = tensor::DimOp::create(b, loc, batched, 0);
  auto flatType = RankedTensorType::get({ShapedType::kDynamic}, et);
  Value results = tensor::EmptyOp::create(b, loc, flatType.getShape(), et,
                                          ValueRange{count});
  auto matrixType = RankedTensorType::get({m, m}, et);
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0), count,
      arith::ConstantIndexOp::create(b, loc, 1), ValueRange{results},
      [&](OpBuilder &lb, Location lloc, Value n, ValueRange state) {
        Value matrix = tensor::ExtractSliceOp::create(
            lb, lloc, matrixType, batched,
            ArrayRef<OpFoldResult>{n, lb.getIndexAttr(0), lb.getIndexAttr(0)},
            ArrayRef<OpFoldResult>{lb.getIndexAttr(1), lb.getIndexAttr(m),
                                   lb.getIndexAttr(m)},
            ArrayRef<OpFoldResult>{lb.getIndexAttr(1), lb.getIndexAttr(1),
                                   lb.getIndexAttr(1)});
        Value det = buildDeterminant(lb, lloc, matrix, m);
        scf::YieldOp::create(
            lb, lloc,
            tensor::InsertOp::create(lb, lloc, det, state[0], ValueRange{n})
                .getResult());
      });
  Value flat = loop.getResult(0);
  Value result;
  if (rank == 2) {
    result = tensor::CollapseShapeOp::create(
        b, loc,
        tensor::CastOp::create(b, loc, RankedTensorType::get({1}, et), flat),
        SmallVector<ReassociationIndices>{});
  } else {
    SmallVector<int64_t> shape(type.getShape().drop_back(2));
    SmallVector<OpFoldResult> sizes;
    ReassociationIndices all;
    for (int64_t d = 0; d < rank - 2; ++d) {
      sizes.push_back(tensor::getMixedSize(b, loc, input, d));
      all.push_back(d);
    }
    int64_t total = 1;
    for (int64_t d : shape)
      total = ShapedType::isDynamic(d) || ShapedType::isDynamic(total)
                  ? ShapedType::kDynamic
                  : total * d;
    flat = tensor::CastOp::create(b, loc, RankedTensorType::get({total}, et),
                                  flat);
    result = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, et), flat,
        SmallVector<ReassociationIndices>{all}, sizes);
  }
  node.setOutput(0, result);
  return success();
}

} // namespace

void ::tern::registerLinearAlgebraConverters(OpConverterRegistry &registry) {
  registry.add("Det", 11, 17, convertDet);
}
