//===- ConstantEvaluator.cpp - Compute linalg on constant weights ---------===//

#include "ConstantEvaluator.h"
#include "tern/Dialect/Tern/IR/WeightStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::tern;

namespace {

/// How a tensor's elements are stored.
/// (16-bit floats are read only: weights stored in them are constants.)
enum class Storage { F16, BF16, F32, F64, I1, I8, I16, I32, I64 };

std::optional<Storage> getStorage(Type type) {
  if (type.isF16())
    return Storage::F16;
  if (type.isBF16())
    return Storage::BF16;
  if (type.isF32())
    return Storage::F32;
  if (type.isF64())
    return Storage::F64;
  if (!type.isSignlessInteger())
    return std::nullopt;
  switch (type.getIntOrFloatBitWidth()) {
  case 1:
    return Storage::I1;
  case 8:
    return Storage::I8;
  case 16:
    return Storage::I16;
  case 32:
    return Storage::I32;
  case 64:
    return Storage::I64;
  default:
    return std::nullopt;
  }
}

size_t getStorageBytes(Storage storage) {
  switch (storage) {
  case Storage::F64:
  case Storage::I64:
    return 8;
  case Storage::F32:
  case Storage::I32:
    return 4;
  case Storage::I16:
  case Storage::F16:
  case Storage::BF16:
    return 2;
  default:
    return 1;
  }
}

bool isFloat(Storage s) {
  return s == Storage::F32 || s == Storage::F64 || s == Storage::F16 ||
         s == Storage::BF16;
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

/// The low `width` bits.
uint64_t lowMask(unsigned width) {
  return width >= 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1;
}

/// arith.maximumf / minimumf: NaN if either operand is.
double maximumF(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? NAN : std::fmax(a, b);
}
double minimumF(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? NAN : std::fmin(a, b);
}

template <typename T> T load(const char *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

/// The body ops the evaluator knows.
enum class Opcode {
  Constant,
  AddF,
  SubF,
  MulF,
  DivF,
  NegF,
  MaximumF,
  MinimumF,
  ExtF,
  TruncF,
  SIToFP,
  UIToFP,
  FPToSI,
  ExtSI,
  ExtUI,
  TruncI,
  AddI,
  SubI,
  MulI,
  Select,
  CmpF,
  CmpI,
  RoundEven,
  Round,
  AbsF,
  Floor,
  Ceil,
  Sqrt,
};

/// One body op over registers: operands and result as register numbers.
struct Step {
  Opcode opcode;
  SmallVector<int, 3> operands;
  int result = -1;
  bool f32 = false;    // float result rounds to f32
  unsigned width = 64; // integer result width
  unsigned fromWidth = 64;
  int predicate = 0;
  double constF = 0;
  int64_t constI = 0;
};

std::optional<Step> compileStep(Operation *op) {
  Step step;
  Type type = op->getNumResults() ? op->getResult(0).getType() : Type();
  if (!type || !type.isIntOrFloat())
    return std::nullopt;
  step.f32 = type.isF32();
  step.width = type.getIntOrFloatBitWidth();
  if (op->getNumOperands() && op->getOperand(0).getType().isIntOrFloat())
    step.fromWidth = op->getOperand(0).getType().getIntOrFloatBitWidth();
  if (isa<FloatType>(type) && !type.isF32() && !type.isF64())
    return std::nullopt;
  std::optional<Opcode> code =
      llvm::TypeSwitch<Operation *, std::optional<Opcode>>(op)
          .Case([&](arith::ConstantOp c) -> std::optional<Opcode> {
            if (auto f = dyn_cast<FloatAttr>(c.getValue()))
              step.constF = f.getValueAsDouble();
            else if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
              step.constI = step.width == 1 ? i.getValue().getZExtValue()
                                            : i.getValue().getSExtValue();
            else
              return std::nullopt;
            return Opcode::Constant;
          })
          .Case([](arith::AddFOp) { return Opcode::AddF; })
          .Case([](arith::SubFOp) { return Opcode::SubF; })
          .Case([](arith::MulFOp) { return Opcode::MulF; })
          .Case([](arith::DivFOp) { return Opcode::DivF; })
          .Case([](arith::NegFOp) { return Opcode::NegF; })
          .Case([](arith::MaximumFOp) { return Opcode::MaximumF; })
          .Case([](arith::MinimumFOp) { return Opcode::MinimumF; })
          .Case([](arith::ExtFOp) { return Opcode::ExtF; })
          .Case([](arith::TruncFOp) { return Opcode::TruncF; })
          .Case([](arith::SIToFPOp) { return Opcode::SIToFP; })
          .Case([](arith::UIToFPOp) { return Opcode::UIToFP; })
          .Case([](arith::FPToSIOp) { return Opcode::FPToSI; })
          .Case([](arith::ExtSIOp) { return Opcode::ExtSI; })
          .Case([](arith::ExtUIOp) { return Opcode::ExtUI; })
          .Case([](arith::TruncIOp) { return Opcode::TruncI; })
          .Case([](arith::AddIOp) { return Opcode::AddI; })
          .Case([](arith::SubIOp) { return Opcode::SubI; })
          .Case([](arith::MulIOp) { return Opcode::MulI; })
          .Case([](arith::SelectOp) { return Opcode::Select; })
          .Case([&](arith::CmpFOp c) -> std::optional<Opcode> {
            using P = arith::CmpFPredicate;
            P p = c.getPredicate();
            if (p != P::OEQ && p != P::ONE && p != P::OLT && p != P::OLE &&
                p != P::OGT && p != P::OGE && p != P::UNE && p != P::UNO)
              return std::nullopt;
            step.predicate = int(p);
            return Opcode::CmpF;
          })
          .Case([&](arith::CmpIOp c) {
            step.predicate = int(c.getPredicate());
            return Opcode::CmpI;
          })
          .Case([](math::RoundEvenOp) { return Opcode::RoundEven; })
          .Case([](math::RoundOp) { return Opcode::Round; })
          .Case([](math::AbsFOp) { return Opcode::AbsF; })
          .Case([](math::FloorOp) { return Opcode::Floor; })
          .Case([](math::CeilOp) { return Opcode::Ceil; })
          .Case([](math::SqrtOp) { return Opcode::Sqrt; })
          .Default([](Operation *) { return std::nullopt; });
  if (!code)
    return std::nullopt;
  step.opcode = *code;
  return step;
}

/// A register: one value per point of a chunk.
struct Register {
  std::vector<double> f;
  std::vector<int64_t> i;
};

/// `count` registers of `chunk` points, the body's constants filled in.
std::vector<Register> makeRegisters(int count, int64_t chunk,
                                    ArrayRef<Step> constants) {
  std::vector<Register> regs(count);
  for (Register &reg : regs) {
    reg.f.assign(chunk, 0.0);
    reg.i.assign(chunk, 0);
  }
  for (const Step &c : constants) {
    std::fill(regs[c.result].f.begin(), regs[c.result].f.end(), c.constF);
    std::fill(regs[c.result].i.begin(), regs[c.result].i.end(), c.constI);
  }
  return regs;
}

bool evalCmpF(int predicate, double a, double b) {
  using P = arith::CmpFPredicate;
  bool unordered = std::isnan(a) || std::isnan(b);
  switch (P(predicate)) {
  case P::OEQ:
    return !unordered && a == b;
  case P::ONE:
    return !unordered && a != b;
  case P::OLT:
    return !unordered && a < b;
  case P::OLE:
    return !unordered && a <= b;
  case P::OGT:
    return !unordered && a > b;
  case P::OGE:
    return !unordered && a >= b;
  case P::UNE:
    return unordered || a != b;
  default: // UNO
    return unordered;
  }
}

bool evalCmpI(int predicate, int64_t a, int64_t b, unsigned width) {
  using P = arith::CmpIPredicate;
  uint64_t ua = uint64_t(a) & lowMask(width), ub = uint64_t(b) & lowMask(width);
  switch (P(predicate)) {
  case P::eq:
    return a == b;
  case P::ne:
    return a != b;
  case P::slt:
    return a < b;
  case P::sle:
    return a <= b;
  case P::sgt:
    return a > b;
  case P::sge:
    return a >= b;
  case P::ult:
    return ua < ub;
  case P::ule:
    return ua <= ub;
  case P::ugt:
    return ua > ub;
  case P::uge:
    return ua >= ub;
  }
  return false;
}

/// Runs `step` over points [0, n) of the registers.
void runStep(const Step &s, std::vector<Register> &regs, int64_t n) {
  Register &r = regs[s.result];
  auto in = [&](unsigned k) -> Register & { return regs[s.operands[k]]; };
  auto rf = [&](double v) { return s.f32 ? double(float(v)) : v; };
#define FLOAT_LOOP(EXPR)                                                       \
  for (int64_t p = 0; p < n; ++p)                                              \
    r.f[p] = rf(EXPR);
#define INT_LOOP(EXPR)                                                         \
  for (int64_t p = 0; p < n; ++p)                                              \
    r.i[p] = wrap(EXPR, s.width);
  switch (s.opcode) {
  case Opcode::Constant:
    break; // filled once
  case Opcode::AddF:
    FLOAT_LOOP(in(0).f[p] + in(1).f[p]);
    break;
  case Opcode::SubF:
    FLOAT_LOOP(in(0).f[p] - in(1).f[p]);
    break;
  case Opcode::MulF:
    FLOAT_LOOP(in(0).f[p] * in(1).f[p]);
    break;
  case Opcode::DivF:
    FLOAT_LOOP(in(0).f[p] / in(1).f[p]);
    break;
  case Opcode::NegF:
    FLOAT_LOOP(-in(0).f[p]);
    break;
  case Opcode::MaximumF:
    FLOAT_LOOP(maximumF(in(0).f[p], in(1).f[p]));
    break;
  case Opcode::MinimumF:
    FLOAT_LOOP(minimumF(in(0).f[p], in(1).f[p]));
    break;
  case Opcode::ExtF:
  case Opcode::TruncF:
    FLOAT_LOOP(in(0).f[p]);
    break;
  case Opcode::SIToFP:
    FLOAT_LOOP(double(in(0).i[p]));
    break;
  case Opcode::UIToFP: {
    uint64_t mask = lowMask(s.fromWidth);
    FLOAT_LOOP(double(uint64_t(in(0).i[p]) & mask));
    break;
  }
  case Opcode::FPToSI:
    INT_LOOP(int64_t(std::trunc(in(0).f[p])));
    break;
  case Opcode::ExtSI:
  case Opcode::TruncI:
    INT_LOOP(in(0).i[p]);
    break;
  case Opcode::ExtUI: {
    uint64_t mask = lowMask(s.fromWidth);
    INT_LOOP(int64_t(uint64_t(in(0).i[p]) & mask));
    break;
  }
  case Opcode::AddI:
    INT_LOOP(in(0).i[p] + in(1).i[p]);
    break;
  case Opcode::SubI:
    INT_LOOP(in(0).i[p] - in(1).i[p]);
    break;
  case Opcode::MulI:
    INT_LOOP(in(0).i[p] * in(1).i[p]);
    break;
  case Opcode::Select:
    for (int64_t p = 0; p < n; ++p) {
      bool c = in(0).i[p] != 0;
      r.f[p] = c ? in(1).f[p] : in(2).f[p];
      r.i[p] = c ? in(1).i[p] : in(2).i[p];
    }
    break;
  case Opcode::CmpF:
    for (int64_t p = 0; p < n; ++p)
      r.i[p] = evalCmpF(s.predicate, in(0).f[p], in(1).f[p]);
    break;
  case Opcode::CmpI:
    for (int64_t p = 0; p < n; ++p)
      r.i[p] = evalCmpI(s.predicate, in(0).i[p], in(1).i[p], s.fromWidth);
    break;
  case Opcode::RoundEven:
    FLOAT_LOOP(std::nearbyint(in(0).f[p])); // the default mode: to even
    break;
  case Opcode::Round:
    FLOAT_LOOP(std::round(in(0).f[p]));
    break;
  case Opcode::AbsF:
    FLOAT_LOOP(std::fabs(in(0).f[p]));
    break;
  case Opcode::Floor:
    FLOAT_LOOP(std::floor(in(0).f[p]));
    break;
  case Opcode::Ceil:
    FLOAT_LOOP(std::ceil(in(0).f[p]));
    break;
  case Opcode::Sqrt:
    FLOAT_LOOP(s.f32 ? double(std::sqrt(float(in(0).f[p])))
                     : std::sqrt(in(0).f[p]));
    break;
  }
#undef FLOAT_LOOP
#undef INT_LOOP
}

/// An operand's element offset as a linear function of the loop indices.
std::optional<SmallVector<int64_t>> getCoefficients(AffineMap map,
                                                    ArrayRef<int64_t> shape,
                                                    unsigned numLoops,
                                                    int64_t &constant) {
  SmallVector<int64_t> coefficients(numLoops, 0);
  constant = 0;
  int64_t stride = 1;
  for (int64_t d = int64_t(map.getNumResults()) - 1; d >= 0; --d) {
    AffineExpr expr = map.getResult(d);
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      coefficients[dim.getPosition()] += stride;
    else if (auto c = dyn_cast<AffineConstantExpr>(expr))
      constant += c.getValue() * stride;
    else
      return std::nullopt;
    stride *= shape[d];
  }
  return coefficients;
}

/// The init a generic's output starts from: a constant, a fill of a
/// constant scalar, or tensor.empty (zeros, only when never read).
std::optional<ConstantTensor> getInit(Value init, bool read) {
  ElementsAttr attr;
  if (matchPattern(init, m_Constant(&attr)))
    return viewConstant(attr);
  auto type = cast<RankedTensorType>(init.getType());
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    Attribute scalar;
    if (!matchPattern(fill.getInputs()[0], m_Constant(&scalar)) ||
        !isa<FloatAttr, IntegerAttr>(scalar))
      return std::nullopt;
    return viewConstant(DenseElementsAttr::get(type, scalar));
  }
  if (!read && init.getDefiningOp<tensor::EmptyOp>()) {
    ConstantTensor zeros;
    zeros.type = type;
    return zeros; // no bytes: the evaluator starts from zero
  }
  return std::nullopt;
}

/// Writes element `e` of storage `storage` from a float or int register
/// value.
void storeElement(char *out, Storage storage, int64_t e, double f, int64_t i) {
  switch (storage) {
  case Storage::F32: {
    float v = float(f);
    std::memcpy(out + 4 * e, &v, 4);
    break;
  }
  case Storage::F64:
    std::memcpy(out + 8 * e, &f, 8);
    break;
  case Storage::I8:
    out[e] = char(i);
    break;
  case Storage::I16: {
    int16_t v = int16_t(i);
    std::memcpy(out + 2 * e, &v, 2);
    break;
  }
  case Storage::I32: {
    int32_t v = int32_t(i);
    std::memcpy(out + 4 * e, &v, 4);
    break;
  }
  default:
    std::memcpy(out + 8 * e, &i, 8);
    break;
  }
}

/// Combines a reduction's accumulator with a computed value, in order.
bool isCombiner(Opcode op) {
  switch (op) {
  case Opcode::AddF:
  case Opcode::MulF:
  case Opcode::MaximumF:
  case Opcode::MinimumF:
  case Opcode::AddI:
  case Opcode::MulI:
    return true;
  default:
    return false;
  }
}

} // namespace

double ConstantTensor::readFloat(int64_t index) const {
  if (splat)
    index = 0;
  Type type = this->type.getElementType();
  const char *p = bytes.data();
  if (type.isF32())
    return load<float>(p + 4 * index);
  if (type.isF64())
    return load<double>(p + 8 * index);
  if (auto floatType = dyn_cast<FloatType>(type))
    return APFloat(floatType.getFloatSemantics(),
                   APInt(16, load<uint16_t>(p + 2 * index)))
        .convertToDouble();
  return double(readInt(index));
}

int64_t ConstantTensor::readInt(int64_t index) const {
  if (splat)
    index = 0;
  const char *p = bytes.data();
  switch (type.getElementType().getIntOrFloatBitWidth()) {
  case 1:
  case 8:
    return int8_t(p[index]);
  case 16:
    return load<int16_t>(p + 2 * index);
  case 32:
    return load<int32_t>(p + 4 * index);
  default:
    return load<int64_t>(p + 8 * index);
  }
}

std::optional<ConstantTensor> mlir::tern::viewConstant(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !getStorage(type.getElementType()))
    return std::nullopt;
  ConstantTensor tensor;
  tensor.type = type;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr);
      dense && dense.isSplat()) {
    // One element, as raw bytes of its storage (i1 as one byte).
    std::shared_ptr<char[]> storage(new char[8]());
    Type elementType = type.getElementType();
    if (elementType.isF32()) {
      float v = dense.getSplatValue<float>();
      std::memcpy(storage.get(), &v, 4);
    } else if (elementType.isF64()) {
      double v = dense.getSplatValue<double>();
      std::memcpy(storage.get(), &v, 8);
    } else if (isa<FloatType>(elementType)) {
      uint16_t v = uint16_t(
          dense.getSplatValue<APFloat>().bitcastToAPInt().getZExtValue());
      std::memcpy(storage.get(), &v, 2);
    } else {
      APInt v = dense.getSplatValue<APInt>();
      int64_t i = elementType.isInteger(1) ? int64_t(v.getZExtValue())
                                           : v.getSExtValue();
      std::memcpy(storage.get(), &i, getStorageBytes(*getStorage(elementType)));
    }
    tensor.storage = storage;
    tensor.bytes = ArrayRef<char>(storage.get(), 8);
    tensor.splat = true;
    return tensor;
  }
  if (type.getElementType().isInteger(1))
    return std::nullopt; // bit-packed
  std::optional<ArrayRef<char>> bytes = getRawBytes(attr);
  if (!bytes)
    return std::nullopt;
  tensor.bytes = *bytes;
  return tensor;
}

