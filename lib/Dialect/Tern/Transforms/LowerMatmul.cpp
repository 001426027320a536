//===- LowerMatmul.cpp - Multiplication-free ternary matmuls --------------===//

#include "TensorBuilders.h"
#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNLOWERMATMUL
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

/// Emits `acc + x` where the weight is +1, `acc - x` where it is -1 and
/// `acc` where it is 0. `x` and `acc` are float or both integer.
Value buildAddSubStep(OpBuilder &b, Location loc, Value x, Value weight,
                      Value acc) {
  Type weightType = weight.getType();
  Value plusOne = arith::ConstantOp::create(b, loc, weightType,
                                            b.getIntegerAttr(weightType, 1));
  Value minusOne = arith::ConstantOp::create(b, loc, weightType,
                                             b.getIntegerAttr(weightType, -1));
  Value isPlus =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, weight, plusOne);
  Value isMinus =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, weight, minusOne);
  Value added, subtracted;
  if (isa<FloatType>(acc.getType())) {
    added = arith::AddFOp::create(b, loc, acc, x);
    subtracted = arith::SubFOp::create(b, loc, acc, x);
  } else {
    added = arith::AddIOp::create(b, loc, acc, x);
    subtracted = arith::SubIOp::create(b, loc, acc, x);
  }
  Value skipOrSub = arith::SelectOp::create(b, loc, isMinus, subtracted, acc);
  return arith::SelectOp::create(b, loc, isPlus, added, skipOrSub);
}

/// `result[..., n] = sum_k input[..., k] (+/-) weights[n, k]`, accumulated
/// in `accType`, as one linalg.generic over (batch..., n, k).
Value buildAddSubContraction(OpBuilder &b, Location loc, Value input,
                             Value weights, RankedTensorType resultType,
                             Type accType) {
  auto inputType = cast<RankedTensorType>(input.getType());
  unsigned rank = inputType.getRank();
  unsigned numLoops = rank + 1;
  unsigned nDim = rank - 1, kDim = rank;
  MLIRContext *ctx = b.getContext();

  SmallVector<AffineExpr> inputExprs, outputExprs;
  for (unsigned d = 0; d < rank - 1; ++d) {
    inputExprs.push_back(getAffineDimExpr(d, ctx));
    outputExprs.push_back(getAffineDimExpr(d, ctx));
  }
  inputExprs.push_back(getAffineDimExpr(kDim, ctx));
  outputExprs.push_back(getAffineDimExpr(nDim, ctx));
  AffineMap inputMap = AffineMap::get(numLoops, 0, inputExprs, ctx);
  AffineMap weightMap = AffineMap::get(
      numLoops, 0, {getAffineDimExpr(nDim, ctx), getAffineDimExpr(kDim, ctx)},
      ctx);
  AffineMap outputMap = AffineMap::get(numLoops, 0, outputExprs, ctx);

  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);

  auto accTensorType = resultType.clone(accType);
  Value init = createFilledLike(b, loc, input, accTensorType.getShape(),
                                b.getZeroAttr(accType));
  return linalg::GenericOp::create(
             b, loc, accTensorType, ValueRange{input, weights},
             ValueRange{init},
             ArrayRef<AffineMap>{inputMap, weightMap, outputMap}, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value x = args[0];
               if (x.getType() != accType)
                 x = arith::ExtSIOp::create(nb, nloc, accType, x);
               linalg::YieldOp::create(
                   nb, nloc, buildAddSubStep(nb, nloc, x, args[1], args[2]));
             })
      .getResult(0);
}

LogicalResult checkWeights(PatternRewriter &rewriter, Operation *op,
                           Value weights) {
  if (isa<PackedWeightsType>(weights.getType()))
    return rewriter.notifyMatchFailure(
        op, "the addsub strategy reads unpacked i8 weights");
  return success();
}

/// Float `tern.matmul` without activation quantization.
struct LowerFloatMatmul : public OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getActQuant() != ActQuantMode::none)
      return rewriter.notifyMatchFailure(op, "quantized matmul");
    if (failed(checkWeights(rewriter, op, op.getWeights())))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getResult().getType();
    Value sum =
        buildAddSubContraction(rewriter, loc, op.getInput(), op.getWeights(),
                               resultType, resultType.getElementType());

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
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(IntMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(checkWeights(rewriter, op, op.getWeights())))
      return failure();
    RankedTensorType resultType = op.getResult().getType();
    rewriter.replaceOp(op, buildAddSubContraction(rewriter, op.getLoc(),
                                                  op.getInput(),
                                                  op.getWeights(), resultType,
                                                  resultType.getElementType()));
    return success();
  }
};

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

struct LowerMatmulPass
    : public tern::impl::TernLowerMatmulBase<LowerMatmulPass> {
  using TernLowerMatmulBase::TernLowerMatmulBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    switch (strategy) {
    case MatmulStrategy::AddSub:
      patterns.add<LowerFloatMatmul, SplitQuantizedMatmul, LowerIntMatmul,
                   LowerTernaryConstant>(&getContext());
      break;
    }
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();

    // Anything left could not be lowered; say which op and why rather than
    // fail later in the LLVM lowering.
    WalkResult result = getOperation().walk([](Operation *op) {
      if (!isa<MatmulOp, IntMatmulOp>(op))
        return WalkResult::advance();
      op->emitOpError("cannot be lowered by tern-lower-matmul: packed "
                      "weights need a packed-weight strategy");
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
