//===- RISCVTarget.cpp - riscv64 with the vector extension ----------------===//
//
// The worked example of docs/AddingABackend.md. Debian 12 has no riscv64
// OpenMP runtime to link, so this target compiles single-threaded models.
//
//===----------------------------------------------------------------------===//

#include "tern/Target/TargetBackend.h"

using namespace llvm;

namespace tern {
namespace {

const KernelFeature kRISCVFeatures[] = {
    {"v", "the portable kernels run on RVV vector registers (VLEN >= 128)"},
};

class RISCVTarget : public TargetBackend {
public:
  StringRef getName() const override { return "riscv64"; }

  bool acceptsTriple(const Triple &triple) const override {
    return triple.getArch() == Triple::riscv64 && triple.isOSLinux();
  }

  StringRef getDefaultCpu() const override { return "generic-rv64"; }

  // Debian's riscv64 is RV64GC with the hard-float lp64d ABI.
  StringRef getBaselineFeatures() const override { return "+m,+a,+f,+d,+c"; }
  StringRef getABIName() const override { return "lp64d"; }

  bool hasOpenMP() const override { return false; }

  ArrayRef<KernelFeature> getKernelFeatures() const override {
    return kRISCVFeatures;
  }

  void
  configurePipeline(const TargetMachine &machine,
                    mlir::tern::TernPipelineOptions &options) const override {
    // RVV has no byte dot product; the portable widening code vectorizes.
    options.dot = mlir::tern::DotInstruction::Portable;
    if (options.strategy == mlir::tern::MatmulStrategy::Auto)
      options.strategy = mlir::tern::MatmulStrategy::Dot;
    // RV64GC has 32 float registers and no vectors: LLVM splits each
    // 128-bit vector into four scalars, so the tile stays small.
    options.vectorBits = 128;
    options.registerTileM = 2;
    options.registerVectorsN = 1;
  }
};

} // namespace

void registerRISCVTargetBackend() {
  registerTargetBackend(std::make_unique<RISCVTarget>());
}

} // namespace tern
