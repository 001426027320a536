//===- RepeatedHeads.h - Attention heads repeated for grouped queries -*- C++
//-*-===//
//
// Exporters of grouped-query attention (Llama's repeat_kv) repeat each of
// the KVN key and value heads R times so that every query head has its
// own: [B, KVN, T, H] -> [B, KVN, R, T, H] -> [B, KVN * R, T, H], by
// Expand, Tile or Concat (all of which import as one broadcast along the
// unit dimension). A matmul against such a tensor reads each key head R
// times; the same product grouped by key head reads it once and copies
// nothing: the query heads that share a key head are rows of one matmul.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_REPEATEDHEADS_H
#define TERN_LIB_IMPORT_ONNX_OPS_REPEATEDHEADS_H

#include "tern/Import/ONNX/NodeImporter.h"

#include <optional>

namespace tern {

/// A [B, KVN * R, P, Q] tensor that is `source` [B, KVN, P, Q] with each
/// head repeated R times, or (`transposed`) the transpose of its last two
/// dimensions.
struct RepeatedHeads {
  mlir::Value source;
  int64_t repeats;
  bool transposed;
};

/// Recognizes `value` as repeated heads: a linalg.transpose of its last
/// two dimensions (optionally) of a reshape that merges dimensions 1 and 2
/// of a broadcast along static unit dimension 2. `source` is built as a
/// view of the broadcast's input.
std::optional<RepeatedHeads> matchRepeatedHeads(NodeImporter &node,
                                                mlir::Value value);

/// `lhs` [B, N, M, K] times `rhs` [B, N, K, Nc] when `rhs` repeats heads:
/// one batched matmul per key head, over [B, KVN, R * M, K] (a view of
/// `lhs`) and the unrepeated heads (transposed once when `rhs` is), viewed
/// back as [B, N, M, Nc]. Null when `rhs` does not repeat heads or the
/// batch sizes are not known to agree.
mlir::FailureOr<mlir::Value>
buildGroupedHeadsMatMul(NodeImporter &node, mlir::Value lhs, mlir::Value rhs);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_REPEATEDHEADS_H
