//===- RecurrentOps.cpp - RNN, GRU and LSTM -------------------------------===//
//
// ONNX's recurrent ops as a loop over time (scf.for, so that the sequence
// length may be dynamic) per direction. Each step gathers the batch's
// inputs at their time (a reverse pass starts at each row's own
// sequence_lens), multiplies them and the hidden state by the weights,
// and updates the state elementwise; rows past their length keep their
// state and write zeros to Y.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "RuntimeChecks.h"
#include "ShapeBuilders.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

using namespace mlir;
using namespace ::tern;

namespace {

enum class Cell { RNN, GRU, LSTM };

RankedTensorType getType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value floatConstant(OpBuilder &b, Location loc, Type type, double v) {
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, v));
}

/// One of the activation functions ONNX's recurrent ops name.
struct Activation {
  std::string name;
  double alpha = 0, beta = 0;
};

/// How many of activation_alpha and activation_beta `name` takes, and
/// their defaults.
struct ActivationParams {
  int count;
  double alpha, beta;
};
std::optional<ActivationParams> paramsOf(StringRef name) {
  if (name == "Sigmoid" || name == "Tanh" || name == "Relu" ||
      name == "Softsign" || name == "Softplus")
    return ActivationParams{0, 0, 0};
  if (name == "LeakyRelu")
    return ActivationParams{1, 0.01, 0};
  if (name == "ThresholdedRelu" || name == "Elu")
    return ActivationParams{1, 1.0, 0};
  if (name == "HardSigmoid")
    return ActivationParams{2, 0.2, 0.5};
  if (name == "ScaledTanh" || name == "Affine")
    return ActivationParams{2, 1.0, name == "Affine" ? 0.0 : 1.0};
  return std::nullopt;
}

/// The node's activations (`defaults` per direction when the attribute is
/// absent), with the alphas and betas consumed in order by the functions
/// that take them, as ONNX Runtime reads them.
FailureOr<SmallVector<Activation>>
parseActivations(NodeImporter &node, ArrayRef<StringRef> defaults,
                 int64_t directions) {
  SmallVector<std::string> names;
  if (const onnx::AttributeProto *attr = node.getAttribute("activations"))
    for (const std::string &s : attr->strings())
      names.push_back(s);
  if (names.empty())
    for (int64_t d = 0; d < directions; ++d)
      for (StringRef name : defaults)
        names.push_back(name.str());
  if (names.size() != defaults.size() * directions) {
    node.emitError() << "activations names " << names.size()
                     << " functions; this op takes " << defaults.size()
                     << " per direction";
    return failure();
  }
  SmallVector<float> alphas, betas;
  if (const onnx::AttributeProto *attr = node.getAttribute("activation_alpha"))
    alphas.assign(attr->floats().begin(), attr->floats().end());
  if (const onnx::AttributeProto *attr = node.getAttribute("activation_beta"))
    betas.assign(attr->floats().begin(), attr->floats().end());
  size_t nextAlpha = 0, nextBeta = 0;
  SmallVector<Activation> result;
  for (const std::string &name : names) {
    std::optional<ActivationParams> params = paramsOf(name);
    if (!params) {
      node.emitError() << "activation '" << name << "' is not supported";
      return failure();
    }
    Activation a{name, params->alpha, params->beta};
    if (params->count >= 1 && nextAlpha < alphas.size())
      a.alpha = alphas[nextAlpha++];
    if (params->count >= 2 && nextBeta < betas.size())
      a.beta = betas[nextBeta++];
    result.push_back(a);
  }
  return result;
}

