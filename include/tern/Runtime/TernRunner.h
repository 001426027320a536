/*===- TernRunner.h - tern-run's command line, for any model ------*- C -*-===*
 *
 * One runner serves tern-run (which dlopens a model library) and every
 * executable `ternc --emit=exe` links (which calls its own model), so both
 * take the same flags. Plain C with no dependency beyond libc: executables
 * must not need LLVM, hence no llvm::cl here.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TERN_RUNTIME_TERNRUNNER_H
#define TERN_RUNTIME_TERNRUNNER_H

#include "tern/Runtime/TernModel.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The C API of one model, as function pointers: a dlopened library's or
 *  the executable's own. */
typedef struct TernModelApi {
  TernStatus (*create)(TernModel **model);
  void (*destroy)(TernModel *model);
  size_t (*num_inputs)(const TernModel *model);
  size_t (*num_outputs)(const TernModel *model);
  const TernTensorInfo *(*input_info)(const TernModel *model, size_t index);
  const TernTensorInfo *(*output_info)(const TernModel *model, size_t index);
  TernStatus (*run)(TernModel *model, const TernTensor *inputs,
                    size_t num_inputs, TernTensor *outputs, size_t num_outputs);
  const char *(*last_error)(const TernModel *model);
  TernStatus (*set_num_threads)(TernModel *model, int32_t threads);
  const char *(*create_error)(void);
} TernModelApi;

/** Whether `arg` is one of the runner's flags that takes its value from
 *  the next argument (`--input`, not `--input=x.npy`): tern-run tells the
 *  model's path from flag values with it. */
int tern_runner_flag_takes_value(const char *arg);

/** The flags, for --help; `usage` is the line that names the program. */
void tern_runner_print_help(const char *usage);

/** Runs `api`'s model with the flags in argv[0..argc) (no program name and
 *  no model path): reads or makes inputs, runs, prints a summary of each
 *  output, writes .npy files, and times runs. Returns the exit status;
 *  every failure prints "<program>: error: <message>". */
int tern_runner_main(const TernModelApi *api, const char *program,
                     const char *usage, int argc, char **argv);

/** As `tern_runner_main`, for a caller that loaded the model itself (tern-run
 *  opens the library and creates a first instance, which maps the weights):
 *  `load_millis` is what that took, printed as the load time. */
int tern_runner_main_loaded(const TernModelApi *api, const char *program,
                            const char *usage, int argc, char **argv,
                            double load_millis);

#ifdef __cplusplus
}
#endif

#endif /* TERN_RUNTIME_TERNRUNNER_H */
