//===- FoldConstants.cpp - Evaluate linalg on constant weights ------------===//
//
// Exporters rarely store ternary weights as plain constants: QDQ models
// dequantize an int8 initializer at run time, and quantization-aware
// training code exports the fake-quant chain clip(round(w / mean|w|), -1, 1)
// * mean|w| on latent float weights. Both are linalg.generic ops on
// constants after import. This pass evaluates such ops, so that
// tern-ternarize sees the weights the model really multiplies by.
//
// The evaluator runs the generic's body once per point of its iteration
// space, in the body's own arithmetic (f32 operations round to f32), for
// the arith and math ops weight preprocessing uses; anything else is left
// alone.
//
//===----------------------------------------------------------------------===//

#include "tern/Dialect/Tern/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNFOLDCONSTANTS
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

/// A scalar of the body: floats as double (rounded to f32 after each f32
/// operation), integers and bools as int64 (wrapped to their width).
struct Scalar {
  double f = 0;
  int64_t i = 0;
};

enum class Kind { F32, F64, Int };

std::optional<Kind> getKind(Type type) {
  if (type.isF32())
    return Kind::F32;
  if (type.isF64())
    return Kind::F64;
  if (type.isSignlessInteger() && type.getIntOrFloatBitWidth() <= 64)
    return Kind::Int;
  return std::nullopt;
}

/// `v` wrapped to a signed integer of `width` bits.
int64_t wrap(int64_t v, unsigned width) {
  if (width >= 64)
    return v;
  if (width == 1)
    return v & 1;
  uint64_t mask = (uint64_t(1) << width) - 1;
  uint64_t u = uint64_t(v) & mask;
  return (u >> (width - 1)) ? int64_t(u | ~mask) : int64_t(u);
}

double roundFloat(double v, Type type) {
  return type.isF32() ? double(float(v)) : v;
}

/// Reads element `index` of a constant as a Scalar.
Scalar readElement(DenseElementsAttr attr, int64_t index) {
  Scalar s;
  if (attr.isSplat())
    index = 0;
  Type type = attr.getElementType();
  if (type.isF32())
    s.f = attr.getValues<float>()[index];
  else if (type.isF64())
    s.f = attr.getValues<double>()[index];
  else
    s.i = attr.getValues<APInt>()[index].getSExtValue();
  return s;
}

/// Reads a constant's elements fast: straight from its raw little-endian
/// data (bools, bit-packed, through the attribute).
struct ElementReader {
  explicit ElementReader(DenseElementsAttr attr)
      : attr(attr), raw(attr.getRawData().data()), splat(attr.isSplat()) {
    Type type = attr.getElementType();
    isFloat = isa<FloatType>(type);
    width = type.getIntOrFloatBitWidth();
  }

  Scalar read(int64_t index) const {
    if (splat)
      index = 0;
    Scalar s;
    if (width == 1) {
      s.i = attr.getValues<bool>()[index];
    } else if (isFloat && width == 32) {
      float v;
      std::memcpy(&v, raw + 4 * index, 4);
      s.f = v;
    } else if (isFloat) {
      std::memcpy(&s.f, raw + 8 * index, 8);
    } else if (width == 8) {
      s.i = static_cast<int8_t>(raw[index]);
    } else if (width == 16) {
      int16_t v;
      std::memcpy(&v, raw + 2 * index, 2);
      s.i = v;
    } else if (width == 32) {
      int32_t v;
      std::memcpy(&v, raw + 4 * index, 4);
      s.i = v;
    } else {
      std::memcpy(&s.i, raw + 8 * index, 8);
    }
    return s;
  }

  DenseElementsAttr attr;
  const char *raw;
  bool splat, isFloat = false;
  unsigned width = 0;
};

/// One body op with its operands and result as register numbers, so that
/// evaluating a point needs no map lookups.
struct Step {
  Operation *op;
  SmallVector<int, 3> operands;
  int result = -1;
};

