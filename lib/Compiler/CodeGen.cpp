//===- CodeGen.cpp - LLVM IR to object code -------------------------------===//

#include "tern/Compiler/CodeGen.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace llvm;

namespace tern {

Expected<std::unique_ptr<TargetMachine>>
createTargetMachine(const CodeGenOptions &options) {
  InitializeAllTargetInfos();
  InitializeAllTargets();
  InitializeAllTargetMCs();
  InitializeAllAsmPrinters();

  Triple triple(options.triple.empty() ? sys::getDefaultTargetTriple()
                                       : options.triple);
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError(inconvertibleErrorCode(),
                             "unknown target '" + triple.str() + "': " + error);

  std::string cpu = options.cpu;
  SubtargetFeatures features;
  if (cpu == "native") {
    if (!options.triple.empty() &&
        triple.getArch() != Triple(sys::getDefaultTargetTriple()).getArch())
      return createStringError(inconvertibleErrorCode(),
                               "--mcpu=native is only valid for the host; "
                               "name a CPU for " +
                                   triple.str());
    cpu = sys::getHostCPUName().str();
    for (const auto &feature : sys::getHostCPUFeatures())
      features.AddFeature(feature.first(), feature.second);
  }
  for (const std::string *list : {&options.baselineFeatures, &options.features})
    if (!list->empty())
      features.addFeaturesVector(SubtargetFeatures(*list).getFeatures());

  // LLVM only warns about names it does not know and then ignores them;
  // a misspelt CPU or feature must not silently give other code.
  std::unique_ptr<MCSubtargetInfo> generic(
      target->createMCSubtargetInfo(triple, "", ""));
  const MCSubtargetInfo &subtarget = *generic;
  if (!subtarget.isCPUStringValid(cpu))
    return createStringError(inconvertibleErrorCode(),
                             "unknown CPU '" + cpu + "' for " + triple.str());
  SubtargetFeatures requested(options.features);
  for (const std::string &feature : requested.getFeatures()) {
    StringRef name = StringRef(feature).drop_while(
        [](char c) { return c == '+' || c == '-'; });
    bool known = llvm::any_of(
        subtarget.getAllProcessorFeatures(),
        [&](const SubtargetFeatureKV &kv) { return name == kv.Key; });
    if (!known)
      return createStringError(
          inconvertibleErrorCode(),
          "unknown feature '" + feature + "' for " + triple.str() +
              " (see llc-22 -mtriple=" + triple.str() + " -mattr=help)");
  }
  TargetOptions targetOptions;
  targetOptions.MCOptions.ABIName = options.abiName;
  CodeGenOptLevel level = options.optLevel >= 3   ? CodeGenOptLevel::Aggressive
                          : options.optLevel == 2 ? CodeGenOptLevel::Default
                          : options.optLevel == 1 ? CodeGenOptLevel::Less
                                                  : CodeGenOptLevel::None;
  std::unique_ptr<TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features.getString(), targetOptions, Reloc::PIC_,
      std::nullopt, level));
  if (!machine)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create a target machine for " +
                                 triple.str());
  return machine;
}

Error optimizeModule(Module &module, TargetMachine &machine,
                     unsigned optLevel) {
  module.setTargetTriple(machine.getTargetTriple());
  module.setDataLayout(machine.createDataLayout());
  auto transformer =
      mlir::makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, &machine);
  return transformer(&module);
}

Error emitCode(Module &module, TargetMachine &machine, StringRef path,
               CodeGenFileType fileType) {
  std::error_code ec;
  ToolOutputFile out(path, ec,
                     fileType == CodeGenFileType::ObjectFile
                         ? sys::fs::OF_None
                         : sys::fs::OF_Text);
  if (ec)
    return createStringError(ec, "cannot write '" + path.str() +
                                     "': " + ec.message());
  legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, out.os(), nullptr, fileType))
    return createStringError(inconvertibleErrorCode(),
                             "the target cannot emit this file type");
  passes.run(module);
  out.keep();
  return Error::success();
}

} // namespace tern
