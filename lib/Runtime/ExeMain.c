/*===- ExeMain.c - main() of executables ternc --emit=exe links -----------===*
 *
 * The model's own C API in the runner's table: the executable takes
 * tern-run's flags, with the model built in.
 *
 *===----------------------------------------------------------------------===*/

#include "tern/Runtime/TernRunner.h"

#include <string.h>

int main(int argc, char **argv) {
  static const TernModelApi api = {
      tern_model_create,      tern_model_destroy,    tern_model_num_inputs,
      tern_model_num_outputs, tern_model_input_info, tern_model_output_info,
      tern_model_run,         tern_model_last_error, tern_model_set_num_threads,
      tern_model_create_error};
  const char *program = argc > 0 ? argv[0] : "model";
  const char *slash = strrchr(program, '/');
  return tern_runner_main(&api, slash ? slash + 1 : program, program,
                          argc > 0 ? argc - 1 : 0, argv + (argc > 0));
}
