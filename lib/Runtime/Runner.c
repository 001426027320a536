/*===- Runner.c - tern-run's command line, for any model ------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "tern/Runtime/TernNpy.h"
#include "tern/Runtime/TernRunner.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct NamedValue {
  char *name;
  const char *value;
  /* --input: a file of that name was read; --dim: the size, parsed once. */
  int used;
  int64_t size;
} NamedValue;

enum { kMaxNamed = 256 };

typedef struct RunnerOptions {
  NamedValue inputs[kMaxNamed];
  int numInputs;
  NamedValue dims[kMaxNamed];
  int numDims;
  unsigned long long seed;
  const char *outputDir;
  long bench;
  long threads;
} RunnerOptions;

static const char *programName = "tern-run";

static int fail(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fprintf(stderr, "%s: error: ", programName);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  return 1;
}

void tern_runner_print_help(const char *usage) {
  printf(
      "USAGE: %s [options]\n\n"
      "Inputs not given with --input are filled with seeded random values.\n\n"
      "OPTIONS:\n"
      "  --input NAME=FILE.npy  An input from a .npy file\n"
      "  --dim NAME=SIZE        Size of a named dynamic dimension for random\n"
      "                         inputs (default 1)\n"
      "  --seed N               Seed of the random inputs (default 0)\n"
      "  --output-dir DIR       Write each output to DIR/<output name>.npy\n"
      "  --bench N              Time N more runs; print median, min and max\n"
      "  --threads N            Run on N threads (default: OMP_NUM_THREADS,\n"
      "                         else every core)\n"
      "  --help                 This text\n",
      usage);
}

static int parseCount(const char *flag, const char *text, long min, long *out) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno || end == text || *end || value < min)
    return fail("%s expects a whole number of at least %ld, got '%s'", flag,
                min, text);
  *out = value;
  return 0;
}

static int addNamed(const char *flag, const char *form, const char *spec,
                    NamedValue *list, int *count) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec || !eq[1])
    return fail("%s expects %s, got '%s'", flag, form, spec);
  if (*count == kMaxNamed)
    return fail("too many %s flags (at most %d)", flag, kMaxNamed);
  char *name = strndup(spec, (size_t)(eq - spec));
  if (!name)
    return fail("out of memory");
  list[*count].name = name;
  list[*count].value = eq + 1;
  list[*count].used = 0;
  ++*count;
  return 0;
}

static const char *const kValueFlags[] = {
    "--input", "--dim", "--seed", "--output-dir", "--bench", "--threads"};
enum { kNumValueFlags = sizeof(kValueFlags) / sizeof(*kValueFlags) };

/* The flag `arg` names (with one dash or two, up to an '='), or NULL. */
static const char *matchValueFlag(const char *arg) {
  const char *flag = arg[0] == '-' && arg[1] == '-' ? arg + 1 : arg;
  if (flag[0] != '-')
    return NULL;
  const char *eq = strchr(flag, '=');
  size_t flagLength = eq ? (size_t)(eq - flag) : strlen(flag);
  for (size_t f = 0; f < kNumValueFlags; ++f)
    if (strlen(kValueFlags[f] + 1) == flagLength &&
        strncmp(flag, kValueFlags[f] + 1, flagLength) == 0)
      return kValueFlags[f];
  return NULL;
}

int tern_runner_flag_takes_value(const char *arg) {
  return matchValueFlag(arg) != NULL && !strchr(arg, '=');
}

/* 1: printed help; 0: parsed; -1: error printed. */
static int parseArguments(int argc, char **argv, const char *usage,
                          RunnerOptions *options) {
  for (int i = 0; i < argc; ++i) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      tern_runner_print_help(usage);
      return 1;
    }
    /* Both --flag=value and --flag value; one dash works as well. */
    const char *matched = matchValueFlag(arg);
    const char *value = NULL;
    const char *eq = strchr(arg, '=');
    if (!matched)
      return fail(arg[0] == '-' ? "unknown option '%s' (see --help)"
                                : "unexpected argument '%s' (see --help)",
                  arg),
             -1;
    if (eq) {
      value = eq + 1;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return fail("%s needs a value", matched), -1;
    }
    int status = 0;
    long number = 0;
    if (strcmp(matched, "--input") == 0) {
      status = addNamed(matched, "NAME=FILE.npy", value, options->inputs,
                        &options->numInputs);
    } else if (strcmp(matched, "--dim") == 0) {
      status = addNamed(matched, "NAME=SIZE", value, options->dims,
                        &options->numDims);
      if (!status) {
        NamedValue *dim = &options->dims[options->numDims - 1];
        char *end;
        errno = 0;
        long long size = strtoll(dim->value, &end, 10);
        if (errno || *end || size < 0)
          status = fail("--dim expects NAME=SIZE, got '%s'", value);
        dim->size = size;
      }
    } else if (strcmp(matched, "--seed") == 0) {
      char *end;
      errno = 0;
      options->seed = strtoull(value, &end, 10);
      if (errno || end == value || *end || value[0] == '-')
        status = fail("--seed expects a whole number, got '%s'", value);
    } else if (strcmp(matched, "--output-dir") == 0) {
      options->outputDir = value;
    } else if (strcmp(matched, "--bench") == 0) {
      status = parseCount(matched, value, 0, &number);
      options->bench = number;
    } else if (strcmp(matched, "--threads") == 0) {
      status = parseCount(matched, value, 1, &number);
      options->threads = number;
    }
    if (status)
      return -1;
  }
  return 0;
}

