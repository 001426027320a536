//===- QuantizeActs.cpp - W1.58A8 activation quantization -----------------===//
//
// BitNet b1.58 quantizes each token's activations to int8 before every
// ternary matmul. Exports carry that as a float fake-quant chain in front of
// the MatMul, which imports as one linalg.generic per ONNX node:
//
//   s = 127 / max(max_k |x|, eps)       (or (1 / max(...)) * 127)
//   y = clip(round(x * s), -128, 127) / s
//
// When a tern.matmul reads such a y, this pass makes it read x with
// quant(per_token_absmax): tern-lower-matmul then quantizes x once and
// accumulates exactly in int32, instead of multiplying floats. With `all`,
// every ternary matmul is quantized (ternc --quantize-acts).
//
//===----------------------------------------------------------------------===//

#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNQUANTIZEACTS
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

/// The op a generic computes: its body's non-terminator ops when they are
/// exactly `count`, the last one yielded.
SmallVector<Operation *> getBodyOps(linalg::GenericOp op, unsigned count) {
  Block &body = op.getRegion().front();
  SmallVector<Operation *> ops;
  for (Operation &inner : body.without_terminator())
    ops.push_back(&inner);
  if (ops.size() != count || body.getTerminator()->getNumOperands() != 1 ||
      body.getTerminator()->getOperand(0) != ops.back()->getResult(0))
    return {};
  return ops;
}

/// The generic producing `value` when its body is one `OpTy` (plus, for
/// `count` > 1, the ops before it); null otherwise.
template <typename OpTy>
linalg::GenericOp matchGeneric(Value value, unsigned count = 1) {
  auto generic = value.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumResults() != 1)
    return nullptr;
  SmallVector<Operation *> ops = getBodyOps(generic, count);
  if (ops.empty() || !isa<OpTy>(ops.back()))
    return nullptr;
  return generic;
}

/// The operand of `generic` that body value `v` reads: a block argument
/// of an input, or null.
Value getInputFor(linalg::GenericOp generic, Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != &generic.getRegion().front() ||
      arg.getArgNumber() >= generic.getNumDpsInputs())
    return nullptr;
  return generic.getDpsInputs()[arg.getArgNumber()];
}

/// The float a body value holds when it is a constant: captured from
/// outside, or read from a constant input.
std::optional<double> getConstantScalar(linalg::GenericOp generic, Value v) {
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getValueAsDouble();
  DenseFPElementsAttr tensor;
  Value input = getInputFor(generic, v);
  if (input && matchPattern(input, m_Constant(&tensor)) && tensor.isSplat())
    return tensor.getSplatValue<APFloat>().convertToDouble();
  return std::nullopt;
}

/// The two inputs of a binary generic `op(a, b)`, in body order.
std::optional<std::pair<Value, Value>> getBinaryInputs(linalg::GenericOp g) {
  Operation *op = getBodyOps(g, 1).front();
  Value a = getInputFor(g, op->getOperand(0));
  Value b = getInputFor(g, op->getOperand(1));
  if (!a || !b)
    return std::nullopt;
  return std::make_pair(a, b);
}

