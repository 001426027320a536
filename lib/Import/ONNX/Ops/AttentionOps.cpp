//===- AttentionOps.cpp - ONNX Runtime's attention contrib ops ------------===//
//
// com.microsoft RotaryEmbedding, GroupQueryAttention (the form ONNX Runtime
// GenAI's model builder writes) and MultiHeadAttention (Optimum's fused
// form). Both attentions become the same three steps on tensors: scores
// Q K^T per group of query heads that share a key head, a masked softmax,
// and the weighted sum of the values; the caches are built as whole
// tensors (present = past with this step's keys written after it).
//
//===----------------------------------------------------------------------===//

#include "../ContribSchemas.h"
#include "AttentionBuilders.h"
#include "Broadcast.h"
#include "RepeatedHeads.h"
#include "RuntimeChecks.h"
#include "ShapeBuilders.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>
#include <optional>

using namespace mlir;
using namespace ::tern;

namespace tern {

Value buildRotaryEmbedding(OpBuilder &b, Location loc, Value input,
                           Value positions, Value cosCache, Value sinCache,
                           int64_t headSize, int64_t rotaryDim,
                           bool interleaved) {
  auto type = cast<RankedTensorType>(input.getType());
  auto positionType = cast<RankedTensorType>(positions.getType());
  int64_t rank = type.getRank();
  int64_t half = rotaryDim / 2;
  int64_t seqDim = rank == 4 ? 2 : 1;
  bool offsetOnly = positionType.getNumElements() == 1;
  if (!offsetOnly) {
    emitRuntimeEqualityCheck(
        b, loc, tensor::DimOp::create(b, loc, positions, 0),
        tensor::DimOp::create(b, loc, input, 0), RunError::ShapeMismatch);
    emitRuntimeEqualityCheck(
        b, loc, tensor::DimOp::create(b, loc, positions, 1),
        tensor::DimOp::create(b, loc, input, seqDim), RunError::ShapeMismatch);
  }
  Value cacheRows = tensor::DimOp::create(b, loc, cosCache, 0);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  return buildFromCoordinates(
      b, loc, type, dynamicSizes,
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
        auto index = [&](int64_t v) -> Value {
          return arith::ConstantIndexOp::create(nb, nloc, v);
        };
        Value last = at.back();
        // Position within the head, and where the head starts.
        Value inHead = arith::RemUIOp::create(nb, nloc, last, index(headSize));
        Value headStart = arith::SubIOp::create(nb, nloc, last, inHead);
        Value x = tensor::ExtractOp::create(nb, nloc, input, at);
        Value rotated = arith::CmpIOp::create(
            nb, nloc, arith::CmpIPredicate::ult, inHead, index(rotaryDim));
        // Pair index i and whether this element is the pair's first.
        Value pair, first, partner;
        if (interleaved) {
          pair = arith::DivUIOp::create(nb, nloc, inHead, index(2));
          Value odd = arith::RemUIOp::create(nb, nloc, inHead, index(2));
          first = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq, odd,
                                        index(0));
          partner = arith::SelectOp::create(
              nb, nloc, first,
              arith::AddIOp::create(nb, nloc, inHead, index(1)),
              arith::SubIOp::create(nb, nloc, inHead, index(1)));
        } else {
          first = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ult,
                                        inHead, index(half));
          pair = arith::SelectOp::create(
              nb, nloc, first, inHead,
              arith::SubIOp::create(nb, nloc, inHead, index(half)));
          partner = arith::SelectOp::create(
              nb, nloc, first,
              arith::AddIOp::create(nb, nloc, inHead, index(half)), pair);
        }
        // Outside the rotary part, read the element itself (the result is
        // discarded) so that every read stays in bounds.
        pair = arith::SelectOp::create(nb, nloc, rotated, pair, index(0));
        partner = arith::SelectOp::create(nb, nloc, rotated, partner, inHead);
        SmallVector<Value> partnerAt(at);
        partnerAt.back() = arith::AddIOp::create(nb, nloc, headStart, partner);
        Value y = tensor::ExtractOp::create(nb, nloc, input, partnerAt);
        Value position;
        if (offsetOnly) {
          Value offset = tensor::ExtractOp::create(
              nb, nloc, positions,
              SmallVector<Value>(positionType.getRank(), index(0)));
          position = arith::AddIOp::create(
              nb, nloc,
              arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), offset),
              at[seqDim]);
          position = checkedIndex(
              nb, nloc,
              arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), position),
              cacheRows);
        } else {
          position = checkedIndex(
              nb, nloc,
              tensor::ExtractOp::create(nb, nloc, positions,
                                        ValueRange{at[0], at[seqDim]}),
              cacheRows);
        }
        Value cos = tensor::ExtractOp::create(nb, nloc, cosCache,
                                              ValueRange{position, pair});
        Value sin = tensor::ExtractOp::create(nb, nloc, sinCache,
                                              ValueRange{position, pair});
        // first: x cos - y sin; second: x cos + y sin.
        Value xCos = arith::MulFOp::create(nb, nloc, x, cos);
        Value ySin = arith::MulFOp::create(nb, nloc, y, sin);
        Value out = arith::SelectOp::create(
            nb, nloc, first, arith::SubFOp::create(nb, nloc, xCos, ySin),
            arith::AddFOp::create(nb, nloc, xCos, ySin));
        return arith::SelectOp::create(nb, nloc, rotated, out, x);
      });
}

} // namespace tern