Value applyActivation(OpBuilder &b, Location loc, const Activation &f,
                      Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConstant(b, loc, t, v); };
  auto sigmoid = [&](Value v) -> Value {
    return arith::DivFOp::create(
        b, loc, c(1.0),
        arith::AddFOp::create(
            b, loc, c(1.0),
            math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v))));
  };
  StringRef name = f.name;
  if (name == "Sigmoid")
    return sigmoid(x);
  if (name == "Tanh")
    return math::TanhOp::create(b, loc, x);
  if (name == "Relu")
    return arith::MaximumFOp::create(b, loc, x, c(0.0));
  if (name == "LeakyRelu")
    return arith::SelectOp::create(
        b, loc,
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x, c(0.0)), x,
        arith::MulFOp::create(b, loc, x, c(f.alpha)));
  if (name == "ThresholdedRelu")
    return arith::SelectOp::create(
        b, loc,
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(f.alpha)),
        x, c(0.0));
  if (name == "Elu")
    return arith::SelectOp::create(
        b, loc,
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x, c(0.0)), x,
        arith::MulFOp::create(
            b, loc, c(f.alpha),
            arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, x),
                                  c(1.0))));
  if (name == "HardSigmoid")
    return arith::MinimumFOp::create(
        b, loc,
        arith::MaximumFOp::create(
            b, loc,
            arith::AddFOp::create(b, loc,
                                  arith::MulFOp::create(b, loc, x, c(f.alpha)),
                                  c(f.beta)),
            c(0.0)),
        c(1.0));
  if (name == "ScaledTanh")
    return arith::MulFOp::create(
        b, loc, c(f.alpha),
        math::TanhOp::create(b, loc,
                             arith::MulFOp::create(b, loc, x, c(f.beta))));
  if (name == "Affine")
    return arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, c(f.alpha)), c(f.beta));
  if (name == "Softsign")
    return arith::DivFOp::create(
        b, loc, x,
        arith::AddFOp::create(b, loc, c(1.0), math::AbsFOp::create(b, loc, x)));
  // Softplus
  return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
}

/// The tensors and sizes every step reads.
struct Problem {
  Cell cell;
  Type elementType;
  int64_t hidden, gates;
  Value x;       // [S, B, I]
  Value lengths; // [B] index-castable integers, or null
  Value seq, batch;
  std::optional<double> clip;
  bool linearBeforeReset = false, inputForget = false;
};

/// What one direction reads: its weights [G H, I] and [G H, H], bias
/// [2 G H] (input then recurrence), peepholes [3 H] or null, and initial
/// state [B, H].
struct Direction {
  Value w, r, bias, peepholes, h0, c0;
  bool reverse;
  ArrayRef<Activation> activations;
};

/// out[b, j] = sum_k lhs[b, k] weights[j, k]: a step's product with a
/// weight matrix (rows `rowOffset` to `rowOffset + rows` of it).
Value multiplyByWeights(OpBuilder &b, Location loc, Value lhs, Value weights,
                        int64_t rowOffset, int64_t rows, Type elementType) {
  auto wType = getType(weights);
  if (rowOffset != 0 || rows != wType.getDimSize(0))
    weights = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({rows, wType.getDimSize(1)}, elementType),
        weights,
        ArrayRef<OpFoldResult>{b.getIndexAttr(rowOffset), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(rows),
                               b.getIndexAttr(wType.getDimSize(1))},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  Value batch = tensor::DimOp::create(b, loc, lhs, 0);
  auto resultType =
      RankedTensorType::get({ShapedType::kDynamic, rows}, elementType);
  Value empty = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                        elementType, ValueRange{batch});
  Value zero = floatConstant(b, loc, elementType, 0.0);
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
  MLIRContext *ctx = b.getContext();
  return linalg::GenericOp::create(
             b, loc, resultType, ValueRange{lhs, weights}, ValueRange{init},
             ArrayRef<AffineMap>{AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                                 AffineMap::get(3, 0, {d(1), d(2)}, ctx),
                                 AffineMap::get(3, 0, {d(0), d(1)}, ctx)},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel,
                                           utils::IteratorType::reduction},
             [](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::AddFOp::create(
                       nb, nloc, args[2],
                       arith::MulFOp::create(nb, nloc, args[0], args[1]))
                       .getResult());
             })
      .getResult(0);
}

/// The time row `b` reads at step `k`, and whether it is still running.
std::pair<Value, Value> timeOf(OpBuilder &b, Location loc, const Problem &p,
                               bool reverse, Value k, Value row) {
  Value length =
      p.lengths
          ? arith::IndexCastOp::create(
                b, loc, b.getIndexType(),
                tensor::ExtractOp::create(b, loc, p.lengths, ValueRange{row}))
                .getResult()
          : p.seq;
  if (!reverse)
    return {
        k, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, k, length)};
  Value t = arith::SubIOp::create(
      b, loc, arith::SubIOp::create(b, loc, length, indexConstant(b, loc, 1)),
      k);
  return {t, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, t,
                                   indexConstant(b, loc, 0))};
}