/// Evaluates one body op into `regs`; false for ops it does not know.
bool evaluate(const Step &step, std::vector<Scalar> &regs) {
  Operation *op = step.op;
  auto in = [&](unsigned i) { return regs[step.operands[i]]; };
  Type type = op->getNumResults() ? op->getResult(0).getType() : Type();
  unsigned width =
      type && type.isIntOrFloat() ? type.getIntOrFloatBitWidth() : 0;
  Scalar r;
  bool known = true;
  auto floatResult = [&](double v) { r.f = roundFloat(v, type); };
  auto intResult = [&](int64_t v) { r.i = wrap(v, width); };
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](arith::ConstantOp c) {
        if (auto f = dyn_cast<FloatAttr>(c.getValue()))
          r.f = f.getValueAsDouble();
        else if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
          r.i = width == 1 ? i.getValue().getZExtValue()
                           : i.getValue().getSExtValue();
        else
          known = false;
      })
      .Case([&](arith::AddFOp) { floatResult(in(0).f + in(1).f); })
      .Case([&](arith::SubFOp) { floatResult(in(0).f - in(1).f); })
      .Case([&](arith::MulFOp) { floatResult(in(0).f * in(1).f); })
      .Case([&](arith::DivFOp) { floatResult(in(0).f / in(1).f); })
      .Case([&](arith::NegFOp) { floatResult(-in(0).f); })
      .Case([&](arith::MaximumFOp) {
        double a = in(0).f, b = in(1).f;
        floatResult(std::isnan(a) || std::isnan(b) ? NAN : std::fmax(a, b));
      })
      .Case([&](arith::MinimumFOp) {
        double a = in(0).f, b = in(1).f;
        floatResult(std::isnan(a) || std::isnan(b) ? NAN : std::fmin(a, b));
      })
      .Case([&](arith::ExtFOp) { floatResult(in(0).f); })
      .Case([&](arith::TruncFOp) { floatResult(in(0).f); })
      .Case([&](arith::SIToFPOp) { floatResult(double(in(0).i)); })
      .Case([&](arith::FPToSIOp) { intResult(int64_t(std::trunc(in(0).f))); })
      .Case([&](arith::ExtSIOp) { intResult(in(0).i); })
      .Case([&](arith::ExtUIOp) {
        unsigned from = op->getOperand(0).getType().getIntOrFloatBitWidth();
        uint64_t mask = from >= 64 ? ~uint64_t(0) : (uint64_t(1) << from) - 1;
        intResult(int64_t(uint64_t(in(0).i) & mask));
      })
      .Case([&](arith::TruncIOp) { intResult(in(0).i); })
      .Case([&](arith::AddIOp) { intResult(in(0).i + in(1).i); })
      .Case([&](arith::SubIOp) { intResult(in(0).i - in(1).i); })
      .Case([&](arith::MulIOp) { intResult(in(0).i * in(1).i); })
      .Case([&](arith::SelectOp) { r = in(0).i ? in(1) : in(2); })
      .Case([&](arith::CmpFOp c) {
        double a = in(0).f, b = in(1).f;
        bool unordered = std::isnan(a) || std::isnan(b);
        using P = arith::CmpFPredicate;
        switch (c.getPredicate()) {
        case P::OEQ:
          r.i = !unordered && a == b;
          break;
        case P::ONE:
          r.i = !unordered && a != b;
          break;
        case P::OLT:
          r.i = !unordered && a < b;
          break;
        case P::OLE:
          r.i = !unordered && a <= b;
          break;
        case P::OGT:
          r.i = !unordered && a > b;
          break;
        case P::OGE:
          r.i = !unordered && a >= b;
          break;
        case P::UNE:
          r.i = unordered || a != b;
          break;
        case P::UNO:
          r.i = unordered;
          break;
        default:
          known = false;
        }
      })
      .Case([&](math::RoundEvenOp) {
        floatResult(std::nearbyint(in(0).f)); // the default mode: to even
      })
      .Case([&](math::RoundOp) { floatResult(std::round(in(0).f)); })
      .Case([&](math::AbsFOp) { floatResult(std::fabs(in(0).f)); })
      .Case([&](math::FloorOp) { floatResult(std::floor(in(0).f)); })
      .Case([&](math::CeilOp) { floatResult(std::ceil(in(0).f)); })
      .Case([&](math::SqrtOp) {
        floatResult(type.isF32() ? double(std::sqrt(float(in(0).f)))
                                 : std::sqrt(in(0).f));
      })
      .Default([&](Operation *) { known = false; });
  if (known && step.result >= 0)
    regs[step.result] = r;
  return known;
}

