//===- TernOps.cpp - Tern operations --------------------------------------===//

#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/IR/Packing.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::tern;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

std::optional<std::vector<int8_t>>
mlir::tern::getInt8Values(ElementsAttr attr) {
  if (!attr.getElementType().isInteger(8))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    std::vector<int8_t> values;
    values.reserve(dense.getNumElements());
    for (const APInt &v : dense.getValues<APInt>())
      values.push_back(static_cast<int8_t>(v.getSExtValue()));
    return values;
  }
  if (auto resource = dyn_cast<DenseI8ResourceElementsAttr>(attr))
    if (std::optional<ArrayRef<int8_t>> values = resource.tryGetAsArrayRef())
      return std::vector<int8_t>(values->begin(), values->end());
  return std::nullopt;
}

bool mlir::tern::isTernaryValued(ElementsAttr attr) {
  auto isTernary = [](int64_t v) { return v >= -1 && v <= 1; };
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    if (dense.isSplat())
      return isTernary(dense.getSplatValue<APInt>().getSExtValue());
    return llvm::all_of(dense.getValues<APInt>(), [&](const APInt &v) {
      return isTernary(v.getSExtValue());
    });
  }
  if (auto resource = dyn_cast<DenseI8ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<int8_t>> values = resource.tryGetAsArrayRef();
    return values && llvm::all_of(*values, isTernary);
  }
  return false;
}

/// Two dimension sizes agree unless both are static and differ.
static bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// The logical `N x K` shape of i8 or packed ternary weights.
static SmallVector<int64_t, 2> getWeightShape(Type weights) {
  if (auto packed = dyn_cast<PackedWeightsType>(weights))
    return SmallVector<int64_t, 2>(packed.getShape());
  return SmallVector<int64_t, 2>(cast<ShapedType>(weights).getShape());
}

/// A weight scale is a 0-d tensor (per tensor) or has one element per output
/// channel.
static LogicalResult verifyScale(Operation *op, ShapedType scale, int64_t n) {
  if (scale.getRank() == 1 && !dimsCompatible(scale.getDimSize(0), n))
    return op->emitOpError("per-channel scale must have ")
           << n << " elements (one per output channel), got "
           << scale.getDimSize(0);
  return success();
}

/// Checks `input [..., K]` x `weights [N, K]` -> `result [..., N]`.
static LogicalResult verifyMatmulShapes(Operation *op, ShapedType inputType,
                                        Type weightsType,
                                        ShapedType resultType) {
  SmallVector<int64_t, 2> weightShape = getWeightShape(weightsType);
  if (weightShape.size() != 2)
    return op->emitOpError("weights must be N x K");
  int64_t n = weightShape[0], k = weightShape[1];
  if (inputType.getRank() < 1)
    return op->emitOpError("input must have at least one dimension");
  if (resultType.getRank() != inputType.getRank())
    return op->emitOpError("result rank ")
           << resultType.getRank() << " does not match input rank "
           << inputType.getRank();
  if (!dimsCompatible(inputType.getShape().back(), k))
    return op->emitOpError("input reduction dimension ")
           << inputType.getShape().back()
           << " does not match weights K = " << k;
  for (int64_t i = 0, e = inputType.getRank() - 1; i < e; ++i)
    if (!dimsCompatible(inputType.getDimSize(i), resultType.getDimSize(i)))
      return op->emitOpError("result dimension ")
             << i << " does not match input dimension " << i;
  if (!dimsCompatible(resultType.getShape().back(), n))
    return op->emitOpError("result last dimension ")
           << resultType.getShape().back()
           << " does not match weights N = " << n;
  return success();
}

/// `quant(per_token_absmax)`, or nothing for the default `none`.
static ParseResult parseActQuant(OpAsmParser &parser, ActQuantModeAttr &mode) {
  if (failed(parser.parseOptionalKeyword("quant"))) {
    mode = ActQuantModeAttr::get(parser.getContext(), ActQuantMode::none);
    return success();
  }
  StringRef keyword;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLParen() || parser.parseKeyword(&keyword) ||
      parser.parseRParen())
    return failure();
  std::optional<ActQuantMode> parsed = symbolizeActQuantMode(keyword);
  if (!parsed)
    return parser.emitError(loc, "unknown activation quantization mode '")
           << keyword << "'";
  mode = ActQuantModeAttr::get(parser.getContext(), *parsed);
  return success();
}

