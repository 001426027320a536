//===- ConstantEvaluator.h - Compute linalg on constant weights -*- C++ -*-===//
//
// Exporters rarely store weights as the values a model multiplies by: QDQ
// models dequantize integer initializers, quantization-aware training code
// exports a fake-quant chain on latent float weights. After import these
// are linalg.generic ops on constants. The evaluator computes such values
// at compile time, in the body's own arithmetic (f32 operations round to
// f32, integers wrap).
//
// It is vectorized over the iteration space: points are taken in chunks,
// and each body op runs over a whole chunk in one tight loop, so a weight
// of billions of elements costs a few nanoseconds per element and op
// rather than an interpretation of the body per element. Intermediate
// results live in buffers owned by the caller's query, never in the
// context, so they are freed as soon as the weight is computed.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_DIALECT_TERN_TRANSFORMS_CONSTANTEVALUATOR_H
#define TERN_LIB_DIALECT_TERN_TRANSFORMS_CONSTANTEVALUATOR_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"

#include <memory>
#include <vector>

namespace mlir {
namespace linalg {
class GenericOp;
} // namespace linalg

namespace tern {

/// A computed or constant tensor: its type and raw little-endian bytes
/// (a splat holds one element). Computed ones own their bytes.
struct ConstantTensor {
  RankedTensorType type;
  ArrayRef<char> bytes;
  bool splat = false;
  std::shared_ptr<char[]> storage;

  /// Element `index` as a double (floats) or int64 (integers, sign
  /// extended; i1 as 0 or 1).
  double readFloat(int64_t index) const;
  int64_t readInt(int64_t index) const;
};

/// The raw view of a constant attribute: dense (splat or not) or resource.
std::optional<ConstantTensor> viewConstant(ElementsAttr attr);

class ConstantEvaluator {
public:
  /// Results, and iteration spaces, of more than `maxElements` are not
  /// computed.
  explicit ConstantEvaluator(int64_t maxElements) : maxElements(maxElements) {}

  /// The value of `value` if it is a constant, or a chain of linalg.generic
  /// (elementwise, broadcast or reduction, on the arith and math ops
  /// weight preprocessing uses) and reshapes whose leaves are constants.
  std::optional<ConstantTensor> evaluate(Value value);

  /// One generic whose operands are given.
  std::optional<ConstantTensor> evaluateGeneric(linalg::GenericOp op,
                                                ArrayRef<ConstantTensor> inputs,
                                                const ConstantTensor *init);

private:
  int64_t maxElements;
  llvm::DenseMap<Value, ConstantTensor> cache;
};

/// `tensor` as an attribute: dense when small, a resource blob otherwise.
ElementsAttr toAttribute(const ConstantTensor &tensor, StringRef blobName);

} // namespace tern
} // namespace mlir

#endif // TERN_LIB_DIALECT_TERN_TRANSFORMS_CONSTANTEVALUATOR_H
