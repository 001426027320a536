//===- Passes.h - Tern pass entry points ------------------------*- C++ -*-===//

#ifndef TERN_DIALECT_TERN_TRANSFORMS_PASSES_H
#define TERN_DIALECT_TERN_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "tern/Dialect/Tern/IR/LoweringChoiceOptions.h"
#include "tern/Dialect/Tern/IR/TernDialect.h"

namespace mlir {
namespace tern {

#define GEN_PASS_DECL
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tern/Dialect/Tern/Transforms/Passes.h.inc"

} // namespace tern
} // namespace mlir

#endif // TERN_DIALECT_TERN_TRANSFORMS_PASSES_H
