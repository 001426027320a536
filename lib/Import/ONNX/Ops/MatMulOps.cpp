//===- MatMulOps.cpp - MatMul and Gemm ------------------------------------===//
//
// Both import as linalg.matmul on 2-D operands so that tern-ternarize finds
// every linear layer in one form. Activations with leading batch dimensions
// are collapsed to 2-D around the matmul.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "MatMul.h"
#include "QuantArithmetic.h"
#include "RepeatedHeads.h"
#include "RuntimeChecks.h"
#include "Signedness.h"
#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/IR/WeightStorage.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace {

/// Stops the run when the reduction sizes of `lhs [..., K]` and
/// `rhs [K, ...]` (dimension `rhsDim`) are dynamic and differ.
void checkReductionSizes(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         int64_t rhsDim) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t lhsDim = lhsType.getRank() - 1;
  if (!lhsType.isDynamicDim(lhsDim) && !rhsType.isDynamicDim(rhsDim))
    return;
  emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, lhs, lhsDim),
                           tensor::DimOp::create(b, loc, rhs, rhsDim),
                           RunError::ShapeMismatch);
}

/// `lhs [M, K] x rhs [K, N]` with a zero-filled accumulator.
Value buildMatmul2D(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  Type elementType = lhsType.getElementType();
  SmallVector<int64_t> shape = {lhsType.getDimSize(0), rhsType.getDimSize(1)};
  checkReductionSizes(b, loc, lhs, rhs, 0);
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

/// numpy.matmul in general: 1-D operands gain (then lose) a unit
/// dimension and the batch dimensions broadcast. One linalg.generic over
/// (batch..., m, n, k), in float or signless integer arithmetic. Linear
/// layers take the 2-D linalg.matmul path instead, which is what
/// tern-ternarize looks for.
FailureOr<Value> buildBroadcastMatMul(NodeImporter &node, Value lhs,
                                      Value rhs) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  MLIRContext *ctx = b.getContext();
  auto typeOf = [](Value v) { return cast<RankedTensorType>(v.getType()); };
  Type elementType = typeOf(lhs).getElementType();
  if (typeOf(lhs).getRank() == 0 || typeOf(rhs).getRank() == 0)
    return node.emitError() << "MatMul operands must not be scalars";
  bool lhsVector = typeOf(lhs).getRank() == 1;
  bool rhsVector = typeOf(rhs).getRank() == 1;
  auto addUnitDim = [&](Value v, bool front) -> Value {
    int64_t n = typeOf(v).getDimSize(0);
    SmallVector<int64_t> shape =
        front ? SmallVector<int64_t>{1, n} : SmallVector<int64_t>{n, 1};
    SmallVector<OpFoldResult> sizes;
    OpFoldResult size = tensor::getMixedSize(b, loc, v, 0);
    sizes = front ? SmallVector<OpFoldResult>{b.getIndexAttr(1), size}
                  : SmallVector<OpFoldResult>{size, b.getIndexAttr(1)};
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, elementType), v,
        SmallVector<ReassociationIndices>{{0, 1}}, sizes);
  };
  if (lhsVector)
    lhs = addUnitDim(lhs, /*front=*/true);
  if (rhsVector)
    rhs = addUnitDim(rhs, /*front=*/false);
  auto lhsType = typeOf(lhs), rhsType = typeOf(rhs);
  int64_t lhsBatch = lhsType.getRank() - 2, rhsBatch = rhsType.getRank() - 2;
  int64_t batch = std::max(lhsBatch, rhsBatch);
  int64_t kSize = lhsType.getShape().back();
  if (!ShapedType::isDynamic(kSize) && !rhsType.isDynamicDim(rhsBatch) &&
      kSize != rhsType.getDimSize(rhsBatch))
    return node.emitError()
           << "reduction dimensions differ: " << lhsType << " x " << rhsType;
  checkReductionSizes(b, loc, lhs, rhs, rhsBatch);

  // Output batch sizes, broadcast numpy-style.
  Value lhsRhs[] = {lhs, rhs};
  FailureOr<BroadcastShape> broadcast =
      broadcastLeadingDims(node, lhsRhs, /*trailing=*/2);
  if (failed(broadcast))
    return failure();
  lhs = broadcast->operands[0];
  rhs = broadcast->operands[1];
  SmallVector<int64_t> shape = broadcast->shape;
  SmallVector<Value> dynamicSizes = broadcast->dynamicSizes;
  auto pushDim = [&](Value src, int64_t d) {
    int64_t size = typeOf(src).getDimSize(d);
    shape.push_back(size);
    if (ShapedType::isDynamic(size))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, src, d));
  };
  pushDim(lhs, lhsBatch);     // m
  pushDim(rhs, rhsBatch + 1); // n

  int64_t numLoops = batch + 3;
  AffineExpr m = getAffineDimExpr(batch, ctx),
             n = getAffineDimExpr(batch + 1, ctx),
             k = getAffineDimExpr(batch + 2, ctx);
  auto operandMap = [&](RankedTensorType t, int64_t own, AffineExpr row,
                        AffineExpr col) {
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < own; ++i) {
      int64_t d = i + (batch - own);
      exprs.push_back(t.getDimSize(i) == 1 && shape[d] != 1
                          ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(d, ctx));
    }
    exprs.push_back(row);
    exprs.push_back(col);
    return AffineMap::get(numLoops, 0, exprs, ctx);
  };
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < batch + 2; ++d)
    outExprs.push_back(getAffineDimExpr(d, ctx));
  SmallVector<utils::IteratorType> iterators(batch + 2,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);

  Value empty =
      tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
  Value zero = arith::ConstantOp::create(b, loc, elementType,
                                         b.getZeroAttr(elementType));
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  Value product =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{lhs, rhs}, ValueRange{init},
          ArrayRef<AffineMap>{operandMap(lhsType, lhsBatch, m, k),
                              operandMap(rhsType, rhsBatch, k, n),
                              AffineMap::get(numLoops, 0, outExprs, ctx)},
          iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value sum;
            if (isa<FloatType>(elementType)) {
              Value mul = arith::MulFOp::create(nb, nloc, args[0], args[1]);
              sum = arith::AddFOp::create(nb, nloc, args[2], mul);
            } else {
              Value mul = arith::MulIOp::create(nb, nloc, args[0], args[1]);
              sum = arith::AddIOp::create(nb, nloc, args[2], mul);
            }
            linalg::YieldOp::create(nb, nloc, sum);
          })
          .getResult(0);

  // Drop the unit dimensions that 1-D operands gained.
  if (lhsVector || rhsVector) {
    int64_t rank = shape.size();
    SmallVector<int64_t> finalShape(shape.begin(), shape.end() - 2);
    if (!lhsVector)
      finalShape.push_back(shape[rank - 2]);
    if (!rhsVector)
      finalShape.push_back(shape[rank - 1]);
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < rank - 2; ++d)
      groups.push_back({d});
    if (lhsVector && rhsVector) {
      if (groups.empty()) {
        // [1, 1] -> scalar.
      } else {
        groups.back().push_back(rank - 2);
        groups.back().push_back(rank - 1);
      }
    } else {
      groups.push_back({rank - 2, rank - 1});
    }
    product = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get(finalShape, elementType), product,
        groups);
  }
  return product;
}

} // namespace

