//===- MatMulOps.cpp - MatMul and Gemm ------------------------------------===//
//
// Both import as linalg.matmul on 2-D operands so that tern-ternarize finds
// every linear layer in one form. Activations with leading batch dimensions
// are collapsed to 2-D around the matmul.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace {

/// `lhs [M, K] x rhs [K, N]` with a zero-filled accumulator.
Value buildMatmul2D(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  Type elementType = lhsType.getElementType();
  SmallVector<int64_t> shape = {lhsType.getDimSize(0), rhsType.getDimSize(1)};
  SmallVector<Value> dynamicSizes;
  if (ShapedType::isDynamic(shape[0]))
    dynamicSizes.push_back(tensor::DimOp::create(b, loc, lhs, 0));
  if (ShapedType::isDynamic(shape[1]))
    dynamicSizes.push_back(tensor::DimOp::create(b, loc, rhs, 1));
  Value empty =
      tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
  Value zero = arith::ConstantOp::create(b, loc, elementType,
                                         b.getZeroAttr(elementType));
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  return linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                  ValueRange{lhs, rhs}, ValueRange{init})
      .getResult(0);
}

Value buildTranspose2D(OpBuilder &b, Location loc, Value input) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape = {type.getDimSize(1), type.getDimSize(0)};
  SmallVector<Value> dynamicSizes;
  for (int64_t d : {1, 0})
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType(),
                                       dynamicSizes);
  return linalg::TransposeOp::create(b, loc, input, init,
                                     ArrayRef<int64_t>{1, 0})
      .getResult()[0];
}

LogicalResult checkFloatOperands(NodeImporter &node, Value lhs, Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  if (!isa<FloatType>(lhsType.getElementType()) ||
      lhsType.getElementType() != rhsType.getElementType())
    return node.emitError() << "operands must be floats of one type, got "
                            << lhsType << " and " << rhsType;
  return success();
}

LogicalResult convertMatMul(NodeImporter &node) {
  Value lhs = node.getInput(0), rhs = node.getInput(1);
  if (!lhs || !rhs || failed(checkFloatOperands(node, lhs, rhs)))
    return failure();
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  if (lhsType.getRank() < 2 || rhsType.getRank() != 2)
    return node.emitError()
           << "only [..., M, K] x [K, N] operands are supported, got "
           << lhsType << " and " << rhsType;
  int64_t k = lhsType.getShape().back();
  if (!ShapedType::isDynamic(k) && !rhsType.isDynamicDim(0) &&
      k != rhsType.getDimSize(0))
    return node.emitError()
           << "reduction dimensions differ: " << lhsType << " x " << rhsType;

  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  if (lhsType.getRank() == 2) {
    node.setOutput(0, buildMatmul2D(b, loc, lhs, rhs));
    return success();
  }

  // [B..., M, K] -> [B*...*M, K] -> matmul -> [B..., M, N].
  int64_t rank = lhsType.getRank();
  ReassociationIndices rows;
  for (int64_t d = 0; d < rank - 1; ++d)
    rows.push_back(d);
  SmallVector<ReassociationIndices> reassociation = {rows, {rank - 1}};
  Value flat = tensor::CollapseShapeOp::create(b, loc, lhs, reassociation);
  Value product = buildMatmul2D(b, loc, flat, rhs);

  SmallVector<int64_t> shape(lhsType.getShape());
  shape.back() = rhsType.getDimSize(1);
  SmallVector<OpFoldResult> outputShape;
  for (int64_t d = 0; d < rank - 1; ++d)
    outputShape.push_back(
        lhsType.isDynamicDim(d)
            ? OpFoldResult(tensor::DimOp::create(b, loc, lhs, d).getResult())
            : OpFoldResult(b.getIndexAttr(shape[d])));
  outputShape.push_back(b.getIndexAttr(shape.back()));
  auto resultType = RankedTensorType::get(shape, lhsType.getElementType());
  node.setOutput(0, tensor::ExpandShapeOp::create(b, loc, resultType, product,
                                                  reassociation, outputShape));
  return success();
}

/// Y = alpha * A' * B' + beta * C, with A' and B' optionally transposed.
LogicalResult convertGemm(NodeImporter &node) {
  Value a = node.getInput(0), bMatrix = node.getInput(1);
  if (!a || !bMatrix || failed(checkFloatOperands(node, a, bMatrix)))
    return failure();
  if (cast<RankedTensorType>(a.getType()).getRank() != 2 ||
      cast<RankedTensorType>(bMatrix.getType()).getRank() != 2)
    return node.emitError() << "A and B must be 2-D";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  if (node.getIntAttr("transA", 0))
    a = buildTranspose2D(b, loc, a);
  if (node.getIntAttr("transB", 0))
    bMatrix = buildTranspose2D(b, loc, bMatrix);
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(bMatrix.getType());
  if (!aType.isDynamicDim(1) && !bType.isDynamicDim(0) &&
      aType.getDimSize(1) != bType.getDimSize(0))
    return node.emitError()
           << "reduction dimensions differ: " << aType << " x " << bType;

  Type elementType = aType.getElementType();
  Value result = buildMatmul2D(b, loc, a, bMatrix);
  float alpha = node.getFloatAttr("alpha", 1.0f);
  float beta = node.getFloatAttr("beta", 1.0f);
  auto scalar = [&](float v) {
    return arith::ConstantOp::create(b, loc, elementType,
                                     b.getFloatAttr(elementType, v));
  };
  if (alpha != 1.0f) {
    FailureOr<Value> scaled = buildBroadcastElementwise(
        node, {result}, elementType,
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          return arith::MulFOp::create(nb, nloc, args[0], scalar(alpha));
        });
    if (failed(scaled))
      return failure();
    result = *scaled;
  }
  if (node.hasInput(2) && beta != 0.0f) {
    Value c = node.getInput(2);
    if (!c || failed(checkFloatOperands(node, a, c)))
      return failure();
    FailureOr<Value> sum = buildBroadcastElementwise(
        node, {result, c}, elementType,
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          Value bias = args[1];
          if (beta != 1.0f)
            bias = arith::MulFOp::create(nb, nloc, bias, scalar(beta));
          return arith::AddFOp::create(nb, nloc, args[0], bias);
        });
    if (failed(sum))
      return failure();
    result = *sum;
  }
  node.setOutput(0, result);
  return success();
}

} // namespace

void ::tern::registerMatMulConverters(OpConverterRegistry &registry) {
  registry.add("Gemm", 7, 17, convertGemm);
  registry.add("MatMul", 1, 17, convertMatMul);
}