namespace {

RankedTensorType getType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// `x` with the dimensions `dims` made dynamic, so that the attention's
/// reshapes and loops see one form whatever sizes the graph fixes.
Value withDynamicDims(OpBuilder &b, Location loc, Value x,
                      ArrayRef<int64_t> dims) {
  auto type = getType(x);
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t d : dims)
    shape[d] = ShapedType::kDynamic;
  auto dynamicType = RankedTensorType::get(shape, type.getElementType());
  if (dynamicType == type)
    return x;
  return tensor::CastOp::create(b, loc, dynamicType, x);
}

/// Says, inside an attention body, whether query position `s` of batch `b`
/// must not see key position `t` (all index values).
using MaskFn = function_ref<Value(OpBuilder &, Location, Value batch,
                                  Value query, Value key)>;

/// What one attention computes, besides its tensors.
struct AttentionConfig {
  int64_t numHeads, kvNumHeads, headSize;
  /// The scores' scale; 0 (both ops' default) is 1 / sqrt(headSize).
  double scale;
  double softcap = 0;
  /// Added to the scores the mask hides (MultiHeadAttention); without it,
  /// hidden keys get no weight at all (GroupQueryAttention).
  std::optional<double> maskFilterValue;
  /// Both products as batched matmuls that the contraction kernels take
  /// (see buildAttention); else as loop nests over the query heads'
  /// layout. GroupQueryAttention keeps the loops for now: with its present
  /// cache built element by element, the tiled products' slices took
  /// one-shot bufferization's subset analysis from 0.7 to 340 s between 4
  /// and 30 layers.
  bool batchedProducts = true;
};

