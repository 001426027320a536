//===- GPUAsyncLaunches.cpp - Launches the host does not wait for ---------===//
//
// Upstream's gpu-async-region threads a token through the GPU ops of a
// block in the same way, but waits before every host op with a memory
// effect: the stores of a shape vector into host memory, a run-time
// check's error report. Here the host waits only before code that may
// read or write device memory (tern-gpu-managed-buffers put the host's
// own buffers in host memory), and at the end of every block, so that
// each region starts and ends with the GPU idle.
//
//===----------------------------------------------------------------------===//

#include "tern/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNGPUASYNCLAUNCHES
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

/// Whether `buffer` may be device memory: anything but the host code's
/// own allocations and stack buffers.
bool mayBeDeviceMemory(Value buffer) {
  Value root = memref::skipViewLikeOps(cast<MemrefValue>(buffer));
  return !root.getDefiningOp<memref::AllocOp>() &&
         !root.getDefiningOp<memref::AllocaOp>();
}

/// Whether the host op `op` (without regions, not a GPU op) may touch
/// memory a kernel in flight reads or writes.
bool touchesDeviceMemory(Operation *op, SymbolTableCollection &symbols) {
  if (isMemoryEffectFree(op))
    return false;
  // A view reads none of the memory it views (a reshape reads its shape).
  Value viewed;
  if (auto view = dyn_cast<ViewLikeOpInterface>(op))
    viewed = view.getViewSource();
  bool hasBuffers = false;
  for (Value operand : op->getOperands()) {
    if (!isa<BaseMemRefType>(operand.getType()) || operand == viewed)
      continue;
    hasBuffers = true;
    if (mayBeDeviceMemory(operand))
      return true;
  }
  if (hasBuffers || isa<memref::AllocOp, memref::AllocaOp>(op))
    return false;
  // A function defined elsewhere (the runtime's error report) reaches the
  // model's buffers only through its arguments: the module's globals are
  // private.
  if (auto call = dyn_cast<func::CallOp>(op)) {
    auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
        call, call.getCalleeAttr());
    return !callee || !callee.isExternal();
  }
  return true;
}

/// Whether the host must wait for the GPU before `op`: it touches device
/// memory, or holds code that does or GPU work of its own (which starts a
/// stream of its own).
bool needsIdleGPU(Operation *op, SymbolTableCollection &symbols) {
  if (op->getNumRegions() == 0)
    return touchesDeviceMemory(op, symbols);
  return op
      ->walk([&](Operation *inner) {
        if (inner != op && (isa<gpu::AsyncOpInterface>(inner) ||
                            (inner->getNumRegions() == 0 &&
                             touchesDeviceMemory(inner, symbols))))
          return WalkResult::interrupt();
        return WalkResult::advance();
      })
      .wasInterrupted();
}

class TokenThreader {
public:
  explicit TokenThreader(MLIRContext *context)
      : builder(context), tokenType(gpu::AsyncTokenType::get(context)) {}

  void threadBlock(Block &block) {
    Value token;
    for (Operation &op : llvm::make_early_inc_range(block)) {
      builder.setInsertionPoint(&op);
      if (auto wait = dyn_cast<gpu::WaitOp>(op)) {
        if (token)
          wait.addAsyncDependency(token);
        token = wait.getAsyncToken();
        continue;
      }
      if (auto async = dyn_cast<gpu::AsyncOpInterface>(op)) {
        token = makeAsync(async, token);
        continue;
      }
      if (token && (op.hasTrait<OpTrait::IsTerminator>() ||
                    needsIdleGPU(&op, symbols))) {
        gpu::WaitOp::create(builder, op.getLoc(), Type(), ValueRange{token});
        token = {};
      }
      for (Region &region : op.getRegions())
        for (Block &nested : region)
          threadBlock(nested);
    }
  }

private:
  /// Puts `op` on the stream after `token` (a new stream when there is
  /// none); returns its own token.
  Value makeAsync(gpu::AsyncOpInterface async, Value token) {
    Operation *op = async.getOperation();
    if (!token)
      token =
          gpu::WaitOp::create(builder, op->getLoc(), tokenType, ValueRange())
              .getAsyncToken();
    async.addAsyncDependency(token);
    if (Value own = async.getAsyncToken())
      return own;
    // The synchronous form has no token result: the same op with one,
    // last, as every GPU op orders its results.
    SmallVector<Type> resultTypes(op->getResultTypes());
    resultTypes.push_back(tokenType);
    OperationState state(
        op->getLoc(), op->getName(), op->getOperands(), resultTypes,
        op->getDiscardableAttrDictionary().getValue(), op->getSuccessors());
    state.propertiesAttr = op->getPropertiesAsAttribute();
    for (Region &region : op->getRegions())
      state.addRegion()->takeBody(region);
    Operation *replacement = builder.create(state);
    op->replaceAllUsesWith(replacement->getResults().drop_back());
    op->erase();
    return replacement->getResults().back();
  }

  OpBuilder builder;
  Type tokenType;
  SymbolTableCollection symbols;
};

struct TernGPUAsyncLaunchesPass
    : public tern::impl::TernGPUAsyncLaunchesBase<TernGPUAsyncLaunchesPass> {
  void runOnOperation() override {
    TokenThreader threader(&getContext());
    for (Block &block : getOperation().getBody())
      threader.threadBlock(block);
  }
};

} // namespace