namespace tern {

FailureOr<Value> buildMatMul(NodeImporter &node, Value lhs, Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  if (lhsType.getRank() < 2 || rhsType.getRank() != 2)
    return buildBroadcastMatMul(node, lhs, rhs);
  int64_t k = lhsType.getShape().back();
  if (!ShapedType::isDynamic(k) && !rhsType.isDynamicDim(0) &&
      k != rhsType.getDimSize(0))
    return node.emitError()
           << "reduction dimensions differ: " << lhsType << " x " << rhsType;

  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  const DequantizedConstant *quantized = node.getDequantized(rhs);
  return buildLinearLayer(b, loc, lhs, rhsType.getDimSize(1), [&](Value flat) {
    if (quantized)
      if (Value product = buildQuantizedLinear(b, loc, flat, *quantized,
                                               /*kMajor=*/true))
        return product;
    return buildMatmul2D(b, loc, flat, rhs);
  });
}

/// The values of an integer or float constant as doubles (integers signed
/// or not), or nothing for resources and bools.
static std::optional<SmallVector<double>> readValues(ElementsAttr attr,
                                                     bool isSigned) {
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  SmallVector<double> values;
  if (isa<FloatType>(dense.getElementType())) {
    for (const APFloat &v : dense.getValues<APFloat>())
      values.push_back(v.convertToDouble());
  } else {
    for (const APInt &v : dense.getValues<APInt>())
      values.push_back(isSigned ? double(v.getSExtValue())
                                : double(v.getZExtValue()));
  }
  return values;
}

Value buildQuantizedLinear(OpBuilder &b, Location loc, Value rows,
                           const DequantizedConstant &info, bool kMajor) {
  auto codesType = dyn_cast<RankedTensorType>(info.codes.getType());
  auto rowsType = cast<RankedTensorType>(rows.getType());
  Type elementType = rowsType.getElementType();
  if (!codesType || codesType.getRank() != 2 ||
      info.scale.getElementType() != elementType)
    return nullptr;
  int64_t k = codesType.getDimSize(kMajor ? 0 : 1);
  int64_t n = codesType.getDimSize(kMajor ? 1 : 0);
  int64_t channelAxis = kMajor ? 1 : 0;
  auto paramType = RankedTensorType::get({n, 1}, elementType);
  int64_t scaleCount = info.scale.getNumElements();
  bool perTensor = scaleCount == 1;
  if (!perTensor && !(cast<ShapedType>(info.scale.getType()).getRank() == 1 &&
                      info.axis == channelAxis && scaleCount == n))
    return nullptr; // per-axis along K: not one scale per channel
  // Scales: the constant as N x 1, or its one value for every channel.
  ElementsAttr scales;
  if (perTensor) {
    std::optional<SmallVector<double>> value = readValues(info.scale, true);
    if (!value)
      return nullptr;
    scales = DenseElementsAttr::get(
        paramType, b.getFloatAttr(elementType, value->front()));
  } else {
    scales = mlir::tern::reinterpretConstant(info.scale, paramType);
  }
  // Zero points as floats; unsigned codes default to 128 without them, and
  // ONNX's default is 0.
  Value zeroPoints;
  if (info.zeroPoint || !info.isSigned) {
    SmallVector<double> zp(perTensor ? 1 : n, 0.0);
    if (info.zeroPoint) {
      std::optional<SmallVector<double>> values =
          readValues(info.zeroPoint, info.isSigned);
      if (!values || values->size() != zp.size())
        return nullptr;
      zp = *values;
    }
    SmallVector<Attribute> elements;
    for (int64_t c = 0; c < n; ++c)
      elements.push_back(b.getFloatAttr(elementType, zp[perTensor ? 0 : c]));
    zeroPoints = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(paramType, elements));
  }
  Value codes = arith::ConstantOp::create(
      b, loc,
      cast<TypedAttr>(mlir::tern::reinterpretConstant(
          info.codes,
          RankedTensorType::get(codesType.getShape(), b.getI8Type()))));
  Value scaleValue = arith::ConstantOp::create(b, loc, cast<TypedAttr>(scales));
  auto resultType =
      RankedTensorType::get({rowsType.getDimSize(0), n}, elementType);
  auto op = mlir::tern::QuantMatmulOp::create(
      b, loc, resultType, rows, codes, scaleValue, zeroPoints,
      b.getI64IntegerAttr(8), b.getI64IntegerAttr(k), b.getI64IntegerAttr(k),
      info.isSigned ? b.getUnitAttr() : UnitAttr(),
      kMajor ? b.getUnitAttr() : UnitAttr(), /*int8_activations=*/UnitAttr());
  return op.getResult();
}

