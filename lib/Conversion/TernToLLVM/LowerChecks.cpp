//===- LowerChecks.cpp - tern.check to the runtime's error hook -----------===//
//
// The runtime's ABI (tern/ABI/ModelABI.h) names the hook and its
// codes; this pass is the one place in the compiler that maps the dialect's
// errors onto them.
//
//===----------------------------------------------------------------------===//

#include "tern/ABI/ModelABI.h"
#include "tern/Conversion/Passes.h"
#include "tern/Dialect/Tern/IR/TernOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNLOWERCHECKS
#include "tern/Conversion/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

TernRuntimeErrorCode getRuntimeErrorCode(RunError error) {
  switch (error) {
  case RunError::IndexOutOfRange:
    return TERN_RUNTIME_ERROR_INDEX_OUT_OF_RANGE;
  case RunError::ReshapeMismatch:
    return TERN_RUNTIME_ERROR_RESHAPE_MISMATCH;
  case RunError::ShapeMismatch:
    return TERN_RUNTIME_ERROR_SHAPE_MISMATCH;
  case RunError::SequenceLength:
    return TERN_RUNTIME_ERROR_SEQUENCE_LENGTH;
  }
  llvm_unreachable("unknown tern.check error");
}

/// `not ok`: the operand of `ok = xori failed, true` where the importer
/// built it so, else a new xori.
Value buildFailed(OpBuilder &b, Location loc, Value ok) {
  if (auto xorOp = ok.getDefiningOp<arith::XOrIOp>()) {
    if (matchPattern(xorOp.getRhs(), m_One()))
      return xorOp.getLhs();
    if (matchPattern(xorOp.getLhs(), m_One()))
      return xorOp.getRhs();
  }
  Value one = arith::ConstantIntOp::create(b, loc, 1, 1);
  return arith::XOrIOp::create(b, loc, ok, one);
}

struct TernLowerChecksPass
    : public tern::impl::TernLowerChecksBase<TernLowerChecksPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<CheckOp> checks;
    module.walk([&](CheckOp check) { checks.push_back(check); });
    if (checks.empty())
      return;
    for (CheckOp check : checks) {
      OpBuilder b(check);
      Location loc = check.getLoc();
      Value failed = buildFailed(b, loc, check.getOk());
      TernRuntimeErrorCode code = getRuntimeErrorCode(check.getError());
      scf::IfOp::create(b, loc, failed, [&](OpBuilder &tb, Location tloc) {
        Value codeValue = arith::ConstantOp::create(tb, tloc, tb.getI32Type(),
                                                    tb.getI32IntegerAttr(code));
        func::CallOp::create(tb, tloc, TERN_RUNTIME_ERROR_HOOK, TypeRange{},
                             ValueRange{codeValue});
        scf::YieldOp::create(tb, tloc);
      });
      Operation *okDef = check.getOk().getDefiningOp();
      check.erase();
      // The importer's `xori failed, true`, now unused.
      if (okDef && isa<arith::XOrIOp>(okDef) && okDef->use_empty())
        okDef->erase();
    }
    if (module.lookupSymbol(TERN_RUNTIME_ERROR_HOOK))
      return;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto hook =
        func::FuncOp::create(b, module.getLoc(), TERN_RUNTIME_ERROR_HOOK,
                             b.getFunctionType({b.getI32Type()}, {}));
    hook.setPrivate();
  }
};

} // namespace
