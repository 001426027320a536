/*===- LanguageModel.h - The KV-cache signatures text generation takes -*- C
 *-*-===*
 *
 * Which inputs and outputs of a model make it a causal language model with
 * a KV cache, for the text generator (lib/Runtime/Generate.c) and for
 * `ternc --emit=exe`, which gives such models the generator: one definition
 * for both. Not part of the C API.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TERN_RUNTIME_LANGUAGEMODEL_H
#define TERN_RUNTIME_LANGUAGEMODEL_H

#include "tern/Runtime/TernModel.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where a language model's tensors are among its inputs and outputs.
 *  Two signatures are recognized, both with the caches in the same order
 *  among the inputs as among the outputs:
 *
 *  - Tern's own (`tern.export.export_onnx(..., kv_cache=True)`):
 *    `input_ids`, then the caches `past_*` -> `logits`, `present_*`;
 *  - Hugging Face Optimum's: `input_ids`, `attention_mask`, `position_ids`
 *    (each optional after `input_ids`, in any order),
 *    `past_key_values.<i>.key/value` -> `logits`, `present.<i>.key/value`.
 *    ONNX Runtime GenAI's model builder writes the same names without
 *    `position_ids` (its GroupQueryAttention derives the positions from
 *    `attention_mask`), so this one rule takes both.
 *
 *  `input_ids` is [batch, seq], `attention_mask` [batch, past + seq] and
 *  `position_ids` [batch, seq], each int64 or int32; `logits` is [batch,
 *  seq, vocab] and every cache [batch, heads, length, head_dim] with static
 *  heads and head_dim, each float32 or float16 (a cache's output of its
 *  input's type). */
typedef struct TernLanguageModelLayout {
  int inputIds;
  int attentionMask; /* -1 when absent */
  int positionIds;   /* -1 when absent */
  int logits;
  /** Cache i is input cacheInputs[i] and output cacheOutputs[i]; both
   *  arrays are the caller's, with room for every input. */
  int numCaches;
  int *cacheInputs;
  int *cacheOutputs;
} TernLanguageModelLayout;

/** Fills `layout` (whose cache arrays the caller provides) and returns 1
 *  when the signature is one of the above; returns 0 otherwise. */
int tern_find_language_model_layout(const TernTensorInfo *inputs,
                                    size_t numInputs,
                                    const TernTensorInfo *outputs,
                                    size_t numOutputs,
                                    TernLanguageModelLayout *layout);

#ifdef __cplusplus
}
#endif

#endif /* TERN_RUNTIME_LANGUAGEMODEL_H */
