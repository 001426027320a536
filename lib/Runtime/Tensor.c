/*===- Tensor.c - TernTensor and dtype helpers of the C API ---------------===*
 *
 * Shared by the runtime linked into models and by host tools, which need
 * the same helpers without a model descriptor.
 *
 *===----------------------------------------------------------------------===*/

#include "tern/Runtime/TernModel.h"

#include <stdlib.h>

size_t tern_dtype_size(int32_t dtype) {
  switch (dtype) {
  case TERN_DTYPE_F64:
  case TERN_DTYPE_I64:
  case TERN_DTYPE_U64:
    return 8;
  case TERN_DTYPE_F32:
  case TERN_DTYPE_I32:
  case TERN_DTYPE_U32:
    return 4;
  case TERN_DTYPE_F16:
  case TERN_DTYPE_BF16:
  case TERN_DTYPE_I16:
  case TERN_DTYPE_U16:
    return 2;
  case TERN_DTYPE_I8:
  case TERN_DTYPE_U8:
  case TERN_DTYPE_BOOL:
    return 1;
  default:
    return 0;
  }
}

const char *tern_dtype_name(int32_t dtype) {
  switch (dtype) {
  case TERN_DTYPE_F32:
    return "float32";
  case TERN_DTYPE_F64:
    return "float64";
  case TERN_DTYPE_F16:
    return "float16";
  case TERN_DTYPE_BF16:
    return "bfloat16";
  case TERN_DTYPE_I8:
    return "int8";
  case TERN_DTYPE_I16:
    return "int16";
  case TERN_DTYPE_I32:
    return "int32";
  case TERN_DTYPE_I64:
    return "int64";
  case TERN_DTYPE_BOOL:
    return "bool";
  case TERN_DTYPE_U8:
    return "uint8";
  case TERN_DTYPE_U16:
    return "uint16";
  case TERN_DTYPE_U32:
    return "uint32";
  case TERN_DTYPE_U64:
    return "uint64";
  default:
    return "invalid";
  }
}

int64_t tern_tensor_num_elements(const TernTensor *tensor) {
  if (tensor->rank < 0 || tensor->rank > TERN_MAX_RANK)
    return -1;
  int hasZero = 0;
  for (int32_t d = 0; d < tensor->rank; ++d) {
    if (tensor->shape[d] < 0)
      return -1;
    hasZero |= tensor->shape[d] == 0;
  }
  /* A zero size empties the tensor whatever the others multiply to. */
  if (hasZero)
    return 0;
  int64_t n = 1;
  for (int32_t d = 0; d < tensor->rank; ++d) {
    if (n > INT64_MAX / tensor->shape[d])
      return -1;
    n *= tensor->shape[d];
  }
  return n;
}

void tern_tensor_release(TernTensor *tensor) {
  if (!tensor)
    return;
  free(tensor->data);
  tensor->data = NULL;
}