/// [B, H] elementwise over columns `offsets[i]` to `offsets[i] + H` of
/// each input ([B, ...] or 1-D), computing `body` on the values with the
/// row's activity flag. The result is written into `destination` when
/// given: the loop's state, updated in place (bufferization wants each
/// step's new state where the old one was).
Value elementwise(
    OpBuilder &b, Location loc, const Problem &p, bool reverse, Value k,
    ArrayRef<Value> inputs, ArrayRef<int64_t> offsets,
    function_ref<Value(OpBuilder &, Location, ValueRange, Value)> body,
    Value destination = Value()) {
  auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
  MLIRContext *ctx = b.getContext();
  SmallVector<Value> columns;
  SmallVector<AffineMap> maps;
  for (auto [original, offset] : llvm::zip(inputs, offsets)) {
    Value input = original;
    auto type = getType(input);
    int64_t rank = type.getRank();
    if (type.getDimSize(rank - 1) != p.hidden) {
      SmallVector<OpFoldResult> at(rank, b.getIndexAttr(0));
      at.back() = b.getIndexAttr(offset);
      SmallVector<OpFoldResult> sizes;
      for (int64_t i = 0; i + 1 < rank; ++i)
        sizes.push_back(tensor::getMixedSize(b, loc, input, i));
      sizes.push_back(b.getIndexAttr(p.hidden));
      SmallVector<int64_t> shape(type.getShape());
      shape.back() = p.hidden;
      input = tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get(shape, p.elementType), input, at, sizes,
          SmallVector<OpFoldResult>(rank, b.getIndexAttr(1)));
    }
    columns.push_back(input);
    maps.push_back(rank == 1 ? AffineMap::get(2, 0, {d(1)}, ctx)
                             : AffineMap::get(2, 0, {d(0), d(1)}, ctx));
  }
  maps.push_back(AffineMap::get(2, 0, {d(0), d(1)}, ctx));
  auto type =
      RankedTensorType::get({ShapedType::kDynamic, p.hidden}, p.elementType);
  Value init = destination
                   ? destination
                   : tensor::EmptyOp::create(b, loc, type.getShape(),
                                             p.elementType, ValueRange{p.batch})
                         .getResult();
  return linalg::GenericOp::create(
             b, loc, type, columns, ValueRange{init}, maps,
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel},
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value row = linalg::IndexOp::create(nb, nloc, 0);
               Value active = timeOf(nb, nloc, p, reverse, k, row).second;
               linalg::YieldOp::create(
                   nb, nloc, body(nb, nloc, args.drop_back(), active));
             })
      .getResult(0);
}

