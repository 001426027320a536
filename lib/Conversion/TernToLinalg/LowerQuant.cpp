//===- LowerQuant.cpp - Activation quantization to linalg -----------------===//

#include "tern/Conversion/Passes.h"
#include "tern/Conversion/TernToLinalg/TensorBuilders.h"
#include "tern/Dialect/Tern/IR/TernOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNLOWERQUANT
#include "tern/Conversion/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

/// The map from a rank-`rank` loop nest to a per-token `[..., 1]` tensor.
AffineMap getPerTokenMap(MLIRContext *ctx, unsigned rank) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d = 0; d + 1 < rank; ++d)
    exprs.push_back(getAffineDimExpr(d, ctx));
  exprs.push_back(getAffineConstantExpr(0, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
}

struct LowerQuantize : public OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = op.getInput();
    auto inputType = op.getInput().getType();
    auto scaleType = cast<RankedTensorType>(op.getActScale().getType());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    Type floatType = inputType.getElementType();
    unsigned rank = inputType.getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap perToken = getPerTokenMap(ctx, rank);
    SmallVector<utils::IteratorType> parallel(rank,
                                              utils::IteratorType::parallel);

    // absmax over the last dimension.
    SmallVector<utils::IteratorType> reduceLast = parallel;
    reduceLast.back() = utils::IteratorType::reduction;
    Value zeros = createFilledLike(rewriter, loc, input, scaleType.getShape(),
                                   rewriter.getZeroAttr(floatType));
    Value absMax =
        linalg::GenericOp::create(
            rewriter, loc, scaleType, ValueRange{input}, ValueRange{zeros},
            ArrayRef<AffineMap>{identity, perToken}, reduceLast,
            [](OpBuilder &b, Location loc, ValueRange args) {
              Value magnitude = math::AbsFOp::create(b, loc, args[0]);
              linalg::YieldOp::create(
                  b, loc,
                  Value(arith::MaximumFOp::create(b, loc, args[1], magnitude)));
            })
            .getResult(0);

    // act_scale = 127 / max(absmax, eps).
    double eps = op.getEps().convertToDouble();
    AffineMap scaleIdentity = rewriter.getMultiDimIdentityMap(rank);
    Value scaleInit =
        createEmptyLike(rewriter, loc, input, scaleType.getShape(), floatType);
    Value actScale =
        linalg::GenericOp::create(
            rewriter, loc, scaleType, ValueRange{absMax}, ValueRange{scaleInit},
            ArrayRef<AffineMap>{scaleIdentity, scaleIdentity}, parallel,
            [&](OpBuilder &b, Location loc, ValueRange args) {
              Value clamped = arith::MaximumFOp::create(
                  b, loc, args[0], floatConstant(b, loc, floatType, eps));
              Value scale = arith::DivFOp::create(
                  b, loc, floatConstant(b, loc, floatType, 127.0), clamped);
              linalg::YieldOp::create(b, loc, scale);
            })
            .getResult(0);

    // q = clamp(round_half_even(x * act_scale), -128, 127).
    Value quantInit =
        createEmptyLike(rewriter, loc, input, resultType.getShape(),
                        resultType.getElementType());
    Type i8 = resultType.getElementType();
    Value quantized =
        linalg::GenericOp::create(
            rewriter, loc, resultType, ValueRange{input, actScale},
            ValueRange{quantInit},
            ArrayRef<AffineMap>{identity, perToken, identity}, parallel,
            [&](OpBuilder &b, Location loc, ValueRange args) {
              Value scaled = arith::MulFOp::create(b, loc, args[0], args[1]);
              Value rounded = math::RoundEvenOp::create(b, loc, scaled);
              Value low = arith::MaximumFOp::create(
                  b, loc, rounded, floatConstant(b, loc, floatType, -128.0));
              Value high = arith::MinimumFOp::create(
                  b, loc, low, floatConstant(b, loc, floatType, 127.0));
              linalg::YieldOp::create(
                  b, loc, Value(arith::FPToSIOp::create(b, loc, i8, high)));
            })
            .getResult(0);
    rewriter.replaceOp(op, {quantized, actScale});
    return success();
  }
};

struct LowerDequantize : public OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType resultType = op.getResult().getType();
    unsigned rank = resultType.getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap scaleMap =
        getScaleMap(ctx, op.getScale().getType().getRank(), rank, rank - 1);
    Value init =
        createEmptyLike(rewriter, loc, op.getInput(), resultType.getShape(),
                        resultType.getElementType());
    Type floatType = resultType.getElementType();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, resultType,
        ValueRange{op.getInput(), op.getActScale(), op.getScale()},
        ValueRange{init},
        ArrayRef<AffineMap>{identity, getPerTokenMap(ctx, rank), scaleMap,
                            identity},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value acc = arith::SIToFPOp::create(b, loc, floatType, args[0]);
          Value unscaled = arith::DivFOp::create(b, loc, acc, args[1]);
          linalg::YieldOp::create(
              b, loc, Value(arith::MulFOp::create(b, loc, unscaled, args[2])));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct LowerQuantPass : public tern::impl::TernLowerQuantBase<LowerQuantPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerQuantize, LowerDequantize>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
