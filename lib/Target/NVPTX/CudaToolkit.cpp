//===- CudaToolkit.cpp - What the NVPTX lowering takes from CUDA ----------===//
//
// The CUDA toolkit is optional: LLVM's NVPTX backend writes the PTX. From
// the toolkit the kernels take libdevice (math functions: a kernel calling
// one does not assemble without it) and ptxas and fatbinary (cubins).
//
//===----------------------------------------------------------------------===//

#include "tern/Target/NVPTX/NVPTXPipeline.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

using namespace llvm;

/// `tool` from the toolkit's bin/, else from PATH; "" when neither has it.
static std::string findCudaTool(StringRef tool, StringRef toolkit) {
  if (!toolkit.empty()) {
    SmallString<128> path(toolkit);
    sys::path::append(path, "bin", tool);
    if (sys::fs::can_execute(path))
      return std::string(path);
  }
  ErrorOr<std::string> found = sys::findProgramByName(tool);
  return found ? *found : "";
}

void mlir::tern::findCudaToolkit(GPUPipelineOptions &gpu) {
  // CUDA_PATH, else where NVIDIA's and Debian's packages put it: the first
  // with libdevice.
  SmallVector<std::string> candidates;
  if (const char *env = std::getenv("CUDA_PATH"))
    candidates.push_back(env);
  candidates.append({"/usr/local/cuda", "/usr/lib/cuda"});
  for (const std::string &dir : candidates) {
    SmallString<128> libdevice(dir);
    sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
    if (!sys::fs::exists(libdevice))
      continue;
    gpu.toolkitPath = dir;
    gpu.bitcodeLibraries.push_back(std::string(libdevice));
    break;
  }
  gpu.ptxas = findCudaTool("ptxas", gpu.toolkitPath);
  gpu.fatbinary = findCudaTool("fatbinary", gpu.toolkitPath);
  gpu.cubinArchs = {"sm_80", "sm_90"};
}
