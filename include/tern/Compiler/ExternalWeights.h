//===- ExternalWeights.h - Large constants in a side file -------*- C++ -*-===//

#ifndef TERN_COMPILER_EXTERNALWEIGHTS_H
#define TERN_COMPILER_EXTERNALWEIGHTS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace tern {

/// Constants of at least this many bytes are weights that can leave the
/// code (`--weights=external`).
constexpr uint64_t kMinExternalWeightBytes = 1024;

/// `--weights=auto` (the default) moves the weights to a side file when
/// they add up to at least this much. Read-only data past about 2 GB does
/// not link (x86-64 and AArch64 reach their data with 32-bit offsets); and
/// embedding weights costs the compiler three copies of them (LLVM's
/// constants, the object writer, the linker), where the side file is
/// written straight from the model's mapped data. Small models (tests,
/// examples) stay one self-contained file.
constexpr uint64_t kAutoExternalWeightBytes = uint64_t(64) << 20;

/// What `writeExternalWeights` wrote.
struct ExternalWeightsInfo {
  uint64_t dataSize = 0;
  uint64_t id = 0;
  uint64_t numTensors = 0;
};

/// The bytes of the module's constant LLVM globals that
/// `writeExternalWeights` would move (plain data of at least `minBytes`).
uint64_t getLargeConstantBytes(mlir::ModuleOp module, uint64_t minBytes);

/// Moves every constant global of at least `minBytes` out of `module` (in
/// the LLVM dialect) into the side file `weightsPath` (see
/// tern/ABI/ModelABI.h): each use reads `tern_weights_base +
/// offset` instead. The file is written tensor by tensor, straight from the
/// constants' blobs, and each blob is released once written, so no second
/// copy of the weights is ever held. `progress` is told the bytes written.
llvm::Expected<ExternalWeightsInfo> writeExternalWeights(
    mlir::ModuleOp module, llvm::StringRef weightsPath, uint64_t minBytes,
    llvm::function_ref<void(uint64_t done, uint64_t total)> progress = {});

/// Declares `tern_model_weights`, which names the side file and its hash,
/// in the translated module.
void emitExternalWeightsInfo(llvm::Module &module, llvm::StringRef weightsPath,
                             const ExternalWeightsInfo &info);

} // namespace tern

#endif // TERN_COMPILER_EXTERNALWEIGHTS_H
