//===- GPUVectorAlignment.cpp - Known alignment on kernel vector accesses -===//
//
// The alignment of an access is the largest power of two that divides its
// address: the buffer's start (the kernel argument's, `base-alignment`)
// plus the static offset and each index times its stride, in bytes. An
// index's known factor comes from the arithmetic that built it; anything
// else (a thread id, a loaded value) counts as 1, so the result is never
// more than the address guarantees.
//
//===----------------------------------------------------------------------===//

#include "tern/Codegen/Passes.h"

#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/bit.h"

#include <numeric>

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNGPUVECTORALIGNMENT
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

/// Stands for "any multiple": the factor of 0, and the identity of gcd.
constexpr uint64_t kAnyMultiple = 0;
constexpr unsigned kMaxDepth = 16;

/// A factor that `value` is known to be a multiple of (kAnyMultiple for 0).
uint64_t getKnownFactor(Value value, unsigned depth = 0) {
  if (depth > kMaxDepth)
    return 1;
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    // An scf.for induction variable: lower bound plus steps.
    auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
    if (loop && arg == loop.getInductionVar())
      return std::gcd(getKnownFactor(loop.getLowerBound(), depth + 1),
                      getKnownFactor(loop.getStep(), depth + 1));
    return 1;
  }
  Operation *op = value.getDefiningOp();
  APInt constant;
  if (matchPattern(value, m_ConstantInt(&constant)))
    return constant.isZero() ? kAnyMultiple
                             : constant.abs().getLimitedValue(1ull << 32);
  if (isa<arith::AddIOp, arith::SubIOp>(op))
    return std::gcd(getKnownFactor(op->getOperand(0), depth + 1),
                    getKnownFactor(op->getOperand(1), depth + 1));
  if (isa<arith::MulIOp>(op)) {
    uint64_t lhs = getKnownFactor(op->getOperand(0), depth + 1);
    uint64_t rhs = getKnownFactor(op->getOperand(1), depth + 1);
    if (lhs == kAnyMultiple || rhs == kAnyMultiple)
      return kAnyMultiple;
    return std::min<uint64_t>(lhs * rhs, 1ull << 32);
  }
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp>(op))
    return getKnownFactor(op->getOperand(0), depth + 1);
  return 1;
}

/// Whether `memref` is a kernel argument, or a reshape or cast of one,
/// whose start the device runtime aligned.
bool isKernelBuffer(Value memref) {
  for (unsigned depth = 0; depth < kMaxDepth; ++depth) {
    if (auto arg = dyn_cast<BlockArgument>(memref))
      return isa<gpu::GPUFuncOp>(arg.getOwner()->getParentOp());
    Operation *op = memref.getDefiningOp();
    if (!isa<memref::CollapseShapeOp, memref::ExpandShapeOp, memref::CastOp>(
            op))
      return false;
    memref = op->getOperand(0);
  }
  return false;
}

/// The alignment in bytes `base[indices]` is known to have, or 0 for no
/// more than its element's.
uint64_t getKnownAlignment(Value base, ValueRange indices,
                           uint64_t baseAlignment, uint64_t accessBytes) {
  auto type = dyn_cast<MemRefType>(base.getType());
  if (!type || !isKernelBuffer(base) ||
      !type.getElementType().isIntOrIndexOrFloat())
    return 0;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset) ||
      llvm::any_of(strides, ShapedType::isDynamic))
    return 0;
  uint64_t elementBytes = type.getElementTypeBitWidth() / 8;
  if (elementBytes == 0)
    return 0;
  uint64_t factor =
      std::gcd(baseAlignment, static_cast<uint64_t>(offset) * elementBytes);
  for (auto [index, stride] : llvm::zip(indices, strides)) {
    uint64_t known = getKnownFactor(index);
    if (known != kAnyMultiple)
      factor = std::gcd(factor,
                        known * static_cast<uint64_t>(stride) * elementBytes);
  }
  // The largest power of two dividing it, and no more than the access.
  uint64_t alignment = factor & (~factor + 1);
  alignment = std::min(alignment, llvm::bit_floor(accessBytes));
  return alignment > elementBytes ? alignment : 0;
}

template <typename AccessOp>
void setKnownAlignment(AccessOp op, uint64_t baseAlignment) {
  if (op.getAlignment())
    return;
  VectorType vectorType = op.getVectorType();
  uint64_t accessBytes =
      vectorType.getNumElements() * vectorType.getElementTypeBitWidth() / 8;
  if (uint64_t alignment = getKnownAlignment(op.getBase(), op.getIndices(),
                                             baseAlignment, accessBytes))
    op.setAlignment(alignment);
}

struct TernGPUVectorAlignmentPass
    : public tern::impl::TernGPUVectorAlignmentBase<
          TernGPUVectorAlignmentPass> {
  using TernGPUVectorAlignmentBase::TernGPUVectorAlignmentBase;

  void runOnOperation() override {
    // 1-D transfers as the loads and stores the LLVM conversion would make
    // of them (with its masks for reads past the end, and its 32-bit
    // lane indices), so that their alignment can be set.
    RewritePatternSet patterns(&getContext());
    vector::populateVectorMaskMaterializationPatterns(
        patterns, /*force32BitVectorIndices=*/true);
    vector::populateVectorTransferLoweringPatterns(patterns,
                                                   /*maxTransferRank=*/1);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    uint64_t base = static_cast<uint64_t>(baseAlignment);
    getOperation().walk([&](Operation *op) {
      if (auto load = dyn_cast<vector::LoadOp>(op))
        setKnownAlignment(load, base);
      else if (auto load = dyn_cast<vector::MaskedLoadOp>(op))
        setKnownAlignment(load, base);
      else if (auto store = dyn_cast<vector::StoreOp>(op))
        setKnownAlignment(store, base);
      else if (auto store = dyn_cast<vector::MaskedStoreOp>(op))
        setKnownAlignment(store, base);
    });
  }
};

} // namespace
