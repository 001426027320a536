//===- MatmulStrategy.h - Ternary matmul lowering strategies ----*- C++ -*-===//

#ifndef TERN_DIALECT_TERN_TRANSFORMS_MATMULSTRATEGY_H
#define TERN_DIALECT_TERN_TRANSFORMS_MATMULSTRATEGY_H

namespace mlir {
namespace tern {

/// How `tern-lower-matmul` computes a ternary accumulation.
enum class MatmulStrategy {
  /// Add the activation for +1, subtract it for -1, skip 0.
  AddSub,
};

} // namespace tern
} // namespace mlir

#endif // TERN_DIALECT_TERN_TRANSFORMS_MATMULSTRATEGY_H