/// softmax(scale Q K^T (+ bias), masked) V for `q` [B, S, N * H] and caches
/// `keys`, `values` [B, KVN, T, H], each key head serving N / KVN query
/// heads in turn. `bias` (or null) is [B | 1, N | 1, S, T]. The result is
/// [B, S, N * H].
FailureOr<Value> buildAttention(NodeImporter &node, Value q, Value keys,
                                Value values, Value bias,
                                const AttentionConfig &config,
                                MaskFn isMasked) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Type elementType = getType(q).getElementType();
  int64_t kvHeads = config.kvNumHeads, group = config.numHeads / kvHeads,
          headSize = config.headSize;
  double scale =
      config.scale != 0 ? config.scale : 1.0 / std::sqrt(double(headSize));
  q = withDynamicDims(b, loc, q, {0, 1});
  keys = withDynamicDims(b, loc, keys, {0, 2});
  values = withDynamicDims(b, loc, values, {0, 2});
  Value batch = tensor::DimOp::create(b, loc, q, 0);
  Value seq = tensor::DimOp::create(b, loc, q, 1);
  Value total = tensor::DimOp::create(b, loc, keys, 2);
  int64_t dyn = ShapedType::kDynamic;

  // With batchedProducts, both products are batched matmuls over (B, KVN)
  // whose rows are the G * S queries that share a key head, in the layout the
  // contraction kernels take (Codegen/CPU/VectorizeContractions.cpp): each
  // operand's innermost dimension its reduction or its columns. Only the query,
  // the keys' transpose and the result are copied; the values and keys are read
  // in place, never repeated per query head.
  auto transposed = [&](Value x, ArrayRef<int64_t> perm,
                        ValueRange dynamicSizes) {
    auto type = getType(x);
    SmallVector<int64_t> shape;
    for (int64_t d : perm)
      shape.push_back(type.getDimSize(d));
    Value init =
        tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
    return linalg::TransposeOp::create(b, loc, x, init, perm).getResult()[0];
  };
  // [B, S, N * H] -> [B, S, KVN, G, H] (then, for the batched products,
  // [B, KVN, G, S, H] -> [B, KVN, G * S, H]).
  auto q5Type =
      RankedTensorType::get({dyn, dyn, kvHeads, group, headSize}, elementType);
  Value q5 = tensor::ExpandShapeOp::create(
      b, loc, q5Type, q, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3, 4}},
      SmallVector<OpFoldResult>{batch, seq, b.getIndexAttr(kvHeads),
                                b.getIndexAttr(group),
                                b.getIndexAttr(headSize)});

  auto map = [&](unsigned numDims, ArrayRef<unsigned> dims) {
    SmallVector<AffineExpr> exprs;
    for (unsigned d : dims)
      exprs.push_back(b.getAffineDimExpr(d));
    return AffineMap::get(numDims, 0, exprs, b.getContext());
  };
  auto zeroFilled = [&](RankedTensorType type, ValueRange dynamicSizes) {
    Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), elementType,
                                          dynamicSizes);
    Value zero = arith::ConstantOp::create(b, loc, elementType,
                                           b.getZeroAttr(elementType));
    return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  };
  using utils::IteratorType;
  IteratorType par = IteratorType::parallel, red = IteratorType::reduction;
  // out = sum over the last loop of lhs * rhs, each read through its map.
  auto sumOfProducts = [&](Value lhs, Value rhs, RankedTensorType type,
                           ValueRange dynamicSizes, ArrayRef<AffineMap> maps) {
    SmallVector<IteratorType> iterators(maps[0].getNumDims() - 1, par);
    iterators.push_back(red);
    return linalg::GenericOp::create(
               b, loc, type, ValueRange{lhs, rhs},
               ValueRange{zeroFilled(type, dynamicSizes)}, maps, iterators,
               [](OpBuilder &nb, Location nloc, ValueRange args) {
                 Value product =
                     arith::MulFOp::create(nb, nloc, args[0], args[1]);
                 linalg::YieldOp::create(
                     nb, nloc,
                     arith::AddFOp::create(nb, nloc, args[2], product)
                         .getResult());
               })
        .getResult(0);
  };
  // out[b, kh, m, n] = sum_k lhs[b, kh, m, k] rhs[b, kh, k, n].
  auto batchedMatmul = [&](Value lhs, Value rhs, RankedTensorType type,
                           ValueRange dynamicSizes) {
    return sumOfProducts(
        lhs, rhs, type, dynamicSizes,
        {map(5, {0, 1, 2, 4}), map(5, {0, 1, 4, 3}), map(5, {0, 1, 2, 3})});
  };

  // scores[b, kh, g, s, t] = sum_h q[b, s, kh, g, h] keys[b, kh, t, h].
  auto scoresType =
      RankedTensorType::get({dyn, kvHeads, group, dyn, dyn}, elementType);
  Value scores, rows;
  if (config.batchedProducts) {
    Value queries = tensor::CollapseShapeOp::create(
        b, loc, transposed(q5, {0, 2, 3, 1, 4}, {batch, seq}),
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
    // [B, KVN, T, H] -> [B, KVN, H, T].
    Value keysT = transposed(keys, {0, 1, 3, 2}, {batch, total});
    rows = tensor::DimOp::create(b, loc, queries, 2);
    scores = tensor::ExpandShapeOp::create(
        b, loc, scoresType,
        batchedMatmul(
            queries, keysT,
            RankedTensorType::get({dyn, kvHeads, dyn, dyn}, elementType),
            {batch, rows, total}),
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}},
        SmallVector<OpFoldResult>{batch, b.getIndexAttr(kvHeads),
                                  b.getIndexAttr(group), seq, total});
  } else {
    scores = sumOfProducts(q5, keys, scoresType, {batch, seq, total},
                           {map(6, {0, 3, 1, 2, 5}), map(6, {0, 1, 4, 5}),
                            map(6, {0, 1, 2, 3, 4})});
  }

  // Scale, soft cap, bias and mask, elementwise.
  SmallVector<Value> inputs = {scores};
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(5)};
  if (bias) {
    auto biasType = getType(bias);
    if (biasType.getRank() != 4) {
      node.emitError() << "attention_bias must be 4-D, got " << bias.getType();
      return failure();
    }
    // [B | 1, N | 1, S, T] read at (b, kh * G + g, s, t).
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    AffineExpr zero = b.getAffineConstantExpr(0);
    SmallVector<AffineExpr> exprs = {
        biasType.getDimSize(0) == 1 ? zero : d(0),
        biasType.getDimSize(1) == 1 ? zero : d(1) * group + d(2), d(3), d(4)};
    if (biasType.getDimSize(1) != 1 &&
        biasType.getDimSize(1) != config.numHeads) {
      node.emitError() << "attention_bias must have 1 or num_heads = "
                       << config.numHeads << " heads, got " << bias.getType();
      return failure();
    }
    inputs.push_back(bias);
    maps.push_back(AffineMap::get(5, 0, exprs, b.getContext()));
    // Its batch, when it has one, is the query's.
    SmallVector<std::pair<int64_t, Value>> checkedDims = {{2, seq}, {3, total}};
    if (biasType.getDimSize(0) != 1)
      checkedDims.push_back({0, batch});
    for (auto [dim, size] : checkedDims)
      emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, bias, dim),
                               size, RunError::ShapeMismatch);
  }
  maps.push_back(b.getMultiDimIdentityMap(5));
  Value masked =
      linalg::GenericOp::create(
          b, loc, scoresType, inputs,
          ValueRange{tensor::EmptyOp::create(b, loc, scoresType.getShape(),
                                             elementType,
                                             ValueRange{batch, seq, total})},
          maps, SmallVector<IteratorType>(5, par),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            auto constant = [&](double v) -> Value {
              return arith::ConstantOp::create(nb, nloc, elementType,
                                               nb.getFloatAttr(elementType, v));
            };
            Value v = arith::MulFOp::create(nb, nloc, args[0], constant(scale));
            if (config.softcap > 0)
              v = arith::MulFOp::create(
                  nb, nloc,
                  math::TanhOp::create(
                      nb, nloc,
                      arith::DivFOp::create(nb, nloc, v,
                                            constant(config.softcap))),
                  constant(config.softcap));
            if (bias)
              v = arith::AddFOp::create(nb, nloc, v, args[1]);
            if (isMasked) {
              Value hidden =
                  isMasked(nb, nloc, linalg::IndexOp::create(nb, nloc, 0),
                           linalg::IndexOp::create(nb, nloc, 3),
                           linalg::IndexOp::create(nb, nloc, 4));
              Value replacement =
                  config.maskFilterValue
                      ? arith::AddFOp::create(nb, nloc, v,
                                              constant(*config.maskFilterValue))
                            .getResult()
                      : constant(-std::numeric_limits<double>::infinity());
              v = arith::SelectOp::create(nb, nloc, hidden, replacement, v);
            }
            linalg::YieldOp::create(nb, nloc, v);
          })
          .getResult(0);
  FailureOr<Value> probs = buildSoftmax(node, masked, 4, /*isLog=*/false);
  if (failed(probs))
    return failure();

  // out[b, s, kh, g, h] = sum_t probs[b, kh, g, s, t] values[b, kh, t, h].
  Value out;
  if (config.batchedProducts) {
    Value probRows = tensor::CollapseShapeOp::create(
        b, loc, *probs,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
    Value weighted = batchedMatmul(
        probRows, values,
        RankedTensorType::get({dyn, kvHeads, dyn, headSize}, elementType),
        {batch, rows});
    Value headsFirst = tensor::ExpandShapeOp::create(
        b, loc,
        RankedTensorType::get({dyn, kvHeads, group, dyn, headSize},
                              elementType),
        weighted, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}},
        SmallVector<OpFoldResult>{batch, b.getIndexAttr(kvHeads),
                                  b.getIndexAttr(group), seq,
                                  b.getIndexAttr(headSize)});
    out = transposed(headsFirst, {0, 3, 1, 2, 4}, {batch, seq});
  } else {
    out = sumOfProducts(*probs, values, q5Type, {batch, seq},
                        {map(6, {0, 1, 2, 3, 5}), map(6, {0, 1, 5, 4}),
                         map(6, {0, 3, 1, 2, 4})});
  }
  return Value(tensor::CollapseShapeOp::create(
      b, loc, out, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3, 4}}));
}

