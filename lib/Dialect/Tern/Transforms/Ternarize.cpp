//===- Ternarize.cpp - Find ternary-valued matmul weights -----------------===//
//
// A BitNet b1.58 export stores each linear layer's weights as floats in
// {-s, 0, +s}. This pass recognizes such constants feeding linalg.matmul and
// replaces the matmul with tern.matmul over an exact i8 ternary constant and
// its scale, so no later stage has to rediscover the structure.
//
//===----------------------------------------------------------------------===//

#include "ConstantEvaluator.h"
#include "MatmulWeights.h"
#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/IR/WeightStorage.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/Threading.h"

#include <array>
#include <cmath>
#include <cstring>

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNTERNARIZE
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

/// Ternary weights in N x K order with one scale per tensor, per row, or
/// per row and block of `scaleBlock` weights along K.
struct TernaryDecomposition {
  /// N x K i8, allocated off the pass's thread (see allocateWeightBlob).
  AsmResourceBlob weights;
  /// One entry for a per-tensor scale, N entries for per-channel scales,
  /// N x ceil(K / scaleBlock) for per-block scales.
  SmallVector<double> scales;
  int64_t scaleBlock = 0;
};

/// A float weight read in place: a K x N matrix, or N x K when `isNK`.
struct WeightView {
  const ConstantTensor &tensor;
  int64_t n, k;
  bool isNK;
  const float *f32 = nullptr;

  WeightView(const ConstantTensor &tensor, int64_t n, int64_t k, bool isNK)
      : tensor(tensor), n(n), k(k), isNK(isNK) {
    if (tensor.type.getElementType().isF32() && !tensor.splat)
      f32 = reinterpret_cast<const float *>(tensor.bytes.data());
  }

  double at(int64_t row, int64_t col) const {
    int64_t index = isNK ? row * k + col : col * n + row;
    return f32 ? double(f32[index]) : tensor.readFloat(index);
  }

  /// Calls `visit(row, col, value)` for every weight, in 64 x 64 tiles
  /// taken in memory order (a K x N weight is read along N), until it
  /// returns false; returns whether it visited all.
  template <typename Visit> bool forEach(Visit visit) const {
    constexpr int64_t kTile = 64;
    for (int64_t r0 = 0; r0 < n; r0 += kTile)
      for (int64_t c0 = 0; c0 < k; c0 += kTile) {
        int64_t r1 = std::min(n, r0 + kTile), c1 = std::min(k, c0 + kTile);
        if (isNK) {
          for (int64_t row = r0; row < r1; ++row)
            for (int64_t col = c0; col < c1; ++col)
              if (!visit(row, col, at(row, col)))
                return false;
        } else {
          for (int64_t col = c0; col < c1; ++col)
            for (int64_t row = r0; row < r1; ++row)
              if (!visit(row, col, at(row, col)))
                return false;
        }
      }
    return true;
  }
};

int8_t signOf(double v) { return v > 0.0 ? 1 : (v < 0.0 ? -1 : 0); }

/// Whether a weight of `magnitude` agrees with the `scale` its group has
/// so far (zeros agree with any; the first nonzero one sets it).
bool agreesWithScale(double &scale, double magnitude) {
  if (magnitude == 0.0)
    return true;
  if (scale == 0.0)
    scale = magnitude;
  return scale == magnitude;
}