/// An operand's element offset as a linear function of the loop indices:
/// offset = sum(coefficients[d] * i_d) + constant.
struct LinearAccess {
  SmallVector<int64_t> coefficients;
  int64_t constant = 0;
};

std::optional<LinearAccess> getAccess(AffineMap map, ArrayRef<int64_t> shape,
                                      unsigned numLoops) {
  LinearAccess access;
  access.coefficients.assign(numLoops, 0);
  int64_t stride = 1;
  for (int64_t d = static_cast<int64_t>(map.getNumResults()) - 1; d >= 0; --d) {
    AffineExpr expr = map.getResult(d);
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      access.coefficients[dim.getPosition()] += stride;
    else if (auto constant = dyn_cast<AffineConstantExpr>(expr))
      access.constant += constant.getValue() * stride;
    else
      return std::nullopt;
    stride *= shape[d];
  }
  return access;
}

/// The constant a generic's init operand starts from: a constant, a
/// linalg.fill of a constant, or tensor.empty (never read by elementwise
/// bodies).
std::optional<DenseElementsAttr> getInitValue(Value init, bool read) {
  DenseElementsAttr attr;
  if (matchPattern(init, m_Constant(&attr)))
    return attr;
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    Attribute scalar;
    if (matchPattern(fill.getInputs()[0], m_Constant(&scalar)))
      return DenseElementsAttr::get(cast<ShapedType>(init.getType()), scalar);
    return std::nullopt;
  }
  if (!read && init.getDefiningOp<tensor::EmptyOp>())
    return DenseElementsAttr();
  return std::nullopt;
}

