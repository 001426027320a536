/*===- Generate.c - main() of text-generating executables -----------------===*
 *
 * `ternc --emit=exe` links this instead of the runner when the model is a
 * causal language model with a KV cache, as `tern.export.export_onnx(...,
 * kv_cache=True)` writes it: inputs `input_ids` [batch, seq] (int64) and
 * `past_key_<i>`/`past_value_<i>` [batch, kv_heads, past, head_dim];
 * outputs `logits` [batch, seq, vocab] and the matching `present_*`.
 * Tokens are bytes (vocabulary 256).
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "tern/Runtime/TernModel.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Options {
  const char *prompt;
  long tokens;
  long topK;
  unsigned long long seed;
  long threads;
  int noCache;
} Options;

static const char *program = "generate";

static int fail(const char *message, const char *detail) {
  fprintf(stderr, "%s: error: %s%s\n", program, message, detail ? detail : "");
  return 1;
}

static void printHelp(void) {
  printf("USAGE: %s --prompt TEXT [options]\n\n"
         "Generates text from the prompt with the built-in model, one byte "
         "per token.\n\n"
         "OPTIONS:\n"
         "  --prompt TEXT  The text to continue (required)\n"
         "  --tokens N     How many tokens to generate (default 64)\n"
         "  --top-k K      Sample from the K likeliest tokens (default 1: "
         "greedy)\n"
         "  --seed S       Seed of the sampling (default 0)\n"
         "  --threads N    Run on N threads\n"
         "  --no-cache     Recompute the whole sequence for every token\n"
         "                 instead of using the KV cache\n",
         program);
}

static int parseLong(const char *flag, const char *text, long min, long *out) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno || end == text || *end || value < min) {
    fprintf(stderr,
            "%s: error: %s expects a whole number of at least %ld, got '%s'\n",
            program, flag, min, text);
    return -1;
  }
  *out = value;
  return 0;
}

/* 1: help printed; 0: parsed; -1: error printed. */
static int parseArguments(int argc, char **argv, Options *o) {
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
      printHelp();
      return 1;
    }
    if (!strcmp(arg, "--no-cache")) {
      o->noCache = 1;
      continue;
    }
    static const char *const valueFlags[] = {"--prompt", "--tokens", "--top-k",
                                             "--seed", "--threads"};
    const char *flag = NULL, *value = NULL;
    for (size_t f = 0; f < sizeof(valueFlags) / sizeof(*valueFlags); ++f) {
      size_t n = strlen(valueFlags[f]);
      if (!strncmp(arg, valueFlags[f], n) && (arg[n] == '=' || !arg[n])) {
        flag = valueFlags[f];
        value = arg[n] == '=' ? arg + n + 1 : NULL;
      }
    }
    if (!flag) {
      fprintf(stderr, "%s: error: unknown option '%s' (see --help)\n", program,
              arg);
      return -1;
    }
    if (!value) {
      if (i + 1 == argc) {
        fprintf(stderr, "%s: error: %s needs a value\n", program, flag);
        return -1;
      }
      value = argv[++i];
    }
    long number;
    if (!strcmp(flag, "--prompt")) {
      o->prompt = value;
    } else if (!strcmp(flag, "--tokens")) {
      if (parseLong(flag, value, 0, &number))
        return -1;
      o->tokens = number;
    } else if (!strcmp(flag, "--top-k")) {
      if (parseLong(flag, value, 1, &number))
        return -1;
      o->topK = number;
    } else if (!strcmp(flag, "--threads")) {
      if (parseLong(flag, value, 1, &number))
        return -1;
      o->threads = number;
    } else {
      char *end;
      errno = 0;
      o->seed = strtoull(value, &end, 10);
      if (errno || end == value || *end || value[0] == '-') {
        fprintf(stderr, "%s: error: --seed expects a whole number, got '%s'\n",
                program, value);
        return -1;
      }
    }
  }
  if (!o->prompt || !o->prompt[0]) {
    fprintf(stderr, "%s: error: --prompt TEXT is required (see --help)\n",
            program);
    return -1;
  }
  return 0;
}

/* splitmix64, as the runner's random inputs. */
static double nextUniform(unsigned long long *state) {
  unsigned long long z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}

/* The next token from one row of logits: the likeliest (ties to the
 * lower id), or a draw from the softmax of the K likeliest. */
static int64_t pick(const float *logits, int64_t vocab, long topK,
                    unsigned long long *state) {
  enum { kMaxK = 256 };
  int64_t best[kMaxK];
  long k = topK < kMaxK ? topK : kMaxK;
  if (k > vocab)
    k = (long)vocab;
  long count = 0;
  for (int64_t t = 0; t < vocab; ++t) {
    long at = count < k ? count++ : k;
    if (at == k && !(logits[t] > logits[best[k - 1]]))
      continue;
    if (at == k)
      at = k - 1;
    while (at > 0 && logits[t] > logits[best[at - 1]]) {
      best[at] = best[at - 1];
      --at;
    }
    best[at] = t;
  }
  if (k == 1)
    return best[0];
  double weights[kMaxK], total = 0;
  for (long i = 0; i < k; ++i)
    total += weights[i] = exp((double)logits[best[i]] - logits[best[0]]);
  double draw = nextUniform(state) * total;
  for (long i = 0; i < k; ++i) {
    draw -= weights[i];
    if (draw < 0)
      return best[i];
  }
  return best[k - 1];
}

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Checks the signature; returns the number of cache tensors or -1. */
static int checkSignature(TernModel *model) {
  size_t inputs = tern_model_num_inputs(model);
  size_t outputs = tern_model_num_outputs(model);
  const TernTensorInfo *ids = tern_model_input_info(model, 0);
  const TernTensorInfo *logits = tern_model_output_info(model, 0);
  if (!ids || strcmp(ids->name, "input_ids") || ids->dtype != TERN_DTYPE_I64 ||
      ids->rank != 2 || !logits || logits->rank != 3 ||
      logits->dtype != TERN_DTYPE_F32 || inputs != outputs)
    return -1;
  for (size_t i = 1; i < inputs; ++i) {
    const TernTensorInfo *in = tern_model_input_info(model, i);
    const TernTensorInfo *out = tern_model_output_info(model, i);
    if (in->rank != 4 || out->rank != 4 || in->dtype != TERN_DTYPE_F32 ||
        in->shape[1] < 0 || in->shape[3] < 0)
      return -1;
  }
  return (int)(inputs - 1);
}