/// Splits the weight into signs and scales. Fails, usually after reading a
/// few values, unless every value is exactly -s, 0 or +s for a scale s
/// shared by the whole tensor or by each output channel.
std::optional<TernaryDecomposition> decompose(const WeightView &w) {
  int64_t n = w.n, k = w.k;
  SmallVector<double> channelScales(n, 0.0);
  AsmResourceBlob blob = allocateWeightBlob(size_t(n) * k);
  int8_t *out = reinterpret_cast<int8_t *>(blob.getMutableData().data());
  bool ternary;
  if (w.f32) {
    // Plain floats (most weights): check the scales in storage order first,
    // then write the signs tile by tile, with no per-element dispatch.
    SmallVector<float> scales(n, 0.0f);
    const float *data = w.f32;
    ternary = true;
    for (int64_t outer = 0, outerEnd = w.isNK ? n : k;
         ternary && outer < outerEnd; ++outer)
      for (int64_t inner = 0, innerEnd = w.isNK ? k : n; inner < innerEnd;
           ++inner) {
        float magnitude = std::fabs(data[outer * innerEnd + inner]);
        float &scale = scales[w.isNK ? outer : inner];
        if (magnitude != 0.0f && scale != magnitude) {
          if (scale != 0.0f) {
            ternary = false;
            break;
          }
          scale = magnitude;
        }
      }
    if (ternary) {
      for (int64_t row = 0; row < n; ++row)
        channelScales[row] = scales[row];
      w.forEach([&](int64_t row, int64_t col, double v) {
        out[row * k + col] = signOf(v);
        return true;
      });
    }
  } else {
    ternary = w.forEach([&](int64_t row, int64_t col, double v) {
      out[row * k + col] = signOf(v);
      return agreesWithScale(channelScales[row], std::fabs(v));
    });
  }
  if (!ternary)
    return std::nullopt;
  double shared = 0.0;
  bool perTensor = true;
  for (double s : channelScales) {
    if (s == 0.0)
      continue;
    if (shared == 0.0)
      shared = s;
    perTensor &= s == shared;
  }
  if (shared == 0.0)
    return std::nullopt; // An all-zero matrix is not worth a ternary kernel.

  TernaryDecomposition result;
  result.weights = std::move(blob);
  if (perTensor) {
    result.scales.push_back(shared);
  } else {
    for (double &s : channelScales)
      if (s == 0.0)
        s = 1.0; // An all-zero channel: any scale gives zero.
    result.scales.assign(channelScales.begin(), channelScales.end());
  }
  return result;
}

/// Like `decompose`, with one scale per row and block of `block` weights
/// along K (block-quantized exports such as MatMulNBits).
std::optional<TernaryDecomposition> decomposePerBlock(const WeightView &w,
                                                      int64_t block) {
  int64_t n = w.n, k = w.k;
  int64_t blocks = llvm::divideCeil(k, block);
  TernaryDecomposition result;
  result.scaleBlock = block;
  result.scales.assign(n * blocks, 0.0);
  AsmResourceBlob blob = allocateWeightBlob(size_t(n) * k);
  int8_t *out = reinterpret_cast<int8_t *>(blob.getMutableData().data());
  bool ternary = w.forEach([&](int64_t row, int64_t col, double v) {
    out[row * k + col] = signOf(v);
    return agreesWithScale(result.scales[row * blocks + col / block],
                           std::fabs(v));
  });
  if (!ternary ||
      llvm::all_of(result.scales, [](double s) { return s == 0.0; }))
    return std::nullopt;
  for (double &s : result.scales)
    if (s == 0.0)
      s = 1.0; // An all-zero block: any scale gives zero.
  result.weights = std::move(blob);
  return result;
}

/// BitNet b1.58's absmean rule for weights trained in float: gamma =
/// max(mean |w|, 1e-5), w_t = clip(round_half_even(w / gamma), -1, 1), with
/// gamma as the per-tensor scale. Changes the model's numbers: only used
/// when asked for.
TernaryDecomposition absmeanTernarize(const WeightView &w) {
  int64_t count = w.n * w.k;
  double sum = 0;
  // In storage order, as the mean is defined on the stored tensor.
  for (int64_t i = 0; i < count; ++i)
    sum += std::fabs(w.f32 ? double(w.f32[i]) : w.tensor.readFloat(i));
  double gamma = std::max(sum / double(count), 1e-5);
  TernaryDecomposition result;
  result.weights = allocateWeightBlob(size_t(count));
  int8_t *out =
      reinterpret_cast<int8_t *>(result.weights.getMutableData().data());
  w.forEach([&](int64_t row, int64_t col, double v) {
    double q = std::nearbyint(v / gamma); // the default mode: half to even
    out[row * w.k + col] = static_cast<int8_t>(std::clamp(q, -1.0, 1.0));
    return true;
  });
  result.scales.push_back(gamma);
  return result;
}

/// A float linalg.matmul whose weights turned out ternary.
struct MatmulTernary {
  linalg::MatmulOp op;
  TernaryDecomposition ternary;
};