static void printActQuant(OpAsmPrinter &printer, Operation *,
                          ActQuantModeAttr mode) {
  if (mode && mode.getValue() != ActQuantMode::none)
    printer << " quant(" << stringifyActQuantMode(mode.getValue()) << ")";
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

ParseResult ConstantOp::parse(OpAsmParser &parser, OperationState &result) {
  ElementsAttr value;
  if (parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseAttribute(value, "value", result.attributes))
    return failure();
  result.addTypes(value.getType());
  return success();
}

void ConstantOp::print(OpAsmPrinter &printer) {
  printer.printOptionalAttrDict((*this)->getAttrs(), {"value"});
  printer << ' ';
  printer.printAttribute(getValue());
}

LogicalResult ConstantOp::verify() {
  if (getValue().getType() != getType())
    return emitOpError("value type ")
           << getValue().getType() << " does not match result type "
           << getType();
  if (!isTernaryValued(getValue()))
    return emitOpError("value must contain only -1, 0 and 1");
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  auto resultType = getResult().getType();
  auto scaleType = getScale().getType();
  if (failed(verifyMatmulShapes(*this, getInput().getType(),
                                getWeights().getType(), resultType)))
    return failure();
  if (getInput().getType().getElementType() != resultType.getElementType() ||
      scaleType.getElementType() != resultType.getElementType())
    return emitOpError(
        "input, scale and result must have the same element type");
  std::optional<int64_t> block = getScaleBlock();
  if (scaleType.getRank() < 2) {
    if (block)
      return emitOpError("scale_block needs a per-block scale of rank 2");
    return verifyScale(*this, scaleType, resultType.getShape().back());
  }
  if (!block || *block <= 0)
    return emitOpError("a rank-2 scale needs a positive scale_block");
  if (getActQuant() != ActQuantMode::none)
    return emitOpError("per-block scales are not supported with quantized "
                       "activations");
  SmallVector<int64_t, 2> weightShape = getWeightShape(getWeights().getType());
  int64_t n = weightShape[0], k = weightShape[1];
  int64_t blocks = ShapedType::isDynamic(k) ? ShapedType::kDynamic
                                            : llvm::divideCeil(k, *block);
  if (!dimsCompatible(scaleType.getDimSize(0), n) ||
      !dimsCompatible(scaleType.getDimSize(1), blocks))
    return emitOpError("per-block scale must be ")
           << n << " x " << blocks << " (channels x blocks of " << *block
           << "), got " << scaleType;
  return success();
}

//===----------------------------------------------------------------------===//
// QuantMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult QuantMatmulOp::verify() {
  int64_t bits = getBits(), block = getBlockSize(), k = getK();
  if (bits != 2 && bits != 4 && bits != 8)
    return emitOpError("bits must be 2, 4 or 8, got ") << bits;
  if (block <= 0 || (block * bits) % 8 != 0)
    return emitOpError("block_size must be positive and fill whole bytes, "
                       "got ")
           << block;
  if (k <= 0)
    return emitOpError("k must be positive, got ") << k;
  auto inputType = getInput().getType();
  auto codesType = getCodes().getType();
  auto resultType = getResult().getType();
  int64_t n = getN();
  if (!dimsCompatible(inputType.getDimSize(1), k))
    return emitOpError("input reduction dimension ")
           << inputType.getDimSize(1) << " does not match k = " << k;
  if ((getSignedCodes() || getKMajor()) && bits != 8)
    return emitOpError("signed_codes and k_major need bits = 8");
  if (getKMajor() && (block != k || codesType.getDimSize(0) != k))
    return emitOpError("k_major codes must be k x N with one block of k, got ")
           << codesType << " and block_size " << block;
  if (!getKMajor() && !dimsCompatible(codesType.getDimSize(1), getRowBytes()))
    return emitOpError("codes must have ")
           << getRowBytes() << " bytes per output channel (" << getNumBlocks()
           << " blocks of " << block << " " << bits << "-bit codes), got "
           << codesType.getDimSize(1);
  if (!dimsCompatible(resultType.getDimSize(0), inputType.getDimSize(0)) ||
      !dimsCompatible(resultType.getDimSize(1), n))
    return emitOpError("result must be ")
           << "rows x " << n << ", got " << resultType;
  SmallVector<Value> params = {getScales()};
  if (getZeroPoints())
    params.push_back(getZeroPoints());
  for (Value param : params) {
    auto type = cast<RankedTensorType>(param.getType());
    if (!dimsCompatible(type.getDimSize(0), n) ||
        !dimsCompatible(type.getDimSize(1), getNumBlocks()))
      return emitOpError("scales and zero points must be ")
             << n << " x " << getNumBlocks() << ", got " << type;
  }
  Type elementType = resultType.getElementType();
  if (inputType.getElementType() != elementType ||
      getScales().getType().getElementType() != elementType)
    return emitOpError(
        "input, scales and result must have the same element type");
  return success();
}