Value buildLinearLayer(OpBuilder &b, Location loc, Value lhs, int64_t n,
                       function_ref<Value(Value)> build2D) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  if (lhsType.getRank() == 2)
    return build2D(lhs);

  // [B..., M, K] -> [B*...*M, K] -> matmul -> [B..., M, N].
  int64_t rank = lhsType.getRank();
  ReassociationIndices rows;
  for (int64_t d = 0; d < rank - 1; ++d)
    rows.push_back(d);
  SmallVector<ReassociationIndices> reassociation = {rows, {rank - 1}};
  Value flat = tensor::CollapseShapeOp::create(b, loc, lhs, reassociation);
  Value product = build2D(flat);

  SmallVector<int64_t> shape(lhsType.getShape());
  shape.back() = n;
  SmallVector<OpFoldResult> outputShape;
  for (int64_t d = 0; d < rank - 1; ++d)
    outputShape.push_back(tensor::getMixedSize(b, loc, lhs, d));
  outputShape.push_back(b.getIndexAttr(shape.back()));
  auto resultType = RankedTensorType::get(shape, lhsType.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, resultType, product,
                                       reassociation, outputShape)
      .getResult();
}

} // namespace tern

namespace {

LogicalResult convertMatMul(NodeImporter &node) {
  Value lhs = node.getInput(0), rhs = node.getInput(1);
  if (!lhs || !rhs || failed(checkFloatOperands(node, lhs, rhs)))
    return failure();
  // Attention against keys or values repeated per query head (repeat_kv):
  // grouped by key head instead, reading each once.
  FailureOr<Value> product = buildGroupedHeadsMatMul(node, lhs, rhs);
  if (failed(product))
    return failure();
  if (!*product)
    product = buildMatMul(node, lhs, rhs);
  if (failed(product))
    return failure();
  node.setOutput(0, *product);
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
  // B^T of dequantized codes: the codes are already N x K.
  Value product;
  if (node.getIntAttr("transB", 0))
    if (const DequantizedConstant *quantized = node.getDequantized(bMatrix))
      product = buildQuantizedLinear(b, loc, a, *quantized, /*kMajor=*/false);
  if (node.getIntAttr("transB", 0))
    bMatrix = buildTranspose2D(b, loc, bMatrix);
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(bMatrix.getType());
  if (!aType.isDynamicDim(1) && !bType.isDynamicDim(0) &&
      aType.getDimSize(1) != bType.getDimSize(0))
    return node.emitError()
           << "reduction dimensions differ: " << aType << " x " << bType;

  Type elementType = aType.getElementType();
  Value result = product ? product : buildMatmul2D(b, loc, a, bMatrix);
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

/// int8/uint8 matmul after subtracting the zero points, accumulated in
/// int32 as ONNX specifies.
LogicalResult convertMatMulInteger(NodeImporter &node) {
  Value lhs = node.getInput(0), rhs = node.getInput(1);
  if (!lhs || !rhs)
    return failure();
  for (Value operand : {lhs, rhs})
    if (!cast<RankedTensorType>(operand.getType())
             .getElementType()
             .isInteger(8))
      return node.emitError()
             << "operands must be int8 or uint8, got " << operand.getType();
  FailureOr<Value> lhsCentered = buildCenteredOnZeroPoint(node, lhs, 2, 1);
  if (failed(lhsCentered))
    return failure();
  FailureOr<Value> rhsCentered = buildCenteredOnZeroPoint(node, rhs, 3, 0);
  if (failed(rhsCentered))
    return failure();
  FailureOr<Value> product =
      buildBroadcastMatMul(node, *lhsCentered, *rhsCentered);
  if (failed(product))
    return failure();
  node.setOutput(0, *product);
  return success();
}

/// QLinearMatMul: the integer matmul of a and b less their zero points,
/// requantized with a_scale * b_scale / y_scale.
LogicalResult convertQLinearMatMul(NodeImporter &node) {
  Value a = node.getInput(0), b = node.getInput(3);
  Value aScale = node.getInput(1), bScale = node.getInput(4),
        yScale = node.getInput(6), yZeroPoint = node.getInput(7);
  if (!a || !b || !aScale || !bScale || !yScale || !yZeroPoint)
    return failure();
  for (Value operand : {a, b})
    if (!cast<RankedTensorType>(operand.getType())
             .getElementType()
             .isInteger(8))
      return node.emitError()
             << "operands must be int8 or uint8, got " << operand.getType();
  for (Value scale : {aScale, bScale, yScale})
    if (cast<RankedTensorType>(scale.getType()).getNumElements() != 1)
      return node.emitError() << "only per-tensor scales are supported";
  FailureOr<Value> lhs = buildCenteredOnZeroPoint(node, a, 2, 1);
  FailureOr<Value> rhs = buildCenteredOnZeroPoint(node, b, 5, 0);
  if (failed(lhs) || failed(rhs))
    return failure();
  FailureOr<Value> product = buildBroadcastMatMul(node, *lhs, *rhs);
  if (failed(product))
    return failure();
  FailureOr<Value> y =
      buildRequantized(node, *product, {aScale, bScale}, yScale, yZeroPoint);
  if (failed(y))
    return failure();
  node.setOutput(0, *y);
  return success();
}

} // namespace

void ::tern::registerMatMulConverters(OpConverterRegistry &registry) {
  registry.add("QLinearMatMul", 10, 17, convertQLinearMatMul);
  registry.add("Gemm", 7, 17, convertGemm);
  registry.add("MatMul", 1, 17, convertMatMul);
  registry.add("MatMulInteger", 10, 17, convertMatMulInteger);
}
