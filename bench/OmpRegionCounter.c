/*===- OmpRegionCounter.c - Count OpenMP parallel regions (OMPT tool) -----===*
 *
 * Loaded into a process with OMP_TOOL_LIBRARIES=libtern-omp-region-counter.so,
 * libomp calls it at every parallel region's start. It counts regions that
 * run on a team of more than one thread (forks) and those that run on the
 * calling thread (an `if` clause that was false), and writes both to the
 * file named by TERN_OMP_COUNT_FILE (or stderr) at exit:
 *
 *   forks N serialized M
 *
 * bench/e2e_vs_ort.py runs a decode step with it to report forks per token.
 *
 *===----------------------------------------------------------------------===*/

#include <omp-tools.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_ulong forks, serialized;

static void onParallelBegin(ompt_data_t *encounteringTaskData,
                            const ompt_frame_t *encounteringTaskFrame,
                            ompt_data_t *parallelData,
                            unsigned int requestedParallelism, int flags,
                            const void *codeptr) {
  (void)encounteringTaskData;
  (void)encounteringTaskFrame;
  (void)parallelData;
  (void)flags;
  (void)codeptr;
  if (requestedParallelism > 1)
    atomic_fetch_add(&forks, 1);
  else
    atomic_fetch_add(&serialized, 1);
}

static int initialize(ompt_function_lookup_t lookup, int initialDeviceNum,
                      ompt_data_t *toolData) {
  (void)initialDeviceNum;
  (void)toolData;
  ompt_set_callback_t setCallback =
      (ompt_set_callback_t)lookup("ompt_set_callback");
  setCallback(ompt_callback_parallel_begin, (ompt_callback_t)onParallelBegin);
  return 1;
}

static void finalize(ompt_data_t *toolData) {
  (void)toolData;
  const char *path = getenv("TERN_OMP_COUNT_FILE");
  FILE *out = path ? fopen(path, "w") : stderr;
  if (!out)
    return;
  fprintf(out, "forks %lu serialized %lu\n", atomic_load(&forks),
          atomic_load(&serialized));
  if (out != stderr)
    fclose(out);
}

ompt_start_tool_result_t *ompt_start_tool(unsigned int ompVersion,
                                          const char *runtimeVersion) {
  (void)ompVersion;
  (void)runtimeVersion;
  static ompt_start_tool_result_t result = {initialize, finalize, {0}};
  return &result;
}