/// Runs one direction over the sequence; returns Y [S, B, H], the last
/// hidden state and (LSTM) the last cell state.
SmallVector<Value> runDirection(OpBuilder &b, Location loc, const Problem &p,
                                const Direction &dir) {
  int64_t hs = p.hidden;
  Type et = p.elementType;
  int64_t inputSize = getType(p.x).getDimSize(2);
  auto yType = RankedTensorType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, hs}, et);
  Value yEmpty = tensor::EmptyOp::create(b, loc, yType.getShape(), et,
                                         ValueRange{p.seq, p.batch});
  Value y0 =
      linalg::FillOp::create(b, loc, floatConstant(b, loc, et, 0.0), yEmpty)
          .getResult(0);
  SmallVector<Value> initArgs = {dir.h0, y0};
  if (p.cell == Cell::LSTM)
    initArgs.push_back(dir.c0);
  auto loop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), p.seq, indexConstant(b, loc, 1),
      initArgs, [&](OpBuilder &lb, Location lloc, Value k, ValueRange state) {
        Value h = state[0], y = state[1];
        Value c = p.cell == Cell::LSTM ? state[2] : Value();
        // The step's inputs [B, I], zeros for finished rows.
        auto xsType =
            RankedTensorType::get({ShapedType::kDynamic, inputSize}, et);
        Value xs = buildFromCoordinates(
            lb, lloc, xsType, ValueRange{p.batch},
            [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
              Value row = at[0], col = at[1];
              auto [t, active] = timeOf(nb, nloc, p, dir.reverse, k, row);
              Value last = arith::SubIOp::create(nb, nloc, p.seq,
                                                 indexConstant(nb, nloc, 1));
              Value tc = arith::MaxSIOp::create(
                  nb, nloc, arith::MinSIOp::create(nb, nloc, t, last),
                  indexConstant(nb, nloc, 0));
              Value v = tensor::ExtractOp::create(nb, nloc, p.x,
                                                  ValueRange{tc, row, col});
              return arith::SelectOp::create(nb, nloc, active, v,
                                             floatConstant(nb, nloc, et, 0.0));
            });
        Value gx = multiplyByWeights(lb, lloc, xs, dir.w, 0, p.gates * hs, et);
        Value gh = multiplyByWeights(lb, lloc, h, dir.r, 0, p.gates * hs, et);
        int64_t rb = p.gates * hs; // where the recurrence biases start
        auto pre = [&](OpBuilder &nb, Location nloc, Value a, Value bb,
                       Value wbias, Value rbias) -> Value {
          return arith::AddFOp::create(
              nb, nloc, arith::AddFOp::create(nb, nloc, a, bb),
              arith::AddFOp::create(nb, nloc, wbias, rbias));
        };
        auto clipped = [&](OpBuilder &nb, Location nloc, Value v) -> Value {
          if (!p.clip)
            return v;
          return arith::MinimumFOp::create(
              nb, nloc,
              arith::MaximumFOp::create(nb, nloc, v,
                                        floatConstant(nb, nloc, et, -*p.clip)),
              floatConstant(nb, nloc, et, *p.clip));
        };
        auto act = [&](OpBuilder &nb, Location nloc, unsigned i, Value v) {
          return applyActivation(nb, nloc, dir.activations[i], v);
        };
        Value newH, newC;
        if (p.cell == Cell::RNN) {
          newH = elementwise(
              lb, lloc, p, dir.reverse, k, {gx, gh, dir.bias, dir.bias, h},
              {0, 0, 0, rb, 0},
              [&](OpBuilder &nb, Location nloc, ValueRange a, Value active) {
                Value v = act(
                    nb, nloc, 0,
                    clipped(nb, nloc, pre(nb, nloc, a[0], a[1], a[2], a[3])));
                return arith::SelectOp::create(nb, nloc, active, v, a[4])
                    .getResult();
              },
              h);
        } else if (p.cell == Cell::GRU) {
          // z and r (gates 0 and 1).
          auto gate = [&](int64_t g) {
            return elementwise(
                lb, lloc, p, dir.reverse, k, {gx, gh, dir.bias, dir.bias},
                {g * hs, g * hs, g * hs, rb + g * hs},
                [&](OpBuilder &nb, Location nloc, ValueRange a, Value) {
                  return act(
                      nb, nloc, 0,
                      clipped(nb, nloc, pre(nb, nloc, a[0], a[1], a[2], a[3])));
                });
          };
          Value z = gate(0), r = gate(1);
          // The candidate's recurrence term: (r h) R_h^T + Rb_h, or
          // r (h R_h^T + Rb_h) with linear_before_reset.
          Value recurrent;
          if (!p.linearBeforeReset) {
            Value rh = elementwise(
                lb, lloc, p, dir.reverse, k, {r, h}, {0, 0},
                [&](OpBuilder &nb, Location nloc, ValueRange a, Value) {
                  return arith::MulFOp::create(nb, nloc, a[0], a[1])
                      .getResult();
                });
            Value product =
                multiplyByWeights(lb, lloc, rh, dir.r, 2 * hs, hs, et);
            recurrent = elementwise(
                lb, lloc, p, dir.reverse, k, {product, dir.bias},
                {0, rb + 2 * hs},
                [&](OpBuilder &nb, Location nloc, ValueRange a, Value) {
                  return arith::AddFOp::create(nb, nloc, a[0], a[1])
                      .getResult();
                });
          } else {
            recurrent = elementwise(
                lb, lloc, p, dir.reverse, k, {r, gh, dir.bias},
                {0, 2 * hs, rb + 2 * hs},
                [&](OpBuilder &nb, Location nloc, ValueRange a, Value) {
                  return arith::MulFOp::create(
                             nb, nloc, a[0],
                             arith::AddFOp::create(nb, nloc, a[1], a[2]))
                      .getResult();
                });
          }
          newH = elementwise(
              lb, lloc, p, dir.reverse, k, {gx, dir.bias, recurrent, z, h},
              {2 * hs, 2 * hs, 0, 0, 0},
              [&](OpBuilder &nb, Location nloc, ValueRange a, Value active) {
                Value candidate =
                    act(nb, nloc, 1,
                        clipped(nb, nloc,
                                arith::AddFOp::create(
                                    nb, nloc,
                                    arith::AddFOp::create(nb, nloc, a[0], a[1]),
                                    a[2])));
                // (1 - z) candidate + z h
                Value one = floatConstant(nb, nloc, et, 1.0);
                Value v = arith::AddFOp::create(
                    nb, nloc,
                    arith::MulFOp::create(
                        nb, nloc, arith::SubFOp::create(nb, nloc, one, a[3]),
                        candidate),
                    arith::MulFOp::create(nb, nloc, a[3], a[4]));
                return arith::SelectOp::create(nb, nloc, active, v, a[4])
                    .getResult();
              },
              h);
        } else {
          // LSTM gates in W's order: i, o, f, c; peepholes i, o, f.
          Value peep = dir.peepholes;
          // The cell state: i, f and c pre-activations at offsets 0, 2H
          // and 3H, then the old state and the i and f peepholes.
          SmallVector<Value> cellInputs;
          SmallVector<int64_t> cellOffsets;
          for (int64_t g : {0, 2, 3}) {
            cellInputs.append({gx, gh, dir.bias, dir.bias});
            cellOffsets.append({g * hs, g * hs, g * hs, rb + g * hs});
          }
          cellInputs.append({c, peep, peep});
          cellOffsets.append({0, 0, 2 * hs});
          newC = elementwise(
              lb, lloc, p, dir.reverse, k, cellInputs, cellOffsets,
              [&](OpBuilder &nb, Location nloc, ValueRange a, Value active) {
                Value cOld = a[12], pi = a[13], pf = a[14];
                Value iPre = arith::AddFOp::create(
                    nb, nloc, pre(nb, nloc, a[0], a[1], a[2], a[3]),
                    arith::MulFOp::create(nb, nloc, pi, cOld));
                Value i = act(nb, nloc, 0, clipped(nb, nloc, iPre));
                Value f;
                if (p.inputForget) {
                  f = arith::SubFOp::create(
                      nb, nloc, floatConstant(nb, nloc, et, 1.0), i);
                } else {
                  Value fPre = arith::AddFOp::create(
                      nb, nloc, pre(nb, nloc, a[4], a[5], a[6], a[7]),
                      arith::MulFOp::create(nb, nloc, pf, cOld));
                  f = act(nb, nloc, 0, clipped(nb, nloc, fPre));
                }
                Value candidate = act(
                    nb, nloc, 1,
                    clipped(nb, nloc, pre(nb, nloc, a[8], a[9], a[10], a[11])));
                Value v = arith::AddFOp::create(
                    nb, nloc, arith::MulFOp::create(nb, nloc, f, cOld),
                    arith::MulFOp::create(nb, nloc, i, candidate));
                return arith::SelectOp::create(nb, nloc, active, v, cOld)
                    .getResult();
              },
              c);
          newH = elementwise(
              lb, lloc, p, dir.reverse, k,
              {gx, gh, dir.bias, dir.bias, newC, peep, h},
              {hs, hs, hs, rb + hs, 0, hs, 0},
              [&](OpBuilder &nb, Location nloc, ValueRange a, Value active) {
                Value oPre = arith::AddFOp::create(
                    nb, nloc, pre(nb, nloc, a[0], a[1], a[2], a[3]),
                    arith::MulFOp::create(nb, nloc, a[5], a[4]));
                Value o = act(nb, nloc, 0, clipped(nb, nloc, oPre));
                Value v =
                    arith::MulFOp::create(nb, nloc, o, act(nb, nloc, 2, a[4]));
                return arith::SelectOp::create(nb, nloc, active, v, a[6])
                    .getResult();
              },
              h);
        }
        // Y[t_b, b] = the new state of each running row.
        auto rowLoop = scf::ForOp::create(
            lb, lloc, indexConstant(lb, lloc, 0), p.batch,
            indexConstant(lb, lloc, 1), ValueRange{y},
            [&](OpBuilder &rb2, Location rloc, Value row, ValueRange yState) {
              auto [t, active] = timeOf(rb2, rloc, p, dir.reverse, k, row);
              auto ifOp = scf::IfOp::create(
                  rb2, rloc, active,
                  [&](OpBuilder &tb, Location tloc) {
                    Value slice = tensor::ExtractSliceOp::create(
                        tb, tloc, RankedTensorType::get({1, 1, hs}, et),
                        tensor::ExpandShapeOp::create(
                            tb, tloc,
                            RankedTensorType::get({ShapedType::kDynamic, 1, hs},
                                                  et),
                            newH,
                            SmallVector<ReassociationIndices>{{0, 1}, {2}},
                            SmallVector<OpFoldResult>{p.batch,
                                                      tb.getIndexAttr(1),
                                                      tb.getIndexAttr(hs)}),
                        ArrayRef<OpFoldResult>{row, tb.getIndexAttr(0),
                                               tb.getIndexAttr(0)},
                        ArrayRef<OpFoldResult>{tb.getIndexAttr(1),
                                               tb.getIndexAttr(1),
                                               tb.getIndexAttr(hs)},
                        ArrayRef<OpFoldResult>{tb.getIndexAttr(1),
                                               tb.getIndexAttr(1),
                                               tb.getIndexAttr(1)});
                    Value updated = tensor::InsertSliceOp::create(
                        tb, tloc, slice, yState[0],
                        ArrayRef<OpFoldResult>{t, row, tb.getIndexAttr(0)},
                        ArrayRef<OpFoldResult>{tb.getIndexAttr(1),
                                               tb.getIndexAttr(1),
                                               tb.getIndexAttr(hs)},
                        ArrayRef<OpFoldResult>{tb.getIndexAttr(1),
                                               tb.getIndexAttr(1),
                                               tb.getIndexAttr(1)});
                    scf::YieldOp::create(tb, tloc, updated);
                  },
                  [&](OpBuilder &eb, Location eloc) {
                    scf::YieldOp::create(eb, eloc, yState[0]);
                  });
              scf::YieldOp::create(rb2, rloc, ifOp.getResult(0));
            });
        SmallVector<Value> next = {newH, rowLoop.getResult(0)};
        if (newC)
          next.push_back(newC);
        scf::YieldOp::create(lb, lloc, next);
      });
  SmallVector<Value> results = {loop.getResult(1), loop.getResult(0)};
  if (p.cell == Cell::LSTM)
    results.push_back(loop.getResult(2));
  return results;
}

