//===- AArch64Target.cpp - AArch64: NEON, dotprod and i8mm ----------------===//

#include "tern/Target/TargetBackend.h"

using namespace llvm;

namespace tern {
namespace {

const KernelFeature kAArch64Features[] = {
    {"neon", "portable vector code runs on 128-bit registers (always on)"},
    {"dotprod", "`dot`: sdot on the 2-bit codes (0, 1, 2 fit signed bytes)"},
    {"i8mm", "`dot`: usdot, unsigned codes by signed activations"},
};

class AArch64Target : public TargetBackend {
public:
  StringRef getName() const override { return "aarch64"; }

  bool acceptsTriple(const Triple &triple) const override {
    return triple.getArch() == Triple::aarch64 && triple.isOSLinux();
  }

  StringRef getDefaultCpu() const override { return "generic"; }

  ArrayRef<KernelFeature> getKernelFeatures() const override {
    return kAArch64Features;
  }

  void
  configurePipeline(const TargetMachine &machine,
                    mlir::tern::TernPipelineOptions &options) const override {
    using mlir::tern::DotInstruction;
    if (hasFeature(machine, "+i8mm"))
      options.dot = DotInstruction::AArch64I8mm;
    else if (hasFeature(machine, "+dotprod"))
      options.dot = DotInstruction::AArch64Dotprod;
    else
      options.dot = DotInstruction::Portable;
    if (options.strategy == mlir::tern::MatmulStrategy::Auto)
      options.strategy = mlir::tern::MatmulStrategy::Dot;
    // NEON: 32 registers of 128 bits; 4 rows of four vectors are 16
    // accumulators beside four vectors of weights.
    options.vectorBits = 128;
    options.registerTileM = 4;
    options.registerVectorsN = 4;
  }
};

} // namespace

void registerAArch64TargetBackend() {
  registerTargetBackend(std::make_unique<AArch64Target>());
}

} // namespace tern
