//===- PackWeights.cpp - Ternary weights into packed layouts --------------===//

#include "tern/Dialect/Tern/IR/Packing.h"
#include "tern/Dialect/Tern/IR/TernOps.h"
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
    getOperation().walk([&](Operation *op) {
      if (!isa<MatmulOp, IntMatmulOp>(op))
        return;
      OpOperand &weightsOperand = op->getOpOperand(1);
      auto constant = weightsOperand.get().getDefiningOp<ConstantOp>();
      if (!constant)
        return;
      auto type = cast<RankedTensorType>(constant.getType());
      int64_t n = type.getDimSize(0), k = type.getDimSize(1);
      std::optional<std::vector<int8_t>> weights =
          getInt8Values(constant.getValue());
      if (!weights)
        return;
      std::vector<int8_t> bytes = packTernary(*weights, n, k, layout);
      auto bytesType = RankedTensorType::get({n, layout.getRowBytes(k)},
                                             builder.getI8Type());
      auto blob = DenseI8ResourceElementsAttr::get(
          bytesType, "tern_packed_weights",
          HeapAsmResourceBlob::allocateAndCopyInferAlign(
              ArrayRef<int8_t>(bytes)));
      builder.setInsertionPoint(op);
      auto packed =
          PackedConstantOp::create(builder, constant.getLoc(),
                                   PackedWeightsType::get(ctx, {n, k}, layout),
                                   cast<ElementsAttr>(blob));
      weightsOperand.set(packed);
      if (constant->use_empty())
        constant->erase();
    });
  }
};

} // namespace
