//===- NVPTXPipeline.cpp - The NVPTX target's pass pipeline ---------------===//

#include "tern/Target/NVPTX/NVPTXPipeline.h"
#include "tern/Codegen/Passes.h"
#include "tern/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::tern;

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
  kernels.addPass(createSCFToControlFlowPass(getSCFToControlFlowOptions()));
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

GPUPipelineOptions
mlir::tern::getGPUPipelineOptions(const TernPipelineOptions &options) {
  GPUPipelineOptions gpu;
  gpu.loopsOnHost = options.gpuLoopsOnHost;
  findCudaToolkit(gpu);
  if (options.gpuKernelsAsPTX)
    gpu.cubinArchs.clear();
  return gpu;
}

void mlir::tern::registerNVPTXPipelines() {
  PassPipelineRegistration<TernPipelineOptions>(
      "tern-linalg-to-nvvm",
      "Bufferize linalg on tensors and lower it to kernels for sm_80 in PTX "
      "(with an installed CUDA toolkit's libdevice) and host code in the "
      "LLVM dialect",
      [](OpPassManager &pm, const TernPipelineOptions &options) {
        GPUPipelineOptions gpu = getGPUPipelineOptions(options);
        // The PTX stays as it is, for tests to read.
        gpu.cubinArchs.clear();
        buildLinalgToNVVMPipeline(pm, options, gpu);
      });
}
