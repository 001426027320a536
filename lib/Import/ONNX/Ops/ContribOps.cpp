//===- ContribOps.cpp - ONNX Runtime's com.microsoft LLM ops --------------===//
//
// MatMulNBits (block-quantized weights) and the Gelu variants. The RMS
// normalizations of the same domain live with LayerNormalization in
// ReductionOps.cpp, RotaryEmbedding and the attentions in AttentionOps.cpp;
// the schemas libonnx checks them against are in ContribSchemas.cpp.
//
//===----------------------------------------------------------------------===//

#include "../ContribSchemas.h"
#include "Broadcast.h"
#include "MatMul.h"
#include "RuntimeChecks.h"
#include "Signedness.h"
#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/IR/WeightStorage.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace {

RankedTensorType getType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// The `bits`-wide field `index` of a byte string packed least significant
/// bits first.
uint32_t unpackField(ArrayRef<char> bytes, int64_t offset, int64_t index,
                     int64_t bits) {
  int64_t bit = index * bits;
  return (uint8_t(bytes[offset + bit / 8]) >> (bit % 8)) & ((1u << bits) - 1);
}

/// The float zero points of MatMulNBits, N x blocks: given as floats, or as
/// `bits`-wide unsigned fields packed per row.
FailureOr<Value> buildZeroPoints(NodeImporter &node, int64_t n, int64_t blocks,
                                 int64_t bits, Type elementType) {
  Value input = node.getInput(3);
  if (!input)
    return failure();
  ElementsAttr zpAttr = matchConstantBits(input);
  std::optional<ArrayRef<char>> bytes =
      zpAttr ? mlir::tern::getRawBytes(zpAttr) : std::nullopt;
  OpBuilder &b = node.getBuilder();
  auto type = RankedTensorType::get({n, blocks}, elementType);
  if (zpAttr && isa<FloatType>(zpAttr.getElementType())) {
    if (zpAttr.getElementType() != elementType ||
        zpAttr.getNumElements() != n * blocks)
      return node.emitError()
             << "float zero_points needs one " << elementType << " per block";
    return Value(arith::ConstantOp::create(
        b, node.getLoc(),
        cast<TypedAttr>(mlir::tern::reinterpretConstant(zpAttr, type))));
  }
  int64_t rowBytes = (blocks * bits + 7) / 8;
  if (!zpAttr || !zpAttr.getElementType().isInteger(8) || !bytes ||
      zpAttr.getNumElements() != n * rowBytes)
    return node.emitError()
           << "zero_points must be a constant of " << n << " x " << rowBytes
           << " uint8 (packed) or one float per block";
  ElementsAttr zeroPoints = mlir::tern::createResourceConstant(
      type, "matmulnbits_zero_points", [&](MutableArrayRef<char> data) {
        auto *out = reinterpret_cast<float *>(data.data());
        for (int64_t row = 0; row < n; ++row)
          for (int64_t j = 0; j < blocks; ++j)
            out[row * blocks + j] =
                float(unpackField(*bytes, row * rowBytes, j, bits));
        return true;
      });
  return Value(
      arith::ConstantOp::create(b, node.getLoc(), cast<TypedAttr>(zeroPoints)));
}