int main(int argc, char **argv) {
  if (argc > 0) {
    const char *slash = strrchr(argv[0], '/');
    program = slash ? slash + 1 : argv[0];
  }
  Options o = {NULL, 64, 1, 0, 0, 0};
  int parsed = parseArguments(argc, argv, &o);
  if (parsed)
    return parsed == 1 ? 0 : 1;

  TernModel *model;
  if (tern_model_create(&model) != TERN_OK)
    return fail("cannot create the model: ", tern_model_create_error());
  int caches = checkSignature(model);
  if (caches < 0) {
    tern_model_destroy(model);
    return fail("the model is not a causal LM with a KV cache (input_ids, "
                "past_*; logits, present_*)",
                NULL);
  }
  if (o.threads && tern_model_set_num_threads(model, (int32_t)o.threads))
    return fail(tern_model_last_error(model), NULL);
  int64_t vocab = tern_model_output_info(model, 0)->shape[2];

  size_t promptLength = strlen(o.prompt);
  size_t capacity = promptLength + (size_t)o.tokens + 1;
  int64_t *sequence = malloc(capacity * sizeof(int64_t));
  TernTensor *inputs = calloc((size_t)caches + 1, sizeof(TernTensor));
  TernTensor *outputs = calloc((size_t)caches + 1, sizeof(TernTensor));
  if (!sequence || !inputs || !outputs)
    return fail("out of memory", NULL);
  for (size_t i = 0; i < promptLength; ++i)
    sequence[i] = (unsigned char)o.prompt[i];
  size_t length = promptLength;

  fputs(o.prompt, stdout);
  fflush(stdout);
  unsigned long long state = o.seed;
  /* The first step reads the prompt against an empty cache; later ones
   * read one token against the cache (or, with --no-cache, everything
   * against an empty one). */
  float empty = 0;
  double start = seconds(), firstStep = 0;
  int status = 0;
  for (long step = 0; step < o.tokens && !status; ++step) {
    int fromCache = step > 0 && !o.noCache;
    size_t first = fromCache ? length - 1 : 0;
    inputs[0].data = sequence + first;
    inputs[0].dtype = TERN_DTYPE_I64;
    inputs[0].rank = 2;
    inputs[0].shape[0] = 1;
    inputs[0].shape[1] = (int64_t)(length - first);
    for (int c = 1; c <= caches; ++c) {
      const TernTensorInfo *info = tern_model_input_info(model, (size_t)c);
      if (!fromCache) {
        tern_tensor_release(&inputs[c]);
        inputs[c] = (TernTensor){
            &empty, TERN_DTYPE_F32, 4, {1, info->shape[1], 0, info->shape[3]}};
      }
    }
    if (tern_model_run(model, inputs, (size_t)caches + 1, outputs,
                       (size_t)caches + 1) != TERN_OK) {
      status = fail(tern_model_last_error(model), NULL);
      break;
    }
    if (step == 0)
      firstStep = seconds() - start;
    const float *logits = outputs[0].data;
    int64_t rows = outputs[0].shape[1];
    int64_t token = pick(logits + (rows - 1) * vocab, vocab, o.topK, &state);
    sequence[length++] = token;
    putchar((int)(token & 0xff));
    fflush(stdout);
    tern_tensor_release(&outputs[0]);
    for (int c = 1; c <= caches; ++c) {
      if (inputs[c].data != &empty)
        tern_tensor_release(&inputs[c]);
      inputs[c] = outputs[c];
      outputs[c].data = NULL;
      if (o.noCache)
        tern_tensor_release(&inputs[c]);
    }
  }
  double total = seconds() - start;
  for (int c = 1; c <= caches; ++c)
    if (inputs[c].data != &empty)
      tern_tensor_release(&inputs[c]);
  putchar('\n');
  fflush(stdout);
  if (!status && o.tokens > 0) {
    double decode = total - firstStep;
    fprintf(stderr,
            "%s: %ld tokens in %.3f s: %.1f tokens/s (the prompt's %zu bytes "
            "and the first token in %.3f s, then %.1f tokens/s%s)\n",
            program, o.tokens, total, o.tokens / total, promptLength, firstStep,
            o.tokens > 1 && decode > 0 ? (o.tokens - 1) / decode : 0.0,
            o.noCache ? ", without the cache" : "");
  }
  free(sequence);
  free(inputs);
  free(outputs);
  tern_model_destroy(model);
  return status;
}