std::optional<MatmulTernary>
findMatmulTernary(linalg::MatmulOp matmul, int64_t minElements, bool absmean) {
  std::optional<MatmulWeight> weight = findMatmulWeight(matmul, minElements);
  if (!weight)
    return std::nullopt;
  int64_t k = weight->k;
  WeightView view(weight->tensor, weight->n, k, weight->isNK);
  std::optional<TernaryDecomposition> ternary = decompose(view);
  // Blocks of a multiple of the kernels' 32 lanes, largest first.
  for (int64_t block : {256, 128, 64, 32})
    if (!ternary && block < k)
      ternary = decomposePerBlock(view, block);
  if (!ternary && absmean)
    ternary = absmeanTernarize(view);
  if (!ternary)
    return std::nullopt;
  return MatmulTernary{matmul, std::move(*ternary)};
}

/// `input` x the ternary weights `ternary` (N x K) as a tern.matmul with
/// their scale: one per tensor, per channel or per block.
Value buildTernaryMatmul(OpBuilder &b, Location loc, Value input,
                         RankedTensorType resultType,
                         TernaryDecomposition &ternary, int64_t n, int64_t k,
                         ActQuantMode actQuant = ActQuantMode::none) {
  Type elementType = resultType.getElementType();
  auto weightType = RankedTensorType::get({n, k}, b.getI8Type());
  ElementsAttr weightAttr = createWeightConstant(weightType, "tern_weights",
                                                 std::move(ternary.weights));
  Value weights = ConstantOp::create(b, loc, weightAttr);
  SmallVector<Attribute> scaleValues;
  for (double s : ternary.scales)
    scaleValues.push_back(b.getFloatAttr(elementType, s));
  auto scaleType =
      ternary.scaleBlock
          ? RankedTensorType::get(
                {n, int64_t(llvm::divideCeil(k, ternary.scaleBlock))},
                elementType)
      : ternary.scales.size() == 1 ? RankedTensorType::get({}, elementType)
                                   : RankedTensorType::get({n}, elementType);
  Value scale = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(scaleType, scaleValues));
  return MatmulOp::create(b, loc, resultType, input, weights, scale,
                          ActQuantModeAttr::get(b.getContext(), actQuant),
                          ternary.scaleBlock
                              ? b.getI64IntegerAttr(ternary.scaleBlock)
                              : IntegerAttr());
}

/// Replaces the matmul; returns what it read, for eraseDeadProducers.
SmallVector<Value> replaceMatmul(MatmulTernary &found) {
  linalg::MatmulOp matmul = found.op;
  OpBuilder b(matmul);
  auto rhsType = cast<RankedTensorType>(matmul.getInputs()[1].getType());
  Value product = buildTernaryMatmul(
      b, matmul.getLoc(), matmul.getInputs()[0],
      cast<RankedTensorType>(matmul.getResult(0).getType()), found.ternary,
      rhsType.getDimSize(1), rhsType.getDimSize(0));
  return {replaceMatmulWith(matmul, product)};
}

/// Runs `find` on `ops` a batch at a time on the context's threads (it only
/// reads the IR), then `replace` on this thread for each op found ternary,
/// and frees what the replaced ops read before the next batch, so that a
/// large model's weights are never all held twice.
template <typename OpT, typename Found>
void ternarizeInBatches(func::FuncOp func, size_t batch,
                        function_ref<std::optional<Found>(OpT)> find,
                        function_ref<SmallVector<Value>(Found &)> replace) {
  SmallVector<OpT> ops;
  func.walk([&](OpT op) { ops.push_back(op); });
  for (size_t begin = 0; begin < ops.size(); begin += batch) {
    size_t end = std::min(ops.size(), begin + batch);
    SmallVector<std::optional<Found>> found(end - begin);
    parallelFor(func.getContext(), begin, end,
                [&](size_t i) { found[i - begin] = find(ops[i]); });
    SmallVector<Attribute> released;
    for (std::optional<Found> &one : found)
      if (one)
        eraseDeadProducers(replace(*one), released);
    releaseUnusedResources(func, released);
  }
}

/// Float matmuls with ternary weights become tern.matmul, the weights
/// computed and decomposed a few matmuls at a time.
void ternarizeMatmuls(func::FuncOp func, int64_t minElements, bool absmean) {
  ternarizeInBatches<linalg::MatmulOp, MatmulTernary>(
      func, /*batch=*/4,
      [&](linalg::MatmulOp op) {
        return findMatmulTernary(op, minElements, absmean);
      },
      replaceMatmul);
}