/* splitmix64: the same stream on every platform, so a seed names the same
 * inputs everywhere. */
static unsigned long long nextRandom(unsigned long long *state) {
  unsigned long long z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static double nextSigned(unsigned long long *state) {
  return (double)(nextRandom(state) >> 11) * 0x1.0p-52 - 1.0;
}

static int fillRandom(TernTensor *t, unsigned long long *state) {
  int64_t n = tern_tensor_num_elements(t);
  size_t size = tern_dtype_size(t->dtype);
  t->data = malloc(n > 0 ? (size_t)n * size : 1);
  if (!t->data)
    return -1;
  for (int64_t i = 0; i < n; ++i) {
    double v = nextSigned(state);
    switch (t->dtype) {
    case TERN_DTYPE_F32:
      ((float *)t->data)[i] = (float)v;
      break;
    case TERN_DTYPE_F64:
      ((double *)t->data)[i] = v;
      break;
    case TERN_DTYPE_I8:
      ((int8_t *)t->data)[i] = (int8_t)(v * 127);
      break;
    case TERN_DTYPE_I32:
      ((int32_t *)t->data)[i] = (int32_t)(v * 100);
      break;
    case TERN_DTYPE_I64:
      ((int64_t *)t->data)[i] = (int64_t)(v * 100);
      break;
    case TERN_DTYPE_BOOL:
      ((uint8_t *)t->data)[i] = v >= 0;
      break;
    case TERN_DTYPE_U8:
      ((uint8_t *)t->data)[i] = (uint8_t)((v + 1) * 127);
      break;
    default:
      return -2;
    }
  }
  return 0;
}

static void printSummary(const TernTensorInfo *info, const TernTensor *t) {
  printf("%s: %s[", info->name, tern_dtype_name(t->dtype));
  for (int32_t d = 0; d < t->rank; ++d)
    printf("%s%lld", d ? ", " : "", (long long)t->shape[d]);
  printf("]");
  int64_t n = tern_tensor_num_elements(t);
  if (t->dtype == TERN_DTYPE_F32 && n > 0) {
    const float *values = t->data;
    double sum = 0, minValue = INFINITY, maxValue = -INFINITY;
    for (int64_t i = 0; i < n; ++i) {
      sum += values[i];
      minValue = values[i] < minValue ? values[i] : minValue;
      maxValue = values[i] > maxValue ? values[i] : maxValue;
    }
    printf(" min %.6g max %.6g mean %.6g", minValue, maxValue, sum / n);
  }
  printf("\n");
}

static int makeDirectories(const char *path) {
  char *copy = strdup(path);
  if (!copy)
    return -1;
  for (char *p = copy + 1; *p; ++p) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
      free(copy);
      return -1;
    }
    *p = '/';
  }
  int status = mkdir(copy, 0777) != 0 && errno != EEXIST ? -1 : 0;
  free(copy);
  return status;
}

