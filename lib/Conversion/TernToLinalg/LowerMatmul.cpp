//===- LowerMatmul.cpp - Multiplication-free ternary matmuls --------------===//

#include "tern/Conversion/Passes.h"
#include "tern/Conversion/TernToLinalg/QuantKernels.h"
#include "tern/Conversion/TernToLinalg/TensorBuilders.h"
#include "tern/Conversion/TernToLinalg/TernaryKernels.h"
#include "tern/Dialect/Tern/IR/Packing.h"
#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/IR/WeightStorage.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNLOWERMATMUL
#include "tern/Conversion/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

/// The kernels' view of `weights`: i8 weights as they are, packed ones as
/// the bytes of their `tern.packed_constant` (a new arith.constant, so it
/// fails before creating anything).
FailureOr<KernelWeights> getKernelWeights(PatternRewriter &rewriter,
                                          Operation *op, Value weights) {
  KernelWeights result;
  if (auto packedType = dyn_cast<PackedWeightsType>(weights.getType())) {
    auto constant = weights.getDefiningOp<PackedConstantOp>();
    if (!constant)
      return rewriter.notifyMatchFailure(
          op, "packed weights must come from tern.packed_constant");
    result.data = arith::ConstantOp::create(
        rewriter, op->getLoc(), cast<TypedAttr>(constant.getBytes()));
    result.layout = packedType.getLayout();
    result.n = packedType.getNumRows();
    result.k = packedType.getNumCols();
    return result;
  }
  auto type = cast<RankedTensorType>(weights.getType());
  if (!type.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "weights need a static shape");
  result.data = weights;
  result.n = type.getDimSize(0);
  result.k = type.getDimSize(1);
  return result;
}

/// `input [..., K]` times the weights into `resultType [..., N]`, leading
/// dimensions folded into the kernel's rows and restored after.
Value buildContraction(PatternRewriter &rewriter, Location loc, Value input,
                       const KernelWeights &weights, MatmulStrategy strategy,
                       RankedTensorType resultType,
                       const BlockScales &scales = {},
                       int64_t kSliceBlocks = 0) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  Type accType = resultType.getElementType();
  if (rank == 2)
    return buildTernaryContraction(rewriter, loc, input, weights, strategy,
                                   accType, scales, kSliceBlocks);
  ReassociationIndices rows;
  for (int64_t d = 0; d < rank - 1; ++d)
    rows.push_back(d);
  SmallVector<ReassociationIndices> groups = {rows, {rank - 1}};
  if (rank == 1)
    groups = {};
  Value flat =
      rank == 1 ? tensor::ExpandShapeOp::create(
                      rewriter, loc,
                      RankedTensorType::get({1, inputType.getDimSize(0)},
                                            inputType.getElementType()),
                      input, SmallVector<ReassociationIndices>{{0, 1}})
                      .getResult()
                : tensor::CollapseShapeOp::create(rewriter, loc, input, groups)
                      .getResult();
  Value product = buildTernaryContraction(
      rewriter, loc, flat, weights, strategy, accType, scales, kSliceBlocks);
  if (rank == 1)
    return tensor::CollapseShapeOp::create(
        rewriter, loc, resultType, product,
        SmallVector<ReassociationIndices>{{0, 1}});
  SmallVector<OpFoldResult> outputShape;
  for (int64_t d = 0; d < rank - 1; ++d)
    outputShape.push_back(tensor::getMixedSize(rewriter, loc, input, d));
  outputShape.push_back(rewriter.getIndexAttr(weights.n));
  return tensor::ExpandShapeOp::create(rewriter, loc, resultType, product,
                                       groups, outputShape);
}

