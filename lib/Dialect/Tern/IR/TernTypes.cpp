//===- TernTypes.cpp - Tern types -----------------------------------------===//

#include "tern/Dialect/Tern/IR/TernTypes.h"
#include "tern/Dialect/Tern/IR/TernDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tern;

/// `NxK`: a static shape without a trailing element type.
static ParseResult parseShape(AsmParser &parser, SmallVector<int64_t> &shape) {
  return parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                   /*withTrailingX=*/false);
}

static void printShape(AsmPrinter &printer, ArrayRef<int64_t> shape) {
  llvm::interleave(shape, printer.getStream(), "x");
}

#define GET_TYPEDEF_CLASSES
#include "tern/Dialect/Tern/IR/TernTypes.cpp.inc"

void TernDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "tern/Dialect/Tern/IR/TernTypes.cpp.inc"
      >();
}

LogicalResult
PackedWeightsType::verify(function_ref<InFlightDiagnostic()> emitError,
                          ArrayRef<int64_t> shape, PackedLayoutAttr layout) {
  if (shape.size() != 2)
    return emitError() << "packed weights must be N x K, got rank "
                       << shape.size();
  if (shape[0] <= 0 || shape[1] <= 0)
    return emitError() << "packed weights need positive dimensions";
  if (!layout)
    return emitError() << "packed weights need a layout";
  return success();
}

int64_t PackedWeightsType::getNumBytes() const {
  return getNumRows() * getLayout().getRowBytes(getNumCols());
}