/// Direction `d` of a [D, ...] input, as [...].
Value directionOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  auto type = getType(v);
  SmallVector<int64_t> shape(type.getShape().drop_front());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  offsets[0] = b.getIndexAttr(d);
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
  for (int64_t i = 1; i < type.getRank(); ++i)
    sizes.push_back(tensor::getMixedSize(b, loc, v, i));
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v, offsets,
      sizes, strides);
}

/// Swaps dimensions 0 and 1 (the batchwise layout).
Value swapLeading(OpBuilder &b, Location loc, Value v) {
  auto type = getType(v);
  SmallVector<int64_t> perm = {1, 0};
  for (int64_t i = 2; i < type.getRank(); ++i)
    perm.push_back(i);
  SmallVector<OpFoldResult> sizes;
  for (int64_t p : perm)
    sizes.push_back(tensor::getMixedSize(b, loc, v, p));
  Value init = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, perm).getResult()[0];
}

/// Stacks per-direction tensors [A, B, ...] along a new dimension `axis`.
Value stack(OpBuilder &b, Location loc, ArrayRef<Value> parts, int64_t axis) {
  auto type = getType(parts[0]);
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    sizes.push_back(tensor::getMixedSize(b, loc, parts[0], i));
  sizes.insert(sizes.begin() + axis, b.getIndexAttr(parts.size()));
  Value result = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  for (auto [d, part] : llvm::enumerate(parts)) {
    SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
    offsets[axis] = b.getIndexAttr(d);
    SmallVector<OpFoldResult> partSizes(sizes);
    partSizes[axis] = b.getIndexAttr(1);
    SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
    result = tensor::InsertSliceOp::create(b, loc, part, result, offsets,
                                           partSizes, strides);
  }
  return result;
}

