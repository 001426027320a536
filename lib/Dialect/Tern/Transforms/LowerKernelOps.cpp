//===- LowerKernelOps.cpp - Kernel-level tern ops to target code ----------===//

#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNLOWERKERNELOPS
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

/// vpdpbusd: 64 unsigned x signed byte products, summed by four into 16
/// i32 lanes, added to the accumulator.
struct DotToVnni : public OpRewritePattern<DotU8S8Op> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DotU8S8Op op,
                                PatternRewriter &rewriter) const override {
    VectorType accType = op.getAcc().getType();
    if (accType.getNumElements() != 16)
      return rewriter.notifyMatchFailure(op, "vpdpbusd.512 takes 16 lanes");
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, Type(accType),
        rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
        ValueRange{op.getAcc(), op.getCodes(), op.getActivations()});
    return success();
  }
};

/// Portable: widen both to i32, multiply, fold groups of four lanes.
struct DotToVectorArith : public OpRewritePattern<DotU8S8Op> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DotU8S8Op op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    VectorType accType = op.getAcc().getType();
    int64_t lanes = accType.getNumElements();
    auto wide = VectorType::get({4 * lanes}, rewriter.getI32Type());
    Value codes = arith::ExtUIOp::create(rewriter, loc, wide, op.getCodes());
    Value activations =
        arith::ExtSIOp::create(rewriter, loc, wide, op.getActivations());
    Value products = arith::MulIOp::create(rewriter, loc, codes, activations);
    Value groups = vector::ShapeCastOp::create(
        rewriter, loc, VectorType::get({lanes, 4}, rewriter.getI32Type()),
        products);
    rewriter.replaceOpWithNewOp<vector::MultiDimReductionOp>(
        op, groups, op.getAcc(), ArrayRef<bool>{false, true},
        vector::CombiningKind::ADD);
    return success();
  }
};

struct LowerKernelOpsPass
    : public tern::impl::TernLowerKernelOpsBase<LowerKernelOpsPass> {
  using TernLowerKernelOpsBase::TernLowerKernelOpsBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // The target's instruction where it applies; portable code for the
    // rest.
    if (x86Vnni)
      patterns.add<DotToVnni>(&getContext(), /*benefit=*/2);
    patterns.add<DotToVectorArith>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