//===----------------------------------------------------------------------===//
// IntMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult IntMatmulOp::verify() {
  return verifyMatmulShapes(*this, getInput().getType(), getWeights().getType(),
                            getResult().getType());
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  auto inputType = getInput().getType();
  auto resultType = cast<RankedTensorType>(getResult().getType());
  auto scaleType = cast<RankedTensorType>(getActScale().getType());
  if (getEps().convertToFloat() <= 0.0f)
    return emitOpError("eps must be positive");
  if (inputType.getRank() < 1)
    return emitOpError("input must have at least one dimension");
  if (failed(
          verifyCompatibleShape(inputType.getShape(), resultType.getShape())))
    return emitOpError("result shape must match input shape");
  if (scaleType.getRank() != inputType.getRank())
    return emitOpError("act_scale must have the input's rank");
  for (int64_t i = 0, e = inputType.getRank() - 1; i < e; ++i)
    if (!dimsCompatible(inputType.getDimSize(i), scaleType.getDimSize(i)))
      return emitOpError("act_scale dimension ")
             << i << " does not match input dimension " << i;
  if (scaleType.getShape().back() != 1)
    return emitOpError("act_scale last dimension must be 1 (one scale per "
                       "token)");
  if (scaleType.getElementType() != inputType.getElementType())
    return emitOpError("act_scale must have the input's element type");
  return success();
}

LogicalResult DequantizeOp::verify() {
  auto inputType = getInput().getType();
  auto actScaleType = getActScale().getType();
  auto scaleType = getScale().getType();
  auto resultType = getResult().getType();
  if (inputType.getRank() < 1)
    return emitOpError("input must have at least one dimension");
  if (failed(
          verifyCompatibleShape(inputType.getShape(), resultType.getShape())))
    return emitOpError("result shape must match input shape");
  bool actScaleMatches = actScaleType.getRank() == inputType.getRank() &&
                         actScaleType.getShape().back() == 1;
  for (int64_t i = 0, e = inputType.getRank() - 1; actScaleMatches && i < e;
       ++i)
    actScaleMatches =
        dimsCompatible(actScaleType.getDimSize(i), inputType.getDimSize(i));
  if (!actScaleMatches)
    return emitOpError("act_scale must match the input with a last dimension "
                       "of 1 (one scale per token)");
  if (actScaleType.getElementType() != resultType.getElementType() ||
      scaleType.getElementType() != resultType.getElementType())
    return emitOpError("act_scale, scale and result must have the same "
                       "element type");
  return verifyScale(*this, scaleType, inputType.getShape().back());
}

//===----------------------------------------------------------------------===//
// PackOp / UnpackOp
//===----------------------------------------------------------------------===//

static LogicalResult verifyPackedShape(Operation *op, ShapedType unpacked,
                                       PackedWeightsType packed) {
  if (!unpacked.hasStaticShape())
    return op->emitOpError("unpacked weights must have a static shape");
  if (unpacked.getShape() != packed.getShape())
    return op->emitOpError("unpacked shape does not match packed shape");
  return success();
}

