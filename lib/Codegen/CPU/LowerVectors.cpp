//===- LowerVectors.cpp - Register tiles to FMAs --------------------------===//
//
// After bufferization: the vector contractions of register tiles down to
// 1-D FMAs, and their n-D transfers to one 1-D transfer per row.
//
//===----------------------------------------------------------------------===//

#include "tern/Codegen/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNLOWERVECTORS
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

struct LowerVectorsPass
    : public tern::impl::TernLowerVectorsBase<LowerVectorsPass> {
  using TernLowerVectorsBase::TernLowerVectorsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    RewritePatternSet contractions(ctx);
    vector::populateVectorContractLoweringPatterns(
        contractions, vector::VectorContractLowering::OuterProduct);
    vector::populateVectorTransposeLoweringPatterns(
        contractions, vector::VectorTransposeLowering::EltWise);
    vector::populateVectorMaskOpLoweringPatterns(contractions);
    vector::populateVectorShapeCastLoweringPatterns(contractions);
    vector::populateVectorTransferPermutationMapLoweringPatterns(contractions);
    vector::populateVectorBroadcastLoweringPatterns(contractions);
    if (failed(applyPatternsGreedily(func, std::move(contractions))))
      return signalPassFailure();

    RewritePatternSet outerProducts(ctx);
    vector::populateVectorOuterProductLoweringPatterns(outerProducts);
    vector::populateVectorMultiReductionLoweringPatterns(
        outerProducts, vector::VectorMultiReductionLowering::InnerReduction);
    // n-D transfers (a register tile's rows) as one 1-D transfer per row.
    populateVectorToSCFConversionPatterns(
        outerProducts, VectorTransferToSCFOptions().enableFullUnroll());
    vector::populateVectorTransferLoweringPatterns(outerProducts,
                                                   /*maxTransferRank=*/1);
    vector::populateVectorMaskOpLoweringPatterns(outerProducts);
    vector::populateVectorShapeCastLoweringPatterns(outerProducts);
    vector::populateVectorBroadcastLoweringPatterns(outerProducts);
    if (failed(applyPatternsGreedily(func, std::move(outerProducts))))
      return signalPassFailure();
  }
};

} // namespace