/// Points begin .. begin + n of `input` into `reg`: elements begin + p of
/// an input in the iteration's own layout (no `offsets`), else the
/// elements at `offsets[p]`.
static void loadInput(const ConstantTensor &input, Register &reg, int64_t begin,
                      int64_t n, const int64_t *offsets) {
  Type type = input.type.getElementType();
  if (!offsets && type.isF32() && !input.splat) {
    const float *data =
        reinterpret_cast<const float *>(input.bytes.data()) + begin;
    for (int64_t p = 0; p < n; ++p)
      reg.f[p] = data[p];
    return;
  }
  bool f = isFloat(*getStorage(type));
  for (int64_t p = 0; p < n; ++p) {
    int64_t offset = offsets ? offsets[p] : begin + p;
    if (f)
      reg.f[p] = input.readFloat(offset);
    else
      reg.i[p] = input.readInt(offset);
  }
}

std::optional<ConstantTensor>
ConstantEvaluator::evaluateGeneric(linalg::GenericOp op,
                                   ArrayRef<ConstantTensor> inputs,
                                   const ConstantTensor *init) {
  if (op.getNumDpsInits() != 1 || op.getNumResults() != 1)
    return std::nullopt;
  auto resultType = dyn_cast<RankedTensorType>(op.getResult(0).getType());
  if (!resultType || !resultType.hasStaticShape())
    return std::nullopt;
  std::optional<Storage> outStorage = getStorage(resultType.getElementType());
  if (!outStorage || *outStorage == Storage::I1 ||
      *outStorage == Storage::F16 || *outStorage == Storage::BF16)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t points = 1;
  for (int64_t range : ranges) {
    if (ShapedType::isDynamic(range))
      return std::nullopt;
    points *= range;
  }
  int64_t count = resultType.getNumElements();
  if (points > maxElements || count > maxElements)
    return std::nullopt;

  // Registers: the block arguments, then captured scalars and op results.
  Block &body = op.getRegion().front();
  llvm::DenseMap<Value, int> slots;
  SmallVector<Step> steps, constants;
  int numRegs = 0;
  auto slotOf = [&](Value v) {
    auto [it, inserted] = slots.try_emplace(v, numRegs);
    if (inserted)
      ++numRegs;
    return it->second;
  };
  for (BlockArgument arg : body.getArguments()) {
    if (!getStorage(arg.getType()))
      return std::nullopt;
    slotOf(arg);
  }
  int outArg = slots.lookup(body.getArguments().back());
  for (Operation &inner : body.without_terminator()) {
    if (isa<linalg::IndexOp>(inner))
      return std::nullopt;
    std::optional<Step> step = compileStep(&inner);
    if (!step || inner.getNumResults() != 1)
      return std::nullopt;
    for (Value operand : inner.getOperands()) {
      bool known = slots.count(operand);
      int slot = slotOf(operand);
      if (!known && operand.getParentRegion() != &op.getRegion()) {
        // A scalar the body captures: it must be a constant.
        auto constant = operand.getDefiningOp<arith::ConstantOp>();
        std::optional<Step> value =
            constant ? compileStep(constant) : std::nullopt;
        if (!value)
          return std::nullopt;
        value->result = slot;
        constants.push_back(*value);
      }
      step->operands.push_back(slot);
    }
    step->result = slotOf(inner.getResult(0));
    if (step->opcode == Opcode::Constant)
      constants.push_back(*step);
    else
      steps.push_back(*step);
  }
  int resultSlot = slotOf(body.getTerminator()->getOperand(0));

  // A reduction whose last op combines the accumulator with a value
  // computed from the inputs alone runs that op in point order, the rest
  // over whole chunks. Any other use of the output runs point by point.
  bool readsOut = op.payloadUsesValueFromOperand(op.getDpsInitOperand(0));
  bool combining = false;
  if (readsOut && !steps.empty() && steps.back().result == resultSlot &&
      isCombiner(steps.back().opcode)) {
    Value outValue = body.getArguments().back();
    auto users = llvm::to_vector(outValue.getUsers());
    const Step &last = steps.back();
    combining =
        users.size() == 1 &&
        users.front() == body.getTerminator()->getOperand(0).getDefiningOp() &&
        (last.operands[0] == outArg) != (last.operands[1] == outArg);
  }
  int64_t chunk = readsOut && !combining ? 1 : 1024;

  unsigned numLoops = ranges.size();
  // Offsets of each input and the output, advanced point by point.
  SmallVector<SmallVector<int64_t>> coefficients;
  SmallVector<int64_t> offsets;
  for (OpOperand &operand : op->getOpOperands()) {
    int64_t constant;
    auto type = cast<RankedTensorType>(operand.get().getType());
    std::optional<SmallVector<int64_t>> c =
        getCoefficients(op.getMatchingIndexingMap(&operand), type.getShape(),
                        numLoops, constant);
    if (!c)
      return std::nullopt;
    coefficients.push_back(*c);
    offsets.push_back(constant);
  }
  unsigned numOperands = coefficients.size();

  ConstantTensor result;
  result.type = resultType;
  size_t elementBytes = getStorageBytes(*outStorage);
  // Every element is written below: no zero-filling.
  result.storage.reset(new char[count * elementBytes]);
  char *out = result.storage.get();
  bool outFloat = isFloat(*outStorage);

  // Elementwise ops whose operands are the output's own layout or a single
  // element (what QDQ and fake-quant chains are): point p reads element p
  // (or the one element) of each input and writes element p, with no index
  // arithmetic per point.
  SmallVector<int64_t> contiguous(numLoops, 0);
  for (int64_t d = int64_t(numLoops) - 1, stride = 1; d >= 0; --d) {
    contiguous[d] = stride;
    stride *= ranges[d];
  }
  auto isContiguous = [&](unsigned o) {
    return offsets[o] == 0 &&
           ArrayRef<int64_t>(coefficients[o]) == ArrayRef<int64_t>(contiguous);
  };
  auto isScalar = [&](unsigned o) {
    return llvm::all_of(coefficients[o], [](int64_t c) { return c == 0; });
  };
  bool elementwise =
      !readsOut && points == count && isContiguous(numOperands - 1);
  for (unsigned o = 0; elementwise && o + 1 < numOperands; ++o)
    elementwise = isContiguous(o) || isScalar(o);
  if (elementwise) {
    std::vector<Register> regs = makeRegisters(numRegs, chunk, constants);
    for (auto [i, input] : llvm::enumerate(inputs))
      if (!isContiguous(i)) {
        std::fill(regs[i].f.begin(), regs[i].f.end(),
                  input.readFloat(offsets[i]));
        std::fill(regs[i].i.begin(), regs[i].i.end(),
                  input.readInt(offsets[i]));
      }
    for (int64_t begin = 0; begin < points; begin += chunk) {
      int64_t n = std::min(chunk, points - begin);
      for (auto [i, input] : llvm::enumerate(inputs))
        if (isContiguous(i))
          loadInput(input, regs[i], begin, n, /*offsets=*/nullptr);
      for (const Step &step : steps)
        runStep(step, regs, n);
      const Register &r = regs[resultSlot];
      if (*outStorage == Storage::F32) {
        float *dst = reinterpret_cast<float *>(out) + begin;
        for (int64_t p = 0; p < n; ++p)
          dst[p] = float(r.f[p]);
      } else {
        for (int64_t p = 0; p < n; ++p)
          storeElement(out, *outStorage, begin + p, r.f[p], r.i[p]);
      }
    }
    result.bytes = ArrayRef<char>(out, count * elementBytes);
    return result;
  }
  std::vector<double> outF;
  std::vector<int64_t> outI;
  if (outFloat)
    outF.assign(count, 0.0);
  else
    outI.assign(count, 0);
  if (init && !init->bytes.empty())
    for (int64_t e = 0; e < count; ++e) {
      if (outFloat)
        outF[e] = init->readFloat(e);
      else
        outI[e] = init->readInt(e);
    }

  std::vector<Register> regs = makeRegisters(numRegs, chunk, constants);
  SmallVector<bool> contiguousInput;
  for (unsigned o = 0; o < numOperands; ++o)
    contiguousInput.push_back(isContiguous(o));
  SmallVector<std::vector<int64_t>> chunkOffsets(numOperands,
                                                 std::vector<int64_t>(chunk));
  SmallVector<int64_t> point(numLoops, 0);
  size_t numSteps = steps.size() - (combining ? 1 : 0);
  // A full reduction of inputs in their own layout (mean |w|): every point
  // accumulates into the one output element, and no offsets are needed.
  bool intoOne = isScalar(numOperands - 1) &&
                 llvm::all_of(llvm::seq<unsigned>(0, numOperands - 1),
                              [&](unsigned o) { return contiguousInput[o]; });
  if (intoOne)
    std::fill(chunkOffsets.back().begin(), chunkOffsets.back().end(),
              offsets.back());
  for (int64_t begin = 0; begin < points; begin += chunk) {
    int64_t n = std::min(chunk, points - begin);
    for (int64_t p = 0; p < n && !intoOne; ++p) {
      for (unsigned o = 0; o < numOperands; ++o)
        chunkOffsets[o][p] = offsets[o];
      // Next point, last loop fastest.
      for (int64_t d = int64_t(numLoops) - 1; d >= 0; --d) {
        for (unsigned o = 0; o < numOperands; ++o)
          offsets[o] += coefficients[o][d];
        if (++point[d] < ranges[d])
          break;
        for (unsigned o = 0; o < numOperands; ++o)
          offsets[o] -= coefficients[o][d] * ranges[d];
        point[d] = 0;
      }
    }
    for (auto [i, input] : llvm::enumerate(inputs))
      loadInput(input, regs[i], begin, n,
                contiguousInput[i] ? nullptr : chunkOffsets[i].data());
    const std::vector<int64_t> &outOffsets = chunkOffsets.back();
    if (readsOut && !combining)
      for (int64_t p = 0; p < n; ++p) {
        if (outFloat)
          regs[outArg].f[p] = outF[outOffsets[p]];
        else
          regs[outArg].i[p] = outI[outOffsets[p]];
      }
    for (size_t s = 0; s < numSteps; ++s)
      runStep(steps[s], regs, n);
    if (combining) {
      const Step &last = steps.back();
      int value =
          last.operands[0] == outArg ? last.operands[1] : last.operands[0];
      for (int64_t p = 0; p < n; ++p) {
        int64_t o = outOffsets[p];
        if (outFloat) {
          double a = outF[o], b = regs[value].f[p], r;
          switch (last.opcode) {
          case Opcode::AddF:
            r = a + b;
            break;
          case Opcode::MulF:
            r = a * b;
            break;
          case Opcode::MaximumF:
            r = maximumF(a, b);
            break;
          default:
            r = minimumF(a, b);
            break;
          }
          outF[o] = last.f32 ? double(float(r)) : r;
        } else {
          int64_t a = outI[o], b = regs[value].i[p];
          outI[o] =
              wrap(last.opcode == Opcode::AddI ? a + b : a * b, last.width);
        }
      }
    } else {
      for (int64_t p = 0; p < n; ++p) {
        if (outFloat)
          outF[outOffsets[p]] = regs[resultSlot].f[p];
        else
          outI[outOffsets[p]] = regs[resultSlot].i[p];
      }
    }
  }

  for (int64_t e = 0; e < count; ++e)
    storeElement(out, *outStorage, e, outFloat ? outF[e] : 0.0,
                 outFloat ? 0 : outI[e]);
  result.bytes = ArrayRef<char>(out, count * elementBytes);
  return result;
}

