//===- ParallelThreshold.cpp - Small parallel loops on one thread ---------===//

#include "tern/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Dominance.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNPARALLELTHRESHOLD
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

/// Trip count assumed for a nested loop whose bounds are not constants.
constexpr int64_t kDynamicTrips = 16;

/// Operations one iteration of `region` runs, nested static loops
/// multiplied out.
int64_t estimateWork(Region &region) {
  int64_t work = 0;
  for (Block &block : region)
    for (Operation &op : block) {
      if (auto loop = dyn_cast<scf::ForOp>(op)) {
        std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
        std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
        std::optional<int64_t> step = getConstantIntValue(loop.getStep());
        int64_t trips =
            lb && ub && step && *step > 0
                ? std::max<int64_t>((*ub - *lb + *step - 1) / *step, 0)
                : kDynamicTrips;
        work += trips * estimateWork(loop.getRegion());
        continue;
      }
      work += 1;
      for (Region &nested : op.getRegions())
        work += estimateWork(nested);
    }
  return work;
}

struct ParallelThresholdPass
    : public tern::impl::TernParallelThresholdBase<ParallelThresholdPass> {
  using TernParallelThresholdBase::TernParallelThresholdBase;

  void runOnOperation() override {
    DominanceInfo dominance(getOperation());
    getOperation().walk([&](omp::ParallelOp parallel) {
      if (parallel.getIfExpr())
        return;
      omp::LoopNestOp nest;
      parallel.walk([&](omp::LoopNestOp found) {
        nest = found;
        return WalkResult::interrupt();
      });
      if (!nest)
        return;
      // The bounds must be known where the region starts.
      for (Value v : nest.getOperands())
        if (!dominance.properlyDominates(v, parallel))
          return;
      int64_t body = std::max<int64_t>(estimateWork(nest.getRegion()), 1);
      OpBuilder b(parallel);
      Location loc = parallel.getLoc();
      Value work = arith::ConstantIndexOp::create(b, loc, body);
      for (auto [lb, ub, step] :
           llvm::zip(nest.getLoopLowerBounds(), nest.getLoopUpperBounds(),
                     nest.getLoopSteps())) {
        Value span = arith::SubIOp::create(b, loc, ub, lb);
        Value trips = arith::CeilDivSIOp::create(b, loc, span, step);
        work = arith::MulIOp::create(b, loc, work, trips);
      }
      Value enough = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::sge, work,
          arith::ConstantIndexOp::create(b, loc, minWork));
      parallel.getIfExprMutable().assign(enough);
    });
  }
};

} // namespace
