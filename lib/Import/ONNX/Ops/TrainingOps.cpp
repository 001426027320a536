//===- TrainingOps.cpp - ai.onnx.preview.training optimizers --------------===//
//
// Adagrad, Momentum and Adam: one optimizer step for each of the tensors
// they take, elementwise, from a scalar learning rate R and step count T.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace ::tern;

namespace {

constexpr const char *kTrainingDomain = "ai.onnx.preview.training";

/// What every step reads: R and T as scalars of the tensors' type, and the
/// groups of tensors (X, G, then the optimizer's states), each `count`
/// long.
struct Step {
  Value rate, count; // float scalars
  SmallVector<SmallVector<Value>> groups;
  Type elementType;
};

FailureOr<Step> readStep(NodeImporter &node, int64_t groups) {
  int64_t tensors = node.getNumInputs() - 2;
  if (tensors <= 0 || tensors % groups != 0) {
    node.emitError() << "expects R, T and " << groups
                     << " equally long groups of tensors";
    return failure();
  }
  Value rate = node.getInput(0), count = node.getInput(1);
  if (!rate || !count)
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Step step;
  int64_t n = tensors / groups;
  for (int64_t g = 0; g < groups; ++g) {
    step.groups.emplace_back();
    for (int64_t i = 0; i < n; ++i) {
      Value v = node.getInput(2 + g * n + i);
      if (!v)
        return failure();
      step.groups.back().push_back(v);
    }
  }
  step.elementType = getElementTypeOrSelf(step.groups[0][0].getType());
  if (!isa<FloatType>(step.elementType) ||
      getElementTypeOrSelf(rate.getType()) != step.elementType ||
      !getElementTypeOrSelf(count.getType()).isInteger(64)) {
    node.emitError() << "expects float tensors, R of their type and T int64";
    return failure();
  }
  auto scalar = [&](Value v) -> Value {
    auto type = cast<RankedTensorType>(v.getType());
    return tensor::ExtractOp::create(
        b, loc, v,
        SmallVector<Value>(type.getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0)));
  };
  step.rate = scalar(rate);
  step.count = arith::SIToFPOp::create(b, loc, step.elementType, scalar(count));
  return step;
}

/// Computes `update` elementwise on tensor i of every group, returning
/// `results` values per tensor; outputs are written group-major.
LogicalResult
emitSteps(NodeImporter &node, const Step &step, unsigned results,
          function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
              update) {
  int64_t n = step.groups[0].size();
  for (int64_t i = 0; i < n; ++i) {
    SmallVector<Value> operands;
    for (const SmallVector<Value> &group : step.groups)
      operands.push_back(group[i]);
    for (unsigned r = 0; r < results; ++r) {
      FailureOr<Value> out = buildBroadcastElementwise(
          node, operands, step.elementType,
          [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
            return update(nb, nloc, args)[r];
          });
      if (failed(out))
        return failure();
      node.setOutput(r * n + i, *out);
    }
  }
  return success();
}

Value f(OpBuilder &b, Location loc, Type type, double v) {
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, v));
}

/// Adagrad: r = R / (1 + T decay); g = norm X + G; H' = H + g^2;
/// X' = X - r g / (sqrt(H') + epsilon).
LogicalResult convertAdagrad(NodeImporter &node) {
  FailureOr<Step> step = readStep(node, 3);
  if (failed(step))
    return failure();
  double decay = node.getFloatAttr("decay_factor", 0.0f);
  double epsilon = node.getFloatAttr("epsilon", 1e-6f);
  double norm = node.getFloatAttr("norm_coefficient", 0.0f);
  Type t = step->elementType;
  return emitSteps(
      node, *step, 2,
      [&](OpBuilder &b, Location loc, ValueRange a) -> SmallVector<Value> {
        Value rate = arith::DivFOp::create(
            b, loc, step->rate,
            arith::AddFOp::create(b, loc, f(b, loc, t, 1),
                                  arith::MulFOp::create(b, loc, step->count,
                                                        f(b, loc, t, decay))));
        Value g = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, f(b, loc, t, norm), a[0]),
            a[1]);
        Value h = arith::AddFOp::create(b, loc, a[2],
                                        arith::MulFOp::create(b, loc, g, g));
        Value adaptive = arith::AddFOp::create(
            b, loc, math::SqrtOp::create(b, loc, h), f(b, loc, t, epsilon));
        Value x = arith::SubFOp::create(
            b, loc, a[0],
            arith::DivFOp::create(
                b, loc, arith::MulFOp::create(b, loc, rate, g), adaptive));
        return {x, h};
      });
}

