//===- Pipelines.cpp - Tern's end-to-end pass pipelines -------------------===//

#include "tern/Pipelines/Pipelines.h"
#include "tern/Codegen/Passes.h"
#include "tern/Conversion/Passes.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::tern;

void mlir::tern::buildFindTernaryPipeline(OpPassManager &pm,
                                          const TernPipelineOptions &options) {
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  if (options.ternarize) {
    // Weights computed from constants (QDQ, fake-quant) become constants
    // first.
    funcPm.addPass(createTernFoldConstants());
    funcPm.addPass(createTernTernarize(
        TernTernarizeOptions{/*minElements=*/1, /*absmean=*/options.absmean}));
  }
  if (options.quantizeHead)
    funcPm.addPass(createTernQuantizeWeights());
  funcPm.addPass(
      createTernQuantizeActs(TernQuantizeActsOptions{options.quantizeActs}));
}

void mlir::tern::buildTernToLinalgPipeline(OpPassManager &pm,
                                           const TernPipelineOptions &options) {
  buildFindTernaryPipeline(pm, options);
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  funcPm.addPass(createTernPackWeights(
      TernPackWeightsOptions{/*format=*/options.pack, /*block=*/0}));
  TernLowerMatmulOptions matmulOptions;
  matmulOptions.strategy = options.strategy;
  matmulOptions.kSliceBlocks = options.kSliceBlocks;
  funcPm.addPass(createTernLowerMatmul(matmulOptions));
  funcPm.addPass(createTernLowerQuant());
  // The importer's run-time checks, last of the tern ops, so that every
  // tern-to-tern pass sees them as one op.
  pm.addPass(createTernLowerChecks());
  OpPassManager &cleanupPm = pm.nest<func::FuncOp>();
  cleanupPm.addPass(createCanonicalizerPass());
  cleanupPm.addPass(createCSEPass());
}

void mlir::tern::buildBufferizationPipeline(
    OpPassManager &pm, const TernPipelineOptions &options) {
  pm.addPass(createTernExportEntry());
  // Contractions first, while their bodies are still a bare multiply-add
  // (elementwise fusion would pull producers into batched matmuls).
  TernVectorizeContractionsOptions contractionOptions;
  contractionOptions.vectorBits = options.vectorBits;
  contractionOptions.registerTileM = options.registerTileM;
  contractionOptions.registerVectorsN = options.registerVectorsN;
  contractionOptions.threadTileM = options.threadTileM;
  contractionOptions.threadTileN = options.threadTileN;
  pm.addNestedPass<func::FuncOp>(
      createTernVectorizeContractions(contractionOptions));
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createLinalgElementwiseOpFusionPass());
  pm.addNestedPass<func::FuncOp>(createTernSimplifyMath());

  bufferization::OneShotBufferizePassOptions bufferizeOptions;
  bufferizeOptions.bufferizeFunctionBoundaries = true;
  bufferizeOptions.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // Loops over time (the recurrent ops) carry states that each step
  // computes anew; the deallocation pipeline below frees the old ones.
  bufferizeOptions.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions));
  // Results leave the model as owned heap buffers the runtime hands over
  // to the caller, so every other allocation must be freed here.
  bufferization::BufferDeallocationPipelineOptions deallocOptions;
  bufferization::buildBufferDeallocationPipeline(pm, deallocOptions);
  pm.addPass(createConvertBufferizationToMemRefPass());
  // Thread tiles become parallel loops like every other; register tiles'
  // contractions become FMAs.
  pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  pm.addNestedPass<func::FuncOp>(createTernLowerVectors());

  // Integer powers become a loop in a helper function.
  pm.addPass(createConvertMathToFuncs());
}

