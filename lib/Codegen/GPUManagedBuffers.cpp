//===- GPUManagedBuffers.cpp - Buffers both the host and the GPU reach ----===//

#include "tern/Codegen/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNGPUMANAGEDBUFFERS
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

/// Whether `op` runs inside what will become a kernel.
bool isInsideParallelLoop(Operation *op) {
  return op->getParentOfType<scf::ParallelOp>() != nullptr;
}

struct TernGPUManagedBuffersPass
    : public tern::impl::TernGPUManagedBuffersBase<TernGPUManagedBuffersPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<memref::AllocOp> allocs;
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](Operation *op) {
      if (isInsideParallelLoop(op))
        return;
      if (auto alloc = dyn_cast<memref::AllocOp>(op))
        allocs.push_back(alloc);
      else if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
        deallocs.push_back(dealloc);
    });
    for (memref::AllocOp alloc : allocs) {
      rewriter.setInsertionPoint(alloc);
      // No stream: every launch is waited for (gpu-to-llvm's synchronous
      // form), so buffers need no ordering of their own.
      auto managed = gpu::AllocOp::create(
          rewriter, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), rewriter.getUnitAttr());
      rewriter.replaceOp(alloc, managed.getMemref());
    }
    // gpu-to-llvm lowers only the asynchronous form of gpu.dealloc: a
    // token from gpu.wait, waited for at once.
    Type tokenType = gpu::AsyncTokenType::get(&getContext());
    for (memref::DeallocOp dealloc : deallocs) {
      Location loc = dealloc.getLoc();
      rewriter.setInsertionPoint(dealloc);
      Value ready = gpu::WaitOp::create(rewriter, loc, tokenType, ValueRange())
                        .getAsyncToken();
      Value freed =
          gpu::DeallocOp::create(rewriter, loc, tokenType, ValueRange{ready},
                                 dealloc.getMemref())
              .getAsyncToken();
      gpu::WaitOp::create(rewriter, loc, Type(), ValueRange{freed});
      rewriter.eraseOp(dealloc);
    }
  }
};

} // namespace
