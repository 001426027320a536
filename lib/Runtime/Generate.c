/*===- Generate.c - main() of text-generating executables -----------------===*
 *
 * `ternc --emit=exe` links this instead of the runner when the model is a
 * causal language model with a KV cache in one of the signatures of
 * tern/Runtime/LanguageModel.h: Tern's own (`input_ids` and `past_*` ->
 * `logits` and `present_*`) or Hugging Face Optimum's (with
 * `attention_mask` and `position_ids`, `past_key_values.<i>.key/value` ->
 * `present.<i>.key/value`; ONNX Runtime GenAI's is the same without
 * `position_ids`). The prompt is text, one byte a token or, with
 * `--tokenizer FILE`, SentencePiece pieces, or token ids (`--prompt-ids`);
 * generated tokens print as text (bytes, or the tokenizer's decoding) for
 * a byte vocabulary or with a tokenizer, else (or with `--print-ids`) as
 * ids.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "tern/Runtime/LanguageModel.h"
#include "tern/Runtime/TernModel.h"
#include "tern/Runtime/Tokenizer.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Options {
  const char *prompt;
  const char *promptIds;
  const char *tokenizer;
  long tokens;
  long topK;
  unsigned long long seed;
  long threads;
  long maxContext;
  int noCache;
  int printIds;
} Options;

static const char *program = "generate";

static int fail(const char *message, const char *detail) {
  fprintf(stderr, "%s: error: %s%s\n", program, message, detail ? detail : "");
  return 1;
}

static void printHelp(void) {
  printf("USAGE: %s (--prompt TEXT | --prompt-ids IDS) [options]\n\n"
         "Generates tokens from the prompt with the built-in model.\n\n"
         "OPTIONS:\n"
         "  --prompt TEXT      The text to continue (one byte a token without\n"
         "                     --tokenizer)\n"
         "  --prompt-ids IDS   The prompt as token ids: 1,2,3\n"
         "  --tokenizer FILE   A SentencePiece model that encodes the "
         "prompt and\n"
         "                     decodes the generated tokens\n"
         "  --tokens N         How many tokens to generate (default 64)\n"
         "  --max-context N    Stop when the sequence holds N tokens\n"
         "  --print-ids        Print the generated ids on one line, "
         "separated by\n"
         "                     spaces (the default for vocabularies over 256)"
         "\n"
         "  --top-k K          Sample from the K likeliest tokens (default 1: "
         "greedy)\n"
         "  --seed S           Seed of the sampling (default 0)\n"
         "  --threads N        Run on N threads\n"
         "  --no-cache         Recompute the whole sequence for every token\n"
         "                     instead of using the KV cache\n",
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
    if (!strcmp(arg, "--print-ids")) {
      o->printIds = 1;
      continue;
    }
    static const char *const valueFlags[] = {
        "--prompt-ids", "--prompt",  "--tokens",      "--top-k",
        "--seed",       "--threads", "--max-context", "--tokenizer"};
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
    } else if (!strcmp(flag, "--prompt-ids")) {
      o->promptIds = value;
    } else if (!strcmp(flag, "--tokenizer")) {
      o->tokenizer = value;
    } else if (!strcmp(flag, "--max-context")) {
      if (parseLong(flag, value, 1, &number))
        return -1;
      o->maxContext = number;
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
  if (!!o->prompt == !!o->promptIds || (o->prompt && !o->prompt[0])) {
    fprintf(stderr,
            "%s: error: give one of --prompt TEXT and --prompt-ids IDS (see "
            "--help)\n",
            program);
    return -1;
  }
  return 0;
}

/* The comma-separated ids of `text` into `ids` (room for `capacity`);
 * returns how many, or -1 after an error. */
