//===- LowerDynamicExpandShape.cpp - expand_shape to reinterpret_cast -----===//

#include "tern/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNLOWERDYNAMICEXPANDSHAPE
#include "tern/Codegen/Passes.h.inc"
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
    if (!splitsDynamicSize(op))
      return rewriter.notifyMatchFailure(op, "no dynamic size split in two");
    Location loc = op.getLoc();
    // The source's base, offset and strides, as they are known (a strided
    // source, such as a padded matmul's result cut to size, keeps them).
    auto source =
        memref::ExtractStridedMetadataOp::create(rewriter, loc, op.getSrc());
    SmallVector<OpFoldResult> sourceStrides =
        source.getConstifiedMixedStrides();
    SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
    auto multiply = [&](OpFoldResult a, OpFoldResult b) -> OpFoldResult {
      std::optional<int64_t> x = getConstantIntValue(a);
      std::optional<int64_t> y = getConstantIntValue(b);
      if (x && y)
        return rewriter.getIndexAttr(*x * *y);
      return arith::MulIOp::create(
                 rewriter, loc,
                 getValueOrCreateConstantIndexOp(rewriter, loc, a),
                 getValueOrCreateConstantIndexOp(rewriter, loc, b))
          .getResult();
    };
    // Within each group of result dimensions that one source dimension
    // splits into, strides are row-major from that dimension's stride.
    SmallVector<OpFoldResult> strides(sizes.size());
    for (auto [group, sourceStride] :
         llvm::zip_equal(op.getReassociationIndices(), sourceStrides)) {
      OpFoldResult stride = sourceStride;
      for (int64_t d : llvm::reverse(group)) {
        strides[d] = stride;
        stride = multiply(stride, sizes[d]);
      }
    }
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
        op, op.getResultType(), source.getBaseBuffer(),
        source.getConstifiedMixedOffset(), sizes, strides);
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
