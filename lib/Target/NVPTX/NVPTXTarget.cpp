//===- NVPTXTarget.cpp - NVIDIA GPUs through NVVM and PTX -----------------===//
//
// `--target=nvptx64-nvidia-cuda` compiles a host library for the machine
// ternc runs on, with the same C API, whose loop nests run as CUDA kernels:
// the CPU's lowering up to loops on buffers, then upstream's GPU dialect
// (parallel loops mapped to blocks and threads, kernel outlining, NVVM),
// PTX from LLVM's NVPTX backend, and cubins from ptxas where the CUDA
// toolkit is installed. The host side links the device runtime
// (lib/Runtime/CudaDriver.c), which loads the CUDA driver with dlopen.
//
//===----------------------------------------------------------------------===//

#include "tern/Target/NVPTX/NVPTXPipeline.h"
#include "tern/Target/TargetBackend.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/TargetParser/Host.h"

using namespace llvm;

namespace tern {
namespace {

const KernelFeature kNVPTXFeatures[] = {
    {"sm_80", "PTX's target: the kernels run on Ampere (A100) and later, "
              "and the driver compiles the PTX for newer GPUs"},
};

class NVPTXTarget : public TargetBackend {
public:
  StringRef getName() const override { return "nvptx64"; }

  bool acceptsTriple(const Triple &triple) const override {
    return triple.getArch() == Triple::nvptx64 &&
           triple.getOS() == Triple::CUDA;
  }

  Triple getObjectTriple(const Triple &) const override {
    return Triple(sys::getDefaultTargetTriple());
  }

  // The host library's CPU: ternc compiles it for the machine it runs on.
  StringRef getDefaultCpu() const override { return "x86-64-v3"; }

  // Host code only runs between kernels; it needs no threads.
  bool hasOpenMP() const override { return false; }

  // Kernels read the weights, which the host's read-only data is not.
  bool needsDeviceWeights() const override { return true; }

  ArrayRef<KernelFeature> getKernelFeatures() const override {
    return kNVPTXFeatures;
  }

  void
  configurePipeline(const TargetMachine &,
                    mlir::tern::TernPipelineOptions &options) const override {
    // int8 activations meet the 2-bit codes in dp4a; float ones meet the
    // decoded weights in FMAs. On the host (--gpu-loops-on-host) the same
    // loops take portable byte dot products.
    options.dot = options.gpuLoopsOnHost ? mlir::tern::DotInstruction::Portable
                                         : mlir::tern::DotInstruction::NVVMDp4a;
    if (options.strategy == mlir::tern::MatmulStrategy::Auto)
      options.strategy = mlir::tern::MatmulStrategy::Dot;
    // One block of K (128 weights, 32 bytes of codes per channel) per
    // thread: a GEMV has a thread per 4 channels and block (N * K / 512)
    // to keep memory busy, and the slices of a channel read adjacent bytes.
    if (options.kSliceBlocks == 0)
      options.kSliceBlocks = 1;
    // Float contractions: a thread computes 4 rows of one panel of 8
    // columns (32 bytes of weights, a whole memory sector, per step of K),
    // so that a GEMV has N / 8 threads where the CPU tiles have N / 256.
    options.vectorBits = 256;
    options.registerVectorsN = 1;
    options.registerTileM = 4;
    options.threadTileM = 4;
    options.threadTileN = 8;
    options.threads = false;
  }

  void
  buildPipeline(mlir::OpPassManager &pm,
                const mlir::tern::TernPipelineOptions &options) const override {
    mlir::tern::buildTernToLinalgPipeline(pm, options);
    mlir::tern::buildLinalgToNVVMPipeline(
        pm, options, mlir::tern::getGPUPipelineOptions(options));
  }

  Expected<LinkPlan> planLink(const Triple &,
                              const LinkEnvironment &env) const override {
    Expected<LinkPlan> plan =
        TargetBackend::planLink(Triple(sys::getDefaultTargetTriple()), env);
    if (!plan)
      return plan;
    SmallString<256> runtime(plan->runtimeDir);
    sys::path::append(runtime, "libtern_cuda_runtime.a");
    if (!sys::fs::exists(runtime))
      return createStringError(inconvertibleErrorCode(),
                               "cannot find " + runtime);
    plan->libraries.insert(plan->libraries.begin(), std::string(runtime));
    return plan;
  }
};

} // namespace

void registerNVPTXTargetBackend() {
  registerTargetBackend(std::make_unique<NVPTXTarget>());
}

} // namespace tern