/// `x` [B, S, heads * H] as [B, heads, S, H]: the layout of the caches.
Value toHeadsFirst(OpBuilder &b, Location loc, Value x, int64_t heads,
                   int64_t headSize) {
  Type elementType = getType(x).getElementType();
  int64_t dyn = ShapedType::kDynamic;
  x = withDynamicDims(b, loc, x, {0, 1});
  Value batch = tensor::DimOp::create(b, loc, x, 0);
  Value seq = tensor::DimOp::create(b, loc, x, 1);
  Value split = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({dyn, dyn, heads, headSize}, elementType),
      x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
      SmallVector<OpFoldResult>{batch, seq, b.getIndexAttr(heads),
                                b.getIndexAttr(headSize)});
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{dyn, heads, dyn, headSize}, elementType,
      ValueRange{batch, seq});
  return linalg::TransposeOp::create(b, loc, split, init,
                                     ArrayRef<int64_t>{0, 2, 1, 3})
      .getResult()[0];
}

/// Checks that a cache input is [B, `heads`, ?, `headSize`] of `type`.
LogicalResult checkCache(NodeImporter &node, Value cache, StringRef name,
                         Type elementType, int64_t heads, int64_t headSize) {
  auto type = getType(cache);
  if (type.getRank() != 4 || type.getElementType() != elementType ||
      type.getDimSize(1) != heads || type.getDimSize(3) != headSize)
    return node.emitError()
           << name << " must be [batch, " << heads << ", length, " << headSize
           << "] of " << elementType << ", got " << cache.getType();
  return success();
}

/// One of the three heads of a packed [B, S, (N + 2 KVN) H] projection.
Value slicePacked(OpBuilder &b, Location loc, Value packed, int64_t offset,
                  int64_t width) {
  auto type = getType(packed);
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                       b.getIndexAttr(offset)};
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, packed, 0),
                                     tensor::getMixedSize(b, loc, packed, 1),
                                     b.getIndexAttr(width)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  auto resultType = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(1), width}, type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, resultType, packed, offsets,
                                        sizes, strides);
}

