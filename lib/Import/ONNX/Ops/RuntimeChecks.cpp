//===- RuntimeChecks.cpp - Checks on sizes and values known at run time ---===//

#include "RuntimeChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

namespace tern {

void emitRuntimeCheck(OpBuilder &b, Location loc, Value failed,
                      TernRuntimeErrorCode code) {
  scf::IfOp::create(b, loc, failed, [&](OpBuilder &tb, Location tloc) {
    Value codeValue = arith::ConstantOp::create(tb, tloc, tb.getI32Type(),
                                                tb.getI32IntegerAttr(code));
    func::CallOp::create(tb, tloc, TERN_RUNTIME_ERROR_HOOK, TypeRange{},
                         ValueRange{codeValue});
    scf::YieldOp::create(tb, tloc);
  });
}

void emitRuntimeEqualityCheck(OpBuilder &b, Location loc, Value actual,
                              Value expected, TernRuntimeErrorCode code) {
  emitRuntimeCheck(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, actual, expected),
      code);
}

void emitRuntimeLengthCheck(OpBuilder &b, Location loc, Value length,
                            Value limit) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  emitRuntimeCheck(b, loc,
                   arith::OrIOp::create(
                       b, loc,
                       arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                             length, zero),
                       arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                             length, limit)),
                   TERN_RUNTIME_ERROR_INDEX_OUT_OF_RANGE);
}

Value checkedIndex(OpBuilder &b, Location loc, Value rawIndex, Value size) {
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), rawIndex);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value isNegative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  index = arith::SelectOp::create(
      b, loc, isNegative, arith::AddIOp::create(b, loc, index, size), index);
  Value outside = arith::OrIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, index, size));
  emitRuntimeCheck(b, loc, outside, TERN_RUNTIME_ERROR_INDEX_OUT_OF_RANGE);
  Value last = arith::SubIOp::create(b, loc, size,
                                     arith::ConstantIndexOp::create(b, loc, 1));
  return arith::MaxSIOp::create(
      b, loc, arith::MinSIOp::create(b, loc, index, last), zero);
}

void declareRuntimeErrorHookIfUsed(ModuleOp module) {
  if (module.lookupSymbol(TERN_RUNTIME_ERROR_HOOK))
    return;
  bool used = module
                  .walk([](func::CallOp call) {
                    return call.getCallee() == TERN_RUNTIME_ERROR_HOOK
                               ? WalkResult::interrupt()
                               : WalkResult::advance();
                  })
                  .wasInterrupted();
  if (!used)
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto decl = func::FuncOp::create(b, module.getLoc(), TERN_RUNTIME_ERROR_HOOK,
                                   b.getFunctionType({b.getI32Type()}, {}));
  decl.setPrivate();
}

} // namespace tern
