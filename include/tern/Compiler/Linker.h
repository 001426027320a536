//===- Linker.h - Link compiled models into libraries -----------*- C++ -*-===//

#ifndef TERN_COMPILER_LINKER_H
#define TERN_COMPILER_LINKER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace tern {

/// Links `objectPath` with the model runtime into the shared library
/// `outputPath`, using the C compiler driver Tern was configured with.
/// `argv0` locates the runtime archive relative to the running tool.
llvm::Error linkSharedLibrary(llvm::StringRef objectPath,
                              llvm::StringRef outputPath,
                              llvm::StringRef triple, const char *argv0);

} // namespace tern

#endif // TERN_COMPILER_LINKER_H