LogicalResult PackOp::verify() {
  return verifyPackedShape(*this, getInput().getType(), getResult().getType());
}

OpFoldResult PackOp::fold(FoldAdaptor adaptor) {
  // pack(unpack(p)) is p when both name the same layout.
  if (auto unpack = getInput().getDefiningOp<UnpackOp>())
    if (unpack.getInput().getType() == getType())
      return unpack.getInput();
  // Packing a constant gives the packed bytes.
  auto constant = dyn_cast_if_present<ElementsAttr>(adaptor.getInput());
  if (!constant)
    return {};
  std::optional<std::vector<int8_t>> weights = getInt8Values(constant);
  if (!weights || !isTernaryValued(constant))
    return {};
  PackedWeightsType type = getType();
  std::vector<int8_t> bytes = packTernary(*weights, type.getNumRows(),
                                          type.getNumCols(), type.getLayout());
  auto bytesType = RankedTensorType::get(
      {type.getNumRows(), type.getLayout().getRowBytes(type.getNumCols())},
      IntegerType::get(getContext(), 8));
  return DenseElementsAttr::get(bytesType, ArrayRef<int8_t>(bytes));
}

LogicalResult UnpackOp::verify() {
  return verifyPackedShape(*this, getResult().getType(), getInput().getType());
}

OpFoldResult UnpackOp::fold(FoldAdaptor adaptor) {
  // unpack(pack(w)) is w: packing is lossless for ternary values.
  if (auto pack = getInput().getDefiningOp<PackOp>())
    if (pack.getInput().getType() == getType())
      return pack.getInput();
  // Unpacking constant bytes gives the ternary weights.
  auto constant = dyn_cast_if_present<ElementsAttr>(adaptor.getInput());
  if (!constant)
    return {};
  std::optional<std::vector<int8_t>> bytes = getInt8Values(constant);
  if (!bytes)
    return {};
  PackedWeightsType type = getInput().getType();
  std::vector<int8_t> weights = unpackTernary(
      *bytes, type.getNumRows(), type.getNumCols(), type.getLayout());
  return DenseElementsAttr::get(getType(), ArrayRef<int8_t>(weights));
}

//===----------------------------------------------------------------------===//
// PackedConstantOp
//===----------------------------------------------------------------------===//

LogicalResult PackedConstantOp::verify() {
  PackedWeightsType type = getType();
  auto bytesType = cast<ShapedType>(getBytes().getType());
  SmallVector<int64_t> expected = {
      type.getNumRows(), type.getLayout().getRowBytes(type.getNumCols())};
  if (!bytesType.getElementType().isInteger(8) ||
      bytesType.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("bytes must be an i8 tensor of ")
           << expected[0] << " x " << expected[1] << " for " << type << ", got "
           << bytesType;
  std::optional<std::vector<int8_t>> bytes = getInt8Values(getBytes());
  if (!bytes)
    return emitOpError("bytes must be dense or a dense_resource blob");
  if (!isValidPacking(*bytes, type.getLayout()))
    return emitOpError("bytes hold an encoding that is not valid in the '")
           << stringifyPackFormat(type.getLayout().getFormat()) << "' format";
  return success();
}

OpFoldResult PackedConstantOp::fold(FoldAdaptor) { return getBytes(); }

//===----------------------------------------------------------------------===//
// CheckOp
//===----------------------------------------------------------------------===//

LogicalResult CheckOp::canonicalize(CheckOp op, PatternRewriter &rewriter) {
  if (!matchPattern(op.getOk(), m_One()))
    return failure();
  rewriter.eraseOp(op);
  return success();
}

//===----------------------------------------------------------------------===//
// DotU8S8Op
//===----------------------------------------------------------------------===//

LogicalResult DotU8S8Op::verify() {
  int64_t lanes = getAcc().getType().getNumElements();
  int64_t bytes = getCodes().getType().getNumElements();
  if (bytes != 4 * lanes)
    return emitOpError("needs four bytes per i32 lane: ")
           << lanes << " lanes take " << 4 * lanes << " bytes, got " << bytes;
  return success();
}

#define GET_OP_CLASSES
#include "tern/Dialect/Tern/IR/TernOps.cpp.inc"