/// The ternary weights of a tern.quant_matmul: its codes minus the zero
/// point, when every one is -1, 0 or 1.
struct QuantTernary {
  QuantMatmulOp op;
  /// The block scales as one value when they all agree, one per channel
  /// when each row's agree, or per block.
  TernaryDecomposition ternary;
};

/// Decodes `op`'s codes into `out` (N x K); false unless all are ternary.
bool decodeTernaryCodes(QuantMatmulOp op, ArrayRef<char> codes,
                        const float *zeroPoints, int8_t *out) {
  int64_t n = op.getN(), k = op.getK();
  int64_t blocks = op.getNumBlocks(), block = op.getBlockSize();
  int64_t rowBytes = op.getRowBytes(), bits = op.getBits();
  if (bits == 8) {
    // One byte per weight, N x K or (k_major) K x N, read in tiles so that
    // both sides stay in cache. Zero points of 8-bit codes are integers.
    const auto *bytes = reinterpret_cast<const uint8_t *>(codes.data());
    bool kMajor = op.getKMajor(), isSigned = op.getSignedCodes();
    int32_t fallback = int32_t(op.getDefaultZeroPoint());
    constexpr int64_t kTile = 64;
    bool valid = true;
    for (int64_t row0 = 0; row0 < n; row0 += kTile)
      for (int64_t k0 = 0; k0 < k; k0 += kTile)
        for (int64_t row = row0; row < std::min(n, row0 + kTile); ++row) {
          int8_t *dst = out + row * k;
          for (int64_t kk = k0; kk < std::min(k, k0 + kTile); ++kk) {
            uint8_t byte =
                kMajor ? bytes[kk * n + row] : bytes[row * rowBytes + kk];
            int32_t q = isSigned ? int32_t(int8_t(byte)) : int32_t(byte);
            int32_t zero = zeroPoints
                               ? int32_t(zeroPoints[row * blocks + kk / block])
                               : fallback;
            int32_t d = q - zero;
            valid &= uint32_t(d + 1) <= 2;
            dst[kk] = int8_t(d);
          }
        }
    if (zeroPoints)
      for (int64_t i = 0; i < n * blocks; ++i)
        valid &= zeroPoints[i] == std::trunc(zeroPoints[i]);
    return valid;
  }
  if (!zeroPoints) {
    // Zero point 2: a byte's four codes through one table.
    static const auto table = [] {
      std::array<std::array<int8_t, 5>, 256> t{};
      for (int byte = 0; byte < 256; ++byte) {
        bool valid = true;
        for (int f = 0; f < 4; ++f) {
          int q = (byte >> (2 * f)) & 3;
          valid &= q != 0;
          t[byte][f] = int8_t(q - 2);
        }
        t[byte][4] = valid;
      }
      return t;
    }();
    for (int64_t row = 0; row < n; ++row) {
      const uint8_t *in =
          reinterpret_cast<const uint8_t *>(codes.data()) + row * rowBytes;
      int8_t *dst = out + row * k;
      bool valid = true;
      int64_t whole = k / 4;
      for (int64_t j = 0; j < whole; ++j) {
        const auto &entry = table[in[j]];
        std::memcpy(dst + 4 * j, entry.data(), 4);
        valid &= entry[4] != 0;
      }
      for (int64_t kk = 4 * whole; kk < k; ++kk) {
        int q = (in[kk / 4] >> (2 * (kk % 4))) & 3;
        valid &= q != 0;
        dst[kk] = int8_t(q - 2);
      }
      if (!valid)
        return false;
    }
    return true;
  }
  for (int64_t row = 0; row < n; ++row)
    for (int64_t kk = 0; kk < k; ++kk) {
      int q = (uint8_t(codes[row * rowBytes + kk / 4]) >> (2 * (kk % 4))) & 3;
      float d = float(q) - zeroPoints[row * blocks + kk / block];
      if (d != -1.0f && d != 0.0f && d != 1.0f)
        return false;
      out[row * k + kk] = int8_t(d);
    }
  return true;
}

