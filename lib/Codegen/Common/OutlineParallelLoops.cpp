//===- OutlineParallelLoops.cpp - Parallel loops into functions -----------===//
//
// OpenMP's translation to LLVM IR outlines every parallel region by
// scanning the function around it, which is quadratic in a whole model
// compiled as one function. Giving each outermost scf.parallel a function
// of its own keeps that linear.
//
//===----------------------------------------------------------------------===//

#include "tern/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNOUTLINEPARALLELLOOPS
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

/// A hash of a function's type and body that equivalent bodies share.
llvm::hash_code hashBody(func::FuncOp func) {
  llvm::hash_code hash = hash_value(func.getFunctionType());
  func.getBody().walk([&](Operation *op) {
    hash =
        llvm::hash_combine(hash, OperationEquivalence::computeHash(
                                     op, OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::IgnoreLocations));
  });
  return hash;
}

/// Outlined loops of a model's repeated layers are the same function many
/// times over: calls go to the first of each kind, and the others go, so
/// LLVM optimizes and emits each loop once.
void mergeEquivalentFunctions(ModuleOp module,
                              ArrayRef<func::FuncOp> outlined) {
  llvm::StringMap<SmallVector<func::CallOp>> calls;
  module.walk(
      [&](func::CallOp call) { calls[call.getCallee()].push_back(call); });
  llvm::DenseMap<llvm::hash_code, SmallVector<func::FuncOp>> kinds;
  for (func::FuncOp func : outlined) {
    SmallVector<func::FuncOp> &candidates = kinds[hashBody(func)];
    func::FuncOp same;
    for (func::FuncOp candidate : candidates)
      if (candidate.getFunctionType() == func.getFunctionType() &&
          OperationEquivalence::isRegionEquivalentTo(
              &candidate.getBody(), &func.getBody(),
              OperationEquivalence::IgnoreLocations)) {
        same = candidate;
        break;
      }
    if (!same) {
      candidates.push_back(func);
      continue;
    }
    for (func::CallOp call : calls[func.getSymName()])
      call.setCallee(same.getSymName());
    func.erase();
  }
}

/// Whether the function body should see `value` as the constant it is
/// rather than as an argument: integers and indices (bounds, shifts, which
/// LLVM folds into immediates and unrolls by) and vectors (masks, splats).
/// Float scalars stay arguments, so that repeated layers whose scales
/// differ still share one function.
bool cloneIntoBody(Value value) {
  Operation *def = value.getDefiningOp();
  if (!def || def->getNumResults() != 1 || def->getNumOperands() != 0 ||
      !def->getRegions().empty() ||
      !(def->hasTrait<OpTrait::ConstantLike>() || isa<ub::PoisonOp>(def)))
    return false;
  Type type = value.getType();
  return isa<VectorType, IndexType, IntegerType>(type);
}

/// Copies the constants `cloneIntoBody` picks that ops under `region` use
/// to the start of the region's block.
void cloneConstantsInto(RewriterBase &rewriter, Region &region) {
  llvm::SmallDenseMap<Value, Value> copies;
  Block &block = region.front();
  region.walk([&](Operation *op) {
    for (OpOperand &operand : op->getOpOperands()) {
      Value value = operand.get();
      if (region.isAncestor(value.getParentRegion()) || !cloneIntoBody(value))
        continue;
      Value &copy = copies[value];
      if (!copy) {
        rewriter.setInsertionPointToStart(&block);
        copy = rewriter.clone(*value.getDefiningOp())->getResult(0);
      }
      operand.set(copy);
    }
  });
}

struct OutlineParallelLoopsPass
    : public tern::impl::TernOutlineParallelLoopsBase<
          OutlineParallelLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    SmallVector<func::FuncOp> outlinedFunctions;
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (func.isExternal())
        continue;
      SmallVector<scf::ParallelOp> loops;
      func.walk([&](scf::ParallelOp loop) {
        if (!loop->getParentOfType<scf::ParallelOp>())
          loops.push_back(loop);
      });
      unsigned index = 0;
      for (scf::ParallelOp loop : loops) {
        if (loop.getNumResults() != 0)
          continue; // reductions stay where they are
        // The loop in a region of its own, which becomes the function.
        rewriter.setInsertionPoint(loop);
        auto region =
            scf::ExecuteRegionOp::create(rewriter, loop.getLoc(), TypeRange{});
        Block *body = rewriter.createBlock(&region.getRegion());
        rewriter.setInsertionPointToStart(body);
        auto yield = scf::YieldOp::create(rewriter, loop.getLoc());
        loop->moveBefore(yield);
        cloneConstantsInto(rewriter, region.getRegion());
        std::string name;
        do {
          name = (func.getSymName() + "_parallel_" + Twine(index++)).str();
        } while (module.lookupSymbol(name));
        func::CallOp call;
        FailureOr<func::FuncOp> outlined = outlineSingleBlockRegion(
            rewriter, loop.getLoc(), region.getRegion(), name, &call);
        if (failed(outlined)) {
          region.emitOpError("cannot outline this parallel loop");
          return signalPassFailure();
        }
        outlined->setPrivate();
        outlinedFunctions.push_back(*outlined);
        // The region now only calls the function: put the call in its place.
        call->moveBefore(region);
        rewriter.eraseOp(region);
      }
    }
    mergeEquivalentFunctions(module, outlinedFunctions);
  }
};

} // namespace
