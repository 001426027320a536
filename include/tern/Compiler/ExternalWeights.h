//===- ExternalWeights.h - Large constants in a side file -------*- C++ -*-===//

#ifndef TERN_COMPILER_EXTERNALWEIGHTS_H
#define TERN_COMPILER_EXTERNALWEIGHTS_H

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace tern {

/// Moves every constant global of at least `minBytes` out of `module` into
/// the side file `weightsPath` (see tern/Runtime/ModelDescriptor.h): uses
/// read `tern_weights_base + offset` instead, and `tern_model_weights`
/// names the file. Needs the module's data layout.
llvm::Error externalizeWeights(llvm::Module &module,
                               llvm::StringRef weightsPath,
                               uint64_t minBytes = 1024);

} // namespace tern

#endif // TERN_COMPILER_EXTERNALWEIGHTS_H
