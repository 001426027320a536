//===- GPUMapParallelLoops.cpp - Parallel loops as blocks and threads -----===//

#include "tern/Codegen/Passes.h"

#include <numeric>

#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNGPUMAPPARALLELLOOPS
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

/// Maps `loop`'s dimensions, innermost first, to `processors`; those past
/// the list run sequentially.
LogicalResult mapInnermostFirst(scf::ParallelOp loop,
                                ArrayRef<gpu::Processor> processors) {
  MLIRContext *context = loop.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(1, context);
  unsigned rank = loop.getNumLoops();
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping;
  for (unsigned d = 0; d < rank; ++d) {
    unsigned fromInnermost = rank - 1 - d;
    gpu::Processor processor = fromInnermost < processors.size()
                                   ? processors[fromInnermost]
                                   : gpu::Processor::Sequential;
    mapping.push_back(gpu::ParallelLoopDimMappingAttr::get(context, processor,
                                                           identity, identity));
  }
  return gpu::setMappingAttr(loop, mapping);
}

struct TernGPUMapParallelLoopsPass
    : public tern::impl::TernGPUMapParallelLoopsBase<
          TernGPUMapParallelLoopsPass> {
  using TernGPUMapParallelLoopsBase::TernGPUMapParallelLoopsBase;

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>())
        outermost.push_back(loop);
    });
    for (scf::ParallelOp loop : outermost) {
      // Loops that carry reductions have no kernel form here yet; the
      // matmul kernels reduce inside one iteration.
      if (loop.getNumReductions() != 0) {
        loop.emitError("a parallel loop with reductions cannot be mapped to "
                       "the GPU yet");
        return signalPassFailure();
      }
      // One dimension, the loop's last fastest: every block full whatever
      // the loop's shape (a GEMV's one row, a prompt's few), and threads
      // side by side in a warp take neighbouring iterations of the
      // innermost dimension, whose accesses are the contiguous ones.
      if (loop.getNumLoops() > 1) {
        Operation *next = loop->getNextNode();
        std::vector<unsigned> all(loop.getNumLoops());
        std::iota(all.begin(), all.end(), 0u);
        IRRewriter rewriter(loop.getContext());
        collapseParallelLoops(rewriter, loop, {all});
        loop = cast<scf::ParallelOp>(next->getPrevNode());
      }
      auto [blocks, threads] = scf::tileParallelLoop(loop, {threadsPerBlock},
                                                     /*noMinMaxBounds=*/true);
      // Loops nested in a tile, and those the body had, run in one thread.
      SmallVector<scf::ParallelOp> nested;
      threads.getBody()->walk(
          [&](scf::ParallelOp inner) { nested.push_back(inner); });
      if (failed(mapInnermostFirst(blocks, {gpu::Processor::BlockX})) ||
          failed(mapInnermostFirst(threads, {gpu::Processor::ThreadX})))
        return signalPassFailure();
      for (scf::ParallelOp inner : nested)
        if (failed(mapInnermostFirst(inner, {})))
          return signalPassFailure();
    }
  }
};

} // namespace