void mlir::tern::buildKernelLoweringPipeline(
    OpPassManager &pm, const TernPipelineOptions &options) {
  // The kernels' byte dot products, after bufferization, which knows
  // nothing of target intrinsics.
  pm.addNestedPass<func::FuncOp>(
      createTernLowerKernelOps(TernLowerKernelOpsOptions{/*dot=*/options.dot}));
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMultiReductionPass());
  pm.addPass(createLowerAffinePass());
}

/// scf-to-cf without the conversion driver's rollback. Each loop or `if`
/// it lowers splits its block, moving every op after it into a new block,
/// and with rollback on the driver records each move to undo it: a model's
/// main function of a hundred thousand ops around a thousand loops took
/// gigabytes (2.66 GB and 5.3 s against 175 MB and 2.0 s for a 30-layer
/// decoder's IR). Its patterns never fail after changing the IR, so they
/// need no rollback.
SCFToControlFlowPassOptions mlir::tern::getSCFToControlFlowOptions() {
  SCFToControlFlowPassOptions options;
  options.allowPatternRollback = false;
  return options;
}

void mlir::tern::buildHostToLLVMPipeline(OpPassManager &pm,
                                         const TernPipelineOptions &options,
                                         bool gpu) {
  // The ternary kernels' vector loads (masked past the end of a row),
  // gathers and reductions.
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  // expand-strided-metadata crashes (LLVM 22) on an expand_shape that
  // splits one dynamic size in two; those become reinterpret_casts first.
  pm.addNestedPass<func::FuncOp>(createTernLowerDynamicExpandShape());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  if (gpu)
    pm.addPass(createGpuToLLVMConversionPass());
  // Before scf-to-cf: the alloca scopes scf-to-openmp puts around parallel
  // loop bodies must still hold one block when they are lowered.
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createSCFToControlFlowPass(getSCFToControlFlowOptions()));
  pm.addPass(createConvertMathToLLVMPass());
  // Math ops without an LLVM intrinsic (erf, tanh, acos, ...) call libm.
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (options.threads)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::tern::buildLinalgToLLVMPipeline(OpPassManager &pm,
                                           const TernPipelineOptions &options) {
  buildBufferizationPipeline(pm, options);
  if (options.threads) {
    // Parallel iterators (the kernels' rows and channels, elementwise ops)
    // become OpenMP worksharing loops; reductions stay sequential inside
    // one iteration, so results do not depend on the thread count.
    pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
    // Elementwise loops keep a plain innermost loop that LLVM vectorizes.
    pm.addNestedPass<func::FuncOp>(createTernSerializeInnerLoops());
    // Each parallel loop in a small function of its own, so that the
    // translation of OpenMP regions stays linear in the model's size.
    pm.addPass(createTernOutlineParallelLoops());
    pm.addPass(createConvertSCFToOpenMPPass());
    // Loops with too little work to pay for waking threads stay on one.
    pm.addNestedPass<func::FuncOp>(createTernParallelThreshold());
  } else {
    pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  }
  buildKernelLoweringPipeline(pm, options);
  buildHostToLLVMPipeline(pm, options, /*gpu=*/false);
}

void mlir::tern::buildTernToLLVMPipeline(OpPassManager &pm,
                                         const TernPipelineOptions &options) {
  buildTernToLinalgPipeline(pm, options);
  buildLinalgToLLVMPipeline(pm, options);
}

void mlir::tern::registerTernPipelines() {
  PassPipelineRegistration<TernPipelineOptions>(
      "tern-to-linalg",
      "Lower every tern op (after finding ternary weights) to linalg on "
      "tensors",
      buildTernToLinalgPipeline);
  PassPipelineRegistration<TernPipelineOptions>(
      "tern-linalg-to-llvm",
      "Bufferize linalg on tensors and lower it to the LLVM dialect with the "
      "compiled-model ABI",
      buildLinalgToLLVMPipeline);
  PassPipelineRegistration<TernPipelineOptions>(
      "tern-to-llvm", "The whole of ternc's pipeline, tern to LLVM dialect",
      buildTernToLLVMPipeline);
}
