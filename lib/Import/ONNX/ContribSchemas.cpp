//===- ContribSchemas.cpp - Schemas of the com.microsoft ops Tern imports -===//
//
// libonnx knows only the standard ops; its checker rejects, and its shape
// inference skips, the ONNX Runtime contrib ops exporters emit for LLMs.
// Registering their schemas (signatures as ONNX Runtime documents them, and
// shape inference) lets the checker validate those nodes and gives their
// outputs types, so the rest of the graph keeps its shapes.
//
//===----------------------------------------------------------------------===//

#include "ContribSchemas.h"

#include <onnx/defs/schema.h>
#include <onnx/defs/shape_inference.h>

#include <mutex>

using namespace onnx;

namespace tern {

static const std::vector<std::string> kFloatTypes = {
    "tensor(float)", "tensor(float16)", "tensor(bfloat16)", "tensor(double)"};

static void propagateFirstInput(InferenceContext &ctx) {
  propagateShapeAndTypeFromFirstInput(ctx);
}

/// The skip normalizations: the output and the input + skip sum (output 3)
/// are shaped like the input.
static void propagateSkipSum(InferenceContext &ctx) {
  propagateShapeAndTypeFromFirstInput(ctx);
  if (ctx.getNumOutputs() > 3) {
    propagateElemTypeFromInputToOutput(ctx, 0, 3);
    if (hasInputShape(ctx, 0))
      propagateShapeFromInputToOutput(ctx, 0, 3);
  }
}

static OpSchema matMulNBits() {
  OpSchema schema;
  schema.SetName("MatMulNBits")
      .SetDomain(kContribDomain)
      .SinceVersion(1)
      .SetDoc("Y = A x dequantize(B)^T, B holding N rows of K bits-wide "
              "codes in blocks of block_size along K.")
      .Attr("K", "", AttributeProto::INT)
      .Attr("N", "", AttributeProto::INT)
      .Attr("bits", "", AttributeProto::INT, static_cast<int64_t>(4))
      .Attr("block_size", "", AttributeProto::INT)
      .Attr("accuracy_level", "", AttributeProto::INT, static_cast<int64_t>(0))
      .Input(0, "A", "", "T1")
      .Input(1, "B", "", "T2")
      .Input(2, "scales", "", "T1")
      .Input(3, "zero_points", "", "T3", OpSchema::Optional)
      .Input(4, "g_idx", "", "T4", OpSchema::Optional)
      .Input(5, "bias", "", "T1", OpSchema::Optional)
      .Output(0, "Y", "", "T1")
      .TypeConstraint("T1", kFloatTypes, "")
      .TypeConstraint("T2", {"tensor(uint8)", "tensor(int32)"}, "")
      .TypeConstraint("T3",
                      {"tensor(uint8)", "tensor(int32)", "tensor(float16)",
                       "tensor(float)", "tensor(bfloat16)"},
                      "")
      .TypeConstraint("T4", {"tensor(int32)"}, "")
      .TypeAndShapeInferenceFunction([](InferenceContext &ctx) {
        propagateElemTypeFromInputToOutput(ctx, 0, 0);
        if (!hasInputShape(ctx, 0))
          return;
        const TensorShapeProto &a = getInputShape(ctx, 0);
        TensorShapeProto y;
        for (int d = 0; d + 1 < a.dim_size(); ++d)
          *y.add_dim() = a.dim(d);
        y.add_dim()->set_dim_value(getAttribute(ctx, "N", 0));
        updateOutputShape(ctx, 0, y);
      });
  return schema;
}

/// FastGelu and BiasGelu: an activation of X (+ bias, broadcast along the
/// last dimension).
static OpSchema biasedActivation(const char *name, const char *doc) {
  OpSchema schema;
  schema.SetName(name)
      .SetDomain(kContribDomain)
      .SinceVersion(1)
      .SetDoc(doc)
      .Input(0, "X", "", "T")
      .Input(1, "bias", "", "T", OpSchema::Optional)
      .Output(0, "Y", "", "T")
      .TypeConstraint("T", kFloatTypes, "")
      .TypeAndShapeInferenceFunction(propagateFirstInput);
  return schema;
}

static OpSchema quickGelu() {
  OpSchema schema;
  schema.SetName("QuickGelu")
      .SetDomain(kContribDomain)
      .SinceVersion(1)
      .SetDoc("Y = X * sigmoid(alpha * X).")
      .Attr("alpha", "", AttributeProto::FLOAT, 1.702f)
      .Input(0, "X", "", "T")
      .Output(0, "Y", "", "T")
      .TypeConstraint("T", kFloatTypes, "")
      .TypeAndShapeInferenceFunction(propagateFirstInput);
  return schema;
}

static OpSchema simplifiedLayerNormalization(const char *domain) {
  OpSchema schema;
  schema.SetName("SimplifiedLayerNormalization")
      .SetDomain(domain)
      .SinceVersion(1)
      .SetDoc("RMS normalization: X / sqrt(mean(X^2) + epsilon) * scale over "
              "the dimensions from axis on.")
      .Attr("axis", "", AttributeProto::INT, static_cast<int64_t>(-1))
      .Attr("epsilon", "", AttributeProto::FLOAT, 1e-5f)
      .Attr("stash_type", "", AttributeProto::INT, static_cast<int64_t>(1))
      .Input(0, "X", "", "T")
      .Input(1, "scale", "", "V")
      .Output(0, "Y", "", "V")
      .Output(1, "inv_std_var", "", "U", OpSchema::Optional)
      .TypeConstraint("T", kFloatTypes, "")
      .TypeConstraint("U", {"tensor(float)", "tensor(double)"}, "")
      .TypeConstraint("V", kFloatTypes, "")
      .TypeAndShapeInferenceFunction(propagateFirstInput);
  return schema;
}

static OpSchema skipSimplifiedLayerNormalization() {
  OpSchema schema;
  schema.SetName("SkipSimplifiedLayerNormalization")
      .SetDomain(kContribDomain)
      .SinceVersion(1)
      .SetDoc("RMS normalization of input + skip (+ bias), scaled by gamma.")
      .Attr("epsilon", "", AttributeProto::FLOAT, 1e-5f)
      .Input(0, "input", "", "T")
      .Input(1, "skip", "", "T")
      .Input(2, "gamma", "", "T")
      .Input(3, "bias", "", "T", OpSchema::Optional)
      .Output(0, "output", "", "T")
      .Output(1, "mean", "", "U", OpSchema::Optional)
      .Output(2, "inv_std_var", "", "U", OpSchema::Optional)
      .Output(3, "input_skip_bias_sum", "", "T", OpSchema::Optional)
      .TypeConstraint("T", kFloatTypes, "")
      .TypeConstraint("U", {"tensor(float)"}, "")
      .TypeAndShapeInferenceFunction(propagateSkipSum);
  return schema;
}

static OpSchema skipLayerNormalization() {
  OpSchema schema;
  schema.SetName("SkipLayerNormalization")
      .SetDomain(kContribDomain)
      .SinceVersion(1)
      .SetDoc("Layer normalization of input + skip (+ bias), scaled by gamma "
              "and shifted by beta.")
      .Attr("epsilon", "", AttributeProto::FLOAT, 1e-12f)
      .Input(0, "input", "", "T")
      .Input(1, "skip", "", "T")
      .Input(2, "gamma", "", "T")
      .Input(3, "beta", "", "T", OpSchema::Optional)
      .Input(4, "bias", "", "T", OpSchema::Optional)
      .Output(0, "output", "", "T")
      .Output(1, "mean", "", "U", OpSchema::Optional)
      .Output(2, "inv_std_var", "", "U", OpSchema::Optional)
      .Output(3, "input_skip_bias_sum", "", "T", OpSchema::Optional)
      .TypeConstraint("T", kFloatTypes, "")
      .TypeConstraint("U", {"tensor(float)"}, "")
      .TypeAndShapeInferenceFunction(propagateSkipSum);
  return schema;
}

/// The [batch, kv_heads, ?, head_size] present caches of an attention op,
/// outputs 1 and 2, typed like input 0.
static void inferPresentCaches(InferenceContext &ctx, int64_t kvHeads,
                               int64_t headSize) {
  for (size_t i = 1; i < 3 && i < ctx.getNumOutputs(); ++i) {
    propagateElemTypeFromInputToOutput(ctx, 0, i);
    if (!hasInputShape(ctx, 0))
      continue;
    TensorShapeProto shape;
    *shape.add_dim() = getInputShape(ctx, 0).dim(0);
    shape.add_dim()->set_dim_value(kvHeads);
    shape.add_dim();
    if (headSize > 0)
      shape.add_dim()->set_dim_value(headSize);
    else
      shape.add_dim();
    updateOutputShape(ctx, i, shape);
  }
}

static OpSchema groupQueryAttention() {
  OpSchema schema;
  schema.SetName("GroupQueryAttention")
      .SetDomain(kContribDomain)
      .SinceVersion(1)
      .SetDoc("Grouped-query attention with a KV cache, positions from "
              "seqlens_k and optional rotary embedding (ONNX Runtime).")
      .Attr("num_heads", "", AttributeProto::INT)
      .Attr("kv_num_heads", "", AttributeProto::INT)
      .Attr("scale", "", AttributeProto::FLOAT, 0.0f)
      .Attr("softcap", "", AttributeProto::FLOAT, 0.0f)
      .Attr("local_window_size", "", AttributeProto::INT,
            static_cast<int64_t>(-1))
      .Attr("do_rotary", "", AttributeProto::INT, static_cast<int64_t>(0))
      .Attr("rotary_interleaved", "", AttributeProto::INT,
            static_cast<int64_t>(0))
      .Attr("smooth_softmax", "", AttributeProto::INT, static_cast<int64_t>(0))
      .Attr("qk_output", "", AttributeProto::INT, static_cast<int64_t>(0))
      .Input(0, "query", "", "T")
      .Input(1, "key", "", "T", OpSchema::Optional)
      .Input(2, "value", "", "T", OpSchema::Optional)
      .Input(3, "past_key", "", "T", OpSchema::Optional)
      .Input(4, "past_value", "", "T", OpSchema::Optional)
      .Input(5, "seqlens_k", "", "M")
      .Input(6, "total_sequence_length", "", "M")
      .Input(7, "cos_cache", "", "T", OpSchema::Optional)
      .Input(8, "sin_cache", "", "T", OpSchema::Optional)
      .Input(9, "position_ids", "", "tensor(int64)", OpSchema::Optional)
      .Input(10, "attention_bias", "", "T", OpSchema::Optional)
      .Input(11, "head_sink", "", "T", OpSchema::Optional)
      .Output(0, "output", "", "T")
      .Output(1, "present_key", "", "T")
      .Output(2, "present_value", "", "T")
      .Output(3, "output_qk", "", "T", OpSchema::Optional)
      .TypeConstraint("T", kFloatTypes, "")
      .TypeConstraint("M", {"tensor(int32)"}, "")
      .TypeAndShapeInferenceFunction([](InferenceContext &ctx) {
        propagateElemTypeFromInputToOutput(ctx, 0, 0);
        int64_t heads = getAttribute(ctx, "num_heads", 0);
        int64_t kvHeads = getAttribute(ctx, "kv_num_heads", 0);
        if (!hasInputShape(ctx, 0) || heads <= 0 || kvHeads <= 0)
          return;
        const TensorShapeProto &query = getInputShape(ctx, 0);
        if (query.dim_size() != 3)
          return;
        bool packed = !ctx.getInputType(1);
        int64_t headSize = 0;
        if (query.dim(2).has_dim_value())
          headSize =
              query.dim(2).dim_value() / (packed ? heads + 2 * kvHeads : heads);
        TensorShapeProto output;
        *output.add_dim() = query.dim(0);
        *output.add_dim() = query.dim(1);
        if (headSize > 0)
          output.add_dim()->set_dim_value(heads * headSize);
        else
          output.add_dim();
        updateOutputShape(ctx, 0, output);
        inferPresentCaches(ctx, kvHeads, headSize);
      });
  return schema;
}

static OpSchema multiHeadAttention() {
  OpSchema schema;
  schema.SetName("MultiHeadAttention")
      .SetDomain(kContribDomain)
      .SinceVersion(1)
      .SetDoc("Multi-head attention of query, key and value with optional "
              "past state, padding mask and attention bias (ONNX Runtime).")
      .Attr("num_heads", "", AttributeProto::INT)
      .Attr("mask_filter_value", "", AttributeProto::FLOAT, -10000.0f)
      .Attr("scale", "", AttributeProto::FLOAT, 0.0f)
      .Attr("unidirectional", "", AttributeProto::INT, static_cast<int64_t>(0))
      .Input(0, "query", "", "T")
      .Input(1, "key", "", "T", OpSchema::Optional)
      .Input(2, "value", "", "T", OpSchema::Optional)
      .Input(3, "bias", "", "T", OpSchema::Optional)
      .Input(4, "key_padding_mask", "", "M", OpSchema::Optional)
      .Input(5, "attention_bias", "", "T", OpSchema::Optional)
      .Input(6, "past_key", "", "T", OpSchema::Optional)
      .Input(7, "past_value", "", "T", OpSchema::Optional)
      .Input(8, "past_sequence_length", "", "M", OpSchema::Optional)
      .Input(9, "cache_indirection", "", "M", OpSchema::Optional)
      .Output(0, "output", "", "T")
      .Output(1, "present_key", "", "T", OpSchema::Optional)
      .Output(2, "present_value", "", "T", OpSchema::Optional)
      .Output(3, "qk", "", "T", OpSchema::Optional)
      .TypeConstraint("T", kFloatTypes, "")
      .TypeConstraint("M", {"tensor(int32)"}, "")
      .TypeAndShapeInferenceFunction([](InferenceContext &ctx) {
        propagateShapeAndTypeFromFirstInput(ctx);
        int64_t heads = getAttribute(ctx, "num_heads", 0);
        if (!hasInputShape(ctx, 0) || heads <= 0)
          return;
        const TensorShapeProto &query = getInputShape(ctx, 0);
        int64_t headSize = query.dim_size() == 3 && query.dim(2).has_dim_value()
                               ? query.dim(2).dim_value() / heads
                               : 0;
        inferPresentCaches(ctx, heads, headSize);
      });
  return schema;
}

static OpSchema rotaryEmbedding() {
  OpSchema schema;
  schema.SetName("RotaryEmbedding")
      .SetDomain(kContribDomain)
      .SinceVersion(1)
      .SetDoc("Rotary position embedding with cos/sin caches indexed by "
              "position_ids.")
      .Attr("scale", "", AttributeProto::FLOAT, 1.0f)
      .Attr("interleaved", "", AttributeProto::INT, static_cast<int64_t>(0))
      .Attr("rotary_embedding_dim", "", AttributeProto::INT,
            static_cast<int64_t>(0))
      .Attr("num_heads", "", AttributeProto::INT, static_cast<int64_t>(0))
      .Attr("is_packed_batching", "", AttributeProto::INT,
            static_cast<int64_t>(0))
      .Input(0, "input", "", "T")
      .Input(1, "position_ids", "", "M")
      .Input(2, "cos_cache", "", "T")
      .Input(3, "sin_cache", "", "T")
      .Output(0, "output", "", "T")
      .TypeConstraint("T", kFloatTypes, "")
      .TypeConstraint("M", {"tensor(int64)"}, "")
      .TypeAndShapeInferenceFunction(propagateFirstInput);
  return schema;
}

void registerContribSchemas() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto &domains = OpSchemaRegistry::DomainToVersionRange::Instance();
    if (!domains.Map().count(kContribDomain))
      domains.AddDomainToVersion(kContribDomain, 1, 1);
    for (OpSchema schema :
         {matMulNBits(), simplifiedLayerNormalization(kContribDomain),
          simplifiedLayerNormalization(""), skipSimplifiedLayerNormalization(),
          skipLayerNormalization(), rotaryEmbedding(), groupQueryAttention(),
          multiHeadAttention(),
          biasedActivation("FastGelu",
                           "Y = 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 "
                           "x^3))), x = X (+ bias)."),
          biasedActivation("BiasGelu",
                           "Y = 0.5 x (1 + erf(x / sqrt(2))), x = X + bias."),
          quickGelu()}) {
      if (!OpSchemaRegistry::Schema(schema.Name(), schema.SinceVersion(),
                                    schema.domain()))
        RegisterSchema(std::move(schema));
    }
  });
}

} // namespace tern