/// Float `tern.matmul` without activation quantization.
struct LowerFloatMatmul : public OpRewritePattern<MatmulOp> {
  LowerFloatMatmul(MLIRContext *ctx, MatmulStrategy strategy)
      : OpRewritePattern(ctx), strategy(strategy) {}

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getActQuant() != ActQuantMode::none)
      return rewriter.notifyMatchFailure(op, "quantized matmul");
    std::optional<int64_t> block = op.getScaleBlock();
    if (block) {
      // Per-block scales are applied inside the kernel, per vector of
      // weights, so a scale block must hold whole vectors.
      auto packed = dyn_cast<PackedWeightsType>(op.getWeights().getType());
      int64_t lanes = packed ? getLanes(packed.getLayout()) : kUnpackedLanes;
      if (strategy == MatmulStrategy::Lut || *block % lanes != 0)
        return rewriter.notifyMatchFailure(op, "unsupported per-block scale");
    }
    // Creates IR: every check that can fail comes before it.
    FailureOr<KernelWeights> weights =
        getKernelWeights(rewriter, op, op.getWeights());
    if (failed(weights))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getResult().getType();
    if (block) {
      rewriter.replaceOp(
          op, buildContraction(rewriter, loc, op.getInput(), *weights, strategy,
                               resultType, BlockScales{op.getScale(), *block}));
      return success();
    }
    Value sum = buildContraction(rewriter, loc, op.getInput(), *weights,
                                 strategy, resultType);

    // Scale once per output rather than once per weight.
    unsigned rank = resultType.getRank();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap scaleMap =
        getScaleMap(ctx, op.getScale().getType().getRank(), rank, rank - 1);
    Value init = createEmptyLike(rewriter, loc, sum, resultType.getShape(),
                                 resultType.getElementType());
    auto scaled = linalg::GenericOp::create(
        rewriter, loc, resultType, ValueRange{sum, op.getScale()},
        ValueRange{init}, ArrayRef<AffineMap>{identity, scaleMap, identity},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [](OpBuilder &b, Location loc, ValueRange args) {
          linalg::YieldOp::create(
              b, loc, Value(arith::MulFOp::create(b, loc, args[0], args[1])));
        });
    rewriter.replaceOp(op, scaled.getResult(0));
    return success();
  }

  MatmulStrategy strategy;
};

/// Quantized `tern.matmul` becomes quantize, exact int_matmul, dequantize.
struct SplitQuantizedMatmul : public OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getActQuant() != ActQuantMode::per_token_absmax)
      return rewriter.notifyMatchFailure(op, "not per-token quantized");
    Location loc = op.getLoc();
    auto inputType = op.getInput().getType();
    RankedTensorType resultType = op.getResult().getType();
    SmallVector<int64_t> scaleShape(inputType.getShape());
    scaleShape.back() = 1;
    auto quantize =
        QuantizeOp::create(rewriter, loc, inputType.clone(rewriter.getI8Type()),
                           inputType.clone(scaleShape), op.getInput(),
                           rewriter.getF32FloatAttr(1.0e-5f));
    auto acc = IntMatmulOp::create(rewriter, loc,
                                   resultType.clone(rewriter.getI32Type()),
                                   quantize.getResult(), op.getWeights());
    rewriter.replaceOpWithNewOp<DequantizeOp>(
        op, resultType, acc, quantize.getActScale(), op.getScale());
    return success();
  }
};

struct LowerIntMatmul : public OpRewritePattern<IntMatmulOp> {
  LowerIntMatmul(MLIRContext *ctx, MatmulStrategy strategy,
                 int64_t kSliceBlocks)
      : OpRewritePattern(ctx), strategy(strategy), kSliceBlocks(kSliceBlocks) {}

  LogicalResult matchAndRewrite(IntMatmulOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<KernelWeights> weights =
        getKernelWeights(rewriter, op, op.getWeights());
    if (failed(weights))
      return failure();
    rewriter.replaceOp(op, buildContraction(rewriter, op.getLoc(),
                                            op.getInput(), *weights, strategy,
                                            op.getResult().getType(),
                                            /*scales=*/{}, kSliceBlocks));
    return success();
  }

  MatmulStrategy strategy;
  int64_t kSliceBlocks;
};

/// The strategy a target prefers when asked for `auto`: int8 dot products,
/// which every CPU target Tern has executes fastest (see
/// docs/Strategies.md for the measurements).
MatmulStrategy resolveStrategy(MatmulStrategy strategy) {
  return strategy == MatmulStrategy::Auto ? MatmulStrategy::Dot : strategy;
}

/// Once only linalg reads a ternary constant, it is an ordinary i8 constant
/// that bufferization knows how to place in a global.
struct LowerTernaryConstant : public OpRewritePattern<ConstantOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConstantOp op,
                                PatternRewriter &rewriter) const override {
    for (Operation *user : op->getUsers())
      if (isa<TernDialect>(user->getDialect()))
        return rewriter.notifyMatchFailure(op, "still read by a tern op");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, cast<TypedAttr>(op.getValue()));
    return success();
  }
};

/// Packed constants no tern op reads any more are dead; the kernels made
/// their own arith.constant of the bytes.
struct LowerPackedConstant : public OpRewritePattern<PackedConstantOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PackedConstantOp op,
                                PatternRewriter &rewriter) const override {
    if (!op->use_empty())
      return rewriter.notifyMatchFailure(op, "still read");
    rewriter.eraseOp(op);
    return success();
  }
};

