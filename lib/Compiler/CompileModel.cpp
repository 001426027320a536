//===- CompileModel.cpp - One model from file to artifacts ----------------===//

#include "tern/Compiler/CompileModel.h"
#include "tern/Compiler/CodeGen.h"
#include "tern/Compiler/ExternalWeights.h"
#include "tern/Compiler/Linker.h"
#include "tern/Compiler/ModelDescriptor.h"
#include "tern/Compiler/Progress.h"
#include "tern/Dialect/Tern/IR/TernDialect.h"
#include "tern/Import/ONNX/ONNXImporter.h"
#include "tern/Pipelines/Pipelines.h"
#include "tern/Target/TargetBackend.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/TargetParser/Host.h"

using namespace llvm;

namespace tern {

char DiagnosedError::ID = 0;

void DiagnosedError::log(raw_ostream &os) const {
  os << "the diagnostics above say why";
}

std::error_code DiagnosedError::convertToErrorCode() const {
  return inconvertibleErrorCode();
}

void registerCompilerDialects(mlir::DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<mlir::tern::TernDialect>();
}

std::string getDefaultOutput(StringRef input, EmitKind emit) {
  SmallString<128> path(sys::path::filename(input));
  const char *extension = "so";
  switch (emit) {
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

namespace {

Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

Error printMLIR(mlir::ModuleOp module, StringRef path) {
  std::error_code ec;
  ToolOutputFile out(path, ec, sys::fs::OF_Text);
  if (ec)
    return makeError("cannot write '" + path + "': " + ec.message());
  module.print(out.os());
  out.keep();
  return Error::success();
}

void describeTensors(raw_ostream &os, StringRef role,
                     ArrayRef<TensorSignature> tensors) {
  for (const TensorSignature &t : tensors) {
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
Expected<std::string>
writeStaticLibraryHeader(StringRef archive, const ModelSignature &signature) {
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
    return makeError("cannot write '" + headerPath + "': " + ec.message());
  out.os() << getStaticLibraryHeader(guard, comment);
  out.keep();
  return std::string(headerPath);
}

/// The PTX of every kernel module, as gpu-module-to-binary left it in the
/// `gpu.binary` ops (the `isa` format: PTX text).
Error writeKernelPTX(mlir::ModuleOp module, StringRef path) {
  std::string ptx;
  module.walk([&](mlir::gpu::BinaryOp binary) {
    for (mlir::Attribute attr : binary.getObjects())
      if (auto object = dyn_cast<mlir::gpu::ObjectAttr>(attr))
        if (object.getFormat() == mlir::gpu::CompilationTarget::Assembly)
          ptx += object.getObject().getValue().str();
  });
  if (ptx.empty())
    return makeError("the model has no GPU kernels in PTX");
  std::error_code ec;
  ToolOutputFile out(path, ec, sys::fs::OF_Text);
  if (ec)
    return makeError("cannot write '" + path + "': " + ec.message());
  out.os() << ptx;
  out.keep();
  return Error::success();
}

} // namespace

Expected<Artifacts> compileModel(mlir::MLIRContext &context,
                                 const CompileOptions &options,
                                 mlir::TimingScope &timing,
                                 Progress &progress) {
  Artifacts artifacts;
  artifacts.output = options.output;
  const std::string &output = options.output;
  EmitKind emit = options.emit;

  // MLIR input (a model already imported, or hand-written tern IR) skips
  // the importer; anything else is an ONNX model.
  progress.stage("importing " + sys::path::filename(options.input).str());
  mlir::TimingScope importTimer = timing.nest("Import");
  SourceMgr sourceMgr;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      StringRef(options.input).ends_with(".mlir")
          ? mlir::parseSourceFile<mlir::ModuleOp>(options.input, sourceMgr,
                                                  &context)
          : importONNXFile(options.input, &context);
  importTimer.stop();
  if (!module)
    return make_error<DiagnosedError>();
  if (emit == EmitKind::MLIR) {
    if (Error err = printMLIR(*module, output))
      return std::move(err);
    return artifacts;
  }

  StringRef entryName = mlir::tern::TernDialect::kEntryName;
  auto mainGraph = module->lookupSymbol<mlir::func::FuncOp>(entryName);
  if (!mainGraph)
    return makeError("the model has no func.func @" + entryName);
  FailureOr<ModelSignature> signature = getModelSignature(mainGraph);
  if (failed(signature))
    return make_error<DiagnosedError>();
  artifacts.signature = std::move(*signature);
  const ModelSignature &modelSignature = artifacts.signature;

  // The target and its machine are known before lowering: the kernels use
  // the instructions it has.
  registerAllTargetBackends();
  Triple triple(options.targetTriple.empty()
                    ? sys::getDefaultTargetTriple()
                    : Triple::normalize(options.targetTriple));
  auto backend = lookupTargetBackend(triple);
  if (!backend)
    return backend.takeError();
  // A GPU target's object code is the host's; its kernels are inside.
  Triple objectTriple = backend->getObjectTriple(triple);
  if (options.gpuLoopsOnHost && objectTriple == triple)
    return makeError("--gpu-loops-on-host needs a GPU --target (" +
                     backend->getName().str() +
                     " has no kernels to keep on the "
                     "host)");
  bool isHost =
      objectTriple.getArch() == Triple(sys::getDefaultTargetTriple()).getArch();
  CodeGenOptions codegen;
  codegen.triple = objectTriple.str();
  codegen.cpu = !options.cpu.empty() ? options.cpu
                : isHost             ? std::string("native")
                                     : backend->getDefaultCpu().str();
  codegen.baselineFeatures = backend->getBaselineFeatures().str();
  codegen.features = options.features;
  codegen.abiName = backend->getABIName().str();
  codegen.optLevel = std::min(options.optLevel, 3u);
  auto machine = createTargetMachine(codegen);
  if (!machine)
    return machine.takeError();

  mlir::PassManager pm(&context);
  if (options.configurePassManager && failed(options.configurePassManager(pm)))
    return make_error<DiagnosedError>();
  mlir::TimingScope pipelineTimer = timing.nest("Pipeline");
  pm.enableTiming(pipelineTimer);
  pm.addInstrumentation(progress.createInstrumentation());
  mlir::tern::TernPipelineOptions pipeline;
  pipeline.strategy = options.strategy;
  pipeline.pack = options.pack;
  pipeline.ternarize = options.ternarize;
  pipeline.absmean = options.ternarizeAbsmean;
  pipeline.quantizeActs = options.quantizeActs;
  pipeline.quantizeHead = options.quantizeHead;
  pipeline.threads = backend->hasOpenMP();
  pipeline.gpuLoopsOnHost = options.gpuLoopsOnHost;
  // A GPU target's assembly is its kernels' PTX, what a backend author
  // reads; the host code around the launches is the host's.
  bool gpuKernelsAsPTX = emit == EmitKind::Assembly && objectTriple != triple &&
                         !options.gpuLoopsOnHost;
  pipeline.gpuKernelsAsPTX = gpuKernelsAsPTX;
  backend->configurePipeline(**machine, pipeline);
  if (emit == EmitKind::Tern)
    mlir::tern::buildFindTernaryPipeline(pm, pipeline);
  else
    backend->buildPipeline(pm, pipeline);
  if (failed(pm.run(*module)))
    return make_error<DiagnosedError>();
  pipelineTimer.stop();
  if (emit == EmitKind::Tern) {
    if (Error err = printMLIR(*module, output))
      return std::move(err);
    return artifacts;
  }
  if (emit == EmitKind::Assembly && gpuKernelsAsPTX) {
    if (Error err = writeKernelPTX(*module, output))
      return std::move(err);
    return artifacts;
  }

  // Large weights go to OUTPUT.weights before translation, so that LLVM
  // never holds a copy of them.
  bool canExternalize = emit == EmitKind::Library ||
                        emit == EmitKind::Executable ||
                        emit == EmitKind::Object;
  if (options.weights == WeightsPlacement::External && !canExternalize)
    return makeError("--weights=external needs --emit=lib, exe or obj");
  // A GPU's kernels read every constant from the device's memory: all go
  // to the side file, which the device runtime uploads.
  bool deviceWeights = backend->needsDeviceWeights() && canExternalize;
  if (deviceWeights && options.weights == WeightsPlacement::Embedded)
    return makeError("--weights=embedded: the " + backend->getName().str() +
                     " target keeps its weights in the device's memory, "
                     "loaded from OUTPUT.weights");
  uint64_t minWeightBytes = deviceWeights ? 1 : kMinExternalWeightBytes;
  std::optional<ExternalWeightsInfo> externalWeights;
  std::string weightsPath = output + ".weights";
  if (options.weights == WeightsPlacement::External || deviceWeights ||
      (options.weights == WeightsPlacement::Auto && canExternalize &&
       getLargeConstantBytes(*module, kMinExternalWeightBytes) >=
           kAutoExternalWeightBytes)) {
    progress.stage("writing " + sys::path::filename(weightsPath).str());
    mlir::TimingScope weightsTimer = timing.nest("Write weights");
    auto info = writeExternalWeights(*module, weightsPath, minWeightBytes,
                                     [&](uint64_t done, uint64_t total) {
                                       progress.update(done, total, "bytes");
                                     });
    if (!info)
      return info.takeError();
    externalWeights = *info;
    artifacts.weights = weightsPath;
  }

  progress.stage("generating code");
  mlir::TimingScope translateTimer = timing.nest("Translate to LLVM IR");
  LLVMContext llvmContext;
  std::unique_ptr<Module> llvmModule =
      mlir::translateModuleToLLVMIR(*module, llvmContext, options.input);
  translateTimer.stop();
  if (!llvmModule)
    return makeError("cannot translate the lowered model to LLVM IR");
  if (Error err = emitModelDescriptor(*llvmModule, modelSignature, entryName))
    return std::move(err);
  if (externalWeights)
    emitExternalWeightsInfo(*llvmModule, weightsPath, *externalWeights);

  mlir::TimingScope optimizeTimer = timing.nest("LLVM optimization");
  if (Error err = optimizeModule(*llvmModule, **machine, codegen.optLevel))
    return makeError("LLVM optimization failed: " + toString(std::move(err)));
  optimizeTimer.stop();
  // The lowered MLIR is not needed past here.
  module = nullptr;

  switch (emit) {
  case EmitKind::LLVMIR: {
    std::error_code ec;
    ToolOutputFile out(output, ec, sys::fs::OF_Text);
    if (ec)
      return makeError("cannot write '" + output + "': " + ec.message());
    llvmModule->print(out.os(), nullptr);
    out.keep();
    return artifacts;
  }
  case EmitKind::Assembly:
  case EmitKind::Object:
    if (Error err =
            emitCode(*llvmModule, **machine, output,
                     emit == EmitKind::Object ? CodeGenFileType::ObjectFile
                                              : CodeGenFileType::AssemblyFile))
      return std::move(err);
    return artifacts;
  case EmitKind::Library:
  case EmitKind::Executable: {
    auto env = findLinkEnvironment(options.toolPath.c_str());
    if (!env)
      return env.takeError();
    auto plan = backend->planLink(triple, *env);
    if (!plan)
      return plan.takeError();
    SmallString<128> objectPath;
    if (std::error_code ec =
            sys::fs::createTemporaryFile("tern-model", "o", objectPath))
      return makeError("cannot create a temporary object file: " +
                       ec.message());
    FileRemover removeObject(objectPath);
    mlir::TimingScope emitTimer = timing.nest("Object code");
    if (Error err = emitCode(*llvmModule, **machine, objectPath,
                             CodeGenFileType::ObjectFile))
      return std::move(err);
    emitTimer.stop();
    progress.stage("linking");
    mlir::TimingScope linkTimer = timing.nest("Link");
    OutputKind kind = emit == EmitKind::Executable ? OutputKind::Executable
                      : StringRef(output).ends_with(".a")
                          ? OutputKind::StaticLibrary
                          : OutputKind::SharedLibrary;
    // Language models with a KV cache become text generators.
    StringRef mainArchive = isCachedLanguageModel(modelSignature)
                                ? "libtern_generate.a"
                                : "libtern_runner.a";
    if (Error err =
            linkModel(kind, objectPath, output, *plan, *env, mainArchive))
      return std::move(err);
    if (kind == OutputKind::StaticLibrary) {
      Expected<std::string> header =
          writeStaticLibraryHeader(output, modelSignature);
      if (!header)
        return header.takeError();
      artifacts.header = *header;
    }
    return artifacts;
  }
  case EmitKind::MLIR:
  case EmitKind::Tern:
    break;
  }
  llvm_unreachable("MLIR kinds return after the pipeline");
}

} // namespace tern
