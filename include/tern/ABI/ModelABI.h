/*===- ModelABI.h - What ternc emits into each model --------------*- C -*-===*
 *
 * The contract between ternc's code generator and the model runtime: ternc
 * emits one `tern_model_descriptor` per library, the runtime reads it.
 * Not for users; they use TernModel.h.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TERN_ABI_MODELABI_H
#define TERN_ABI_MODELABI_H

#include "tern/Runtime/TernModel.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bumped whenever the layout below or the entry convention changes. */
#define TERN_MODEL_ABI_VERSION 1

/** Symbol name of the descriptor in a compiled model. */
#define TERN_MODEL_DESCRIPTOR_SYMBOL "tern_model_descriptor"

/**
 * `entry(results, inputs)` runs the model. `inputs[i]` points to an MLIR
 * memref descriptor {allocated, aligned, offset, sizes[rank],
 * strides[rank]} for input i. `results` points to the outputs' memref
 * descriptors laid out one after another; each returned buffer is a heap
 * allocation the runtime takes over (free() releases it).
 */
typedef void (*TernModelEntryFn)(void *results, void **inputs);

/** Compiled code calls `tern_report_runtime_error(code)` when an input's
 *  values or sizes make the model meaningless; the run then fails with the
 *  code's message instead of returning a wrong answer. */
#define TERN_RUNTIME_ERROR_HOOK "tern_report_runtime_error"
enum TernRuntimeErrorCode {
  /** An index input (Gather, GatherElements, ScatterND, a loss's class
   *  index, a run-time axis) is outside its tensor, or a run-time Slice
   *  step is 0. */
  TERN_RUNTIME_ERROR_INDEX_OUT_OF_RANGE = 1,
  /** A Reshape's sizes do not hold the input's element count. */
  TERN_RUNTIME_ERROR_RESHAPE_MISMATCH = 2,
  /** Sizes that must agree do not: operands of an elementwise op (or a
   *  matmul's reduction) whose dynamic sizes differ, a dynamic size of 1
   *  included, which is not broadcast; or a size computed at run time that
   *  is negative or differs from what shape inference promised. */
  TERN_RUNTIME_ERROR_SHAPE_MISMATCH = 3,
  /** An attention's sequence lengths (GroupQueryAttention's seqlens_k and
   *  total_sequence_length) do not fit this step's tokens and the cache. */
  TERN_RUNTIME_ERROR_SEQUENCE_LENGTH = 4,
  /** A GPU driver call failed (the device runtime names it). */
  TERN_RUNTIME_ERROR_DEVICE = 5,
};

typedef struct TernModelDescriptor {
  uint32_t abi_version;
  uint32_t num_inputs;
  uint32_t num_outputs;
  uint32_t reserved;
  const TernTensorInfo *inputs;
  const TernTensorInfo *outputs;
  TernModelEntryFn entry;
} TernModelDescriptor;

/** Models compiled with `--weights=external` keep their large constants in
 *  a side file next to the library or executable, mapped read-only when a
 *  model is created. ternc then emits `tern_model_weights` and reads every
 *  such constant at `tern_weights_base + offset`. */
#define TERN_MODEL_WEIGHTS_SYMBOL "tern_model_weights"
#define TERN_WEIGHTS_BASE_SYMBOL "tern_weights_base"
/** The side file: this header, then the data from byte 64. */
#define TERN_WEIGHTS_MAGIC "TERNWTS1"
#define TERN_WEIGHTS_HEADER_SIZE 64
typedef struct TernWeightsFileHeader {
  char magic[8];
  uint64_t data_size;
  /** A hash of the data, also in the model: a side file from another
   *  compilation is refused. */
  uint64_t id;
} TernWeightsFileHeader;

typedef struct TernModelWeights {
  uint64_t data_size;
  uint64_t id;
  /** The side file's name, found in the directory of the library or
   *  executable (or given by TERN_WEIGHTS_FILE). */
  const char *file_name;
} TernModelWeights;

#ifdef __cplusplus
}
#endif

#endif /* TERN_ABI_MODELABI_H */
