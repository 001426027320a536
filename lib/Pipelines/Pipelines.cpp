//===- Pipelines.cpp - Tern's end-to-end pass pipelines -------------------===//

#include "tern/Pipelines/Pipelines.h"
#include "tern/Codegen/Passes.h"
#include "tern/Conversion/Passes.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
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

/// Linalg on tensors to loop nests on buffers, every target alike: the
/// contractions' tiles, fusion, bufferization and deallocation.
static void buildBufferizationPipeline(OpPassManager &pm,
                                       const TernPipelineOptions &options) {
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

/// The kernels' target instructions and the vector forms the LLVM
/// conversions do not take, on loops of any kind.
static void buildKernelLoweringPipeline(OpPassManager &pm,
                                        const TernPipelineOptions &options) {
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
static SCFToControlFlowPassOptions noRollback() {
  SCFToControlFlowPassOptions options;
  options.allowPatternRollback = false;
  return options;
}

/// Host code on buffers to the LLVM dialect. `gpu` adds the lowering of
/// GPU launches, allocations and copies to the device runtime's calls.
static void buildHostToLLVMPipeline(OpPassManager &pm,
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
  pm.addPass(createSCFToControlFlowPass(noRollback()));
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

void mlir::tern::buildLinalgToNVVMPipeline(OpPassManager &pm,
                                           const TernPipelineOptions &options,
                                           const GPUPipelineOptions &gpu) {
  buildBufferizationPipeline(pm, options);
  // Every parallel dimension of a linalg op becomes one of an scf.parallel,
  // reductions a sequential loop inside: the same loop nests as the CPU's,
  // before they are mapped.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  buildKernelLoweringPipeline(pm, options);
  if (gpu.loopsOnHost) {
    // The copies and stores the GPU runs instead of host copies, too.
    TernGPUManagedBuffersOptions hostBuffers;
    hostBuffers.hostMemory = true;
    pm.addNestedPass<func::FuncOp>(createTernGPUManagedBuffers(hostBuffers));
    buildHostToLLVMPipeline(pm, options, /*gpu=*/false);
    return;
  }

  // The outermost parallel loops become kernels, and so do copies of
  // device memory; the code between them stays on the host, its own
  // buffers in host memory.
  pm.addNestedPass<func::FuncOp>(createTernGPUManagedBuffers());
  TernGPUMapParallelLoopsOptions mapOptions;
  mapOptions.threadsPerBlock = gpu.threadsPerBlock;
  pm.addNestedPass<func::FuncOp>(createTernGPUMapParallelLoops(mapOptions));
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createTernGPUKernelModule());
  // Launches one after another on the stream; the host waits only where it
  // reads what kernels wrote, and at the end of the run.
  pm.addNestedPass<func::FuncOp>(createTernGPUAsyncLaunches());

  GpuNVVMAttachTargetOptions target;
  target.chip = gpu.chip;
  target.features = gpu.ptxFeatures;
  target.optLevel = 3;
  target.linkLibs = gpu.bitcodeLibraries;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createConvertVectorToSCFPass());
  // Vector loads of the alignment their addresses have, before the index
  // arithmetic is lowered: NVPTX splits an underaligned vector load into
  // one load per element.
  kernels.addNestedPass<gpu::GPUFuncOp>(createTernGPUVectorAlignment());
  // Views (subviews, reshapes) become plain descriptor arithmetic, as on
  // the host below.
  kernels.addNestedPass<gpu::GPUFuncOp>(createTernLowerDynamicExpandShape());
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createSCFToControlFlowPass(noRollback()));
  kernels.addPass(createConvertVectorToLLVMPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  // PTX, which the driver compiles for the GPU it finds; ternc adds the
  // cubins ptxas makes of it.
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  binary.toolkitPath = gpu.toolkitPath;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  if (!gpu.ptxas.empty() && !gpu.fatbinary.empty() && !gpu.cubinArchs.empty()) {
    TernGPUEmbedCubinsOptions cubins;
    cubins.ptxas = gpu.ptxas;
    cubins.fatbinary = gpu.fatbinary;
    cubins.archs = gpu.cubinArchs;
    pm.addPass(createTernGPUEmbedCubins(cubins));
  }

  buildHostToLLVMPipeline(pm, options, /*gpu=*/true);
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
  PassPipelineRegistration<TernPipelineOptions>(
      "tern-linalg-to-nvvm",
      "Bufferize linalg on tensors and lower it to kernels for sm_80 in PTX "
      "(with an installed CUDA toolkit's libdevice) and host code in the "
      "LLVM dialect",
      [](OpPassManager &pm, const TernPipelineOptions &options) {
        GPUPipelineOptions gpu;
        gpu.loopsOnHost = options.gpuLoopsOnHost;
        findCudaToolkit(gpu);
        // The PTX stays as it is, for tests to read.
        gpu.cubinArchs.clear();
        buildLinalgToNVVMPipeline(pm, options, gpu);
      });
}
