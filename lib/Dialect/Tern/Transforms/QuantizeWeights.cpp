//===- QuantizeWeights.cpp - Float heads and embeddings to int8 -----------===//
//
// After ternarization a language model's remaining float weights are its
// LM head and its embedding table, and the head is read whole for every
// token. This pass (ternc --quantize-head) stores both as int8 with one
// absmax scale per output channel: the head becomes a tern.quant_matmul on
// the codes, the table's element reads dequantize one code each.
//
//===----------------------------------------------------------------------===//

#include "MatmulWeights.h"
#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/IR/WeightStorage.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"
#include "tern/Dialect/Tern/Transforms/QuantBlocks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>
#include <cmath>

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNQUANTIZEWEIGHTS
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

/// An R x C matrix as int8 codes (R x C, row-major) and one scale per row.
struct Int8Rows {
  AsmResourceBlob codes;
  AsmResourceBlob scales;
};

/// Quantizes the rows of the R x C matrix that `tensor` stores row-major,
/// or, when `transposed`, as its C x R transpose (a MatMul's K x N weight,
/// whose output channels are its columns). Rows of codes are `rowBytes`
/// long (at least C), zero past C. Nothing when a weight is not finite:
/// such a weight stays float rather than become a wrong code.
std::optional<Int8Rows> quantizeRows(const ConstantTensor &tensor, int64_t rows,
                                     int64_t cols, int64_t rowBytes,
                                     bool transposed) {
  const float *f32 = tensor.type.getElementType().isF32() && !tensor.splat
                         ? reinterpret_cast<const float *>(tensor.bytes.data())
                         : nullptr;
  auto at = [&](int64_t index) {
    return f32 ? double(f32[index]) : tensor.readFloat(index);
  };
  auto indexOf = [&](int64_t row, int64_t col) {
    return transposed ? col * rows + row : row * cols + col;
  };
  // Both sweeps go in storage order within 64 x 64 tiles, so a transposed
  // weight is read along its rows.
  constexpr int64_t kTile = 64;
  auto forEachTile = [&](auto visit) {
    for (int64_t r0 = 0; r0 < rows; r0 += kTile)
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        int64_t r1 = std::min(rows, r0 + kTile);
        int64_t c1 = std::min(cols, c0 + kTile);
        if (transposed) {
          for (int64_t col = c0; col < c1; ++col)
            for (int64_t row = r0; row < r1; ++row)
              visit(row, col);
        } else {
          for (int64_t row = r0; row < r1; ++row)
            for (int64_t col = c0; col < c1; ++col)
              visit(row, col);
        }
      }
  };
  std::vector<double> absmax(rows, 0.0);
  bool finite = true;
  forEachTile([&](int64_t row, int64_t col) {
    double magnitude = std::fabs(at(indexOf(row, col)));
    finite &= std::isfinite(magnitude);
    absmax[row] = std::max(absmax[row], magnitude);
  });
  if (!finite)
    return std::nullopt;
  Int8Rows result{allocateWeightBlob(size_t(rows) * rowBytes),
                  allocateWeightBlob(size_t(rows) * sizeof(float))};
  float *scales =
      reinterpret_cast<float *>(result.scales.getMutableData().data());
  int8_t *codes =
      reinterpret_cast<int8_t *>(result.codes.getMutableData().data());
  for (int64_t row = 0; row < rows; ++row)
    scales[row] = absmax[row] > 0.0 ? float(absmax[row] / 127.0) : 1.0f;
  forEachTile([&](int64_t row, int64_t col) {
    // nearbyint in the default mode rounds half to even.
    double q = std::nearbyint(at(indexOf(row, col)) / double(scales[row]));
    codes[row * rowBytes + col] = int8_t(std::clamp(q, -127.0, 127.0));
  });
  return result;
}

/// `quantized` as constants before `op`: codes of `codesShape` (i8) and
/// scales of `scalesShape` (f32), named after `name`.
std::pair<Value, Value> createInt8Constants(OpBuilder &b, Operation *op,
                                            Int8Rows &&quantized,
                                            ArrayRef<int64_t> codesShape,
                                            ArrayRef<int64_t> scalesShape,
                                            StringRef name) {
  b.setInsertionPoint(op);
  Location loc = op->getLoc();
  Value codes = arith::ConstantOp::create(
      b, loc,
      createWeightConstant(RankedTensorType::get(codesShape, b.getI8Type()),
                           name, std::move(quantized.codes)));
  Value scales = arith::ConstantOp::create(
      b, loc,
      createWeightConstant(RankedTensorType::get(scalesShape, b.getF32Type()),
                           (name + "_scales").str(),
                           std::move(quantized.scales)));
  return {codes, scales};
}

