//===- CompileModel.h - One model from file to artifacts --------*- C++ -*-===//
//
// The compiler as a library function: import (ONNX or MLIR), the target's
// pipeline, external weights, LLVM IR with the model descriptor, LLVM's
// optimization, and the emitted output (MLIR, LLVM IR, assembly, an object,
// a shared or static library, or an executable). ternc parses its flags
// into CompileOptions and calls compileModel; other drivers can do the same
// without a subprocess.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_COMPILER_COMPILEMODEL_H
#define TERN_COMPILER_COMPILEMODEL_H

#include "tern/Compiler/ModelSignature.h"
#include "tern/Dialect/Tern/IR/LoweringChoiceOptions.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <optional>
#include <string>

namespace tern {

class Progress;

/// What compileModel writes.
enum class EmitKind {
  /// The imported MLIR.
  MLIR,
  /// MLIR after the ternary weights are found.
  Tern,
  /// Optimized LLVM IR.
  LLVMIR,
  Assembly,
  Object,
  /// A shared library, or with an output named NAME.a a static library and
  /// NAME.h.
  Library,
  /// A program with the model built in: tern-run's flags, or text
  /// generation for a language model with a KV cache.
  Executable,
};

/// Where a model's large constants go.
enum class WeightsPlacement {
  /// External when they add up to kAutoExternalWeightBytes or more.
  Auto,
  Embedded,
  /// OUTPUT.weights, mapped when the model is created.
  External,
};

struct CompileOptions {
  /// model.onnx, model.onnxtxt, or MLIR (a model already imported, or
  /// hand-written tern IR), by its `.mlir` extension.
  std::string input;
  /// "-" for stdout where the kind is text.
  std::string output;
  EmitKind emit = EmitKind::Library;

  /// The target triple; empty for the host.
  std::string targetTriple;
  /// Empty: the host's CPU when compiling for the host's architecture,
  /// else the target's default.
  std::string cpu;
  std::string features;
  unsigned optLevel = 3;

  mlir::tern::MatmulStrategy strategy = mlir::tern::MatmulStrategy::Auto;
  mlir::tern::PackChoice pack = mlir::tern::PackChoice::I2;
  bool ternarize = true;
  bool ternarizeAbsmean = false;
  bool quantizeActs = false;
  bool quantizeHead = false;
  WeightsPlacement weights = WeightsPlacement::Auto;
  bool gpuLoopsOnHost = false;

  /// The compiler's executable (ternc's argv[0]); the link finds Tern's
  /// runtime libraries from it.
  std::string toolPath;

  /// Called on the pass manager before the pipeline is added (ternc applies
  /// MLIR's command-line options: IR printing, crash reproducers).
  std::function<mlir::LogicalResult(mlir::PassManager &)> configurePassManager;
};

/// What compileModel wrote.
struct Artifacts {
  std::string output;
  /// OUTPUT.weights, when the large constants went there.
  std::optional<std::string> weights;
  /// NAME.h next to a static library NAME.a.
  std::optional<std::string> header;
  /// The model's inputs and outputs; empty for --emit=mlir.
  ModelSignature signature;
};

/// A failure that MLIR's diagnostics (in the context's handler) have
/// already described: the caller has nothing to add.
class DiagnosedError : public llvm::ErrorInfo<DiagnosedError> {
public:
  static char ID;
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;
};

/// Registers what compileModel's context needs: every upstream dialect and
/// extension the pipelines reach, their LLVM IR translations, and tern.
void registerCompilerDialects(mlir::DialectRegistry &registry);

/// Compiles `options.input` in `context` (which must have the dialects and
/// LLVM IR translations the pipelines use registered) and writes the
/// outputs. Stages are timed under `timing` and shown on `progress`.
/// Diagnostics go to the context's handlers, which the caller installs
/// (ternc: a SourceMgrDiagnosticHandler).
llvm::Expected<Artifacts> compileModel(mlir::MLIRContext &context,
                                       const CompileOptions &options,
                                       mlir::TimingScope &timing,
                                       Progress &progress);

/// The output name ternc uses without -o: the input's file name with the
/// emitted kind's extension.
std::string getDefaultOutput(llvm::StringRef input, EmitKind emit);

} // namespace tern

#endif // TERN_COMPILER_COMPILEMODEL_H
