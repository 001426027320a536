/* Loads the linked model through the C API: its signature, one run on
 * zeros, and the errors for a wrong dtype and a NULL pointer. */
#include "tern/Runtime/TernModel.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  TernModel *model;
  if (tern_model_create(&model) != TERN_OK) {
    printf("create: %s\n", tern_model_create_error());
    return 1;
  }
  size_t numInputs = tern_model_num_inputs(model);
  size_t numOutputs = tern_model_num_outputs(model);
  printf("inputs: %zu outputs: %zu\n", numInputs, numOutputs);
  TernTensor *inputs = calloc(numInputs, sizeof(TernTensor));
  TernTensor *outputs = calloc(numOutputs, sizeof(TernTensor));
  for (size_t i = 0; i < numInputs; ++i) {
    const TernTensorInfo *info = tern_model_input_info(model, i);
    printf("input %zu '%s': %s rank %d [", i, info->name,
           tern_dtype_name(info->dtype), info->rank);
    inputs[i].dtype = info->dtype;
    inputs[i].rank = info->rank;
    for (int d = 0; d < info->rank; ++d) {
      printf("%s%lld", d ? ", " : "", (long long)info->shape[d]);
      inputs[i].shape[d] = info->shape[d] < 0 ? 2 : info->shape[d];
    }
    printf("]\n");
    inputs[i].data = calloc((size_t)tern_tensor_num_elements(&inputs[i]),
                            tern_dtype_size(info->dtype));
  }
  TernStatus status =
      tern_model_run(model, inputs, numInputs, outputs, numOutputs);
  printf("run: %s\n", status == TERN_OK ? "ok" : tern_model_last_error(model));
  for (size_t i = 0; i < numOutputs; ++i)
    tern_tensor_release(&outputs[i]);

  inputs[0].dtype = TERN_DTYPE_I64;
  status = tern_model_run(model, inputs, numInputs, outputs, numOutputs);
  printf("wrong dtype: %d %s\n", status, tern_model_last_error(model));
  status = tern_model_run(model, NULL, numInputs, outputs, numOutputs);
  printf("null inputs: %d %s\n", status, tern_model_last_error(model));
  printf("zero threads: %d\n", tern_model_set_num_threads(model, 0));

  for (size_t i = 0; i < numInputs; ++i)
    free(inputs[i].data);
  free(inputs);
  free(outputs);
  tern_model_destroy(model);
  return 0;
}
