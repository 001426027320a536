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

#include "tern/Compiler/CodeGen.h"
#include "tern/Compiler/ExternalWeights.h"
#include "tern/Compiler/Linker.h"
#include "tern/Compiler/ModelDescriptor.h"
#include "tern/Compiler/ModelSignature.h"
#include "tern/Compiler/Progress.h"
#include "tern/Dialect/Tern/IR/TernDialect.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"
#include "tern/Import/ONNX/ONNXImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"
#include "tern/Pipelines/Pipelines.h"
#include "tern/Target/TargetBackend.h"
#include "llvm/MC/MCSubtargetInfo.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/TargetParser/Host.h"

using namespace llvm;

namespace {

enum class EmitKind {
  MLIR,
  Tern,
  LLVMIR,
  Assembly,
  Object,
  Library,
  Executable
};

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
               clEnumValN(EmitKind::Assembly, "asm", "Target assembly"),
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
enum class WeightsPlacement { Auto, Embedded, External };
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

std::string defaultOutput() {
  SmallString<128> path(sys::path::filename(inputFile));
  const char *extension = "so";
  switch (emitKind) {
  case EmitKind::MLIR:
  case EmitKind::Tern:
    extension = "mlir";
    break;
  case EmitKind::LLVMIR:
    extension = "ll";
    break;
  case EmitKind::Assembly:
    extension = "s";
    break;
  case EmitKind::Object:
    extension = "o";
    break;
  case EmitKind::Library:
    break;
  case EmitKind::Executable:
    extension = "";
    break;
  }
  sys::path::replace_extension(path, extension);
  return std::string(path);
}

int printMLIR(mlir::ModuleOp module, StringRef path) {
  std::error_code ec;
  ToolOutputFile out(path, ec, sys::fs::OF_Text);
  if (ec)
    return fail("cannot write '" + path + "': " + ec.message());
  module.print(out.os());
  out.keep();
  return 0;
}

void describeTensors(raw_ostream &os, StringRef role,
                     ArrayRef<tern::TensorSignature> tensors) {
  for (const tern::TensorSignature &t : tensors) {
    os << " * " << role << " '" << t.name << "': " << tern_dtype_name(t.dtype)
       << "[";
    for (auto [i, size] : llvm::enumerate(t.shape)) {
      os << (i ? ", " : "");
      if (size >= 0)
        os << size;
      else
        os << (i < t.dimParams.size() && !t.dimParams[i].empty()
                   ? t.dimParams[i]
                   : std::string("?"));
    }
    os << "]\n";
  }
}

/// NAME.h next to NAME.a: the C API and the model's signature.
int writeStaticLibraryHeader(StringRef archive,
                             const tern::ModelSignature &signature) {
  SmallString<128> headerPath(archive);
  sys::path::replace_extension(headerPath, "h");
  std::string guard = "TERN_MODEL_" + sys::path::stem(archive).upper() + "_H";
  for (char &c : guard)
    if (!isAlnum(c))
      c = '_';
  std::string comment;
  raw_string_ostream os(comment);
  os << " * Link " << sys::path::filename(archive)
     << " with -lm -lomp. One static model per program: the C API's\n"
        " * names are the same in every model.\n *\n";
  describeTensors(os, "input", signature.inputs);
  describeTensors(os, "output", signature.outputs);
  std::error_code ec;
  ToolOutputFile out(headerPath, ec, sys::fs::OF_Text);
  if (ec)
    return fail("cannot write '" + headerPath + "': " + ec.message());
  out.os() << tern::getStaticLibraryHeader(guard, comment);
  out.keep();
  return 0;
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
  std::string output = outputFile.empty() ? defaultOutput() : outputFile;

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<mlir::tern::TernDialect>();
  mlir::MLIRContext context(registry);
  // A diagnostic that shows its operation prints all of it: a broken
  // model's op of a million dimensions, or a function holding a whole
  // model, takes minutes and gigabytes to print. Only on request.
  cl::Option *printOp =
      cl::getRegisteredOptions().lookup("mlir-print-op-on-diagnostic");
  if (!printOp || printOp->getNumOccurrences() == 0)
    context.printOpOnDiagnostic(false);
  SourceMgr sourceMgr;
  tern::Progress progress(!quiet);
  activeProgress = &progress;
  // Diagnostics start on a clean line.
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  context.getDiagEngine().registerHandler([&](mlir::Diagnostic &) {
    progress.finish();
    return mlir::failure(); // on to the SourceMgr handler
  });
  // --mlir-timing: the passes, and the stages around them.
  mlir::DefaultTimingManager timing;
  mlir::applyDefaultTimingManagerCLOptions(timing);
  mlir::TimingScope rootTimer = timing.getRootScope();

  // MLIR input (a model already imported, or hand-written tern IR) skips
  // the importer; anything else is an ONNX model.
  progress.stage("importing " + sys::path::filename(inputFile).str());
  mlir::TimingScope importTimer = rootTimer.nest("Import");
  mlir::OwningOpRef<mlir::ModuleOp> module =
      StringRef(inputFile).ends_with(".mlir")
          ? mlir::parseSourceFile<mlir::ModuleOp>(inputFile, sourceMgr,
                                                  &context)
          : tern::importONNXFile(inputFile, &context);
  importTimer.stop();
  if (!module)
    return 1;
  if (emitKind == EmitKind::MLIR)
    return printMLIR(*module, output);

  auto mainGraph =
      module->lookupSymbol<mlir::func::FuncOp>(tern::kMainGraphName);
  if (!mainGraph)
    return fail("the model has no func.func @" + tern::kMainGraphName);
  FailureOr<tern::ModelSignature> signature =
      tern::getModelSignature(mainGraph);
  if (failed(signature))
    return 1;

  // The target and its machine are known before lowering: the kernels use
  // the instructions it has.
  tern::registerAllTargetBackends();
  Triple triple(targetTriple.empty() ? sys::getDefaultTargetTriple()
                                     : Triple::normalize(targetTriple));
  auto backend = tern::lookupTargetBackend(triple);
  if (!backend)
    return fail(toString(backend.takeError()));
  // A GPU target's object code is the host's; its kernels are inside.
  Triple objectTriple = backend->getObjectTriple(triple);
  if (gpuLoopsOnHost && objectTriple == triple)
    return fail("--gpu-loops-on-host needs a GPU --target (" +
                backend->getName().str() +
                " has no kernels to keep on the "
                "host)");
  bool isHost =
      objectTriple.getArch() == Triple(sys::getDefaultTargetTriple()).getArch();
  tern::CodeGenOptions codegen;
  codegen.triple = objectTriple.str();
  codegen.cpu = !targetCpu.empty() ? targetCpu.getValue()
                : isHost           ? std::string("native")
                                   : backend->getDefaultCpu().str();
  codegen.baselineFeatures = backend->getBaselineFeatures().str();
  codegen.features = targetFeatures;
  codegen.abiName = backend->getABIName().str();
  codegen.optLevel = std::min(optLevel.getValue(), 3u);
  auto machine = tern::createTargetMachine(codegen);
  if (!machine)
    return fail(toString(machine.takeError()));

  mlir::PassManager pm(&context);
  if (failed(mlir::applyPassManagerCLOptions(pm)))
    return 1;
  mlir::TimingScope pipelineTimer = rootTimer.nest("Pipeline");
  pm.enableTiming(pipelineTimer);
  pm.addInstrumentation(progress.createInstrumentation());
  mlir::tern::TernPipelineOptions options;
  options.strategy = matmulStrategy;
  options.pack = packFormat;
  options.ternarize = ternarize;
  options.absmean = ternarizeAbsmean;
  options.quantizeActs = quantizeActs;
  options.quantizeHead = quantizeHead;
  options.threads = backend->hasOpenMP();
  options.gpuLoopsOnHost = gpuLoopsOnHost;
  backend->configurePipeline(**machine, options);
  if (emitKind == EmitKind::Tern)
    mlir::tern::buildFindTernaryPipeline(pm, options);
  else
    backend->buildPipeline(pm, options);
  if (failed(pm.run(*module)))
    return 1;
  pipelineTimer.stop();
  if (emitKind == EmitKind::Tern)
    return printMLIR(*module, output);

  // Large weights go to OUTPUT.weights before translation, so that LLVM
  // never holds a copy of them.
  bool canExternalize = emitKind == EmitKind::Library ||
                        emitKind == EmitKind::Executable ||
                        emitKind == EmitKind::Object;
  if (weightsPlacement == WeightsPlacement::External && !canExternalize)
    return fail("--weights=external needs --emit=lib, exe or obj");
  // A GPU's kernels read every constant from the device's memory: all go
  // to the side file, which the device runtime uploads.
  bool deviceWeights = backend->needsDeviceWeights() && canExternalize;
  if (deviceWeights && weightsPlacement == WeightsPlacement::Embedded)
    return fail("--weights=embedded: the " + backend->getName().str() +
                " target keeps its weights in the device's memory, loaded "
                "from OUTPUT.weights");
  uint64_t minWeightBytes = deviceWeights ? 1 : tern::kMinExternalWeightBytes;
  std::optional<tern::ExternalWeightsInfo> externalWeights;
  std::string weightsPath = output + ".weights";
  if (weightsPlacement == WeightsPlacement::External || deviceWeights ||
      (weightsPlacement == WeightsPlacement::Auto && canExternalize &&
       tern::getLargeConstantBytes(*module, tern::kMinExternalWeightBytes) >=
           tern::kAutoExternalWeightBytes)) {
    progress.stage("writing " + sys::path::filename(weightsPath).str());
    mlir::TimingScope weightsTimer = rootTimer.nest("Write weights");
    auto info =
        tern::writeExternalWeights(*module, weightsPath, minWeightBytes,
                                   [&](uint64_t done, uint64_t total) {
                                     progress.update(done, total, "bytes");
                                   });
    if (!info)
      return fail(toString(info.takeError()));
    externalWeights = *info;
  }

  progress.stage("generating code");
  mlir::TimingScope translateTimer = rootTimer.nest("Translate to LLVM IR");
  LLVMContext llvmContext;
  std::unique_ptr<Module> llvmModule =
      mlir::translateModuleToLLVMIR(*module, llvmContext, inputFile);
  translateTimer.stop();
  if (!llvmModule)
    return fail("cannot translate the lowered model to LLVM IR");
  if (Error err = tern::emitModelDescriptor(*llvmModule, *signature,
                                            tern::kMainGraphName))
    return fail(toString(std::move(err)));
  if (externalWeights)
    tern::emitExternalWeightsInfo(*llvmModule, weightsPath, *externalWeights);

  mlir::TimingScope optimizeTimer = rootTimer.nest("LLVM optimization");
  if (Error err =
          tern::optimizeModule(*llvmModule, **machine, codegen.optLevel))
    return fail("LLVM optimization failed: " + toString(std::move(err)));
  optimizeTimer.stop();
  // The lowered MLIR is not needed past here.
  module = nullptr;

  switch (emitKind) {
  case EmitKind::LLVMIR: {
    std::error_code ec;
    ToolOutputFile out(output, ec, sys::fs::OF_Text);
    if (ec)
      return fail("cannot write '" + output + "': " + ec.message());
    llvmModule->print(out.os(), nullptr);
    out.keep();
    return 0;
  }
  case EmitKind::Assembly:
  case EmitKind::Object:
    if (Error err = tern::emitCode(*llvmModule, **machine, output,
                                   emitKind == EmitKind::Object
                                       ? CodeGenFileType::ObjectFile
                                       : CodeGenFileType::AssemblyFile))
      return fail(toString(std::move(err)));
    return 0;
  case EmitKind::Library:
  case EmitKind::Executable: {
    auto env = tern::findLinkEnvironment(argv[0]);
    if (!env)
      return fail(toString(env.takeError()));
    auto plan = backend->planLink(triple, *env);
    if (!plan)
      return fail(toString(plan.takeError()));
    SmallString<128> objectPath;
    if (std::error_code ec =
            sys::fs::createTemporaryFile("tern-model", "o", objectPath))
      return fail("cannot create a temporary object file: " + ec.message());
    FileRemover removeObject(objectPath);
    mlir::TimingScope emitTimer = rootTimer.nest("Object code");
    if (Error err = tern::emitCode(*llvmModule, **machine, objectPath,
                                   CodeGenFileType::ObjectFile))
      return fail(toString(std::move(err)));
    emitTimer.stop();
    progress.stage("linking");
    mlir::TimingScope linkTimer = rootTimer.nest("Link");
    tern::OutputKind kind =
        emitKind == EmitKind::Executable    ? tern::OutputKind::Executable
        : StringRef(output).ends_with(".a") ? tern::OutputKind::StaticLibrary
                                            : tern::OutputKind::SharedLibrary;
    // Language models with a KV cache become text generators.
    StringRef mainArchive = tern::isCachedLanguageModel(*signature)
                                ? "libtern_generate.a"
                                : "libtern_runner.a";
    if (Error err =
            tern::linkModel(kind, objectPath, output, *plan, *env, mainArchive))
      return fail(toString(std::move(err)));
    if (kind == tern::OutputKind::StaticLibrary)
      return writeStaticLibraryHeader(output, *signature);
    return 0;
  }
  default:
    return 0;
  }
}
