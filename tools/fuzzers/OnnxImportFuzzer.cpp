//===- OnnxImportFuzzer.cpp - libFuzzer target: ONNX bytes to MLIR --------===//
//
// Feeds each input to the importer as a model file would reach ternc:
// loaded (checked, upgraded, shape-inferred) and imported into a module.
// Built twice: binary protobuf, and the ONNX text format with
// TERN_FUZZ_TEXT. Every outcome but a crash, a hang or a sanitizer report
// is fine; errors are expected and dropped.
//
//===----------------------------------------------------------------------===//

#include "tern/Import/ONNX/ModelLoader.h"
#include "tern/Import/ONNX/ONNXImporter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <memory>

#ifdef TERN_FUZZ_TEXT
constexpr bool kIsText = true;
#else
constexpr bool kIsText = false;
#endif

namespace {

/// Types and attributes stay uniqued in a context for its life, so the
/// context is renewed now and then to keep a long run's memory flat.
constexpr unsigned kInputsPerContext = 512;

mlir::MLIRContext &getContext() {
  static std::unique_ptr<mlir::MLIRContext> context;
  static unsigned uses = 0;
  if (!context || ++uses % kInputsPerContext == 0) {
    mlir::DialectRegistry registry;
    tern::registerImportDialects(registry);
    context = std::make_unique<mlir::MLIRContext>(
        registry, mlir::MLIRContext::Threading::DISABLED);
    context->loadAllAvailableDialects();
  }
  return *context;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A name in a directory of its own: external data a mutated model names
  // is looked up next to it, where there is none.
  llvm::StringRef contents(reinterpret_cast<const char *>(data), size);
  llvm::Expected<tern::LoadedModel> loaded = tern::parseONNXModel(
      contents, kIsText, "/nonexistent-tern-fuzz/model.onnx");
  if (!loaded) {
    llvm::consumeError(loaded.takeError());
    return 0;
  }
  mlir::MLIRContext &context = getContext();
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      tern::importONNXModel(*loaded, "model.onnx", &context);
  return 0;
}