struct FoldConstantGeneric : public OpRewritePattern<linalg::GenericOp> {
  FoldConstantGeneric(MLIRContext *ctx, int64_t maxElements)
      : OpRewritePattern(ctx), maxElements(maxElements) {}

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getNumDpsInits() != 1 || op.getNumResults() != 1 ||
        op.getNumDpsInputs() == 0)
      return rewriter.notifyMatchFailure(op, "one result from inputs");
    SmallVector<DenseElementsAttr> inputs;
    for (Value input : op.getDpsInputs()) {
      DenseElementsAttr attr;
      if (!matchPattern(input, m_Constant(&attr)))
        return rewriter.notifyMatchFailure(op, "an input is not constant");
      inputs.push_back(attr);
    }
    auto resultType = dyn_cast<RankedTensorType>(op.getResult(0).getType());
    if (!resultType || !resultType.hasStaticShape() ||
        !getKind(resultType.getElementType()))
      return rewriter.notifyMatchFailure(op, "result type");
    Block &body = op.getRegion().front();
    if (llvm::any_of(body.without_terminator(), [](Operation &inner) {
          return isa<linalg::IndexOp>(inner);
        }))
      return rewriter.notifyMatchFailure(op, "reads loop indices");
    OpOperand *initOperand = op.getDpsInitOperand(0);
    bool readsInit = op.payloadUsesValueFromOperand(initOperand);
    std::optional<DenseElementsAttr> init =
        getInitValue(initOperand->get(), readsInit);
    if (!init)
      return rewriter.notifyMatchFailure(op, "init is not constant");

    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t points = 1;
    for (int64_t range : ranges) {
      if (ShapedType::isDynamic(range))
        return rewriter.notifyMatchFailure(op, "dynamic loop range");
      points *= range;
    }
    if (points > maxElements || resultType.getNumElements() > maxElements)
      return rewriter.notifyMatchFailure(op, "too large to evaluate");
    for (Value arg : body.getArguments())
      if (!getKind(arg.getType()))
        return rewriter.notifyMatchFailure(op, "element type");

    // Registers: the body's arguments, the scalars it captures from
    // outside (which must be constants), and each op's result.
    llvm::DenseMap<Value, int> slots;
    std::vector<Scalar> regs;
    auto slotOf = [&](Value v) {
      auto [it, inserted] = slots.try_emplace(v, int(regs.size()));
      if (inserted)
        regs.emplace_back();
      return it->second;
    };
    for (Value arg : body.getArguments())
      slotOf(arg);
    SmallVector<Step> steps;
    for (Operation &inner : body.without_terminator()) {
      Step step{&inner, {}, -1};
      for (Value operand : inner.getOperands()) {
        bool outside = operand.getParentRegion() != &op.getRegion();
        bool known = slots.count(operand);
        int slot = slotOf(operand);
        if (outside && !known) {
          auto constant = operand.getDefiningOp<arith::ConstantOp>();
          if (!constant || !getKind(operand.getType()) ||
              !evaluate(Step{constant, {}, slot}, regs))
            return rewriter.notifyMatchFailure(op, "the body reads a variable");
        }
        step.operands.push_back(slot);
      }
      if (inner.getNumResults() == 1)
        step.result = slotOf(inner.getResult(0));
      steps.push_back(std::move(step));
    }
    int resultSlot = slotOf(body.getTerminator()->getOperand(0));
    SmallVector<ElementReader> readers;
    for (DenseElementsAttr attr : inputs)
      readers.emplace_back(attr);

    unsigned numLoops = ranges.size();
    SmallVector<LinearAccess> accesses;
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = cast<RankedTensorType>(operand.get().getType());
      std::optional<LinearAccess> access = getAccess(
          op.getMatchingIndexingMap(&operand), type.getShape(), numLoops);
      if (!access)
        return rewriter.notifyMatchFailure(op, "non-linear indexing");
      accesses.push_back(*access);
    }

    // Output values start from the init constant (or zero when unread).
    int64_t count = resultType.getNumElements();
    std::vector<Scalar> output(count);
    if (*init)
      for (int64_t e = 0; e < count; ++e)
        output[e] = readElement(*init, e);

    SmallVector<int64_t> point(numLoops, 0);
    int outputSlot = slots.lookup(body.getArguments().back());
    for (int64_t p = 0; p < points; ++p) {
      for (auto [i, reader] : llvm::enumerate(readers)) {
        int64_t offset = accesses[i].constant;
        for (unsigned d = 0; d < numLoops; ++d)
          offset += accesses[i].coefficients[d] * point[d];
        regs[i] = reader.read(offset);
      }
      int64_t outOffset = accesses.back().constant;
      for (unsigned d = 0; d < numLoops; ++d)
        outOffset += accesses.back().coefficients[d] * point[d];
      regs[outputSlot] = output[outOffset];
      for (const Step &step : steps)
        if (!evaluate(step, regs))
          return rewriter.notifyMatchFailure(op, "unknown op in the body");
      output[outOffset] = regs[resultSlot];
      // Next point, last loop fastest.
      for (int64_t d = static_cast<int64_t>(numLoops) - 1; d >= 0; --d) {
        if (++point[d] < ranges[d])
          break;
        point[d] = 0;
      }
    }

    Type elementType = resultType.getElementType();
    DenseElementsAttr folded;
    if (elementType.isF32()) {
      std::vector<float> data(count);
      for (int64_t e = 0; e < count; ++e)
        data[e] = float(output[e].f);
      folded = DenseElementsAttr::get(resultType, ArrayRef<float>(data));
    } else if (elementType.isF64()) {
      std::vector<double> data(count);
      for (int64_t e = 0; e < count; ++e)
        data[e] = output[e].f;
      folded = DenseElementsAttr::get(resultType, ArrayRef<double>(data));
    } else {
      unsigned width = elementType.getIntOrFloatBitWidth();
      SmallVector<APInt> data;
      data.reserve(count);
      for (int64_t e = 0; e < count; ++e)
        data.push_back(APInt(width, uint64_t(output[e].i), /*isSigned=*/true,
                             /*implicitTrunc=*/true));
      folded = DenseElementsAttr::get(resultType, data);
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, folded);
    return success();
  }

  int64_t maxElements;
};

struct FoldConstantsPass
    : public tern::impl::TernFoldConstantsBase<FoldConstantsPass> {
  using TernFoldConstantsBase::TernFoldConstantsBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldConstantGeneric>(&getContext(), maxElements);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
