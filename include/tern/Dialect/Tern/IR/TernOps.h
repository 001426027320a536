//===- TernOps.h - Tern operations ------------------------------*- C++ -*-===//

#ifndef TERN_DIALECT_TERN_IR_TERNOPS_H
#define TERN_DIALECT_TERN_IR_TERNOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "tern/Dialect/Tern/IR/TernDialect.h"
#include "tern/Dialect/Tern/IR/TernTypes.h"

#define GET_OP_CLASSES
#include "tern/Dialect/Tern/IR/TernOps.h.inc"

namespace mlir {
namespace tern {

/// Returns true when every element of `attr` is -1, 0 or 1. Works on dense
/// and dense_resource integer attributes.
bool isTernaryValued(ElementsAttr attr);

/// The values of an i8 dense or dense_resource attribute, or nothing.
std::optional<std::vector<int8_t>> getInt8Values(ElementsAttr attr);

} // namespace tern
} // namespace mlir

#endif // TERN_DIALECT_TERN_IR_TERNOPS_H
