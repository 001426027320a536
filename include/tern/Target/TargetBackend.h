//===- TargetBackend.h - What a Tern target states --------------*- C++ -*-===//
//
// A target plug-in tells ternc which triples it compiles for, what CPU and
// features it assumes, which kernels suit it, how it lowers, and how its
// object code becomes a library or an executable. Each lives in
// lib/Target/<Name>/ and registers itself in RegisterTargets.cpp; see
// docs/AddingABackend.md.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_TARGET_TARGETBACKEND_H
#define TERN_TARGET_TARGETBACKEND_H

#include "tern/Pipelines/Pipelines.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Triple.h"

#include <memory>
#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace tern {

/// A CPU feature the target's kernels use, for docs and `--help`.
struct KernelFeature {
  /// The LLVM feature name, as `--mattr` takes it ("avx512vnni").
  llvm::StringRef name;
  /// What the kernels do with it.
  llvm::StringRef use;
};

/// Where the build (or install) keeps what linking needs.
struct LinkEnvironment {
  /// The C compiler driver (clang) that links.
  std::string driver;
  /// `lib/` of the build or install: the host's runtime archives, and one
  /// folder per cross triple with that triple's.
  std::string libraryDir;
  /// `sysroot/`: one folder per cross triple with what Debian's packages of
  /// that architecture provide (libomp).
  std::string sysrootDir;
};

/// How one target links the model's object code.
struct LinkPlan {
  /// Extra driver flags: `--target=`, `-fuse-ld=lld`.
  llvm::SmallVector<std::string> driverFlags;
  /// Where this target's runtime archives are.
  std::string runtimeDir;
  /// Libraries after the objects: `-lm`, libomp.
  llvm::SmallVector<std::string> libraries;
  /// Whether a shared library may leave symbols for the program that loads
  /// it to define: a sanitizer build's instrumented runtime calls into the
  /// sanitizers' runtimes, which only executables carry.
  bool allowUndefined = false;
};

class TargetBackend {
public:
  virtual ~TargetBackend();

  /// A short name for messages and docs ("x86-64").
  virtual llvm::StringRef getName() const = 0;

  /// Whether this target compiles for `triple`.
  virtual bool acceptsTriple(const llvm::Triple &triple) const = 0;

  /// The triple the model's object code is compiled for: `triple` itself
  /// on a CPU; the host for a GPU target, whose kernels are embedded in
  /// the host library.
  virtual llvm::Triple getObjectTriple(const llvm::Triple &triple) const {
    return triple;
  }

  /// The CPU when none is named and the target is not the host.
  virtual llvm::StringRef getDefaultCpu() const = 0;

  /// Features the target's Linux ABI needs whatever the CPU (riscv64's
  /// hard-float "+d"); `--mattr` comes after them.
  virtual llvm::StringRef getBaselineFeatures() const { return ""; }

  /// The ABI LLVM emits for ("lp64d"), or "" for LLVM's default.
  virtual llvm::StringRef getABIName() const { return ""; }

  /// Whether the model's constants must live in the device's memory: ternc
  /// then moves all of them, small ones too, to OUTPUT.weights, which the
  /// device runtime uploads when a model is created.
  virtual bool needsDeviceWeights() const { return false; }

  /// Whether models run their parallel loops on libomp. Targets without an
  /// OpenMP runtime to link compile single-threaded code.
  virtual bool hasOpenMP() const { return true; }

  /// The features the kernels look for.
  virtual llvm::ArrayRef<KernelFeature> getKernelFeatures() const = 0;

  /// Picks the kernels for `machine`: the byte dot product instruction and,
  /// when the user left it at `auto`, the matmul strategy.
  virtual void
  configurePipeline(const llvm::TargetMachine &machine,
                    mlir::tern::TernPipelineOptions &options) const = 0;

  /// The passes from imported MLIR to the LLVM dialect. The CPU targets
  /// share `buildTernToLLVMPipeline`.
  virtual void
  buildPipeline(mlir::OpPassManager &pm,
                const mlir::tern::TernPipelineOptions &options) const;

  /// How to link for `triple`: the default runs the driver natively for the
  /// host, and with `--target=` and lld plus the cross sysroot's libomp
  /// (when `hasOpenMP()`) otherwise.
  virtual llvm::Expected<LinkPlan> planLink(const llvm::Triple &triple,
                                            const LinkEnvironment &env) const;

  /// Whether `machine` has `feature` ("+dotprod").
  static bool hasFeature(const llvm::TargetMachine &machine,
                         llvm::StringRef feature);
};

/// Adds a target; later lookups see it.
void registerTargetBackend(std::unique_ptr<TargetBackend> backend);

/// Registers every target Tern ships (lib/Target/RegisterTargets.cpp).
void registerAllTargetBackends();

/// The target that accepts `triple`, or an error naming the known ones.
llvm::Expected<const TargetBackend &>
lookupTargetBackend(const llvm::Triple &triple);

/// Every registered target, in registration order.
llvm::SmallVector<const TargetBackend *> getTargetBackends();

} // namespace tern

#endif // TERN_TARGET_TARGETBACKEND_H
