//===- ModelSignature.h - A compiled model's inputs and outputs -*- C++ -*-===//

#ifndef TERN_COMPILER_MODELSIGNATURE_H
#define TERN_COMPILER_MODELSIGNATURE_H

#include "tern/Runtime/TernModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace tern {

struct TensorSignature {
  std::string name;
  TernDType dtype = TERN_DTYPE_INVALID;
  /// -1 marks a dynamic dimension, as in the C API.
  llvm::SmallVector<int64_t> shape;
  /// ONNX dim_param per dimension ("" where none); empty when there are none.
  llvm::SmallVector<std::string> dimParams;
};

struct ModelSignature {
  llvm::SmallVector<TensorSignature> inputs;
  llvm::SmallVector<TensorSignature> outputs;
};

/// Whether the model is a causal language model with a KV cache in one of
/// the signatures of tern/Runtime/LanguageModel.h (Tern's own, Hugging Face
/// Optimum's). `ternc --emit=exe` gives such models a text generation
/// main() (lib/Runtime/Generate.c), which checks the same.
bool isCachedLanguageModel(const ModelSignature &signature);

/// The C-API dtype of an MLIR element type, or TERN_DTYPE_INVALID.
TernDType getTernDType(mlir::Type elementType);

/// Reads the signature of an imported `main_graph` (tensor types plus the
/// `onnx.name` / `onnx.dim_params` attributes). Must run before lowering,
/// which erases the tensor types. Emits an error for types the C API cannot
/// carry.
mlir::FailureOr<ModelSignature> getModelSignature(mlir::func::FuncOp func);

} // namespace tern

#endif // TERN_COMPILER_MODELSIGNATURE_H
