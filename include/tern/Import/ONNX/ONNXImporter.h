//===- ONNXImporter.h - ONNX models to MLIR ---------------------*- C++ -*-===//

#ifndef TERN_IMPORT_ONNX_ONNXIMPORTER_H
#define TERN_IMPORT_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include "tern/Import/ONNX/ModelLoader.h"

namespace tern {

/// Registers the dialects imported models are made of.
void registerImportDialects(mlir::DialectRegistry &registry);

/// Builds a module holding `func.func @main_graph` from a loaded model.
/// Problems are reported through the context's diagnostic engine, each at
/// the location of the ONNX node that caused it; returns null on failure.
/// The large initializers' bytes move into the module's resource blobs.
mlir::OwningOpRef<mlir::ModuleOp> importONNXModel(LoadedModel &model,
                                                  llvm::StringRef fileName,
                                                  mlir::MLIRContext *ctx);

/// Loads `path` (see `loadONNXModel`) and imports it.
mlir::OwningOpRef<mlir::ModuleOp> importONNXFile(llvm::StringRef path,
                                                 mlir::MLIRContext *ctx);

/// Registers `--import-onnx` with mlir-translate style tools.
void registerONNXImportTranslation();

} // namespace tern

#endif // TERN_IMPORT_ONNX_ONNXIMPORTER_H
