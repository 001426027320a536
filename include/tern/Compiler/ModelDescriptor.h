//===- ModelDescriptor.h - Emit the runtime's view of a model ---*- C++ -*-===//

#ifndef TERN_COMPILER_MODELDESCRIPTOR_H
#define TERN_COMPILER_MODELDESCRIPTOR_H

#include "tern/Compiler/ModelSignature.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace tern {

/// Adds `tern_model_descriptor` (see tern/ABI/ModelABI.h) and
/// the entry function it points to, which unpacks the runtime's memref
/// descriptors into a call to `_mlir_ciface_<entryName>`.
llvm::Error emitModelDescriptor(llvm::Module &module,
                                const ModelSignature &signature,
                                llvm::StringRef entryName);

} // namespace tern

#endif // TERN_COMPILER_MODELDESCRIPTOR_H