/// com.microsoft MatMulNBits: Y = A x dequantize(B)^T (+ bias). B holds, for
/// each of the N outputs, ceil(K / block_size) blocks of block_size codes
/// of `bits` bits, least significant first; code q of block j dequantizes
/// to (q - zero_point[n, j]) * scale[n, j]. The zero point defaults to
/// 2^(bits-1), and packed uint8 zero points hold `bits`-wide fields too.
/// The codes stay packed: B becomes the operand of a tern.quant_matmul
/// without being copied (tern-ternarize finds the ternary ones).
LogicalResult convertMatMulNBits(NodeImporter &node) {
  Value a = node.getInput(0);
  if (!a)
    return failure();
  int64_t k = node.getIntAttr("K", 0), n = node.getIntAttr("N", 0);
  int64_t bits = node.getIntAttr("bits", 4);
  int64_t blockSize = node.getIntAttr("block_size", 0);
  if (bits != 2 && bits != 4 && bits != 8)
    return node.emitError()
           << "bits = " << bits << " is not supported (2, 4 or 8)";
  if (k <= 0 || n <= 0 || blockSize <= 0 || (blockSize * bits) % 8 != 0)
    return node.emitError() << "K and N must be positive and block_size a "
                               "whole number of bytes of codes";
  if (node.hasInput(4))
    return node.emitError() << "g_idx is not supported";
  Type elementType = getType(a).getElementType();
  if (!elementType.isF32())
    return node.emitError() << "only float32 activations are supported";
  if (getType(a).getRank() == 0 ||
      (!getType(a).isDynamicDim(getType(a).getRank() - 1) &&
       getType(a).getShape().back() != k))
    return node.emitError()
           << "A must end in K = " << k << ", got " << a.getType();
  Value packedValue = node.getInput(1), scaleValue = node.getInput(2);
  if (!packedValue || !scaleValue)
    return failure();
  ElementsAttr packed = matchConstantBits(packedValue);
  ElementsAttr scaleAttr = matchConstantBits(scaleValue);
  if (!packed || !scaleAttr || !packed.getElementType().isInteger(8) ||
      scaleAttr.getElementType() != elementType)
    return node.emitError() << "B must be a uint8 constant and scales a "
                               "constant of the activations' type";
  int64_t blocks = (k + blockSize - 1) / blockSize;
  int64_t blobSize = blockSize * bits / 8;
  if (packed.getNumElements() != n * blocks * blobSize)
    return node.emitError()
           << "B has " << packed.getNumElements() << " bytes; N x blocks x "
           << "blob size needs " << n * blocks * blobSize;
  if (scaleAttr.getNumElements() != n * blocks)
    return node.emitError() << "scales has " << scaleAttr.getNumElements()
                            << " entries for " << n * blocks << " blocks";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value zeroPoints;
  if (node.hasInput(3)) {
    FailureOr<Value> zp = buildZeroPoints(node, n, blocks, bits, elementType);
    if (failed(zp))
      return failure();
    zeroPoints = *zp;
  }
  // The initializers' bytes under the op's 2-D shapes (no copy).
  Value codes = arith::ConstantOp::create(
      b, loc,
      cast<TypedAttr>(mlir::tern::reinterpretConstant(
          packed,
          RankedTensorType::get({n, blocks * blobSize}, b.getI8Type()))));
  Value scales = arith::ConstantOp::create(
      b, loc,
      cast<TypedAttr>(mlir::tern::reinterpretConstant(
          scaleAttr, RankedTensorType::get({n, blocks}, elementType))));
  // accuracy_level 4 asks for int8 activations (ONNX Runtime quantizes
  // them per block of block_size).
  bool int8Activations = node.getIntAttr("accuracy_level", 0) == 4;
  Value y = buildLinearLayer(b, loc, a, n, [&](Value rows) -> Value {
    auto rowsType = getType(rows);
    auto resultType =
        RankedTensorType::get({rowsType.getDimSize(0), n}, elementType);
    return mlir::tern::QuantMatmulOp::create(
        b, loc, resultType, rows, codes, scales, zeroPoints,
        b.getI64IntegerAttr(bits), b.getI64IntegerAttr(blockSize),
        b.getI64IntegerAttr(k), /*signed_codes=*/UnitAttr(),
        /*k_major=*/UnitAttr(), int8Activations ? b.getUnitAttr() : UnitAttr());
  });
  if (node.hasInput(5)) {
    Value bias = node.getInput(5);
    if (!bias)
      return failure();
    FailureOr<Value> biased = buildBroadcastElementwise(
        node, {y, bias}, elementType,
        [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          return arith::AddFOp::create(nb, nloc, args[0], args[1]);
        });
    if (failed(biased))
      return failure();
    y = *biased;
  }
  node.setOutput(0, y);
  return success();
}

