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
      .TypeAndShapeInferenceFunction([](InferenceContext &ctx) {
        propagateShapeAndTypeFromFirstInput(ctx);
        if (ctx.getNumOutputs() > 3) {
          propagateElemTypeFromInputToOutput(ctx, 0, 3);
          if (hasInputShape(ctx, 0))
            propagateShapeFromInputToOutput(ctx, 0, 3);
        }
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
          rotaryEmbedding(),
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
