//===- FoldConstants.cpp - Evaluate linalg on constant weights ------------===//
//
// Exporters rarely store ternary weights as plain constants: QDQ models
// dequantize an int8 initializer at run time, and quantization-aware
// training code exports the fake-quant chain clip(round(w / mean|w|), -1, 1)
// * mean|w| on latent float weights. Both are linalg.generic ops on
// constants after import. This pass evaluates such ops, so that
// tern-ternarize sees the weights the model really multiplies by.
//
// The evaluator (ConstantEvaluator.h) runs the generic's body over its
// iteration space in the body's own arithmetic (f32 operations round to
// f32), for the arith and math ops weight preprocessing uses; anything
// else is left alone. Large weights are not folded here: tern-ternarize
// computes the chains in front of its matmuls itself, one weight at a
// time, so that no second copy of a model's weights is ever made.
//
//===----------------------------------------------------------------------===//

#include "ConstantEvaluator.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNFOLDCONSTANTS
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

struct FoldConstantGeneric : public OpRewritePattern<linalg::GenericOp> {
  FoldConstantGeneric(MLIRContext *ctx, int64_t maxElements)
      : OpRewritePattern(ctx), maxElements(maxElements) {}

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getNumDpsInits() != 1 || op.getNumResults() != 1 ||
        op.getNumDpsInputs() == 0)
      return rewriter.notifyMatchFailure(op, "one result from inputs");
    for (Value input : op.getDpsInputs())
      if (!matchPattern(input, m_Constant()))
        return rewriter.notifyMatchFailure(op, "an input is not constant");
    // One generic at a time: its inputs are constants already.
    ConstantEvaluator evaluator(maxElements);
    std::optional<ConstantTensor> folded = evaluator.evaluate(op.getResult(0));
    if (!folded)
      return rewriter.notifyMatchFailure(op, "cannot be evaluated");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, cast<TypedAttr>(toAttribute(*folded, "tern_folded")));
    return success();
  }

  int64_t maxElements;
};

struct FoldConstantsPass
    : public tern::impl::TernFoldConstantsBase<FoldConstantsPass> {
  using TernFoldConstantsBase::TernFoldConstantsBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldConstantGeneric>(&getContext(), maxElements);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
