//===- MatmulWeights.h - Float matmuls by constant weights ------*- C++ -*-===//
//
// The passes that replace a float linalg.matmul by a kernel on its
// weights (tern-ternarize, tern-quantize-weights) find the weight the same
// way, replace the matmul the same way and free what it read the same way.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_DIALECT_TERN_TRANSFORMS_MATMULWEIGHTS_H
#define TERN_LIB_DIALECT_TERN_TRANSFORMS_MATMULWEIGHTS_H

#include "ConstantEvaluator.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace mlir {
namespace tern {

/// The constant weight of a float `linalg.matmul`, as it is stored: a
/// K x N matrix, or N x K when `isNK` (Gemm with transB = 1 imports as a
/// transpose of an N x K constant). Computed weights (QDQ, fake-quant
/// chains) are evaluated (see ConstantEvaluator).
struct MatmulWeight {
  ConstantTensor tensor;
  int64_t n, k;
  bool isNK;
};

/// The weight of `matmul` when it multiplies float activations by a float
/// constant of at least `minElements` elements, with no user-defined maps.
std::optional<MatmulWeight> findMatmulWeight(linalg::MatmulOp matmul,
                                             int64_t minElements);

/// Replaces `matmul` by `product` (adding the matmul's init when it is not
/// zero, as linalg.matmul accumulates into it) and erases it. Returns the
/// weight operand it read, for eraseDeadProducers.
Value replaceMatmulWith(linalg::MatmulOp matmul, Value product);

/// Erases the ops that computed `roots` once nothing uses them (the weight
/// chain a replaced op read), collecting the constants they held.
void eraseDeadProducers(ArrayRef<Value> roots,
                        SmallVectorImpl<Attribute> &released);

} // namespace tern
} // namespace mlir

#endif // TERN_LIB_DIALECT_TERN_TRANSFORMS_MATMULWEIGHTS_H
