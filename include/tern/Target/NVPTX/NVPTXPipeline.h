//===- NVPTXPipeline.h - The NVPTX target's pass pipeline -------*- C++ -*-===//
//
// The NVPTX target builds its pipeline from the shared stages of
// tern/Pipelines/Pipelines.h: the CPU's loop nests on buffers, their
// outermost parallel loops mapped to CUDA kernels.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_TARGET_NVPTX_NVPTXPIPELINE_H
#define TERN_TARGET_NVPTX_NVPTXPIPELINE_H

#include "tern/Pipelines/Pipelines.h"

#include "llvm/ADT/SmallVector.h"

#include <string>

namespace mlir {
namespace tern {

/// What a GPU target decides beyond TernPipelineOptions.
struct GPUPipelineOptions {
  /// The PTX target the kernels are compiled for ("sm_80").
  std::string chip = "sm_80";
  /// LLVM NVPTX features ("+ptx80").
  std::string ptxFeatures;
  /// Threads of a block along a loop's innermost dimension.
  int64_t threadsPerBlock = 256;
  /// Bitcode linked into the kernels (libdevice, for math functions).
  llvm::SmallVector<std::string> bitcodeLibraries;
  /// The CUDA toolkit, where gpu-module-to-binary looks for tools.
  std::string toolkitPath;
  /// ptxas and fatbinary: with both, the kernels' PTX is embedded with a
  /// cubin for each of `cubinArchs`, as one fatbin.
  std::string ptxas, fatbinary;
  llvm::SmallVector<std::string> cubinArchs;
  /// Stop before mapping: the loop nests the kernels would run are compiled
  /// for the host CPU instead, so that their arithmetic can be checked
  /// where no GPU is (`ternc --gpu-loops-on-host`).
  bool loopsOnHost = false;
};

/// Fills in what `gpu` takes from an installed CUDA toolkit (CUDA_PATH,
/// /usr/local/cuda, /usr/lib/cuda): libdevice, ptxas and fatbinary, with
/// cubins for sm_80 and sm_90. Leaves them empty where there is none.
void findCudaToolkit(GPUPipelineOptions &gpu);

/// Linalg on tensors to the LLVM dialect for an NVIDIA GPU: the CPU's loop
/// nests on buffers, their outermost parallel loops as kernels in one
/// `gpu.binary` of PTX, and the host code between them calling the device
/// runtime (lib/Runtime/CudaDriver.c).
void buildLinalgToNVVMPipeline(OpPassManager &pm,
                               const TernPipelineOptions &options,
                               const GPUPipelineOptions &gpu);

/// The GPU options `options` asks for: libdevice for math functions, and
/// cubins for Ampere and Hopper where ptxas is installed (none when the
/// kernels stay PTX text, which the driver compiles at load time).
GPUPipelineOptions getGPUPipelineOptions(const TernPipelineOptions &options);

/// Registers `tern-linalg-to-nvvm` (for tern-opt): the pipeline above with
/// the PTX kept as it is, for tests to read.
void registerNVPTXPipelines();

} // namespace tern
} // namespace mlir

#endif // TERN_TARGET_NVPTX_NVPTXPIPELINE_H
