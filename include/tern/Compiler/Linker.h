//===- Linker.h - Link models into libraries and programs -----*- C++ -*-===//

#ifndef TERN_COMPILER_LINKER_H
#define TERN_COMPILER_LINKER_H

#include "tern/Target/TargetBackend.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace tern {

enum class OutputKind {
  /// A .so exporting the C API.
  SharedLibrary,
  /// A .a holding the model and the runtime, for static linking.
  StaticLibrary,
  /// A program with the runner built in, taking tern-run's flags.
  Executable,
};

/// The linker driver and the build's (or install's) lib/ and sysroot/,
/// found next to the running tool. `argv0` locates it.
llvm::Expected<LinkEnvironment> findLinkEnvironment(const char *argv0);

/// Links the model's object code at `objectPath` into `outputPath`.
/// Executables take main() from `mainArchive`: the runner, or text
/// generation (libtern_generate.a) for language models.
llvm::Error linkModel(OutputKind kind, llvm::StringRef objectPath,
                      llvm::StringRef outputPath, const LinkPlan &plan,
                      const LinkEnvironment &env,
                      llvm::StringRef mainArchive = "libtern_runner.a");

/// The C header that goes with a static library: the C API, and a comment
/// listing the model's inputs and outputs.
std::string getStaticLibraryHeader(llvm::StringRef guard,
                                   llvm::StringRef signatureComment);

} // namespace tern

#endif // TERN_COMPILER_LINKER_H
