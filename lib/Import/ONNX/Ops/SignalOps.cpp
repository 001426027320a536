//===- SignalOps.cpp - The window functions of signal processing ----------===//
//
// HannWindow, HammingWindow and BlackmanWindow: a window of a length given
// at run time, as sums of cosines of 2 pi n / N (N the length when
// periodic, else the length - 1).
//
//===----------------------------------------------------------------------===//

#include "../TensorConversion.h"
#include "RuntimeChecks.h"
#include "ShapeBuilders.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace ::tern;

namespace {

/// a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N).
LogicalResult convertWindow(NodeImporter &node, double a0, double a1,
                            double a2) {
  Value size = node.getInput(0);
  if (!size)
    return failure();
  auto sizeType = cast<RankedTensorType>(size.getType());
  if (sizeType.getNumElements() != 1 ||
      !sizeType.getElementType().isSignlessInteger())
    return node.emitError() << "size must be one integer";
  Type elementType = convertElementType(node.getIntAttr("output_datatype", 1),
                                        node.getBuilder().getContext());
  if (!elementType || !isa<FloatType>(elementType))
    return node.emitError() << "output_datatype must be a float type";
  bool periodic = node.getIntAttr("periodic", 1);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value length = arith::IndexCastOp::create(
      b, loc, b.getIndexType(),
      tensor::ExtractOp::create(b, loc, size,
                                SmallVector<Value>(sizeType.getRank(), zero)));
  emitRuntimeCheck(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, length, zero),
      TERN_RUNTIME_ERROR_SHAPE_MISMATCH);
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, {length});
  auto type = RankedTensorType::get(shape, elementType);
  SmallVector<Value> dynamicSizes;
  if (ShapedType::isDynamic(shape[0]))
    dynamicSizes.push_back(length);
  Value init =
      tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
  // The denominator, in f64 (a symmetric window of one point is 1).
  Value n64 = arith::SIToFPOp::create(
      b, loc, b.getF64Type(),
      arith::IndexCastOp::create(b, loc, b.getI64Type(), length));
  Value denominator =
      periodic ? n64
               : arith::SubFOp::create(
                     b, loc, n64,
                     arith::ConstantOp::create(b, loc, b.getF64FloatAttr(1)))
                     .getResult();
  auto generic = linalg::GenericOp::create(
      b, loc, type, ValueRange{}, ValueRange{init},
      ArrayRef<AffineMap>{b.getMultiDimIdentityMap(1)},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nloc, ValueRange) {
        auto f = [&](double v) -> Value {
          return arith::ConstantOp::create(nb, nloc, nb.getF64FloatAttr(v));
        };
        Value n = arith::SIToFPOp::create(
            nb, nloc, nb.getF64Type(),
            arith::IndexCastOp::create(nb, nloc, nb.getI64Type(),
                                       linalg::IndexOp::create(nb, nloc, 0)));
        Value angle = arith::DivFOp::create(
            nb, nloc, arith::MulFOp::create(nb, nloc, f(2 * M_PI), n),
            denominator);
        Value v = arith::SubFOp::create(
            nb, nloc, f(a0),
            arith::MulFOp::create(nb, nloc, f(a1),
                                  math::CosOp::create(nb, nloc, angle)));
        if (a2 != 0)
          v = arith::AddFOp::create(
              nb, nloc, v,
              arith::MulFOp::create(
                  nb, nloc, f(a2),
                  math::CosOp::create(
                      nb, nloc, arith::MulFOp::create(nb, nloc, f(2), angle))));
        linalg::YieldOp::create(
            nb, nloc,
            arith::TruncFOp::create(nb, nloc, elementType, v).getResult());
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

LogicalResult convertHannWindow(NodeImporter &node) {
  return convertWindow(node, 0.5, 0.5, 0);
}

LogicalResult convertHammingWindow(NodeImporter &node) {
  // ONNX's coefficients: 25/46 and 21/46.
  return convertWindow(node, 25.0 / 46.0, 21.0 / 46.0, 0);
}

LogicalResult convertBlackmanWindow(NodeImporter &node) {
  return convertWindow(node, 0.42, 0.5, 0.08);
}

} // namespace

void ::tern::registerSignalConverters(OpConverterRegistry &registry) {
  registry.add("HannWindow", 17, 17, convertHannWindow);
  registry.add("HammingWindow", 17, 17, convertHammingWindow);
  registry.add("BlackmanWindow", 17, 17, convertBlackmanWindow);
}