/// The vector kernels' view of a tern.quant_matmul's weights: unsigned
/// codes, one output channel per row. QDQ's K-major (and signed) int8
/// codes are transposed (and shifted by 128, with the zero point) into a
/// new constant once, at compile time. Fails, creating nothing, where the
/// kernels do not apply (see isQuantKernelBlock; non-f32, codes or zero points
/// to rewrite that are not constants).
FailureOr<QuantWeights> getQuantWeights(PatternRewriter &rewriter,
                                        QuantMatmulOp op) {
  QuantWeights w;
  w.bits = op.getBits();
  w.block = op.getBlockSize();
  w.k = op.getK();
  w.n = op.getN();
  w.defaultZeroPoint = double(op.getDefaultZeroPoint());
  if ((w.bits != 4 && w.bits != 8) || !isQuantKernelBlock(w.block) ||
      !op.getInput().getType().getElementType().isF32() ||
      !op.getScales().getType().getElementType().isF32())
    return failure();
  bool shift = op.getSignedCodes();
  if (!op.getKMajor() && !shift) {
    w.codes = op.getCodes();
    w.scales = op.getScales();
    w.zeroPoints = op.getZeroPoints();
    return w;
  }
  // Rewritten codes: constants only, whole rows (one block per channel, as
  // QDQ's per-channel scales give).
  ElementsAttr codes, zeroPoints;
  if (w.bits != 8 || !matchPattern(op.getCodes(), m_Constant(&codes)) ||
      (op.getZeroPoints() &&
       !matchPattern(op.getZeroPoints(), m_Constant(&zeroPoints))))
    return failure();
  std::optional<ArrayRef<char>> bytes = getRawBytes(codes);
  if (!bytes)
    return failure();
  int64_t n = w.n, k = w.k;
  bool kMajor = op.getKMajor();
  auto codesType =
      RankedTensorType::get({n, op.getRowBytes()}, rewriter.getI8Type());
  ElementsAttr rewritten = createResourceConstant(
      codesType, "quant_codes", [&](MutableArrayRef<char> out) {
        int64_t rowBytes = op.getRowBytes();
        for (int64_t row = 0; row < n; ++row)
          for (int64_t col = 0; col < k; ++col) {
            char code = kMajor ? (*bytes)[col * n + row]
                               : (*bytes)[row * rowBytes + col];
            out[row * rowBytes + col] =
                shift ? char(uint8_t(code) ^ 0x80) : code;
          }
        return true;
      });
  Location loc = op.getLoc();
  w.codes =
      arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(rewritten));
  w.scales = op.getScales();
  if (shift)
    w.defaultZeroPoint += 128;
  if (zeroPoints) {
    SmallVector<float> values;
    for (APFloat v : zeroPoints.getValues<APFloat>())
      values.push_back(v.convertToFloat() + (shift ? 128.0f : 0.0f));
    auto type = cast<RankedTensorType>(zeroPoints.getType());
    w.zeroPoints = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(type, ArrayRef<float>(values)));
  }
  return w;
}

/// tern.quant_matmul on constant 4- and 8-bit codes in blocks the vector
/// kernels take (QuantKernels.h), integer dot products when
/// `int8_activations` (or the pass's option) asks for them.
struct LowerQuantMatmulToKernel : public OpRewritePattern<QuantMatmulOp> {
  LowerQuantMatmulToKernel(MLIRContext *ctx, bool int8Activations)
      : OpRewritePattern(ctx, /*benefit=*/2), int8Activations(int8Activations) {
  }

  LogicalResult matchAndRewrite(QuantMatmulOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<QuantWeights> weights = getQuantWeights(rewriter, op);
    if (failed(weights))
      return rewriter.notifyMatchFailure(op, "not for the vector kernels");
    rewriter.replaceOp(op, buildQuantContraction(
                               rewriter, op.getLoc(), op.getInput(), *weights,
                               int8Activations || op.getInt8Activations()));
    return success();
  }

  bool int8Activations;
};

