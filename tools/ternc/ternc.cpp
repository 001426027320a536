//===- ternc.cpp - The Tern compiler driver -------------------------------===//
//
// ternc model.onnx -o model.so
//
// Imports an ONNX model, finds its ternary weights, lowers it through the
// tern pipelines to LLVM and emits MLIR, LLVM IR, assembly, an object file
// a shared library that exports the C API in tern/Runtime/TernModel.h (the
// default), a static library with its header, or an executable that takes
// tern-run's flags. The target plug-in (lib/Target/<Name>/) picks the
// kernels, the lowering and the link.
//
//===----------------------------------------------------------------------===//

#include "tern/Compiler/CompileModel.h"
#include "tern/Compiler/Progress.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

using tern::EmitKind;
using tern::WeightsPlacement;

namespace {

cl::OptionCategory ternCategory("ternc options");

cl::opt<std::string>
    inputFile(cl::Positional,
              cl::desc("<model.onnx | model.onnxtxt | model.mlir>"),
              cl::cat(ternCategory));
cl::opt<std::string> outputFile("o",
                                cl::desc("Output file (default: the "
                                         "input's name with the emitted "
                                         "kind's extension; - for stdout)"),
                                cl::value_desc("file"), cl::cat(ternCategory));
cl::opt<EmitKind> emitKind(
    "emit", cl::desc("What to emit"), cl::init(EmitKind::Library),
    cl::values(clEnumValN(EmitKind::MLIR, "mlir", "The imported MLIR"),
               clEnumValN(EmitKind::Tern, "tern",
                          "MLIR after the ternary weights are found"),
               clEnumValN(EmitKind::LLVMIR, "llvm", "Optimized LLVM IR"),
               clEnumValN(EmitKind::Assembly, "asm",
                          "Target assembly (a GPU target: its kernels' PTX)"),
               clEnumValN(EmitKind::Object, "obj", "An object file"),
               clEnumValN(EmitKind::Library, "lib",
                          "A shared library (default); with -o NAME.a a "
                          "static library and NAME.h"),
               clEnumValN(EmitKind::Executable, "exe",
                          "A program with the model built in: tern-run's "
                          "flags, or text generation (--prompt) for a "
                          "language model with a KV cache")),
    cl::cat(ternCategory));
cl::opt<std::string>
    targetTriple("target",
                 cl::desc("Target triple (default: the host): "
                          "x86_64-linux-gnu, aarch64-linux-gnu or "
                          "riscv64-linux-gnu (see docs/Targets.md)"),
                 cl::cat(ternCategory));
cl::opt<std::string> targetCpu("mcpu",
                               cl::desc("Target CPU (default: the host's "
                                        "CPU and features, or the target's "
                                        "baseline when cross-compiling)"),
                               cl::cat(ternCategory));
cl::opt<std::string> targetFeatures("mattr",
                                    cl::desc("Target features, e.g. +avx2"),
                                    cl::cat(ternCategory));
cl::opt<unsigned> optLevel("O", cl::desc("Optimization level 0-3"), cl::Prefix,
                           cl::init(3), cl::cat(ternCategory));
cl::opt<mlir::tern::MatmulStrategy>
    matmulStrategy("matmul-strategy",
                   cl::desc("How ternary matmuls are computed"),
                   cl::init(mlir::tern::MatmulStrategy::Auto),
                   TERN_MATMUL_STRATEGY_CL_VALUES, cl::cat(ternCategory));
cl::opt<mlir::tern::PackChoice>
    packFormat("pack", cl::desc("How ternary weights are stored"),
               cl::init(mlir::tern::PackChoice::I2), TERN_PACK_CHOICE_CL_VALUES,
               cl::cat(ternCategory));
cl::opt<bool> quantizeActs(
    "quantize-acts",
    cl::desc("Quantize the activations of ternary matmuls per token to int8 "
             "(BitNet's W1.58A8; off by default)"),
    cl::init(false), cl::cat(ternCategory));
cl::opt<bool> quantizeHead(
    "quantize-head",
    cl::desc("Store the float weights left after ternarization (the LM head, "
             "the embedding table) as int8 with a scale per channel "
             "(changes the model's numbers; off by default)"),
    cl::init(false), cl::cat(ternCategory));
cl::opt<bool> ternarizeAbsmean(
    "ternarize-absmean",
    cl::desc("Ternarize ordinary float weights with BitNet's absmean rule "
             "(changes the model's numbers; off by default)"),
    cl::init(false), cl::cat(ternCategory));
cl::opt<bool> ternarize("ternarize",
                        cl::desc("Turn ternary-valued float weights into "
                                 "ternary matmuls (default: on)"),
                        cl::init(true), cl::cat(ternCategory));
cl::opt<WeightsPlacement> weightsPlacement(
    "weights", cl::desc("Where the model's large constants go"),
    cl::init(WeightsPlacement::Auto),
    cl::values(clEnumValN(WeightsPlacement::Auto, "auto",
                          "External when they add up to 64 MiB or more, "
                          "else embedded (default)"),
               clEnumValN(WeightsPlacement::Embedded, "embedded",
                          "In the output's read-only data"),
               clEnumValN(WeightsPlacement::External, "external",
                          "In OUTPUT.weights, mapped when the model is "
                          "created (for big models)")),
    cl::cat(ternCategory));
cl::opt<bool> gpuLoopsOnHost(
    "gpu-loops-on-host",
    cl::desc("With a GPU --target: run the loop nests its kernels would run "
             "on the host CPU instead, unmapped (checks their arithmetic "
             "where no GPU is)"),
    cl::init(false), cl::cat(ternCategory));
cl::opt<bool> quiet("quiet",
                    cl::desc("Do not show the compile's stages on a terminal"),
                    cl::init(false), cl::cat(ternCategory));
cl::opt<bool> listOps("list-ops",
                      cl::desc("List the supported ONNX ops and opsets"),
                      cl::cat(ternCategory));

/// The stage line on stderr, cleared before an error is printed.
tern::Progress *activeProgress = nullptr;

int fail(const Twine &message) {
  if (activeProgress)
    activeProgress->finish();
  WithColor::error(errs(), "ternc") << message << "\n";
  return 1;
}

/// A Markdown table, also committed as docs/ONNXOps.md.
void printOpList() {
  outs() << "# Supported ONNX ops\n\n"
            "Generated by `ternc --list-ops` from the importer's converter "
            "registry; do not edit.\n\n"
            "| Domain | Op | Opsets |\n"
            "|---|---|---|\n";
  for (const tern::OpConverter &c :
       tern::OpConverterRegistry::get().getConverters())
    outs() << "| " << (c.domain.empty() ? "ai.onnx" : c.domain) << " | "
           << c.opType << " | " << c.minOpset << "-" << c.maxOpset << " |\n";
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  // --help shows ternc's own options; the hundreds that LLVM and MLIR
  // register (code generation internals, IR printing, timing) still work
  // and are listed by --help-hidden, as clang keeps LLVM's behind -mllvm.
  for (auto &[name, option] : cl::getRegisteredOptions()) {
    if (!llvm::is_contained(option->Categories, &ternCategory) &&
        !llvm::is_contained({"help", "help-hidden", "version"}, name) &&
        option->getOptionHiddenFlag() == cl::NotHidden)
      option->setHiddenFlag(cl::Hidden);
  }
  cl::ParseCommandLineOptions(
      argc, argv,
      "Tern: ternary model compiler\n\n"
      "  ternc model.onnx -o model.so   (see --emit for other outputs)\n\n"
      "--help-hidden also lists LLVM's and MLIR's options (for example "
      "--mlir-timing and --mlir-print-ir-after-all).\n");

  if (listOps) {
    printOpList();
    return 0;
  }
  if (inputFile.empty())
    return fail("no input model (usage: ternc model.onnx -o model.so)");

  tern::CompileOptions options;
  options.input = inputFile;
  options.output = outputFile.empty()
                       ? tern::getDefaultOutput(inputFile, emitKind)
                       : outputFile.getValue();
  options.emit = emitKind;
  options.targetTriple = targetTriple;
  options.cpu = targetCpu;
  options.features = targetFeatures;
  options.optLevel = optLevel;
  options.strategy = matmulStrategy;
  options.pack = packFormat;
  options.ternarize = ternarize;
  options.ternarizeAbsmean = ternarizeAbsmean;
  options.quantizeActs = quantizeActs;
  options.quantizeHead = quantizeHead;
  options.weights = weightsPlacement;
  options.gpuLoopsOnHost = gpuLoopsOnHost;
  options.toolPath = argv[0];
  options.configurePassManager = [](mlir::PassManager &pm) {
    return mlir::applyPassManagerCLOptions(pm);
  };

  mlir::DialectRegistry registry;
  tern::registerCompilerDialects(registry);
  mlir::MLIRContext context(registry);
  // A diagnostic that shows its operation prints all of it: a broken
  // model's op of a million dimensions, or a function holding a whole
  // model, takes minutes and gigabytes to print. Only on request.
  cl::Option *printOp =
      cl::getRegisteredOptions().lookup("mlir-print-op-on-diagnostic");
  if (!printOp || printOp->getNumOccurrences() == 0)
    context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  tern::Progress progress(!quiet);
  activeProgress = &progress;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  // Diagnostics start on a clean line (the last handler runs first).
  context.getDiagEngine().registerHandler([&](mlir::Diagnostic &) {
    progress.finish();
    return mlir::failure(); // on to the SourceMgr handler
  });
  // --mlir-timing: the passes, and the stages around them.
  mlir::DefaultTimingManager timing;
  mlir::applyDefaultTimingManagerCLOptions(timing);
  mlir::TimingScope rootTimer = timing.getRootScope();

  Expected<tern::Artifacts> artifacts =
      tern::compileModel(context, options, rootTimer, progress);
  if (!artifacts) {
    progress.finish();
    bool diagnosed = false;
    std::string message;
    handleAllErrors(
        artifacts.takeError(),
        [&](const tern::DiagnosedError &) { diagnosed = true; },
        [&](const ErrorInfoBase &error) { message = error.message(); });
    return diagnosed ? 1 : fail(message);
  }
  return 0;
}
