//===- X86Target.cpp - x86-64: AVX2, AVX-512 and VNNI ---------------------===//

#include "tern/Target/TargetBackend.h"

using namespace llvm;

namespace tern {
namespace {

const KernelFeature kX86Features[] = {
    {"avx512vnni", "`dot`: vpdpbusd on 512-bit vectors (16 i32 lanes)"},
    {"avxvnni", "`dot`: vpdpbusd on 256-bit vectors (VEX form)"},
    {"avx512vl", "with avx512vnni and no avx512f-wide use: 256-bit vpdpbusd"},
    {"avx2", "`dot`: vpmaddubsw and vpmaddwd (8 i32 lanes)"},
    {"avx512f", "portable vector code runs on 512-bit registers"},
};

class X86Target : public TargetBackend {
public:
  StringRef getName() const override { return "x86-64"; }

  bool acceptsTriple(const Triple &triple) const override {
    return triple.getArch() == Triple::x86_64 && triple.isOSLinux();
  }

  StringRef getDefaultCpu() const override { return "x86-64-v3"; }

  ArrayRef<KernelFeature> getKernelFeatures() const override {
    return kX86Features;
  }

  void
  configurePipeline(const TargetMachine &machine,
                    mlir::tern::TernPipelineOptions &options) const override {
    using mlir::tern::DotInstruction;
    if (hasFeature(machine, "+avx512vnni,+avx512bw"))
      options.dot = DotInstruction::X86Avx512Vnni;
    else if (hasFeature(machine, "+avxvnni") ||
             hasFeature(machine, "+avx512vnni,+avx512vl"))
      options.dot = DotInstruction::X86AvxVnni;
    else if (hasFeature(machine, "+avx2"))
      options.dot = DotInstruction::X86Avx2;
    else
      options.dot = DotInstruction::Portable;
    // `dot` wins wherever a byte dot product exists: 2.5-5.7x over addsub
    // with VNNI and 4.7-9.1x with AVX2's vpmaddubsw (docs/Strategies.md).
    // The portable widening multiply lost to addsub on the same AVX2
    // machine (5.8-10.6 against 10.2-15.7 GOPS), so without AVX2 addsub is
    // the choice.
    if (options.strategy == mlir::tern::MatmulStrategy::Auto)
      options.strategy = options.dot == DotInstruction::Portable
                             ? mlir::tern::MatmulStrategy::AddSub
                             : mlir::tern::MatmulStrategy::Dot;
    // Float register tiles: 6 rows of two vectors are 12 accumulators, with
    // two vectors of weights and a broadcast, in AVX-512's 32 registers;
    // AVX2's 16 registers take 4 rows.
    bool avx512 = hasFeature(machine, "+avx512f");
    options.vectorBits = avx512 ? 512 : hasFeature(machine, "+avx") ? 256 : 128;
    options.registerTileM = avx512 ? 6 : 4;
    options.registerVectorsN = 2;
  }
};

} // namespace

void registerX86TargetBackend() {
  registerTargetBackend(std::make_unique<X86Target>());
}

} // namespace tern
