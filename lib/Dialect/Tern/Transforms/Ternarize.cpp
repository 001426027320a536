//===- Ternarize.cpp - Find ternary-valued matmul weights -----------------===//
//
// A BitNet b1.58 export stores each linear layer's weights as floats in
// {-s, 0, +s}. This pass recognizes such constants feeding linalg.matmul and
// replaces the matmul with tern.matmul over an exact i8 ternary constant and
// its scale, so no later stage has to rediscover the structure.
//
//===----------------------------------------------------------------------===//

#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNTERNARIZE
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

/// Ternary weights in N x K order with one scale per tensor, per row, or
/// per row and block of `scaleBlock` weights along K.
struct TernaryDecomposition {
  SmallVector<int8_t> weights;
  /// One entry for a per-tensor scale, N entries for per-channel scales,
  /// N x ceil(K / scaleBlock) for per-block scales.
  SmallVector<double> scales;
  int64_t scaleBlock = 0;
};

/// Splits `values` (a K x N matrix, or N x K when `isNK`) into signs and
/// scales. Fails unless every value is exactly -s, 0 or +s for a scale s
/// shared by the whole tensor or by each output channel.
std::optional<TernaryDecomposition> decompose(ArrayRef<double> values,
                                              int64_t n, int64_t k, bool isNK) {
  auto at = [&](int64_t row, int64_t col) {
    return isNK ? values[row * k + col] : values[col * n + row];
  };
  SmallVector<double> channelScales(n, 0.0);
  for (int64_t row = 0; row < n; ++row) {
    for (int64_t col = 0; col < k; ++col) {
      double magnitude = std::fabs(at(row, col));
      if (magnitude == 0.0)
        continue;
      if (channelScales[row] == 0.0)
        channelScales[row] = magnitude;
      else if (channelScales[row] != magnitude)
        return std::nullopt;
    }
  }
  double shared = 0.0;
  bool perTensor = true;
  for (double s : channelScales) {
    if (s == 0.0)
      continue;
    if (shared == 0.0)
      shared = s;
    perTensor &= s == shared;
  }
  if (shared == 0.0)
    return std::nullopt; // An all-zero matrix is not worth a ternary kernel.

  TernaryDecomposition result;
  result.weights.reserve(n * k);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t col = 0; col < k; ++col) {
      double v = at(row, col);
      result.weights.push_back(v > 0.0 ? 1 : (v < 0.0 ? -1 : 0));
    }
  if (perTensor) {
    result.scales.push_back(shared);
  } else {
    for (double &s : channelScales)
      if (s == 0.0)
        s = 1.0; // An all-zero channel: any scale gives zero.
    result.scales.assign(channelScales.begin(), channelScales.end());
  }
  return result;
}

/// Like `decompose`, with one scale per row and block of `block` weights
/// along K (block-quantized exports such as MatMulNBits).
std::optional<TernaryDecomposition> decomposePerBlock(ArrayRef<double> values,
                                                      int64_t n, int64_t k,
                                                      bool isNK,
                                                      int64_t block) {
  int64_t blocks = llvm::divideCeil(k, block);
  TernaryDecomposition result;
  result.scaleBlock = block;
  result.scales.assign(n * blocks, 0.0);
  result.weights.reserve(n * k);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t col = 0; col < k; ++col) {
      double v = isNK ? values[row * k + col] : values[col * n + row];
      double &scale = result.scales[row * blocks + col / block];
      double magnitude = std::fabs(v);
      if (magnitude != 0.0) {
        if (scale == 0.0)
          scale = magnitude;
        else if (scale != magnitude)
          return std::nullopt;
      }
      result.weights.push_back(v > 0.0 ? 1 : (v < 0.0 ? -1 : 0));
    }
  if (llvm::all_of(result.scales, [](double s) { return s == 0.0; }))
    return std::nullopt;
  for (double &s : result.scales)
    if (s == 0.0)
      s = 1.0; // An all-zero block: any scale gives zero.
  return result;
}

/// BitNet b1.58's absmean rule for weights trained in float: gamma =
/// max(mean |w|, 1e-5), w_t = clip(round_half_even(w / gamma), -1, 1), with
/// gamma as the per-tensor scale. Changes the model's numbers: only used
/// when asked for.
TernaryDecomposition absmeanTernarize(ArrayRef<double> values, int64_t n,
                                      int64_t k, bool isNK) {
  double sum = 0;
  for (double v : values)
    sum += std::fabs(v);
  double gamma = std::max(sum / double(values.size()), 1e-5);
  TernaryDecomposition result;
  result.weights.reserve(n * k);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t col = 0; col < k; ++col) {
      double v = isNK ? values[row * k + col] : values[col * n + row];
      double q = std::nearbyint(v / gamma); // the default mode: half to even
      result.weights.push_back(static_cast<int8_t>(std::clamp(q, -1.0, 1.0)));
    }
  result.scales.push_back(gamma);
  return result;
}