/// The values of an f32 constant (dense, splat or resource).
std::optional<std::vector<float>> readFloats(ElementsAttr attr) {
  std::optional<ConstantTensor> tensor = viewConstant(attr);
  if (!tensor || !tensor->type.getElementType().isF32())
    return std::nullopt;
  std::vector<float> values(tensor->type.getNumElements());
  for (auto [i, value] : llvm::enumerate(values))
    value = float(tensor->readFloat(i));
  return values;
}

std::optional<QuantTernary> findQuantTernary(QuantMatmulOp op) {
  if ((op.getBits() != 2 && op.getBits() != 8) ||
      !op.getScales().getType().getElementType().isF32())
    return std::nullopt;
  ElementsAttr codesAttr, scalesAttr, zeroAttr;
  if (!matchPattern(op.getCodes(), m_Constant(&codesAttr)) ||
      !matchPattern(op.getScales(), m_Constant(&scalesAttr)))
    return std::nullopt;
  if (op.getZeroPoints() &&
      !matchPattern(op.getZeroPoints(), m_Constant(&zeroAttr)))
    return std::nullopt;
  std::optional<ArrayRef<char>> codes = getRawBytes(codesAttr);
  std::optional<std::vector<float>> scaleValues = readFloats(scalesAttr);
  std::optional<std::vector<float>> zeroValues =
      zeroAttr ? readFloats(zeroAttr) : std::nullopt;
  if (!codes || !scaleValues || (zeroAttr && !zeroValues))
    return std::nullopt;
  int64_t n = op.getN(), k = op.getK();
  int64_t blocks = op.getNumBlocks();
  QuantTernary result;
  result.op = op;
  TernaryDecomposition &ternary = result.ternary;
  ternary.weights = allocateWeightBlob(size_t(n) * k);
  if (!decodeTernaryCodes(
          op, *codes, zeroValues ? zeroValues->data() : nullptr,
          reinterpret_cast<int8_t *>(ternary.weights.getMutableData().data())))
    return std::nullopt;
  const float *scales = scaleValues->data();
  bool perTensor = true, perChannel = true;
  for (int64_t row = 0; row < n; ++row)
    for (int64_t j = 0; j < blocks; ++j) {
      perTensor &= scales[row * blocks + j] == scales[0];
      perChannel &= scales[row * blocks + j] == scales[row * blocks];
    }
  if (perTensor) {
    ternary.scales.push_back(scales[0]);
  } else if (perChannel) {
    for (int64_t row = 0; row < n; ++row)
      ternary.scales.push_back(scales[row * blocks]);
  } else if (op.getBlockSize() % 32 == 0) {
    ternary.scales.assign(scales, scales + n * blocks);
    ternary.scaleBlock = op.getBlockSize();
  } else {
    return std::nullopt; // The kernels' scale blocks are multiples of 32.
  }
  return result;
}

SmallVector<Value> replaceQuantMatmul(QuantTernary &found) {
  QuantMatmulOp op = found.op;
  OpBuilder b(op);
  // int8 activations take the W1.58A8 path (per token); its int32 kernels
  // apply one scale per channel at most, so per-block scales stay float.
  ActQuantMode actQuant = op.getInt8Activations() && !found.ternary.scaleBlock
                              ? ActQuantMode::per_token_absmax
                              : ActQuantMode::none;
  Value product = buildTernaryMatmul(b, op.getLoc(), op.getInput(),
                                     op.getResult().getType(), found.ternary,
                                     op.getN(), op.getK(), actQuant);
  SmallVector<Value> inputs = {op.getCodes(), op.getScales(),
                               op.getZeroPoints()};
  op.getResult().replaceAllUsesWith(product);
  op.erase();
  return inputs;
}

/// tern.quant_matmuls whose codes are ternary (2-bit MatMulNBits, 8-bit QDQ
/// codes in {-1, 0, 1} around their zero point) become tern.matmul.
void ternarizeQuantMatmuls(func::FuncOp func) {
  ternarizeInBatches<QuantMatmulOp, QuantTernary>(
      func, /*batch=*/8, findQuantTernary, replaceQuantMatmul);
}

struct TernarizePass : public tern::impl::TernTernarizeBase<TernarizePass> {
  using TernTernarizeBase::TernTernarizeBase;

  void runOnOperation() override {
    ternarizeQuantMatmuls(getOperation());
    ternarizeMatmuls(getOperation(), minElements, absmean);
  }
};

} // namespace
