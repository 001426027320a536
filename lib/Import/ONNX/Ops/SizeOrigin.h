//===- SizeOrigin.h - Which dynamic sizes are the same size -----*- C++ -*-===//
//
// ONNX broadcasting stretches a size of 1 against a larger one, and a
// dynamic size may turn out to be 1 when the model runs. Code that allows
// for that at every elementwise op costs a branch and a second version of
// the op, so the importer first asks whether two dynamic sizes are the same
// size by construction: both read from one dimension of one value, through
// the ops that keep a dimension's size (elementwise results, casts,
// reshapes that keep it whole), or both named by one ONNX dim_param. Only
// sizes it cannot tie together pay for stretching (Broadcast.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_SIZEORIGIN_H
#define TERN_LIB_IMPORT_ONNX_OPS_SIZEORIGIN_H

#include "tern/Import/ONNX/NodeImporter.h"

namespace tern {

/// Where a dynamic size comes from: an ONNX dim_param, an index value
/// (a size computed from shape arithmetic), a dimension of a value that no
/// op before it fixes, or a static size.
struct SizeOrigin {
  const void *source = nullptr;
  int64_t dim = 0;
  bool operator==(const SizeOrigin &other) const {
    return source == other.source && dim == other.dim;
  }
};

/// The origins of dynamic dimension `dim` of `tensor`: the dim_params
/// ONNX gives it and the values its size is read from, back to where no
/// op fixes it any more.
llvm::SmallVector<SizeOrigin> getSizeOrigins(const NodeImporter &node,
                                             mlir::Value tensor, int64_t dim);

/// How two dynamic sizes relate at compile time.
enum class SizeRelation {
  /// Nothing ties them: either may be 1 where the other is not.
  Unrelated,
  /// ONNX names them alike: equal unless the inputs contradict the names
  /// the model gives their sizes, which only a run-time check can rule out.
  SameByName,
  /// Read from one size: equal.
  Same,
};

/// How dynamic dimensions `lhsDim` of `lhs` and `rhsDim` of `rhs` relate,
/// by the origins they have in common.
SizeRelation relateSizes(const NodeImporter &node, mlir::Value lhs,
                         int64_t lhsDim, mlir::Value rhs, int64_t rhsDim);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_SIZEORIGIN_H
