//===- LowerDynamicExpandShape.cpp - expand_shape to reinterpret_cast -----===//

#include "tern/Dialect/Tern/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNLOWERDYNAMICEXPANDSHAPE
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

/// True when a reassociation group of `type` holds more than one dynamic
/// size: the case upstream's expand-strided-metadata cannot take.
bool splitsDynamicSize(memref::ExpandShapeOp op) {
  MemRefType type = op.getResultType();
  for (const ReassociationIndices &group : op.getReassociationIndices())
    if (llvm::count_if(group, [&](int64_t d) { return type.isDynamicDim(d); }) >
        1)
      return true;
  return false;
}

struct ExpandShapeToReinterpretCast
    : public OpRewritePattern<memref::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::ExpandShapeOp op,
                                PatternRewriter &rewriter) const override {
    MemRefType source = op.getSrcType(), result = op.getResultType();
    if (!splitsDynamicSize(op) || !source.getLayout().isIdentity() ||
        !result.getLayout().isIdentity())
      return rewriter.notifyMatchFailure(op, "not a dynamic split of an "
                                             "identity-layout buffer");
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
    // Row-major strides: the product of the sizes to the right.
    SmallVector<OpFoldResult> strides(sizes.size());
    OpFoldResult stride = rewriter.getIndexAttr(1);
    for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
      strides[d] = stride;
      std::optional<int64_t> known = getConstantIntValue(stride);
      std::optional<int64_t> size = getConstantIntValue(sizes[d]);
      if (known && size) {
        stride = rewriter.getIndexAttr(*known * *size);
        continue;
      }
      stride = arith::MulIOp::create(
                   rewriter, loc,
                   getValueOrCreateConstantIndexOp(rewriter, loc, stride),
                   getValueOrCreateConstantIndexOp(rewriter, loc, sizes[d]))
                   .getResult();
    }
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
        op, result, op.getSrc(), rewriter.getIndexAttr(0), sizes, strides);
    return success();
  }
};

struct LowerDynamicExpandShapePass
    : public tern::impl::TernLowerDynamicExpandShapeBase<
          LowerDynamicExpandShapePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandShapeToReinterpretCast>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
