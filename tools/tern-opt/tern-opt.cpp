//===- tern-opt.cpp - Tern's mlir-opt ------------------------------------===//
//
// Upstream dialects and passes plus the tern dialect, its passes and
// pipelines, for writing and reproducing lit tests.
//
//===----------------------------------------------------------------------===//

#include "tern/Codegen/Passes.h"
#include "tern/Conversion/Passes.h"
#include "tern/Dialect/Tern/IR/TernDialect.h"
#include "tern/Dialect/Tern/Transforms/Passes.h"
#include "tern/Pipelines/Pipelines.h"
#include "tern/Target/NVPTX/NVPTXPipeline.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::tern::registerTernPasses();
  mlir::tern::registerTernConversionPasses();
  mlir::tern::registerTernCodegenPasses();
  mlir::tern::registerTernPipelines();
  mlir::tern::registerNVPTXPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR for the NVPTX
  // backend.
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<mlir::tern::TernDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Tern optimizer driver\n", registry));
}
