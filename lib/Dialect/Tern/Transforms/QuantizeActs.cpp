//===- QuantizeActs.cpp - W1.58A8 activation quantization -----------------===//

#include "tern/Dialect/Tern/IR/TernOps.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNQUANTIZEACTS
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

struct QuantizeActsPass
    : public tern::impl::TernQuantizeActsBase<QuantizeActsPass> {
  void runOnOperation() override {
    auto mode =
        ActQuantModeAttr::get(&getContext(), ActQuantMode::per_token_absmax);
    getOperation().walk([&](MatmulOp op) {
      if (op.getActQuant() == ActQuantMode::none)
        op.setActQuantAttr(mode);
    });
  }
};

} // namespace
