//===- tern-translate.cpp - Tern's mlir-translate -------------------------===//
//
// `--import-onnx` (.onnx / .onnxtxt to MLIR) plus upstream translations
// such as `--mlir-to-llvmir`.
//
//===----------------------------------------------------------------------===//

#include "tern/Import/ONNX/ONNXImporter.h"

#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::registerAllTranslations();
  tern::registerONNXImportTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "Tern translation driver\n"));
}