/// com.microsoft GroupQueryAttention as ONNX Runtime's CPU kernel computes
/// it. For batch b, seqlens_k[b] + 1 tokens are valid; this step's S
/// tokens come after past_b = valid - S of them (none on the first prompt,
/// when S equals total_sequence_length). present_key is
/// [B, KVN, max(total_sequence_length, past length), H]: the past's first
/// past_b rows, this step's keys, then zeros. Query s attends to keys
/// t <= past_b + s that are valid (and, with a window, the
/// local_window_size - 1 before past_b + s at most).
/// With do_rotary, queries and keys rotate at position past_b + s first
/// (1 for padding rows past the valid tokens of a first prompt).
LogicalResult convertGroupQueryAttention(NodeImporter &node) {
  int64_t numHeads = node.getIntAttr("num_heads", 0);
  int64_t kvNumHeads = node.getIntAttr("kv_num_heads", 0);
  if (numHeads <= 0 || kvNumHeads <= 0 || numHeads % kvNumHeads != 0)
    return node.emitError() << "num_heads (" << numHeads
                            << ") must be a positive multiple of kv_num_heads ("
                            << kvNumHeads << ")";
  if (node.getIntAttr("smooth_softmax", 0))
    return node.emitError() << "smooth_softmax is not supported";
  if (node.hasInput(11))
    return node.emitError() << "head_sink is not supported";
  if (node.hasOutput(3))
    return node.emitError() << "the output_qk output is not supported";
  if (node.getIntAttr("qk_output", 0))
    return node.emitError() << "qk_output is not supported";
  if (node.hasInput(3) != node.hasInput(4))
    return node.emitError() << "past_key and past_value come together";
  if (!node.hasInput(5) || !node.hasInput(6))
    return node.emitError() << "seqlens_k and total_sequence_length are "
                               "required";
  bool packed = !node.hasInput(1);
  if (packed == node.hasInput(2))
    return node.emitError()
           << "key and value are both given or both left out (packed QKV)";
  Value query = node.getInput(0);
  if (!query)
    return failure();
  auto queryType = getType(query);
  Type elementType = queryType.getElementType();
  if (!elementType.isF32() || queryType.getRank() != 3 ||
      queryType.isDynamicDim(2))
    return node.emitError() << "query must be float32 [batch, sequence, "
                               "hidden] with a static hidden size, got "
                            << query.getType();
  int64_t hidden = queryType.getDimSize(2);
  int64_t headCount = packed ? numHeads + 2 * kvNumHeads : numHeads;
  if (hidden % headCount != 0)
    return node.emitError() << "query's hidden size " << hidden
                            << " does not split into " << headCount << " heads";
  int64_t headSize = hidden / headCount;

  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value q = query, k, v;
  if (packed) {
    q = slicePacked(b, loc, query, 0, numHeads * headSize);
    k = slicePacked(b, loc, query, numHeads * headSize, kvNumHeads * headSize);
    v = slicePacked(b, loc, query, (numHeads + kvNumHeads) * headSize,
                    kvNumHeads * headSize);
  } else {
    k = node.getInput(1);
    v = node.getInput(2);
    if (!k || !v)
      return failure();
    for (Value t : {k, v}) {
      auto type = getType(t);
      if (type.getElementType() != elementType || type.getRank() != 3 ||
          type.getDimSize(2) != kvNumHeads * headSize)
        return node.emitError() << "key and value must be [batch, sequence, "
                                << kvNumHeads << " * " << headSize << "] of "
                                << elementType << ", got " << t.getType();
    }
    for (Value t : {k, v})
      for (int64_t d = 0; d < 2; ++d)
        emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, t, d),
                                 tensor::DimOp::create(b, loc, query, d),
                                 RunError::ShapeMismatch);
  }
  Value pastKey, pastValue;
  if (node.hasInput(3)) {
    pastKey = node.getInput(3);
    pastValue = node.getInput(4);
    if (!pastKey || !pastValue ||
        failed(checkCache(node, pastKey, "past_key", elementType, kvNumHeads,
                          headSize)) ||
        failed(checkCache(node, pastValue, "past_value", elementType,
                          kvNumHeads, headSize)))
      return failure();
  }
  Value seqlens = node.getInput(5), totalInput = node.getInput(6);
  if (!seqlens || !totalInput)
    return failure();
  if (getType(seqlens).getRank() != 1 ||
      !getType(seqlens).getElementType().isInteger(32) ||
      getType(totalInput).getNumElements() != 1 ||
      !getType(totalInput).getElementType().isInteger(32))
    return node.emitError() << "seqlens_k must be int32 [batch] and "
                               "total_sequence_length one int32";

  Value batch = tensor::DimOp::create(b, loc, query, 0);
  Value seq = tensor::DimOp::create(b, loc, query, 1);
  emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, seqlens, 0),
                           batch, RunError::ShapeMismatch);
  Value totalLength = readScalarIndex(b, loc, totalInput);
  Value pastLength = pastKey ? tensor::DimOp::create(b, loc, pastKey, 2)
                             : indexConstant(b, loc, 0);
  if (pastKey)
    for (Value cache : {pastKey, pastValue})
      emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, cache, 0),
                               batch, RunError::ShapeMismatch);
  Value presentLength = arith::MaxSIOp::create(b, loc, totalLength, pastLength);
  Value firstPrompt =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, seq, totalLength);
  // seqlens_k[b] + 1 (the valid tokens) and past_b, inside a body.
  auto validOf = [&](OpBuilder &nb, Location nloc, Value bi) -> Value {
    return arith::AddIOp::create(
        nb, nloc,
        arith::IndexCastOp::create(
            nb, nloc, nb.getIndexType(),
            tensor::ExtractOp::create(nb, nloc, seqlens, ValueRange{bi})),
        indexConstant(nb, nloc, 1));
  };
  auto pastOf = [&](OpBuilder &nb, Location nloc, Value bi) -> Value {
    return arith::SelectOp::create(
        nb, nloc, firstPrompt, indexConstant(nb, nloc, 0),
        arith::SubIOp::create(nb, nloc, validOf(nb, nloc, bi), seq));
  };

  // Positions [B, S]: past_b + s, or 1 for padding. A past_b outside the
  // past cache or a token that does not fit the present one stops the run.
  int64_t dyn = ShapedType::kDynamic;
  auto positionsType = RankedTensorType::get({dyn, dyn}, b.getI64Type());
  Value positions = buildFromCoordinates(
      b, loc, positionsType, ValueRange{batch, seq},
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> coords) -> Value {
        Value bi = coords[0], si = coords[1];
        Value past = pastOf(nb, nloc, bi);
        Value at = arith::AddIOp::create(nb, nloc, past, si);
        Value valid = validOf(nb, nloc, bi);
        Value zero = indexConstant(nb, nloc, 0);
        Value bad = arith::OrIOp::create(
            nb, nloc,
            arith::OrIOp::create(
                nb, nloc,
                arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, past,
                                      zero),
                arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sgt, past,
                                      pastLength)),
            arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sge, at,
                                  presentLength));
        emitRuntimeCheck(nb, nloc, bad, RunError::SequenceLength);
        Value inside = arith::CmpIOp::create(
            nb, nloc, arith::CmpIPredicate::slt, at, valid);
        Value position = arith::SelectOp::create(nb, nloc, inside, at,
                                                 indexConstant(nb, nloc, 1));
        return arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), position);
      });

  if (node.getIntAttr("do_rotary", 0)) {
    if (!node.hasInput(7) || !node.hasInput(8))
      return node.emitError() << "do_rotary needs cos_cache and sin_cache";
    Value cosCache = node.getInput(7), sinCache = node.getInput(8);
    if (!cosCache || !sinCache)
      return failure();
    auto cacheType = getType(cosCache);
    if (cacheType.getRank() != 2 || cacheType.isDynamicDim(1) ||
        getType(sinCache) != cacheType ||
        cacheType.getElementType() != elementType ||
        2 * cacheType.getDimSize(1) > headSize)
      return node.emitError()
             << "cos_cache and sin_cache must be [positions, rotary_dim / 2] "
                "of the query's type with rotary_dim at most the head size "
             << headSize << ", got " << cosCache.getType();
    bool interleaved = node.getIntAttr("rotary_interleaved", 0);
    int64_t rotaryDim = 2 * cacheType.getDimSize(1);
    q = buildRotaryEmbedding(b, loc, q, positions, cosCache, sinCache, headSize,
                             rotaryDim, interleaved);
    k = buildRotaryEmbedding(b, loc, k, positions, cosCache, sinCache, headSize,
                             rotaryDim, interleaved);
  }

  // present[b, kh, t, h]: the past's first past_b rows, then this step's.
  auto buildPresent = [&](Value past, Value step) -> Value {
    Value stepFirst = toHeadsFirst(b, loc, step, kvNumHeads, headSize);
    auto type =
        RankedTensorType::get({dyn, kvNumHeads, dyn, headSize}, elementType);
    return buildFromCoordinates(
        b, loc, type, ValueRange{batch, presentLength},
        [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
          Value bi = at[0], hi = at[1], ti = at[2], di = at[3];
          Value pastRows = pastOf(nb, nloc, bi);
          Value fromPast = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::slt, ti, pastRows);
          Value stepRow = arith::SubIOp::create(nb, nloc, ti, pastRows);
          Value fromStep = arith::AndIOp::create(
              nb, nloc,
              arith::XOrIOp::create(
                  nb, nloc, fromPast,
                  arith::ConstantIntOp::create(nb, nloc, 1, 1)),
              arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt,
                                    stepRow, seq));
          auto zero = [&](OpBuilder &zb, Location zloc) {
            scf::YieldOp::create(
                zb, zloc,
                arith::ConstantOp::create(zb, zloc, elementType,
                                          zb.getZeroAttr(elementType))
                    .getResult());
          };
          // This step's key, or zero past it.
          auto stepOrZero = [&](OpBuilder &sb, Location sloc) -> Value {
            return scf::IfOp::create(
                       sb, sloc, fromStep,
                       [&](OpBuilder &tb, Location tloc) {
                         scf::YieldOp::create(
                             tb, tloc,
                             tensor::ExtractOp::create(
                                 tb, tloc, stepFirst,
                                 ValueRange{bi, hi, stepRow, di})
                                 .getResult());
                       },
                       zero)
                .getResult(0);
          };
          Value result;
          if (past) {
            // Reads only rows the past has: a past_b beyond them
            // (seqlens_k larger than the cache) stops the run.
            result = scf::IfOp::create(
                         nb, nloc, fromPast,
                         [&](OpBuilder &tb, Location tloc) {
                           Value row =
                               checkedIndex(tb, tloc,
                                            arith::IndexCastOp::create(
                                                tb, tloc, tb.getI64Type(), ti),
                                            pastLength);
                           scf::YieldOp::create(
                               tb, tloc,
                               tensor::ExtractOp::create(
                                   tb, tloc, past, ValueRange{bi, hi, row, di})
                                   .getResult());
                         },
                         [&](OpBuilder &eb, Location eloc) {
                           scf::YieldOp::create(eb, eloc, stepOrZero(eb, eloc));
                         })
                         .getResult(0);
          } else {
            result = stepOrZero(nb, nloc);
          }
          return result;
        });
  };
  Value presentKey = buildPresent(pastKey, k);
  Value presentValue = buildPresent(pastValue, v);

  Value bias;
  if (node.hasInput(10)) {
    bias = node.getInput(10);
    if (!bias)
      return failure();
  }
  if (node.hasInput(9))
    return node.emitError() << "position_ids is not supported (the "
                               "positions follow from seqlens_k)";
  AttentionConfig config{numHeads, kvNumHeads, headSize,
                         node.getFloatAttr("scale", 0.0f)};
  config.softcap = node.getFloatAttr("softcap", 0.0f);
  config.batchedProducts = false;
  int64_t window = node.getIntAttr("local_window_size", -1);
  FailureOr<Value> output = buildAttention(
      node, q, presentKey, presentValue, bias, config,
      [&](OpBuilder &nb, Location nloc, Value bi, Value si, Value ti) -> Value {
        // Causal, and (for a padded first prompt's rows past the valid
        // tokens) never a key past them.
        Value at = arith::AddIOp::create(nb, nloc, pastOf(nb, nloc, bi), si);
        Value hidden = arith::OrIOp::create(
            nb, nloc,
            arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sgt, ti, at),
            arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sge, ti,
                                  validOf(nb, nloc, bi)));
        // The window holds the query's own position and the
        // local_window_size - 1 before it.
        if (window > 0)
          hidden = arith::OrIOp::create(
              nb, nloc, hidden,
              arith::CmpIOp::create(
                  nb, nloc, arith::CmpIPredicate::sle,
                  arith::AddIOp::create(nb, nloc, ti,
                                        indexConstant(nb, nloc, window)),
                  at));
        return hidden;
      });
  if (failed(output))
    return failure();
  node.setOutput(0, *output);
  node.setOutput(1, presentKey);
  node.setOutput(2, presentValue);
  return success();
}