/// A float matmul by a constant weight becomes a tern.quant_matmul on its
/// int8 codes: one block per channel, padded to whole steps of the 4/8-bit
/// kernels (a block they take whole is a multiple of their step). Returns
/// the weight it read.
std::optional<Value> quantizeMatmul(linalg::MatmulOp matmul,
                                    int64_t minElements) {
  if (!getElementTypeOrSelf(matmul.getResult(0).getType()).isF32())
    return std::nullopt;
  std::optional<MatmulWeight> weight = findMatmulWeight(matmul, minElements);
  if (!weight)
    return std::nullopt;
  int64_t n = weight->n, k = weight->k;
  int64_t block = llvm::alignTo(k, kQuantKernelStep);
  std::optional<Int8Rows> quantized =
      quantizeRows(weight->tensor, n, k, block, !weight->isNK);
  if (!quantized)
    return std::nullopt;
  // A head tied to a mapped embedding need not stay resident.
  releaseIfMapped(weight->tensor.bytes);
  OpBuilder b(matmul);
  Location loc = matmul.getLoc();
  auto [codes, scales] =
      createInt8Constants(b, matmul, std::move(*quantized), {n, block}, {n, 1},
                          "tern_int8_weights");
  Value product =
      QuantMatmulOp::create(
          b, loc, matmul.getResult(0).getType(), matmul.getInputs()[0], codes,
          scales, /*zero_points=*/Value(), b.getI64IntegerAttr(8),
          b.getI64IntegerAttr(block), b.getI64IntegerAttr(k),
          /*signed_codes=*/b.getUnitAttr(), /*k_major=*/UnitAttr(),
          /*int8_activations=*/UnitAttr())
          .getResult();
  return replaceMatmulWith(matmul, product);
}

/// A float table only read element by element (the importer's Gather)
/// reads int8 codes times its row's scale instead.
bool quantizeTable(arith::ConstantOp constant, int64_t minElements) {
  auto type = dyn_cast<RankedTensorType>(constant.getType());
  if (!type || type.getRank() != 2 || !type.getElementType().isF32() ||
      !type.hasStaticShape() || type.getNumElements() < minElements ||
      constant->use_empty())
    return false;
  for (Operation *user : constant->getUsers()) {
    auto extract = dyn_cast<tensor::ExtractOp>(user);
    if (!extract || extract.getTensor() != constant.getResult())
      return false;
  }
  std::optional<ConstantTensor> tensor =
      viewConstant(cast<ElementsAttr>(constant.getValue()));
  if (!tensor)
    return false;
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  std::optional<Int8Rows> quantized =
      quantizeRows(*tensor, rows, cols, cols, /*transposed=*/false);
  if (!quantized)
    return false;
  releaseIfMapped(tensor->bytes);
  OpBuilder b(constant);
  auto [codes, scales] =
      createInt8Constants(b, constant, std::move(*quantized), {rows, cols},
                          {rows}, "tern_int8_table");
  for (Operation *user : llvm::make_early_inc_range(constant->getUsers())) {
    auto extract = cast<tensor::ExtractOp>(user);
    b.setInsertionPoint(extract);
    Location at = extract.getLoc();
    Value code = tensor::ExtractOp::create(b, at, codes, extract.getIndices());
    Value scale =
        tensor::ExtractOp::create(b, at, scales, extract.getIndices()[0]);
    Value value = arith::SIToFPOp::create(b, at, b.getF32Type(), code);
    extract.replaceAllUsesWith(
        arith::MulFOp::create(b, at, value, scale).getResult());
    extract.erase();
  }
  return true;
}

struct QuantizeWeightsPass
    : public tern::impl::TernQuantizeWeightsBase<QuantizeWeightsPass> {
  using TernQuantizeWeightsBase::TernQuantizeWeightsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Matmuls first: a head tied to the embedding reads the table through
    // a transpose, which goes with the matmul, leaving only element reads.
    SmallVector<linalg::MatmulOp> matmuls;
    func.walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    for (linalg::MatmulOp matmul : matmuls) {
      std::optional<Value> weight = quantizeMatmul(matmul, minElements);
      if (!weight)
        continue;
      SmallVector<Attribute> released;
      eraseDeadProducers({*weight}, released);
      releaseUnusedResources(func, released);
    }
    SmallVector<arith::ConstantOp> constants;
    func.walk([&](arith::ConstantOp op) { constants.push_back(op); });
    for (arith::ConstantOp constant : constants) {
      Attribute value = constant.getValue();
      if (!quantizeTable(constant, minElements))
        continue;
      constant.erase();
      releaseUnusedResources(func, {value});
    }
  }
};

} // namespace