/// s = 127 / max(max_k |x|, 1e-5) over the last dimension, in either
/// export form; returns x.
Value matchActivationScale(Value s) {
  Value clamped;
  if (linalg::GenericOp times = matchGeneric<arith::MulFOp>(s)) {
    // (1 / c) * 127
    Operation *mul = getBodyOps(times, 1).front();
    Value reciprocal;
    for (int i = 0; i < 2; ++i)
      if (getConstantScalar(times, mul->getOperand(i)) == 127.0)
        reciprocal = getInputFor(times, mul->getOperand(1 - i));
    linalg::GenericOp inverse =
        reciprocal ? matchGeneric<arith::DivFOp>(reciprocal) : nullptr;
    if (!inverse)
      return nullptr;
    Operation *div = getBodyOps(inverse, 1).front();
    if (getConstantScalar(inverse, div->getOperand(0)) != 1.0)
      return nullptr;
    clamped = getInputFor(inverse, div->getOperand(1));
  } else if (linalg::GenericOp divide = matchGeneric<arith::DivFOp>(s)) {
    // 127 / c
    Operation *div = getBodyOps(divide, 1).front();
    if (getConstantScalar(divide, div->getOperand(0)) != 127.0)
      return nullptr;
    clamped = getInputFor(divide, div->getOperand(1));
  }
  // c = max(m, eps) with BitNet's eps, which tern.quantize applies.
  linalg::GenericOp clamp =
      clamped ? matchGeneric<arith::MaximumFOp>(clamped) : nullptr;
  if (!clamp)
    return nullptr;
  Operation *max = getBodyOps(clamp, 1).front();
  if (getConstantScalar(clamp, max->getOperand(1)) != double(1.0e-5f))
    return nullptr;
  Value rowMax = getInputFor(clamp, max->getOperand(0));
  // m = max_k a over the last dimension, into a kept unit dimension.
  linalg::GenericOp reduce =
      rowMax ? matchGeneric<arith::MaximumFOp>(rowMax) : nullptr;
  if (!reduce || reduce.getNumDpsInputs() != 1 ||
      reduce.getNumReductionLoops() != 1 ||
      reduce.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return nullptr;
  // a = |x|
  linalg::GenericOp abs = matchGeneric<math::AbsFOp>(reduce.getDpsInputs()[0]);
  if (!abs || abs.getNumDpsInputs() != 1)
    return nullptr;
  return abs.getDpsInputs()[0];
}

/// y = clip(round(x * s), -128, 127) / s; returns x.
Value matchActivationFakeQuant(Value y) {
  linalg::GenericOp divide = matchGeneric<arith::DivFOp>(y);
  std::optional<std::pair<Value, Value>> divInputs =
      divide ? getBinaryInputs(divide) : std::nullopt;
  if (!divInputs)
    return nullptr;
  auto [clipped, scale] = *divInputs;
  linalg::GenericOp clip = matchGeneric<arith::MinimumFOp>(clipped, 2);
  if (!clip)
    return nullptr;
  SmallVector<Operation *> clipOps = getBodyOps(clip, 2);
  if (!isa<arith::MaximumFOp>(clipOps[0]) ||
      clipOps[1]->getOperand(0) != clipOps[0]->getResult(0) ||
      getConstantScalar(clip, clipOps[0]->getOperand(1)) != -128.0 ||
      getConstantScalar(clip, clipOps[1]->getOperand(1)) != 127.0)
    return nullptr;
  Value rounded = getInputFor(clip, clipOps[0]->getOperand(0));
  linalg::GenericOp round =
      rounded ? matchGeneric<math::RoundEvenOp>(rounded) : nullptr;
  linalg::GenericOp times =
      round ? matchGeneric<arith::MulFOp>(round.getDpsInputs()[0]) : nullptr;
  std::optional<std::pair<Value, Value>> mulInputs =
      times ? getBinaryInputs(times) : std::nullopt;
  if (!mulInputs)
    return nullptr;
  auto [a, b] = *mulInputs;
  Value x = a == scale ? b : (b == scale ? a : Value());
  if (!x || matchActivationScale(scale) != x)
    return nullptr;
  return x;
}

struct QuantizeActsPass
    : public tern::impl::TernQuantizeActsBase<QuantizeActsPass> {
  using TernQuantizeActsBase::TernQuantizeActsBase;

  void runOnOperation() override {
    auto mode =
        ActQuantModeAttr::get(&getContext(), ActQuantMode::per_token_absmax);
    getOperation().walk([&](MatmulOp op) {
      // Per-block scales apply to float partial sums (see tern.matmul).
      if (op.getActQuant() != ActQuantMode::none || op.getScaleBlock())
        return;
      if (Value x = matchActivationFakeQuant(op.getInput())) {
        op.getInputMutable().assign(x);
        op.setActQuantAttr(mode);
      } else if (all) {
        op.setActQuantAttr(mode);
      }
    });
    // With `all`, 4- and 8-bit weights get int8 activations too.
    if (all)
      getOperation().walk(
          [&](QuantMatmulOp op) { op.setInt8Activations(true); });
  }
};

} // namespace
