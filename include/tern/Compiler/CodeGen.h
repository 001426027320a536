//===- CodeGen.h - LLVM IR to object code -----------------------*- C++ -*-===//

#ifndef TERN_COMPILER_CODEGEN_H
#define TERN_COMPILER_CODEGEN_H

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace tern {

struct CodeGenOptions {
  /// Target triple; empty means the host.
  std::string triple;
  /// CPU name; "native" means the host's CPU and features.
  std::string cpu = "native";
  /// Features the target always has (its plug-in's baseline).
  std::string baselineFeatures;
  /// Extra target features, e.g. "+avx2,-avx512f".
  std::string features;
  /// The ABI name for LLVM ("lp64d"); empty for the default.
  std::string abiName;
  unsigned optLevel = 3;
};

/// A target machine for `options`, producing position-independent code.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CodeGenOptions &options);

/// Sets `module`'s triple and data layout from `machine` and runs LLVM's
/// optimization pipeline at `optLevel`.
llvm::Error optimizeModule(llvm::Module &module, llvm::TargetMachine &machine,
                           unsigned optLevel);

/// Writes `module` as an object file or assembly to `path`.
llvm::Error emitCode(llvm::Module &module, llvm::TargetMachine &machine,
                     llvm::StringRef path, llvm::CodeGenFileType fileType);

} // namespace tern

#endif // TERN_COMPILER_CODEGEN_H
