//===- RuntimeChecks.cpp - Checks on sizes and values known at run time ---===//

#include "RuntimeChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace tern {

void emitRuntimeCheck(OpBuilder &b, Location loc, Value failed,
                      RunError error) {
  // `ok = failed xor true`, which tern-lower-checks reads back as `failed`.
  Value ok = arith::XOrIOp::create(b, loc, failed,
                                   arith::ConstantIntOp::create(b, loc, 1, 1));
  mlir::tern::CheckOp::create(b, loc, ok, error);
}

void emitRuntimeEqualityCheck(OpBuilder &b, Location loc, Value actual,
                              Value expected, RunError error) {
  emitRuntimeCheck(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, actual, expected),
      error);
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
                   RunError::IndexOutOfRange);
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
  emitRuntimeCheck(b, loc, outside, RunError::IndexOutOfRange);
  Value last = arith::SubIOp::create(b, loc, size,
                                     arith::ConstantIndexOp::create(b, loc, 1));
  return arith::MaxSIOp::create(
      b, loc, arith::MinSIOp::create(b, loc, index, last), zero);
}

} // namespace tern