/// com.microsoft MultiHeadAttention with query, key and value
/// [B, S | L, N * H] (optional bias [3 N H] added first) or key and value
/// already [B, N, L, H] (no bias, no past), past_key and
/// past_value [B, N, P, H] concatenated before this step's keys into
/// present_key/present_value, key_padding_mask [B, P + L] (0 hides a key)
/// and attention_bias [B | 1, N | 1, S, P + L] added to the scores, and
/// unidirectional hiding keys after each query's position P + s. Hidden
/// scores get mask_filter_value added, as ONNX Runtime's kernel does.
LogicalResult convertMultiHeadAttention(NodeImporter &node) {
  int64_t numHeads = node.getIntAttr("num_heads", 0);
  if (numHeads <= 0)
    return node.emitError() << "num_heads must be positive";
  if (!node.hasInput(1) || !node.hasInput(2))
    return node.emitError() << "packed QKV (no key or value input) is not "
                               "supported";
  if (node.hasInput(8) || node.hasInput(9))
    return node.emitError() << "past_sequence_length and cache_indirection "
                               "(beam search) are not supported";
  if (node.hasOutput(3))
    return node.emitError() << "the qk output is not supported";
  if (node.hasInput(6) != node.hasInput(7))
    return node.emitError() << "past_key and past_value come together";
  Value query = node.getInput(0), key = node.getInput(1),
        value = node.getInput(2);
  if (!query || !key || !value)
    return failure();
  Type elementType = getType(query).getElementType();
  // Key and value come [B, L, N * H] like the query, or already split into
  // heads, [B, N, L, H] (ONNX Runtime's BNSH form: keys computed, cached or
  // repeated for grouped heads before the node).
  bool headsFirst = getType(key).getRank() == 4;
  for (Value t : {query, key, value}) {
    auto type = getType(t);
    int64_t rank = t == query || !headsFirst ? 3 : 4;
    if (type.getRank() != rank || type.isDynamicDim(rank - 1) ||
        type.getElementType() != elementType || !elementType.isF32())
      return node.emitError()
             << "query must be float32 [batch, sequence, hidden], and key "
                "and value the same or both [batch, num_heads, length, "
                "head_size], with static hidden and head sizes, got "
             << t.getType();
  }
  int64_t hidden = getType(query).getDimSize(2);
  if (hidden % numHeads != 0)
    return node.emitError()
           << "num_heads = " << numHeads
           << " does not divide the query's hidden size " << hidden;
  int64_t headSize = hidden / numHeads;
  for (Value t : {key, value}) {
    auto type = getType(t);
    if (headsFirst
            ? type.getDimSize(1) != numHeads || type.getDimSize(3) != headSize
            : type.getDimSize(2) != hidden)
      return node.emitError()
             << "key and value must match the query's " << numHeads
             << " heads of " << headSize << ", got " << t.getType();
  }
  if (headsFirst && (node.hasInput(3) || node.hasInput(6)))
    return node.emitError() << "key and value split into heads take no bias "
                               "and no past_key/past_value";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value q = query, k = key, v = value;
  if (node.hasInput(3)) {
    Value bias = node.getInput(3);
    if (!bias)
      return failure();
    auto biasType = getType(bias);
    if (biasType.getRank() != 1 || biasType.getDimSize(0) != 3 * hidden)
      return node.emitError()
             << "bias must be [3 * " << hidden << "], got " << bias.getType();
    Value *targets[] = {&q, &k, &v};
    for (int i = 0; i < 3; ++i) {
      Value part = tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get({hidden}, elementType), bias,
          ArrayRef<OpFoldResult>{b.getIndexAttr(i * hidden)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(hidden)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
      FailureOr<Value> sum = buildBroadcastElementwise(
          node, {*targets[i], part}, elementType,
          [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
            return arith::AddFOp::create(nb, nloc, args[0], args[1]);
          });
      if (failed(sum))
        return failure();
      *targets[i] = *sum;
    }
  }
  Value batch = tensor::DimOp::create(b, loc, query, 0);
  for (Value t : {key, value})
    emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, t, 0), batch,
                             RunError::ShapeMismatch);
  int64_t lengthDim = headsFirst ? 2 : 1;
  emitRuntimeEqualityCheck(
      b, loc, tensor::DimOp::create(b, loc, key, lengthDim),
      tensor::DimOp::create(b, loc, value, lengthDim), RunError::ShapeMismatch);
  Value presentKey =
      headsFirst ? k : toHeadsFirst(b, loc, k, numHeads, headSize);
  Value presentValue =
      headsFirst ? v : toHeadsFirst(b, loc, v, numHeads, headSize);
  Value pastLength = indexConstant(b, loc, 0);
  if (node.hasInput(6)) {
    Value pastKey = node.getInput(6), pastValue = node.getInput(7);
    if (!pastKey || !pastValue ||
        failed(checkCache(node, pastKey, "past_key", elementType, numHeads,
                          headSize)) ||
        failed(checkCache(node, pastValue, "past_value", elementType, numHeads,
                          headSize)))
      return failure();
    pastLength = tensor::DimOp::create(b, loc, pastKey, 2);
    FailureOr<Value> keys = buildConcat(node, {pastKey, presentKey}, 2);
    FailureOr<Value> values = buildConcat(node, {pastValue, presentValue}, 2);
    if (failed(keys) || failed(values))
      return failure();
    presentKey = *keys;
    presentValue = *values;
  }
  Value padding, attentionBias;
  if (node.hasInput(4)) {
    padding = node.getInput(4);
    if (!padding)
      return failure();
    auto type = getType(padding);
    if (type.getRank() != 2 || !type.getElementType().isInteger(32))
      return node.emitError()
             << "key_padding_mask must be int32 [batch, total length] (the "
                "1-D and 3-D forms are not supported), got "
             << padding.getType();
    emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, padding, 0),
                             batch, RunError::ShapeMismatch);
    emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, padding, 1),
                             tensor::DimOp::create(b, loc, presentKey, 2),
                             RunError::ShapeMismatch);
  }
  if (node.hasInput(5)) {
    attentionBias = node.getInput(5);
    if (!attentionBias)
      return failure();
  }
  bool causal = node.getIntAttr("unidirectional", 0);
  AttentionConfig config{numHeads, numHeads, headSize,
                         node.getFloatAttr("scale", 0.0f)};
  // Keys and values repeated per query head before the node (repeat_kv
  // of a grouped-query model): attend to the heads they repeat instead.
  Value keys = presentKey, values = presentValue;
  if (headsFirst) {
    std::optional<RepeatedHeads> repeatedKeys = matchRepeatedHeads(node, k);
    std::optional<RepeatedHeads> repeatedValues = matchRepeatedHeads(node, v);
    if (repeatedKeys && repeatedValues && !repeatedKeys->transposed &&
        !repeatedValues->transposed &&
        repeatedKeys->repeats == repeatedValues->repeats) {
      keys = repeatedKeys->source;
      values = repeatedValues->source;
      config.kvNumHeads = numHeads / repeatedKeys->repeats;
    }
  }
  config.maskFilterValue = node.getFloatAttr("mask_filter_value", -10000.0f);
  auto isMasked = [&](OpBuilder &nb, Location nloc, Value bi, Value si,
                      Value ti) -> Value {
    Value hidden = arith::ConstantIntOp::create(nb, nloc, 0, 1);
    if (padding) {
      Value keep =
          tensor::ExtractOp::create(nb, nloc, padding, ValueRange{bi, ti});
      hidden =
          arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq, keep,
                                arith::ConstantIntOp::create(nb, nloc, 0, 32));
    }
    if (causal)
      hidden = arith::OrIOp::create(
          nb, nloc, hidden,
          arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::sgt, ti,
              arith::AddIOp::create(nb, nloc, pastLength, si)));
    return hidden;
  };
  FailureOr<Value> output =
      buildAttention(node, q, keys, values, attentionBias, config,
                     padding || causal ? MaskFn(isMasked) : MaskFn());
  if (failed(output))
    return failure();
  node.setOutput(0, *output);
  node.setOutput(1, presentKey);
  node.setOutput(2, presentValue);
  return success();
}