/// Any other tern.quant_matmul (2-bit codes that are not ternary, other
/// blocks): one linalg.generic over rows, channels and K that decodes
/// each code where it is read, `acc += x * ((q - zero) * scale)`. Simple
/// and exact to the float dequantization; the codes never become floats in
/// memory.
struct LowerQuantMatmul : public OpRewritePattern<QuantMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantMatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = op.getResult().getType();
    Type elementType = resultType.getElementType();
    Value codes = op.getCodes(), scales = op.getScales(),
          zeroPoints = op.getZeroPoints();
    int64_t bits = op.getBits(), block = op.getBlockSize();
    Value init =
        createFilledLike(rewriter, loc, op.getInput(), resultType.getShape(),
                         rewriter.getFloatAttr(elementType, 0.0));
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               k = getAffineDimExpr(2, ctx);
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, k}, ctx),
                                   AffineMap::get(3, 0, {m, n}, ctx)};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, resultType, ValueRange{op.getInput()}, ValueRange{init},
        maps,
        {utils::IteratorType::parallel, utils::IteratorType::parallel,
         utils::IteratorType::reduction},
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          auto index = [&](int64_t v) -> Value {
            return arith::ConstantIndexOp::create(b, nloc, v);
          };
          Value channel = linalg::IndexOp::create(b, nloc, 1);
          Value kk = linalg::IndexOp::create(b, nloc, 2);
          int64_t perByte = 8 / bits;
          Value byteIndex = arith::DivUIOp::create(b, nloc, kk, index(perByte));
          Value field = arith::RemUIOp::create(b, nloc, kk, index(perByte));
          Value byte = tensor::ExtractOp::create(
              b, nloc, codes,
              op.getKMajor() ? ValueRange{byteIndex, channel}
                             : ValueRange{channel, byteIndex});
          Value wide =
              op.getSignedCodes()
                  ? Value(arith::ExtSIOp::create(b, nloc, b.getI32Type(), byte))
                  : Value(
                        arith::ExtUIOp::create(b, nloc, b.getI32Type(), byte));
          Value shift = arith::IndexCastOp::create(
              b, nloc, b.getI32Type(),
              arith::MulIOp::create(b, nloc, field, index(bits)));
          Value code =
              bits == 8
                  ? wide
                  : Value(arith::AndIOp::create(
                        b, nloc, arith::ShRUIOp::create(b, nloc, wide, shift),
                        arith::ConstantIntOp::create(b, nloc, b.getI32Type(),
                                                     (1 << bits) - 1)));
          Value blockIndex = arith::DivUIOp::create(b, nloc, kk, index(block));
          Value scale = tensor::ExtractOp::create(
              b, nloc, scales, ValueRange{channel, blockIndex});
          Value zero =
              zeroPoints
                  ? Value(tensor::ExtractOp::create(
                        b, nloc, zeroPoints, ValueRange{channel, blockIndex}))
                  : Value(arith::ConstantOp::create(
                        b, nloc,
                        b.getFloatAttr(elementType,
                                       double(op.getDefaultZeroPoint()))));
          // Codes of 8 bits or fewer are exact in i32 and in float.
          Value q = arith::SIToFPOp::create(b, nloc, elementType, code);
          Value weight = arith::MulFOp::create(
              b, nloc, arith::SubFOp::create(b, nloc, q, zero), scale);
          Value product = arith::MulFOp::create(b, nloc, args[0], weight);
          linalg::YieldOp::create(
              b, nloc,
              ValueRange{arith::AddFOp::create(b, nloc, args[1], product)});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct LowerMatmulPass
    : public tern::impl::TernLowerMatmulBase<LowerMatmulPass> {
  using TernLowerMatmulBase::TernLowerMatmulBase;

  void runOnOperation() override {
    MatmulStrategy chosen = resolveStrategy(strategy);
    // The lut strategy indexes its tables with 2-bit codes; say so up front
    // rather than leave the matmul unlowered.
    if (chosen == MatmulStrategy::Lut) {
      WalkResult lutCheck = getOperation().walk([](Operation *op) {
        if (!isa<MatmulOp, IntMatmulOp>(op))
          return WalkResult::advance();
        Value weights = op->getOperand(1);
        auto packed = dyn_cast<PackedWeightsType>(weights.getType());
        if (packed && packed.getLayout().getFormat() == PackFormat::i2)
          return WalkResult::advance();
        op->emitOpError("the lut strategy reads i2-packed weights; pack them "
                        "with tern-pack-weights{format=i2} first");
        return WalkResult::interrupt();
      });
      if (lutCheck.wasInterrupted())
        return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<SplitQuantizedMatmul, LowerTernaryConstant,
                 LowerPackedConstant, LowerQuantMatmul>(&getContext());
    patterns.add<LowerFloatMatmul>(&getContext(), chosen);
    patterns.add<LowerIntMatmul>(&getContext(), chosen, kSliceBlocks);
    patterns.add<LowerQuantMatmulToKernel>(&getContext(), int8Activations);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();

    // Anything left could not be lowered; say which op and why rather than
    // fail later in the LLVM lowering.
    WalkResult result = getOperation().walk([](Operation *op) {
      if (!isa<MatmulOp, IntMatmulOp>(op))
        return WalkResult::advance();
      auto matmul = dyn_cast<MatmulOp>(op);
      if (matmul && matmul.getScaleBlock())
        op->emitOpError("cannot be lowered by tern-lower-matmul: per-block "
                        "scales need the addsub or dot strategy and blocks "
                        "of a multiple of 32 weights");
      else if (isa<PackedWeightsType>(op->getOperand(1).getType()))
        op->emitOpError("cannot be lowered by tern-lower-matmul: packed "
                        "weights must come from tern.packed_constant");
      else
        op->emitOpError("cannot be lowered by tern-lower-matmul: the "
                        "weights need a static shape");
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
