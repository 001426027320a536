//===- TernTypes.h - Tern types ---------------------------------*- C++ -*-===//

#ifndef TERN_DIALECT_TERN_IR_TERNTYPES_H
#define TERN_DIALECT_TERN_IR_TERNTYPES_H

#include "mlir/IR/Types.h"
#include "tern/Dialect/Tern/IR/TernAttrs.h"

#define GET_TYPEDEF_CLASSES
#include "tern/Dialect/Tern/IR/TernTypes.h.inc"

#endif // TERN_DIALECT_TERN_IR_TERNTYPES_H
