//===- AttentionBuilders.h - Rotary embedding, softmax, attention -*- C++
//-*-===//
//
// The pieces ONNX Runtime's attention contrib ops share: RotaryEmbedding
// alone and inside GroupQueryAttention, and the softmax that Softmax and
// the attention ops take.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_ATTENTIONBUILDERS_H
#define TERN_LIB_IMPORT_ONNX_OPS_ATTENTIONBUILDERS_H

#include "tern/Import/ONNX/NodeImporter.h"

namespace tern {

/// Rotary position embedding of `input`, [batch, seq, hidden] holding heads
/// of `headSize`, or [batch, heads, seq, headSize]. The first `rotaryDim`
/// entries of each head rotate in pairs (i, i + rotaryDim/2), or (2i,
/// 2i + 1) when `interleaved`, by the angle whose cos and sin the caches
/// ([positions, rotaryDim / 2]) hold at row `positions`[b, s] (int64
/// [batch, seq]), or at positions[0] + s when it has one element; the rest
/// of each head passes through. Positions past the caches stop the run.
mlir::Value buildRotaryEmbedding(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value input, mlir::Value positions,
                                 mlir::Value cosCache, mlir::Value sinCache,
                                 int64_t headSize, int64_t rotaryDim,
                                 bool interleaved);

/// Softmax or (`isLog`) LogSoftmax of `input` along `axis`, computed stably
/// as exp(x - max) / sum; errors go to `node`.
mlir::FailureOr<mlir::Value> buildSoftmax(NodeImporter &node, mlir::Value input,
                                          int64_t axis, bool isLog);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_ATTENTIONBUILDERS_H