/// Momentum: g = norm X + G; V' = alpha V + (T > 0 ? beta : 1) g;
/// X' = X - R V' (standard) or X - R (g + alpha V') (nesterov).
LogicalResult convertMomentum(NodeImporter &node) {
  FailureOr<Step> step = readStep(node, 3);
  if (failed(step))
    return failure();
  double alpha = node.getFloatAttr("alpha", 0.0f);
  double beta = node.getFloatAttr("beta", 0.0f);
  double norm = node.getFloatAttr("norm_coefficient", 0.0f);
  std::string mode = node.getStringAttr("mode", "standard");
  if (mode != "standard" && mode != "nesterov")
    return node.emitError()
           << "mode '" << mode << "' is not standard or nesterov";
  Type t = step->elementType;
  return emitSteps(
      node, *step, 2,
      [&](OpBuilder &b, Location loc, ValueRange a) -> SmallVector<Value> {
        Value g = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, f(b, loc, t, norm), a[0]),
            a[1]);
        Value started = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                              step->count, f(b, loc, t, 0));
        Value betaNow = arith::SelectOp::create(
            b, loc, started, f(b, loc, t, beta), f(b, loc, t, 1));
        Value v = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, f(b, loc, t, alpha), a[2]),
            arith::MulFOp::create(b, loc, betaNow, g));
        Value direction =
            mode == "standard"
                ? v
                : arith::AddFOp::create(
                      b, loc, g,
                      arith::MulFOp::create(b, loc, f(b, loc, t, alpha), v))
                      .getResult();
        Value x = arith::SubFOp::create(
            b, loc, a[0], arith::MulFOp::create(b, loc, step->rate, direction));
        return {x, v};
      });
}

/// Adam: g = norm X + G; V' = alpha V + (1 - alpha) g; H' = beta H +
/// (1 - beta) g^2; r = R sqrt(1 - beta^T) / (1 - alpha^T) once T > 0;
/// X' = (1 - norm_post) (X - r V' / (sqrt(H') + epsilon)).
LogicalResult convertAdam(NodeImporter &node) {
  FailureOr<Step> step = readStep(node, 4);
  if (failed(step))
    return failure();
  double alpha = node.getFloatAttr("alpha", 0.9f);
  double beta = node.getFloatAttr("beta", 0.999f);
  double epsilon = node.getFloatAttr("epsilon", 1e-6f);
  double norm = node.getFloatAttr("norm_coefficient", 0.0f);
  double normPost = node.getFloatAttr("norm_coefficient_post", 0.0f);
  Type t = step->elementType;
  return emitSteps(
      node, *step, 3,
      [&](OpBuilder &b, Location loc, ValueRange a) -> SmallVector<Value> {
        auto c = [&](double v) { return f(b, loc, t, v); };
        Value g = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, c(norm), a[0]), a[1]);
        Value v = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, c(alpha), a[2]),
            arith::MulFOp::create(b, loc, c(1 - alpha), g));
        Value h = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, c(beta), a[3]),
            arith::MulFOp::create(b, loc, c(1 - beta),
                                  arith::MulFOp::create(b, loc, g, g)));
        Value hSqrt = arith::AddFOp::create(
            b, loc, math::SqrtOp::create(b, loc, h), c(epsilon));
        Value corrected = arith::DivFOp::create(
            b, loc,
            arith::MulFOp::create(
                b, loc, step->rate,
                math::SqrtOp::create(
                    b, loc,
                    arith::SubFOp::create(
                        b, loc, c(1),
                        math::PowFOp::create(b, loc, c(beta), step->count)))),
            arith::SubFOp::create(
                b, loc, c(1),
                math::PowFOp::create(b, loc, c(alpha), step->count)));
        Value started = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                              step->count, c(0));
        Value rate =
            arith::SelectOp::create(b, loc, started, corrected, step->rate);
        Value x = arith::SubFOp::create(
            b, loc, a[0],
            arith::MulFOp::create(b, loc, rate,
                                  arith::DivFOp::create(b, loc, v, hSqrt)));
        x = arith::MulFOp::create(b, loc, c(1 - normPost), x);
        return {x, v, h};
      });
}

} // namespace

void ::tern::registerTrainingConverters(OpConverterRegistry &registry) {
  registry.add("Adagrad", 1, 1, convertAdagrad, kTrainingDomain);
  registry.add("Momentum", 1, 1, convertMomentum, kTrainingDomain);
  registry.add("Adam", 1, 1, convertAdam, kTrainingDomain);
}
