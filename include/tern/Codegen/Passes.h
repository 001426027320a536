//===- Passes.h - Tern code generation pass entry points --------*- C++ -*-===//

#ifndef TERN_CODEGEN_PASSES_H
#define TERN_CODEGEN_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace tern {

#define GEN_PASS_DECL
#include "tern/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tern/Codegen/Passes.h.inc"

} // namespace tern
} // namespace mlir

#endif // TERN_CODEGEN_PASSES_H
