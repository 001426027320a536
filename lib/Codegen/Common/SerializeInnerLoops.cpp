//===- SerializeInnerLoops.cpp - Vectorizable inner loops -----------------===//

#include "tern/Codegen/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNSERIALIZEINNERLOOPS
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

/// Whether `loop`'s body is straight-line code.
bool hasFlatBody(scf::ParallelOp loop) {
  WalkResult nested = loop.getBody()->walk([](Operation *op) {
    return isa<LoopLikeOpInterface>(op) ? WalkResult::interrupt()
                                        : WalkResult::advance();
  });
  return !nested.wasInterrupted();
}

/// scf.parallel (i0, ..., in) { body } -> scf.parallel (i0, ..., in-1) {
/// scf.for in { body } }.
void serializeInnermost(RewriterBase &rewriter, scf::ParallelOp loop) {
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  auto outer = scf::ParallelOp::create(
      rewriter, loc, loop.getLowerBound().drop_back(),
      loop.getUpperBound().drop_back(), loop.getStep().drop_back());
  rewriter.setInsertionPointToStart(outer.getBody());
  auto inner =
      scf::ForOp::create(rewriter, loc, loop.getLowerBound().back(),
                         loop.getUpperBound().back(), loop.getStep().back());
  Block *body = loop.getBody();
  // The old body without its scf.reduce terminator, before the for's yield.
  rewriter.eraseOp(body->getTerminator());
  SmallVector<Value> ivs(outer.getInductionVars());
  ivs.push_back(inner.getInductionVar());
  assert(ivs.size() == loop.getNumLoops() &&
         "one induction variable per dimension");
  rewriter.inlineBlockBefore(body, inner.getBody()->getTerminator(), ivs);
  rewriter.eraseOp(loop);
}

struct SerializeInnerLoopsPass
    : public tern::impl::TernSerializeInnerLoopsBase<SerializeInnerLoopsPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop.getNumLoops() >= 2 && loop.getNumResults() == 0 &&
          hasFlatBody(loop))
        loops.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : loops)
      serializeInnermost(rewriter, loop);
  }
};

} // namespace