/// com.microsoft RotaryEmbedding on [batch, seq, hidden] (heads of
/// hidden / num_heads) or [batch, heads, seq, head_size], with the angles'
/// rows given by position_ids [batch, seq] or one offset.
LogicalResult convertRotaryEmbedding(NodeImporter &node) {
  Value input = node.getInput(0), positions = node.getInput(1),
        cosCache = node.getInput(2), sinCache = node.getInput(3);
  if (!input || !positions || !cosCache || !sinCache)
    return failure();
  auto type = getType(input);
  Type elementType = type.getElementType();
  int64_t rank = type.getRank();
  if (!isa<FloatType>(elementType) || (rank != 3 && rank != 4))
    return node.emitError()
           << "input must be a 3-D or 4-D float tensor, got " << type;
  if (node.getIntAttr("is_packed_batching", 0))
    return node.emitError() << "packed batching is not supported";
  auto cacheType = getType(cosCache);
  if (cacheType.getRank() != 2 || cacheType.isDynamicDim(1) ||
      getType(sinCache) != cacheType)
    return node.emitError() << "cos_cache and sin_cache must be 2-D with a "
                               "static last dimension";
  int64_t half = cacheType.getDimSize(1);
  int64_t rotaryDim = node.getIntAttr("rotary_embedding_dim", 0);
  if (rotaryDim == 0)
    rotaryDim = 2 * half;
  if (rotaryDim != 2 * half)
    return node.emitError() << "rotary_embedding_dim " << rotaryDim
                            << " does not match caches of width " << half;
  int64_t headSize;
  if (rank == 4) {
    headSize = type.getDimSize(3);
  } else {
    int64_t numHeads = node.getIntAttr("num_heads", 0);
    if (numHeads > 0 && !type.isDynamicDim(2))
      headSize = type.getDimSize(2) / numHeads;
    else
      headSize = rotaryDim;
  }
  if (ShapedType::isDynamic(headSize) || headSize < rotaryDim)
    return node.emitError()
           << "heads of size " << headSize
           << " cannot hold a rotary dimension of " << rotaryDim;
  auto positionType = getType(positions);
  if (positionType.getNumElements() != 1 && positionType.getRank() != 2)
    return node.emitError()
           << "position_ids must be [batch, sequence] or one offset";
  node.setOutput(0, buildRotaryEmbedding(node.getBuilder(), node.getLoc(),
                                         input, positions, cosCache, sinCache,
                                         headSize, rotaryDim,
                                         node.getIntAttr("interleaved", 0)));
  return success();
}

} // namespace

void ::tern::registerAttentionConverters(OpConverterRegistry &registry) {
  registry.add("RotaryEmbedding", 1, 1, convertRotaryEmbedding, kContribDomain);
  registry.add("GroupQueryAttention", 1, 1, convertGroupQueryAttention,
               kContribDomain);
  registry.add("MultiHeadAttention", 1, 1, convertMultiHeadAttention,
               kContribDomain);
}