template <Cell cell> LogicalResult convertRecurrent(NodeImporter &node) {
  Value x = node.getInput(0), w = node.getInput(1), r = node.getInput(2);
  if (!x || !w || !r)
    return failure();
  auto xType = getType(x);
  Type et = xType.getElementType();
  auto wType = getType(w);
  if (!isa<FloatType>(et) || xType.getRank() != 3 || wType.getRank() != 3 ||
      wType.isDynamicDim(2))
    return node.emitError() << "X must be a float [seq, batch, input] tensor "
                               "and W [directions, gates * hidden, input] "
                               "with a static input size, got "
                            << x.getType() << " and " << w.getType();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  if (xType.isDynamicDim(2)) {
    // A stacked layer's input: its size is the weights'.
    emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, x, 2),
                             indexConstant(b, loc, wType.getDimSize(2)),
                             RunError::ShapeMismatch);
    xType = RankedTensorType::get(
        {xType.getDimSize(0), xType.getDimSize(1), wType.getDimSize(2)}, et);
    x = tensor::CastOp::create(b, loc, xType, x);
  }
  int64_t gates = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 3 : 4;
  int64_t hidden = node.getIntAttr("hidden_size", 0);
  std::string direction = node.getStringAttr("direction", "forward");
  if (direction != "forward" && direction != "reverse" &&
      direction != "bidirectional")
    return node.emitError() << "direction '" << direction
                            << "' is not forward, reverse or bidirectional";
  int64_t dirs = direction == "bidirectional" ? 2 : 1;
  int64_t inputSize = xType.getDimSize(2);
  if (hidden <= 0 ||
      getType(w) !=
          RankedTensorType::get({dirs, gates * hidden, inputSize}, et) ||
      getType(r) != RankedTensorType::get({dirs, gates * hidden, hidden}, et))
    return node.emitError()
           << "W and R must be [" << dirs << ", " << gates
           << " * hidden_size, input or hidden_size] of " << et << ", got "
           << w.getType() << " and " << r.getType();
  bool batchwise = node.getIntAttr("layout", 0);
  Problem p{cell, et, hidden, gates};
  p.x = batchwise ? swapLeading(b, loc, x) : x;
  p.seq = tensor::DimOp::create(b, loc, p.x, 0);
  p.batch = tensor::DimOp::create(b, loc, p.x, 1);
  if (const onnx::AttributeProto *attr = node.getAttribute("clip"))
    p.clip = attr->f();
  p.linearBeforeReset = node.getIntAttr("linear_before_reset", 0);
  p.inputForget = node.getIntAttr("input_forget", 0);
  auto optional = [&](unsigned i) -> FailureOr<Value> {
    if (!node.hasInput(i))
      return Value();
    Value v = node.getInput(i);
    if (!v)
      return failure();
    return v;
  };
  FailureOr<Value> bias = optional(3), lengths = optional(4), h0 = optional(5),
                   c0 = optional(6), peep = optional(7);
  if (failed(bias) || failed(lengths) || failed(h0) || failed(c0) ||
      failed(peep))
    return failure();
  if (*lengths) {
    auto type = getType(*lengths);
    if (type.getRank() != 1 || !type.getElementType().isInteger(32))
      return node.emitError() << "sequence_lens must be int32 [batch]";
    emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, *lengths, 0),
                             p.batch, RunError::ShapeMismatch);
    // A length outside [0, seq] would write Y past its end: it stops the
    // run.
    scf::ForOp::create(
        b, loc, indexConstant(b, loc, 0), p.batch, indexConstant(b, loc, 1),
        ValueRange{}, [&](OpBuilder &lb, Location lloc, Value row, ValueRange) {
          Value length = arith::IndexCastOp::create(
              lb, lloc, lb.getIndexType(),
              tensor::ExtractOp::create(lb, lloc, *lengths, ValueRange{row}));
          emitRuntimeLengthCheck(lb, lloc, length, p.seq);
          scf::YieldOp::create(lb, lloc);
        });
    p.lengths = *lengths;
  }
  if (*bias &&
      getType(*bias) != RankedTensorType::get({dirs, 2 * gates * hidden}, et))
    return node.emitError() << "B must be [" << dirs << ", 2 * " << gates
                            << " * hidden_size], got " << (*bias).getType();
  if (*peep && getType(*peep) != RankedTensorType::get({dirs, 3 * hidden}, et))
    return node.emitError() << "P must be [" << dirs
                            << ", 3 * hidden_size], got " << (*peep).getType();
  SmallVector<StringRef> defaults =
      cell == Cell::RNN   ? SmallVector<StringRef>{"Tanh"}
      : cell == Cell::GRU ? SmallVector<StringRef>{"Sigmoid", "Tanh"}
                          : SmallVector<StringRef>{"Sigmoid", "Tanh", "Tanh"};
  FailureOr<SmallVector<Activation>> activations =
      parseActivations(node, defaults, dirs);
  if (failed(activations))
    return failure();
  auto zeros = [&](ArrayRef<int64_t> shape, ValueRange dynamic) -> Value {
    Value empty = tensor::EmptyOp::create(b, loc, shape, et, dynamic);
    return linalg::FillOp::create(b, loc, floatConstant(b, loc, et, 0.0), empty)
        .getResult(0);
  };
  auto initialState = [&](Value v, int64_t d) -> FailureOr<Value> {
    if (!v)
      return zeros({ShapedType::kDynamic, hidden}, {p.batch});
    auto type = getType(v);
    if (type.getRank() != 3 || type.getDimSize(2) != hidden ||
        type.getElementType() != et) {
      node.emitError() << "initial states must be 3-D with hidden_size "
                       << hidden << " last, got " << v.getType();
      return failure();
    }
    Value state =
        directionOf(b, loc, batchwise ? swapLeading(b, loc, v) : v, d);
    return Value(tensor::CastOp::create(
        b, loc, RankedTensorType::get({ShapedType::kDynamic, hidden}, et),
        state));
  };
  SmallVector<Value> ys, hs, cs;
  for (int64_t d = 0; d < dirs; ++d) {
    Direction dir;
    dir.w = directionOf(b, loc, w, d);
    dir.r = directionOf(b, loc, r, d);
    dir.bias =
        *bias ? directionOf(b, loc, *bias, d) : zeros({2 * gates * hidden}, {});
    dir.peepholes =
        *peep ? directionOf(b, loc, *peep, d) : zeros({3 * hidden}, {});
    FailureOr<Value> hInit = initialState(*h0, d);
    FailureOr<Value> cInit = initialState(*c0, d);
    if (failed(hInit) || failed(cInit))
      return failure();
    dir.h0 = *hInit;
    dir.c0 = *cInit;
    dir.reverse = direction == "reverse" || d == 1;
    dir.activations = ArrayRef<Activation>(*activations)
                          .slice(d * defaults.size(), defaults.size());
    SmallVector<Value> out = runDirection(b, loc, p, dir);
    ys.push_back(out[0]);
    hs.push_back(out[1]);
    if (cell == Cell::LSTM)
      cs.push_back(out[2]);
  }
  // Y [S, D, B, H] (batchwise: [B, S, D, H]); Y_h, Y_c [D, B, H] (batchwise:
  // [B, D, H]).
  Value y = stack(b, loc, ys, 1);
  if (batchwise) {
    Value init = tensor::EmptyOp::create(
        b, loc,
        SmallVector<OpFoldResult>{tensor::getMixedSize(b, loc, y, 2),
                                  tensor::getMixedSize(b, loc, y, 0),
                                  b.getIndexAttr(dirs), b.getIndexAttr(hidden)},
        et);
    y = linalg::TransposeOp::create(b, loc, y, init,
                                    ArrayRef<int64_t>{2, 0, 1, 3})
            .getResult()[0];
  }
  auto finalState = [&](ArrayRef<Value> parts) {
    return stack(b, loc, parts, batchwise ? 1 : 0);
  };
  node.setOutput(0, y);
  node.setOutput(1, finalState(hs));
  if (cell == Cell::LSTM)
    node.setOutput(2, finalState(cs));
  return success();
}

} // namespace

void ::tern::registerRecurrentConverters(OpConverterRegistry &registry) {
  registry.add("RNN", 14, 17, convertRecurrent<Cell::RNN>);
  registry.add("GRU", 14, 17, convertRecurrent<Cell::GRU>);
  registry.add("LSTM", 14, 17, convertRecurrent<Cell::LSTM>);
}