static long parseIds(const char *text, int64_t vocab, int64_t *ids,
                     size_t capacity) {
  long count = 0;
  const char *p = text;
  while (*p) {
    char *end;
    errno = 0;
    long long id = strtoll(p, &end, 10);
    if (errno || end == p || (*end && *end != ',') || id < 0 || id >= vocab) {
      fprintf(stderr,
              "%s: error: --prompt-ids expects comma-separated token ids "
              "from 0 to %lld, got '%s'\n",
              program, (long long)vocab - 1, text);
      return -1;
    }
    if ((size_t)count == capacity) {
      fprintf(stderr, "%s: error: the prompt is longer than the context\n",
              program);
      return -1;
    }
    ids[count++] = id;
    p = *end ? end + 1 : end;
  }
  if (!count)
    fprintf(stderr, "%s: error: --prompt-ids is empty\n", program);
  return count ? count : -1;
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

/* An IEEE half's bits as a float (logits of float16 models). */
static float halfToFloat(uint16_t h) {
  int exponent = (h >> 10) & 0x1f;
  float fraction = (float)(h & 0x3ff);
  float magnitude = exponent == 0    ? ldexpf(fraction, -24)
                    : exponent == 31 ? (fraction ? NAN : INFINITY)
                                     : ldexpf(1024 + fraction, exponent - 25);
  return h & 0x8000 ? -magnitude : magnitude;
}

/* `count` ids from `values` as a tensor of the input's type: int64 as they
 * are, int32 through `scratch` (room for `count`). */
static TernTensor idsTensor(const TernTensorInfo *info, int64_t *values,
                            int32_t *scratch, int64_t count) {
  if (info->dtype != TERN_DTYPE_I32)
    return (TernTensor){values, TERN_DTYPE_I64, 2, {1, count}};
  for (int64_t i = 0; i < count; ++i)
    scratch[i] = (int32_t)values[i];
  return (TernTensor){scratch, TERN_DTYPE_I32, 2, {1, count}};
}

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libtern_sentencepiece.so, loaded when --tokenizer asks for it. */
typedef struct Tokenizer {
  TernTokenizer *handle;
  TernTokenizerVocabSizeFn vocabSize;
  TernTokenizerEncodeFn encode;
  TernTokenizerDecodeFn decode;
  TernTokenizerFreeFn free;
} Tokenizer;

static int loadTokenizer(const char *path, Tokenizer *t) {
  const char *library = getenv("TERN_TOKENIZER_LIBRARY");
#ifdef TERN_SENTENCEPIECE_LIBRARY
  if (!library)
    library = TERN_SENTENCEPIECE_LIBRARY;
#endif
  if (!library)
    return fail("--tokenizer needs libtern_sentencepiece.so, which this "
                "build has not made for this target (set "
                "TERN_TOKENIZER_LIBRARY to one)",
                NULL);
  void *lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return fail("--tokenizer cannot load the tokenizer library: ", dlerror());
  TernTokenizerLoadFn load =
      (TernTokenizerLoadFn)dlsym(lib, "tern_tokenizer_load");
  t->vocabSize =
      (TernTokenizerVocabSizeFn)dlsym(lib, "tern_tokenizer_vocab_size");
  t->encode = (TernTokenizerEncodeFn)dlsym(lib, "tern_tokenizer_encode");
  t->decode = (TernTokenizerDecodeFn)dlsym(lib, "tern_tokenizer_decode");
  t->free = (TernTokenizerFreeFn)dlsym(lib, "tern_tokenizer_free");
  if (!load || !t->vocabSize || !t->encode || !t->decode || !t->free)
    return fail("the tokenizer library lacks the tern_tokenizer_* functions: ",
                library);
  char error[512];
  t->handle = load(path, error, sizeof(error));
  if (!t->handle)
    return fail(error, NULL);
  return 0;
}

/* Prints what decoding sequence[0..length) adds to the `*printed` bytes
 * printed so far. */
static void printDecoded(const Tokenizer *t, const int64_t *sequence,
                         size_t length, size_t *printed) {
  char *text = t->decode(t->handle, sequence, length);
  if (!text)
    return;
  size_t size = strlen(text);
  if (size > *printed) {
    fputs(text + *printed, stdout);
    *printed = size;
  }
  free(text);
}

int main(int argc, char **argv) {
  if (argc > 0) {
    const char *slash = strrchr(argv[0], '/');
    program = slash ? slash + 1 : argv[0];
  }
  Options o = {NULL, NULL, NULL, 64, 1, 0, 0, 0, 0, 0};
  int parsed = parseArguments(argc, argv, &o);
  if (parsed)
    return parsed == 1 ? 0 : 1;

  TernModel *model;
  if (tern_model_create(&model) != TERN_OK)
    return fail("cannot create the model: ", tern_model_create_error());
  size_t numInputs = tern_model_num_inputs(model);
  size_t numOutputs = tern_model_num_outputs(model);
  TernTensorInfo *inputInfos = calloc(numInputs, sizeof(TernTensorInfo));
  TernTensorInfo *outputInfos = calloc(numOutputs, sizeof(TernTensorInfo));
  int *cacheInputs = calloc(numInputs, sizeof(int));
  int *cacheOutputs = calloc(numInputs, sizeof(int));
  if (!inputInfos || !outputInfos || !cacheInputs || !cacheOutputs)
    return fail("out of memory", NULL);
  for (size_t i = 0; i < numInputs; ++i)
    inputInfos[i] = *tern_model_input_info(model, i);
  for (size_t i = 0; i < numOutputs; ++i)
    outputInfos[i] = *tern_model_output_info(model, i);
  TernLanguageModelLayout layout = {0, -1, -1, 0, 0, cacheInputs, cacheOutputs};
  if (!tern_find_language_model_layout(inputInfos, numInputs, outputInfos,
                                       numOutputs, &layout)) {
    tern_model_destroy(model);
    return fail("the model is not a causal LM with a KV cache (input_ids, "
                "past_*, optionally attention_mask and position_ids; logits, "
                "present_*)",
                NULL);
  }
  if (o.threads && tern_model_set_num_threads(model, (int32_t)o.threads))
    return fail(tern_model_last_error(model), NULL);
  int64_t vocab = outputInfos[layout.logits].shape[2];
  Tokenizer tokenizer = {NULL, NULL, NULL, NULL, NULL};
  if (o.tokenizer) {
    if (loadTokenizer(o.tokenizer, &tokenizer))
      return 1;
    int64_t pieces = tokenizer.vocabSize(tokenizer.handle);
    if (pieces > vocab) {
      fprintf(stderr,
              "%s: error: the tokenizer has %lld pieces, more than the "
              "model's vocabulary of %lld\n",
              program, (long long)pieces, (long long)vocab);
      return 1;
    }
  }
  int printIds = o.printIds || (vocab > 256 && !tokenizer.handle);

  size_t promptCapacity = o.prompt ? strlen(o.prompt) : strlen(o.promptIds);
  size_t capacity = promptCapacity + (size_t)o.tokens + 1;
  int64_t *sequence = malloc(capacity * sizeof(int64_t));
  int64_t *positions = malloc(capacity * sizeof(int64_t));
  int64_t *mask = malloc(capacity * sizeof(int64_t));
  int32_t *narrowIds = malloc(3 * capacity * sizeof(int32_t));
  float *lastLogits = malloc((size_t)vocab * sizeof(float));
  TernTensor *inputs = calloc(numInputs, sizeof(TernTensor));
  TernTensor *outputs = calloc(numOutputs, sizeof(TernTensor));
  if (!sequence || !positions || !mask || !narrowIds || !lastLogits ||
      !inputs || !outputs)
    return fail("out of memory", NULL);
  size_t length = 0;
  if (o.promptIds) {
    long count = parseIds(o.promptIds, vocab, sequence, capacity);
    if (count < 0)
      return 1;
    length = (size_t)count;
  } else if (tokenizer.handle) {
    long count =
        tokenizer.encode(tokenizer.handle, o.prompt, sequence, promptCapacity);
    if (count <= 0)
      return fail("the tokenizer cannot encode the prompt", NULL);
    length = (size_t)count;
  } else {
    for (; o.prompt[length]; ++length) {
      sequence[length] = (unsigned char)o.prompt[length];
      if (sequence[length] >= vocab)
        return fail("a byte of the prompt is outside the model's vocabulary "
                    "(use --prompt-ids)",
                    NULL);
    }
  }
  if (o.maxContext && (long)length > o.maxContext) {
    fprintf(stderr,
            "%s: error: the prompt's %zu tokens exceed --max-context %ld\n",
            program, length, o.maxContext);
    return 1;
  }
  for (size_t i = 0; i < capacity; ++i) {
    positions[i] = (int64_t)i;
    mask[i] = 1;
  }
  size_t promptLength = length;

  /* The text printed so far, when a tokenizer decodes: the prompt's. */
  size_t printed = 0;
  if (!printIds && tokenizer.handle)
    printDecoded(&tokenizer, sequence, length, &printed);
  else if (!printIds)
    fputs(o.prompt ? o.prompt : "", stdout);
  fflush(stdout);
  unsigned long long state = o.seed;
  /* The first step reads the prompt against an empty cache; later ones
   * read one token against the cache (or, with --no-cache, everything
   * against an empty one). */
  float empty = 0;
  double start = seconds(), firstStep = 0;
  int status = 0;
  long generated = 0;
  for (long step = 0; step < o.tokens && !status; ++step) {
    if (o.maxContext && (long)length >= o.maxContext)
      break;
    int fromCache = step > 0 && !o.noCache;
    size_t first = fromCache ? length - 1 : 0;
    int64_t seq = (int64_t)(length - first);
    inputs[layout.inputIds] = idsTensor(&inputInfos[layout.inputIds],
                                        sequence + first, narrowIds, seq);
    if (layout.attentionMask >= 0)
      inputs[layout.attentionMask] =
          idsTensor(&inputInfos[layout.attentionMask], mask,
                    narrowIds + capacity, (int64_t)length);
    if (layout.positionIds >= 0)
      inputs[layout.positionIds] =
          idsTensor(&inputInfos[layout.positionIds], positions + first,
                    narrowIds + 2 * capacity, seq);
    for (int c = 0; c < layout.numCaches; ++c) {
      TernTensor *cache = &inputs[layout.cacheInputs[c]];
      const TernTensorInfo *info = &inputInfos[layout.cacheInputs[c]];
      if (!fromCache) {
        if (cache->data != &empty)
          tern_tensor_release(cache);
        *cache = (TernTensor){
            &empty, info->dtype, 4, {1, info->shape[1], 0, info->shape[3]}};
      }
    }
    if (tern_model_run(model, inputs, numInputs, outputs, numOutputs) !=
        TERN_OK) {
      status = fail(tern_model_last_error(model), NULL);
      break;
    }
    if (step == 0)
      firstStep = seconds() - start;
    TernTensor *logitsOut = &outputs[layout.logits];
    int64_t rows = logitsOut->shape[1];
    const float *last = lastLogits;
    if (logitsOut->dtype == TERN_DTYPE_F16) {
      const uint16_t *halves = (const uint16_t *)logitsOut->data;
      for (int64_t v = 0; v < vocab; ++v)
        lastLogits[v] = halfToFloat(halves[(rows - 1) * vocab + v]);
    } else {
      last = (const float *)logitsOut->data + (rows - 1) * vocab;
    }
    int64_t token = pick(last, vocab, o.topK, &state);
    sequence[length++] = token;
    ++generated;
    if (printIds)
      printf(generated > 1 ? " %lld" : "%lld", (long long)token);
    else if (tokenizer.handle)
      printDecoded(&tokenizer, sequence, length, &printed);
    else
      putchar((int)(token & 0xff));
    fflush(stdout);
    tern_tensor_release(logitsOut);
    for (int c = 0; c < layout.numCaches; ++c) {
      TernTensor *cache = &inputs[layout.cacheInputs[c]];
      TernTensor *present = &outputs[layout.cacheOutputs[c]];
      if (cache->data != &empty)
        tern_tensor_release(cache);
      *cache = *present;
      present->data = NULL;
      if (o.noCache) {
        tern_tensor_release(cache);
        *cache = (TernTensor){&empty, cache->dtype, 4, {0}};
      }
    }
  }
  double total = seconds() - start;
  for (int c = 0; c < layout.numCaches; ++c)
    if (inputs[layout.cacheInputs[c]].data != &empty)
      tern_tensor_release(&inputs[layout.cacheInputs[c]]);
  putchar('\n');
  fflush(stdout);
  if (!status && generated > 0) {
    double decode = total - firstStep;
    fprintf(stderr,
            "%s: %ld tokens in %.3f s: %.1f tokens/s (the prompt's %zu tokens "
            "and the first token in %.3f s, then %.1f tokens/s%s)\n",
            program, generated, total, generated / total, promptLength,
            firstStep,
            generated > 1 && decode > 0 ? (generated - 1) / decode : 0.0,
            o.noCache ? ", without the cache" : "");
  }
  free(sequence);
  free(positions);
  free(mask);
  free(narrowIds);
  free(lastLogits);
  free(inputs);
  free(outputs);
  free(inputInfos);
  free(outputInfos);
  free(cacheInputs);
  free(cacheOutputs);
  if (tokenizer.handle)
    tokenizer.free(tokenizer.handle);
  tern_model_destroy(model);
  return status;
}