/// An elementwise activation of X, plus the optional bias input 1 first
/// (broadcast, as ONNX Runtime broadcasts it along the last dimension).
LogicalResult
convertBiasedActivation(NodeImporter &node,
                        function_ref<Value(OpBuilder &, Location, Value)> f) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  Type elementType = getElementTypeOrSelf(input.getType());
  if (!isa<FloatType>(elementType))
    return node.emitError()
           << "element type " << elementType << " is not supported by this op";
  SmallVector<Value> operands = {input};
  if (node.hasInput(1)) {
    Value bias = node.getInput(1);
    if (!bias)
      return failure();
    operands.push_back(bias);
  }
  FailureOr<Value> y = buildBroadcastElementwise(
      node, operands, elementType,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value x =
            args.size() > 1
                ? arith::AddFOp::create(b, loc, args[0], args[1]).getResult()
                : args[0];
        return f(b, loc, x);
      });
  if (failed(y))
    return failure();
  node.setOutput(0, *y);
  return success();
}

Value floatConstant(OpBuilder &b, Location loc, Type type, double v) {
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, v));
}

/// FastGelu: the tanh approximation, 0.5 x (1 + tanh(sqrt(2/pi) (x +
/// 0.044715 x^3))).
LogicalResult convertFastGelu(NodeImporter &node) {
  return convertBiasedActivation(
      node, [](OpBuilder &b, Location loc, Value x) -> Value {
        Type t = x.getType();
        Value cube = arith::MulFOp::create(b, loc, x,
                                           arith::MulFOp::create(b, loc, x, x));
        Value inner = arith::MulFOp::create(
            b, loc, floatConstant(b, loc, t, 0.7978845608028654),
            arith::AddFOp::create(
                b, loc, x,
                arith::MulFOp::create(
                    b, loc, floatConstant(b, loc, t, 0.044715), cube)));
        Value half =
            arith::MulFOp::create(b, loc, floatConstant(b, loc, t, 0.5), x);
        return arith::MulFOp::create(
            b, loc, half,
            arith::AddFOp::create(b, loc, floatConstant(b, loc, t, 1.0),
                                  math::TanhOp::create(b, loc, inner)));
      });
}

/// BiasGelu: the exact Gelu of X + bias, 0.5 x (1 + erf(x / sqrt(2))).
LogicalResult convertBiasGelu(NodeImporter &node) {
  return convertBiasedActivation(
      node, [](OpBuilder &b, Location loc, Value x) -> Value {
        Type t = x.getType();
        Value scaled = arith::MulFOp::create(
            b, loc, x, floatConstant(b, loc, t, 0.7071067811865476));
        Value half =
            arith::MulFOp::create(b, loc, floatConstant(b, loc, t, 0.5), x);
        return arith::MulFOp::create(
            b, loc, half,
            arith::AddFOp::create(b, loc, floatConstant(b, loc, t, 1.0),
                                  math::ErfOp::create(b, loc, scaled)));
      });
}

/// QuickGelu: x * sigmoid(alpha x).
LogicalResult convertQuickGelu(NodeImporter &node) {
  double alpha = node.getFloatAttr("alpha", 1.702f);
  return convertBiasedActivation(
      node, [alpha](OpBuilder &b, Location loc, Value x) -> Value {
        Type t = x.getType();
        Value z =
            arith::MulFOp::create(b, loc, x, floatConstant(b, loc, t, alpha));
        // sigmoid(z) = 1 / (1 + exp(-z))
        Value sigmoid = arith::DivFOp::create(
            b, loc, floatConstant(b, loc, t, 1.0),
            arith::AddFOp::create(
                b, loc, floatConstant(b, loc, t, 1.0),
                math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, z))));
        return arith::MulFOp::create(b, loc, x, sigmoid);
      });
}

} // namespace

void ::tern::registerContribConverters(OpConverterRegistry &registry) {
  registry.add("MatMulNBits", 1, 1, convertMatMulNBits, kContribDomain);
  registry.add("FastGelu", 1, 1, convertFastGelu, kContribDomain);
  registry.add("BiasGelu", 1, 1, convertBiasGelu, kContribDomain);
  registry.add("QuickGelu", 1, 1, convertQuickGelu, kContribDomain);
}
