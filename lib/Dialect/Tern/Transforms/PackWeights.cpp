//===- PackWeights.cpp - Ternary weights into packed layouts --------------===//

#include "tern/Dialect/Tern/IR/Packing.h"
#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/IR/WeightStorage.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNPACKWEIGHTS
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

/// `constant` packed in `layout`, right after it; null when its values
/// cannot be read.
Value pack(OpBuilder &builder, ConstantOp constant, PackedLayoutAttr layout) {
  auto type = cast<RankedTensorType>(constant.getType());
  int64_t n = type.getDimSize(0), k = type.getDimSize(1);
  // Resource weights are read in place; dense ones are copied out.
  std::optional<std::vector<int8_t>> copied;
  std::optional<ArrayRef<char>> raw = getRawBytes(constant.getValue());
  if (!raw) {
    copied = getInt8Values(constant.getValue());
    if (!copied)
      return nullptr;
  }
  ArrayRef<int8_t> weights =
      raw ? ArrayRef<int8_t>(reinterpret_cast<const int8_t *>(raw->data()),
                             raw->size())
          : ArrayRef<int8_t>(*copied);
  auto bytesType =
      RankedTensorType::get({n, layout.getRowBytes(k)}, builder.getI8Type());
  ElementsAttr blob = createResourceConstant(
      bytesType, "tern_packed_weights", [&](MutableArrayRef<char> data) {
        packTernaryInto(
            weights, n, k, layout,
            MutableArrayRef<int8_t>(reinterpret_cast<int8_t *>(data.data()),
                                    data.size()));
        return true;
      });
  builder.setInsertionPointAfter(constant);
  return PackedConstantOp::create(
      builder, constant.getLoc(),
      PackedWeightsType::get(builder.getContext(), {n, k}, layout), blob);
}

struct PackWeightsPass
    : public tern::impl::TernPackWeightsBase<PackWeightsPass> {
  using TernPackWeightsBase::TernPackWeightsBase;

  void runOnOperation() override {
    if (format == PackChoice::None)
      return;
    PackFormat packFormat =
        format == PackChoice::I2 ? PackFormat::i2 : PackFormat::tq1;
    int64_t blockSize =
        block ? block : (packFormat == PackFormat::i2 ? 128 : 160);
    MLIRContext *ctx = &getContext();
    auto layout = PackedLayoutAttr::getChecked(
        [&] { return getOperation().emitError(); }, ctx, packFormat, blockSize);
    if (!layout)
      return signalPassFailure();

    OpBuilder builder(ctx);
    // A constant two matmuls read is packed once.
    llvm::DenseMap<Operation *, Value> packedOf;
    getOperation().walk([&](Operation *op) {
      if (!isa<MatmulOp, IntMatmulOp>(op))
        return;
      OpOperand &weightsOperand = op->getOpOperand(1);
      auto constant = weightsOperand.get().getDefiningOp<ConstantOp>();
      if (!constant)
        return;
      Value packed = packedOf.lookup(constant);
      if (!packed) {
        packed = pack(builder, constant, layout);
        if (!packed)
          return;
        packedOf[constant] = packed;
      }
      weightsOperand.set(packed);
      if (constant->use_empty()) {
        Attribute value = constant.getValue();
        constant->erase();
        // Each weight is freed once packed: a 2B model's i8 weights are
        // never all in memory beside their packed bytes.
        releaseUnusedResources(getOperation(), {value});
      }
    });
  }
};

} // namespace
