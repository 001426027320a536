//===- TernAttrs.cpp - Tern attributes ------------------------------------===//

#include "tern/Dialect/Tern/IR/TernAttrs.h"
#include "tern/Dialect/Tern/IR/TernDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tern;

#include "tern/Dialect/Tern/IR/TernEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "tern/Dialect/Tern/IR/TernAttrs.cpp.inc"

void TernDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "tern/Dialect/Tern/IR/TernAttrs.cpp.inc"
      >();
}

static int64_t weightsPerByte(PackFormat format) {
  switch (format) {
  case PackFormat::i2:
    return 4;
  case PackFormat::tq1:
    return 5;
  }
  llvm_unreachable("unknown pack format");
}

LogicalResult
PackedLayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         PackFormat format, int64_t block) {
  int64_t perByte = weightsPerByte(format);
  if (block <= 0 || block % perByte != 0)
    return emitError() << "block of a '" << stringifyPackFormat(format)
                       << "' layout must be a positive multiple of " << perByte
                       << ", got " << block;
  return success();
}

int64_t PackedLayoutAttr::getWeightsPerByte() const {
  return weightsPerByte(getFormat());
}

int64_t PackedLayoutAttr::getRowBytes(int64_t k) const {
  int64_t blocks = llvm::divideCeil(k, getBlock());
  return blocks * getBlock() / getWeightsPerByte();
}