static double nowMillis(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compareDoubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void releaseAll(TernTensor *tensors, size_t count) {
  for (size_t i = 0; tensors && i < count; ++i)
    tern_tensor_release(&tensors[i]);
}

static int runWith(const TernModelApi *api, TernModel *model,
                   RunnerOptions *options, TernTensor *inputs,
                   TernTensor *outputs, double createMillis) {
  size_t numInputs = api->num_inputs(model);
  size_t numOutputs = api->num_outputs(model);
  char error[512];
  unsigned long long state = options->seed;
  for (size_t i = 0; i < numInputs; ++i) {
    const TernTensorInfo *info = api->input_info(model, i);
    NamedValue *given = NULL;
    for (int g = 0; g < options->numInputs; ++g)
      if (strcmp(options->inputs[g].name, info->name) == 0)
        given = &options->inputs[g];
    if (given) {
      TernNpyArray array;
      given->used = 1;
      if (tern_npy_read_file(given->value, &array, error, sizeof(error)))
        return fail("input '%s': %s", info->name, error);
      inputs[i] = array.tensor;
      continue;
    }
    TernTensor *t = &inputs[i];
    t->dtype = info->dtype;
    t->rank = info->rank;
    for (int32_t d = 0; d < info->rank; ++d) {
      int64_t size = info->shape[d];
      if (size < 0) {
        const char *param = info->dim_params ? info->dim_params[d] : "";
        size = 1;
        for (int k = 0; k < options->numDims; ++k)
          if (strcmp(options->dims[k].name, param) == 0)
            size = options->dims[k].size;
      }
      t->shape[d] = size;
    }
    int status = fillRandom(t, &state);
    if (status == -1)
      return fail("out of memory");
    if (status == -2)
      return fail("input '%s': cannot make random values of dtype %s",
                  info->name, tern_dtype_name(info->dtype));
  }
  for (int g = 0; g < options->numInputs; ++g)
    if (!options->inputs[g].used)
      return fail("the model has no input named '%s'", options->inputs[g].name);
  for (int k = 0; k < options->numDims; ++k) {
    int known = 0;
    for (size_t i = 0; i < numInputs; ++i) {
      const TernTensorInfo *info = api->input_info(model, i);
      for (int32_t d = 0; info->dim_params && d < info->rank; ++d)
        known |= strcmp(info->dim_params[d], options->dims[k].name) == 0;
    }
    if (!known)
      return fail("--dim %s: the model has no dynamic dimension named '%s'",
                  options->dims[k].name, options->dims[k].name);
  }

  if (options->threads > 0 &&
      api->set_num_threads(model, (int32_t)options->threads) != TERN_OK)
    return fail("%s", api->last_error(model));

  double runStart = nowMillis();
  if (api->run(model, inputs, numInputs, outputs, numOutputs) != TERN_OK)
    return fail("%s", api->last_error(model));
  double runMillis = nowMillis() - runStart;
  if (options->outputDir && makeDirectories(options->outputDir) != 0)
    return fail("cannot create '%s': %s", options->outputDir, strerror(errno));
  for (size_t i = 0; i < numOutputs; ++i) {
    const TernTensorInfo *info = api->output_info(model, i);
    printSummary(info, &outputs[i]);
    if (!options->outputDir)
      continue;
    size_t length = strlen(options->outputDir) + strlen(info->name) + 6;
    char *path = malloc(length);
    if (!path)
      return fail("out of memory");
    snprintf(path, length, "%s/%s.npy", options->outputDir, info->name);
    int status = tern_npy_write_file(path, &outputs[i], error, sizeof(error));
    free(path);
    if (status)
      return fail("%s", error);
  }
  /* Loading maps the weights file (external weights are read on demand):
     a large model's first run pays for reading them from disk. */
  printf("load time: %.3f ms, first run: %.3f ms\n", createMillis, runMillis);
  fflush(stdout);
  releaseAll(outputs, numOutputs);

  if (options->bench > 0) {
    double *millis = malloc((size_t)options->bench * sizeof(double));
    if (!millis)
      return fail("out of memory");
    for (long r = 0; r < options->bench; ++r) {
      double start = nowMillis();
      TernStatus status =
          api->run(model, inputs, numInputs, outputs, numOutputs);
      millis[r] = nowMillis() - start;
      if (status != TERN_OK) {
        free(millis);
        return fail("%s", api->last_error(model));
      }
      releaseAll(outputs, numOutputs);
    }
    qsort(millis, (size_t)options->bench, sizeof(double), compareDoubles);
    long n = options->bench;
    double median =
        n % 2 ? millis[n / 2] : (millis[n / 2 - 1] + millis[n / 2]) / 2;
    printf("median latency: %.4f ms over %ld runs (min %.4f, max %.4f)\n",
           median, n, millis[0], millis[n - 1]);
    free(millis);
  }
  return 0;
}

int tern_runner_main(const TernModelApi *api, const char *program,
                     const char *usage, int argc, char **argv) {
  return tern_runner_main_loaded(api, program, usage, argc, argv, -1.0);
}

int tern_runner_main_loaded(const TernModelApi *api, const char *program,
                            const char *usage, int argc, char **argv,
                            double load_millis) {
  programName = program;
  RunnerOptions *options = calloc(1, sizeof(RunnerOptions));
  if (!options)
    return fail("out of memory");
  int parsed = parseArguments(argc, argv, usage, options);
  if (parsed != 0) {
    free(options);
    return parsed == 1 ? 0 : 1;
  }
  TernModel *model = NULL;
  double createStart = nowMillis();
  TernStatus created = api->create(&model);
  /* The model's first instance maps its weights: that is the load. */
  double createMillis =
      load_millis >= 0 ? load_millis : nowMillis() - createStart;
  int status;
  if (created != TERN_OK) {
    status = fail("cannot create the model: %s", api->create_error());
  } else {
    size_t numInputs = api->num_inputs(model);
    size_t numOutputs = api->num_outputs(model);
    TernTensor *inputs = calloc(numInputs + 1, sizeof(TernTensor));
    TernTensor *outputs = calloc(numOutputs + 1, sizeof(TernTensor));
    status = inputs && outputs
                 ? runWith(api, model, options, inputs, outputs, createMillis)
                 : fail("out of memory");
    releaseAll(inputs, numInputs);
    releaseAll(outputs, numOutputs);
    free(inputs);
    free(outputs);
    api->destroy(model);
  }
  for (int i = 0; i < options->numInputs; ++i)
    free(options->inputs[i].name);
  for (int i = 0; i < options->numDims; ++i)
    free(options->dims[i].name);
  free(options);
  return status;
}