std::optional<ConstantTensor> ConstantEvaluator::evaluate(Value value) {
  auto it = cache.find(value);
  if (it != cache.end())
    return it->second;
  std::optional<ConstantTensor> result;
  ElementsAttr attr;
  if (matchPattern(value, m_Constant(&attr))) {
    result = viewConstant(attr);
  } else if (auto reshape = value.getDefiningOp<tensor::ExpandShapeOp>()) {
    result = evaluate(reshape.getSrc());
  } else if (auto reshape = value.getDefiningOp<tensor::CollapseShapeOp>()) {
    result = evaluate(reshape.getSrc());
  } else if (auto generic = value.getDefiningOp<linalg::GenericOp>()) {
    SmallVector<ConstantTensor> inputs;
    for (Value input : generic.getDpsInputs()) {
      std::optional<ConstantTensor> evaluated = evaluate(input);
      if (!evaluated)
        return std::nullopt;
      inputs.push_back(*evaluated);
    }
    OpOperand *initOperand = generic.getDpsInitOperand(0);
    std::optional<ConstantTensor> init = getInit(
        initOperand->get(), generic.payloadUsesValueFromOperand(initOperand));
    if (!init)
      return std::nullopt;
    result = evaluateGeneric(generic, inputs, &*init);
  }
  if (!result)
    return std::nullopt;
  // Reshapes keep the bytes under the new type.
  result->type = cast<RankedTensorType>(value.getType());
  cache[value] = *result;
  return result;
}

ElementsAttr mlir::tern::toAttribute(const ConstantTensor &tensor,
                                     StringRef blobName) {
  Type elementType = tensor.type.getElementType();
  if (tensor.splat) {
    Attribute element;
    if (isa<FloatType>(elementType))
      element = FloatAttr::get(elementType, tensor.readFloat(0));
    else
      element = IntegerAttr::get(elementType, tensor.readInt(0));
    return DenseElementsAttr::get(tensor.type, element);
  }
  if (tensor.bytes.size() < (size_t(64) << 10))
    return DenseElementsAttr::getFromRawBuffer(tensor.type, tensor.bytes);
  return createResourceConstant(
      tensor.type, blobName, [&](MutableArrayRef<char> data) {
        std::memcpy(data.data(), tensor.bytes.data(), data.size());
        return true;
      });
}