/// Reads a float constant's values, or fails for anything else.
std::optional<SmallVector<double>> getFloatValues(Value value) {
  DenseFPElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<double> values;
  values.reserve(attr.getNumElements());
  if (attr.isSplat()) {
    values.assign(attr.getNumElements(),
                  attr.getSplatValue<APFloat>().convertToDouble());
    return values;
  }
  for (const APFloat &v : attr.getValues<APFloat>())
    values.push_back(v.convertToDouble());
  return values;
}

bool isZeroFilled(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.value(), m_AnyZeroFloat());
  return matchPattern(init, m_AnyZeroFloat());
}

struct TernarizeMatmul : public OpRewritePattern<linalg::MatmulOp> {
  TernarizeMatmul(MLIRContext *ctx, int64_t minElements, bool absmean)
      : OpRewritePattern(ctx), minElements(minElements), absmean(absmean) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp matmul,
                                PatternRewriter &rewriter) const override {
    if (matmul.hasUserDefinedMaps() || !matmul.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(matmul, "not a plain tensor matmul");
    Value lhs = matmul.getInputs()[0], rhs = matmul.getInputs()[1];
    Value init = matmul.getOutputs()[0];
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    auto resultType = cast<RankedTensorType>(matmul.getResult(0).getType());
    Type elementType = resultType.getElementType();
    if (!isa<FloatType>(elementType) ||
        lhsType.getElementType() != elementType ||
        rhsType.getElementType() != elementType || !rhsType.hasStaticShape())
      return rewriter.notifyMatchFailure(matmul, "not a static float matmul");
    int64_t k = rhsType.getDimSize(0), n = rhsType.getDimSize(1);
    if (rhsType.getNumElements() < minElements)
      return rewriter.notifyMatchFailure(matmul, "weights below min-elements");

    // Gemm with transB = 1 imports as a transpose of an N x K constant.
    Value weightSource = rhs;
    bool isNK = false;
    if (auto transpose = rhs.getDefiningOp<linalg::TransposeOp>()) {
      if (transpose.getPermutation() == ArrayRef<int64_t>{1, 0}) {
        weightSource = transpose.getInput();
        isNK = true;
      }
    }
    std::optional<SmallVector<double>> values = getFloatValues(weightSource);
    if (!values)
      return rewriter.notifyMatchFailure(matmul, "weights are not constant");
    std::optional<TernaryDecomposition> ternary =
        decompose(*values, n, k, isNK);
    // Blocks of a multiple of the kernels' 32 lanes, largest first.
    for (int64_t block : {256, 128, 64, 32})
      if (!ternary && block < k)
        ternary = decomposePerBlock(*values, n, k, isNK, block);
    if (!ternary && absmean)
      ternary = absmeanTernarize(*values, n, k, isNK);
    if (!ternary)
      return rewriter.notifyMatchFailure(matmul, "weights are not ternary");

    Location loc = matmul.getLoc();
    auto weightType = RankedTensorType::get({n, k}, rewriter.getI8Type());
    auto weights = ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(weightType, ArrayRef<int8_t>(ternary->weights)));

    SmallVector<Attribute> scaleValues;
    for (double s : ternary->scales)
      scaleValues.push_back(rewriter.getFloatAttr(elementType, s));
    auto scaleType =
        ternary->scaleBlock
            ? RankedTensorType::get(
                  {n, llvm::divideCeil(k, ternary->scaleBlock)}, elementType)
        : ternary->scales.size() == 1 ? RankedTensorType::get({}, elementType)
                                      : RankedTensorType::get({n}, elementType);
    Value scale = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(scaleType, scaleValues));

    Value product = MatmulOp::create(
        rewriter, loc, resultType, lhs, weights, scale,
        ActQuantModeAttr::get(rewriter.getContext(), ActQuantMode::none),
        ternary->scaleBlock ? rewriter.getI64IntegerAttr(ternary->scaleBlock)
                            : IntegerAttr());
    if (!isZeroFilled(init)) {
      // linalg.matmul accumulates into its init; keep that sum.
      AffineMap identity = rewriter.getMultiDimIdentityMap(2);
      product =
          linalg::GenericOp::create(
              rewriter, loc, resultType, ValueRange{product}, ValueRange{init},
              ArrayRef<AffineMap>{identity, identity},
              SmallVector<utils::IteratorType>(2,
                                               utils::IteratorType::parallel),
              [](OpBuilder &b, Location loc, ValueRange args) {
                Value sum = arith::AddFOp::create(b, loc, args[1], args[0]);
                linalg::YieldOp::create(b, loc, sum);
              })
              .getResult(0);
    }
    rewriter.replaceOp(matmul, product);
    return success();
  }

  int64_t minElements;
  bool absmean;
};

struct TernarizePass : public tern::impl::TernTernarizeBase<TernarizePass> {
  using TernTernarizeBase::TernTernarizeBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<TernarizeMatmul>(&getContext(), minElements, absmean);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
