/*===- TernModel.h - C API of a compiled Tern model ---------------*- C -*-===*
 *
 * Every shared library ternc emits exports these functions. Include this
 * header and link the library (or dlopen it) to run the model.
 *
 *   TernModel *model;
 *   if (tern_model_create(&model) != TERN_OK) ...
 *   TernTensor in = {data, TERN_DTYPE_F32, 2, {1, 64}};
 *   TernTensor out;
 *   if (tern_model_run(model, &in, 1, &out, 1) != TERN_OK)
 *     fprintf(stderr, "%s\n", tern_model_last_error(model));
 *   ... use out.data, then tern_tensor_release(&out);
 *   tern_model_destroy(model);
 *
 *===----------------------------------------------------------------------===*/

#ifndef TERN_RUNTIME_TERNMODEL_H
#define TERN_RUNTIME_TERNMODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TERN_API __attribute__((visibility("default")))
#else
#define TERN_API
#endif

/** The most dimensions a tensor passed through the C API may have. */
#define TERN_MAX_RANK 8

typedef enum TernStatus {
  TERN_OK = 0,
  /** A null pointer, a wrong number of tensors, or a rank over the limit. */
  TERN_ERROR_INVALID_ARGUMENT = 1,
  /** An input's element type is not the one the model was compiled for. */
  TERN_ERROR_DTYPE_MISMATCH = 2,
  /** An input's shape disagrees with the model's signature. */
  TERN_ERROR_SHAPE_MISMATCH = 3,
  TERN_ERROR_OUT_OF_MEMORY = 4,
  /** The library was compiled against another version of this ABI. */
  TERN_ERROR_ABI_MISMATCH = 5,
  /** A model compiled for a GPU found no usable device or driver, or a
   *  driver call failed; the error message names the call. */
  TERN_ERROR_DEVICE = 6,
} TernStatus;

typedef enum TernDType {
  TERN_DTYPE_INVALID = 0,
  TERN_DTYPE_F32 = 1,
  TERN_DTYPE_F64 = 2,
  TERN_DTYPE_F16 = 3,
  TERN_DTYPE_BF16 = 4,
  TERN_DTYPE_I8 = 5,
  TERN_DTYPE_I16 = 6,
  TERN_DTYPE_I32 = 7,
  TERN_DTYPE_I64 = 8,
  TERN_DTYPE_BOOL = 9,
  TERN_DTYPE_U8 = 10,
  TERN_DTYPE_U16 = 11,
  TERN_DTYPE_U32 = 12,
  TERN_DTYPE_U64 = 13,
} TernDType;

/** What the model expects of one input or produces as one output. */
typedef struct TernTensorInfo {
  const char *name;
  int32_t dtype; /* a TernDType */
  int32_t rank;
  /** `rank` sizes; -1 marks a dynamic dimension. */
  const int64_t *shape;
  /** `rank` ONNX dim_param names ("" if none), or NULL when there are none.
   *  Inputs sharing a name must agree on that dimension's size. */
  const char *const *dim_params;
} TernTensorInfo;

/** A dense row-major tensor. */
typedef struct TernTensor {
  void *data;
  int32_t dtype; /* a TernDType */
  int32_t rank;
  int64_t shape[TERN_MAX_RANK];
} TernTensor;

typedef struct TernModel TernModel;

TERN_API TernStatus tern_model_create(TernModel **model);
TERN_API void tern_model_destroy(TernModel *model);

TERN_API size_t tern_model_num_inputs(const TernModel *model);
TERN_API size_t tern_model_num_outputs(const TernModel *model);
/** NULL when `index` is out of range. */
TERN_API const TernTensorInfo *tern_model_input_info(const TernModel *model,
                                                     size_t index);
TERN_API const TernTensorInfo *tern_model_output_info(const TernModel *model,
                                                      size_t index);

/** Runs the model. `inputs` stay owned by the caller and are never written.
 *  On success each `outputs[i]` receives a freshly allocated buffer that the
 *  caller owns and releases with `tern_tensor_release`. On failure nothing
 *  is allocated and `tern_model_last_error` says what was wrong. */
TERN_API TernStatus tern_model_run(TernModel *model, const TernTensor *inputs,
                                   size_t num_inputs, TernTensor *outputs,
                                   size_t num_outputs);

/** The message of the last failed call on `model` ("" if none). */
TERN_API const char *tern_model_last_error(const TernModel *model);

/** Why the last `tern_model_create` on this thread failed ("" if none). */
TERN_API const char *tern_model_create_error(void);

/** Runs this thread's later calls of `tern_model_run` on `threads` OpenMP
 *  threads (at least 1). Without it a model uses OMP_NUM_THREADS, else
 *  every core. Results do not depend on the thread count: threads share
 *  out whole outputs, never parts of one sum. */
TERN_API TernStatus tern_model_set_num_threads(TernModel *model,
                                               int32_t threads);

TERN_API void tern_tensor_release(TernTensor *tensor);
TERN_API size_t tern_dtype_size(int32_t dtype);
TERN_API const char *tern_dtype_name(int32_t dtype);
/** Number of elements of a tensor (1 for rank 0); -1 for a rank outside
 *  [0, TERN_MAX_RANK], a negative size, or a count past INT64_MAX. */
TERN_API int64_t tern_tensor_num_elements(const TernTensor *tensor);

#ifdef __cplusplus
}
#endif

#endif /* TERN_RUNTIME_TERNMODEL_H */
