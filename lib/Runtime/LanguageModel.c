/*===- LanguageModel.c - The KV-cache signatures text generation takes ----===*/

#include "tern/Runtime/LanguageModel.h"

#include <string.h>

/* Exporters type ids int64 or int32, and caches and logits float32 or
 * float16. */
static int isIds(const TernTensorInfo *info) {
  return (info->dtype == TERN_DTYPE_I64 || info->dtype == TERN_DTYPE_I32) &&
         info->rank == 2;
}

static int isFloat(TernDType dtype) {
  return dtype == TERN_DTYPE_F32 || dtype == TERN_DTYPE_F16;
}

static int isCache(const TernTensorInfo *info) {
  return isFloat(info->dtype) && info->rank == 4 && info->shape[1] >= 0 &&
         info->shape[3] >= 0;
}

int tern_find_language_model_layout(const TernTensorInfo *inputs,
                                    size_t numInputs,
                                    const TernTensorInfo *outputs,
                                    size_t numOutputs,
                                    TernLanguageModelLayout *layout) {
  if (numInputs < 2 || numOutputs < 2 || strcmp(inputs[0].name, "input_ids") ||
      !isIds(&inputs[0]) || strcmp(outputs[0].name, "logits") ||
      !isFloat(outputs[0].dtype) || outputs[0].rank != 3)
    return 0;
  layout->inputIds = 0;
  layout->attentionMask = layout->positionIds = -1;
  layout->logits = 0;
  layout->numCaches = 0;
  for (size_t i = 1; i < numInputs; ++i) {
    const TernTensorInfo *in = &inputs[i];
    if (!strcmp(in->name, "attention_mask") && isIds(in) &&
        layout->attentionMask < 0)
      layout->attentionMask = (int)i;
    else if (!strcmp(in->name, "position_ids") && isIds(in) &&
             layout->positionIds < 0)
      layout->positionIds = (int)i;
    else if (isCache(in))
      layout->cacheInputs[layout->numCaches++] = (int)i;
    else
      return 0;
  }
  /* Every other output is a cache, paired with the inputs in order. */
  if ((size_t)layout->numCaches != numOutputs - 1 || layout->numCaches == 0)
    return 0;
  for (int c = 0; c < layout->numCaches; ++c) {
    const TernTensorInfo *out = &outputs[c + 1];
    const TernTensorInfo *in = &inputs[layout->cacheInputs[c]];
    if (!isCache(out) || out->dtype != in->dtype ||
        out->shape[1] != in->shape[1] || out->shape[3] != in->shape[3])
      return 0;
    layout->cacheOutputs[c] = c + 1;
  }
  return 1;
}
