/*===- ModelRuntime.c - The C API of a compiled model ---------------------===*
 *
 * Linked into every model library ternc emits. It checks the caller's
 * tensors against the descriptor ternc generated, builds the MLIR memref
 * descriptors the compiled code expects, and hands the results over.
 * Plain C with no dependency beyond libc, so compiled models stay small.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE /* dladdr */

#include "DeviceHooks.h"
#include "StridedCopy.h"
#include "tern/ABI/ModelABI.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const TernModelDescriptor tern_model_descriptor
    __attribute__((visibility("hidden")));

/* Initial-exec TLS: no __tls_get_addr, so a model needs nothing of the
 * dynamic loader beyond libc. */
#define TERN_THREAD_LOCAL                                                      \
  _Thread_local __attribute__((tls_model("initial-exec")))

/* The first TernRuntimeErrorCode compiled code reported during this
 * thread's current run, or 0. */
static TERN_THREAD_LOCAL int32_t runtimeError;

/* Errors reported on OpenMP worker threads, which cannot reach the run
 * thread's state. Shared by the process: a run on another thread at the
 * same moment may see it too (as an error, never as a result). */
static _Atomic int32_t parallelRuntimeError;

/* Where a failed run-time check leaves the compiled code: continuing past
 * it could read outside a buffer (a Reshape to more elements than it has),
 * so the run stops at once. Intermediate buffers the run had allocated are
 * not freed on that path. NULL outside `tern_model_run`. */
static TERN_THREAD_LOCAL jmp_buf *runtimeErrorExit;

/* From libomp, which models link on targets that have it; weak, so that
 * single-threaded targets link without it, and declared here so that
 * building the runtime needs no OpenMP headers. */
extern int omp_in_parallel(void) __attribute__((weak));
extern void omp_set_num_threads(int threads) __attribute__((weak));

__attribute__((visibility("hidden"))) void
tern_report_runtime_error(int32_t code) {
  /* Inside a parallel loop (only index checks, whose indices are clamped
   * to stay in bounds) the loop finishes: jumping out of it would leave
   * the OpenMP team waiting at its barrier. */
  if (omp_in_parallel && omp_in_parallel()) {
    int32_t none = 0;
    atomic_compare_exchange_strong(&parallelRuntimeError, &none, code);
    return;
  }
  if (!runtimeError)
    runtimeError = code;
  if (runtimeErrorExit)
    longjmp(*runtimeErrorExit, 1);
}

static const char *describeRuntimeError(int32_t code) {
  switch (code) {
  case TERN_RUNTIME_ERROR_INDEX_OUT_OF_RANGE:
    return "an index input holds a value outside the tensor it indexes "
           "(Gather, GatherElements, ScatterND, a loss's class index, an axis "
           "given at run time, or a Slice step of 0)";
  case TERN_RUNTIME_ERROR_RESHAPE_MISMATCH:
    return "a Reshape's target sizes do not hold the input's element count "
           "for these input shapes";
  case TERN_RUNTIME_ERROR_SHAPE_MISMATCH:
    return "the input shapes make sizes disagree inside the model: "
           "operands of an elementwise op whose dynamic sizes differ (a "
           "dynamic size of 1 is not broadcast), or a computed shape that is "
           "negative or differs from the one the model declares";
  case TERN_RUNTIME_ERROR_SEQUENCE_LENGTH:
    return "an attention's sequence lengths (seqlens_k, "
           "total_sequence_length) do not fit this step's tokens and the "
           "past KV cache";
  case TERN_RUNTIME_ERROR_DEVICE:
    return tern_device_error ? tern_device_error() : "a GPU driver call failed";
  default:
    return "the compiled model reported an unknown run-time error";
  }
}

/* Runs the compiled code; returns the run-time error it reported, or 0.
 * Kept apart from its caller so that no local of the caller lives across
 * the setjmp. */
static int32_t callEntry(const TernModelDescriptor *desc, int64_t *results,
                         void **inputs) {
  jmp_buf exit;
  runtimeError = 0;
  atomic_store(&parallelRuntimeError, 0);
  if (setjmp(exit) == 0) {
    runtimeErrorExit = &exit;
    desc->entry(results, inputs);
  }
  runtimeErrorExit = NULL;
  if (!runtimeError)
    runtimeError = atomic_load(&parallelRuntimeError);
  /* A GPU model's kernels report their checks when they are done. */
  if (tern_device_finish_run) {
    int32_t kernelError = tern_device_finish_run();
    if (!runtimeError)
      runtimeError = kernelError;
  }
  return runtimeError;
}

struct TernModel {
  const TernModelDescriptor *descriptor;
  /* For input i's dimension d, at i * TERN_MAX_RANK + d: the same place of
   * the first input dimension with the same dim_param, or -1. Found once
   * at create time; each run then checks a decoder's 60 cache inputs in
   * linear time (comparing every pair of names took 3 ms a run). */
  int32_t *sharedDims;
  char error[512];
};

static int32_t *findSharedDims(const TernModelDescriptor *desc) {
  size_t count = (size_t)desc->num_inputs * TERN_MAX_RANK;
  int32_t *shared = malloc((count ? count : 1) * sizeof(int32_t));
  if (!shared)
    return NULL;
  for (size_t k = 0; k < count; ++k)
    shared[k] = -1;
  for (uint32_t i = 0; i < desc->num_inputs; ++i) {
    const TernTensorInfo *b = &desc->inputs[i];
    for (int32_t db = 0; b->dim_params && db < b->rank && db < TERN_MAX_RANK;
         ++db) {
      if (b->shape[db] >= 0 || !b->dim_params[db][0])
        continue;
      for (uint32_t j = 0; j <= i && shared[i * TERN_MAX_RANK + db] < 0; ++j) {
        const TernTensorInfo *a = &desc->inputs[j];
        for (int32_t da = 0;
             a->dim_params && da < a->rank && da < TERN_MAX_RANK; ++da) {
          if ((j == i && da >= db) || a->shape[da] >= 0 ||
              strcmp(a->dim_params[da], b->dim_params[db]) != 0)
            continue;
          shared[i * TERN_MAX_RANK + db] = (int32_t)(j * TERN_MAX_RANK + da);
          break;
        }
      }
    }
  }
  return shared;
}

static TernStatus fail(TernModel *model, TernStatus status, const char *format,
                       ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(model->error, sizeof(model->error), format, args);
  va_end(args);
  return status;
}

/* Present only in models compiled with --weights=external. */
extern const TernModelWeights tern_model_weights
    __attribute__((weak, visibility("hidden")));

/* Where compiled code finds its external weights. */
__attribute__((visibility("hidden"))) const char *tern_weights_base;

static pthread_mutex_t weightsMutex = PTHREAD_MUTEX_INITIALIZER;
static void *weightsMapping;
static size_t weightsMappingSize;
/* A GPU model's copy of the weights in device memory, uploaded once when
 * the first instance is created; the file's mapping is gone by then. */
static void *deviceWeights;
static unsigned weightsUsers;

/* This thread's last create failure. A pointer, not the buffer: every
 * dlopened model's initial-exec TLS comes out of glibc's small static TLS
 * surplus, so each keeps its share to a few words. */
enum { kCreateErrorSize = 512 };
static TERN_THREAD_LOCAL char *createError;

static TernStatus failCreate(TernStatus status, const char *format, ...) {
  if (!createError)
    createError = malloc(kCreateErrorSize);
  if (!createError)
    return status;
  va_list args;
  va_start(args, format);
  vsnprintf(createError, kCreateErrorSize, format, args);
  va_end(args);
  return status;
}

const char *tern_model_create_error(void) {
  return createError ? createError : "";
}

/* The side file's path: TERN_WEIGHTS_FILE, else its name next to the
 * library or executable holding this model. */
static void findWeightsFile(char *path, size_t size) {
  const char *override = getenv("TERN_WEIGHTS_FILE");
  if (override && *override) {
    snprintf(path, size, "%s", override);
    return;
  }
  char self[4096] = "";
  Dl_info info;
  if (dladdr(&tern_model_descriptor, &info) && info.dli_fname &&
      strchr(info.dli_fname, '/'))
    snprintf(self, sizeof(self), "%s", info.dli_fname);
  else {
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[n > 0 ? n : 0] = '\0';
  }
  char *slash = strrchr(self, '/');
  if (slash)
    slash[1] = '\0';
  else
    self[0] = '\0';
  snprintf(path, size, "%s%s", self, tern_model_weights.file_name);
}

/* Replaces the mapping of the weights with a copy in device memory. */
static TernStatus uploadWeights(void) {
  const char *host = (const char *)weightsMapping + TERN_WEIGHTS_HEADER_SIZE;
  void *device = tern_device_alloc(tern_model_weights.data_size);
  if (!device ||
      tern_device_upload(device, host, tern_model_weights.data_size) != 0 ||
      tern_device_wait() != 0) {
    tern_device_free(device);
    return failCreate(TERN_ERROR_DEVICE, "uploading the weights: %s",
                      tern_device_error());
  }
  munmap(weightsMapping, weightsMappingSize);
  weightsMapping = NULL;
  deviceWeights = device;
  tern_weights_base = device;
  return TERN_OK;
}

/* Maps the side file for the first instance; later ones share it (a GPU
 * model uploads it to the device instead). */
static TernStatus acquireWeights(void) {
  if (!&tern_model_weights)
    return TERN_OK;
  pthread_mutex_lock(&weightsMutex);
  TernStatus status = TERN_OK;
  if (weightsUsers == 0) {
    char path[4352];
    findWeightsFile(path, sizeof(path));
    size_t expected = TERN_WEIGHTS_HEADER_SIZE + tern_model_weights.data_size;
    struct stat st;
    TernWeightsFileHeader header;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      status = failCreate(TERN_ERROR_INVALID_ARGUMENT,
                          "cannot open the weights file '%s' (the model was "
                          "compiled with --weights=external)",
                          path);
    } else if (fstat(fd, &st) != 0 || (size_t)st.st_size != expected ||
               pread(fd, &header, sizeof(header), 0) != sizeof(header) ||
               memcmp(header.magic, TERN_WEIGHTS_MAGIC, 8) != 0 ||
               header.data_size != tern_model_weights.data_size ||
               header.id != tern_model_weights.id) {
      status = failCreate(TERN_ERROR_INVALID_ARGUMENT,
                          "'%s' is not this model's weights file (expected "
                          "%zu bytes from the same compilation)",
                          path, expected);
    } else {
      void *mapping = mmap(NULL, expected, PROT_READ, MAP_PRIVATE, fd, 0);
      if (mapping == MAP_FAILED) {
        status = failCreate(TERN_ERROR_OUT_OF_MEMORY, "cannot map '%s'", path);
      } else {
        weightsMapping = mapping;
        weightsMappingSize = expected;
        tern_weights_base = (const char *)mapping + TERN_WEIGHTS_HEADER_SIZE;
        if (tern_device_alloc)
          status = uploadWeights();
      }
    }
    if (fd >= 0)
      close(fd);
  }
  if (status == TERN_OK)
    ++weightsUsers;
  pthread_mutex_unlock(&weightsMutex);
  return status;
}

static void releaseWeights(void) {
  if (!&tern_model_weights)
    return;
  pthread_mutex_lock(&weightsMutex);
  if (--weightsUsers == 0) {
    if (deviceWeights)
      tern_device_free(deviceWeights);
    else
      munmap(weightsMapping, weightsMappingSize);
    weightsMapping = NULL;
    deviceWeights = NULL;
    tern_weights_base = NULL;
  }
  pthread_mutex_unlock(&weightsMutex);
}

/* A run allocates its intermediate buffers afresh (memref.alloc is
 * malloc). glibc serves large ones with mmap and unmaps them on free, so
 * every run would fault in, and zero, a convolution's im2col columns or a
 * decoder's caches again: 15% of a resnet18 run. Served from the heap,
 * freed buffers are there for the next run, as in ONNX Runtime's arena.
 * This sets glibc's thresholds for the whole process, once, at the first
 * model's creation (docs/Performance.md). */
static pthread_once_t heapOnce = PTHREAD_ONCE_INIT;
static void keepBuffersInTheHeap(void) {
  enum { kMmapThreshold = 32 << 20, kTrimThreshold = 512 << 20 };
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

/* The other half of tern_device_open, in a GPU model. */
static void closeDevice(void) {
  if (tern_device_close)
    tern_device_close();
}

TernStatus tern_model_create(TernModel **model) {
  pthread_once(&heapOnce, keepBuffersInTheHeap);
  if (createError)
    createError[0] = '\0';
  if (!model)
    return failCreate(TERN_ERROR_INVALID_ARGUMENT, "model is NULL");
  *model = NULL;
  if (tern_model_descriptor.abi_version != TERN_MODEL_ABI_VERSION)
    return failCreate(TERN_ERROR_ABI_MISMATCH,
                      "the model was compiled for ABI version %u, this "
                      "runtime is version %u",
                      tern_model_descriptor.abi_version,
                      TERN_MODEL_ABI_VERSION);
  if (tern_device_open && tern_device_open() != 0)
    return failCreate(TERN_ERROR_DEVICE, "%s", tern_device_error());
  TernModel *m = calloc(1, sizeof(TernModel));
  if (!m) {
    closeDevice();
    return failCreate(TERN_ERROR_OUT_OF_MEMORY, "out of memory");
  }
  TernStatus weights = acquireWeights();
  if (weights != TERN_OK) {
    free(m);
    closeDevice();
    return weights;
  }
  m->descriptor = &tern_model_descriptor;
  m->sharedDims = findSharedDims(m->descriptor);
  if (!m->sharedDims) {
    releaseWeights();
    free(m);
    closeDevice();
    return failCreate(TERN_ERROR_OUT_OF_MEMORY, "out of memory");
  }
  *model = m;
  return TERN_OK;
}

void tern_model_destroy(TernModel *model) {
  if (!model)
    return;
  releaseWeights();
  free(model->sharedDims);
  free(model);
  closeDevice();
}

size_t tern_model_num_inputs(const TernModel *model) {
  return model ? model->descriptor->num_inputs : 0;
}

size_t tern_model_num_outputs(const TernModel *model) {
  return model ? model->descriptor->num_outputs : 0;
}

const TernTensorInfo *tern_model_input_info(const TernModel *model,
                                            size_t index) {
  if (!model || index >= model->descriptor->num_inputs)
    return NULL;
  return &model->descriptor->inputs[index];
}

const TernTensorInfo *tern_model_output_info(const TernModel *model,
                                             size_t index) {
  if (!model || index >= model->descriptor->num_outputs)
    return NULL;
  return &model->descriptor->outputs[index];
}

TernStatus tern_model_set_num_threads(TernModel *model, int32_t threads) {
  if (!model)
    return TERN_ERROR_INVALID_ARGUMENT;
  if (threads < 1)
    return fail(model, TERN_ERROR_INVALID_ARGUMENT,
                "the thread count must be at least 1, got %d", threads);
  if (omp_set_num_threads)
    omp_set_num_threads(threads);
  else if (threads > 1)
    return fail(model, TERN_ERROR_INVALID_ARGUMENT,
                "this model was compiled for a target without threads; it "
                "runs on 1, not %d",
                threads);
  return TERN_OK;
}

const char *tern_model_last_error(const TernModel *model) {
  return model ? model->error : "no model (tern_model_create failed?)";
}

/* Words in a rank-`rank` memref descriptor: allocated, aligned, offset,
 * sizes, strides. */
static size_t descriptorWords(int32_t rank) { return 3 + 2 * (size_t)rank; }

/* The outputs' memref descriptors lie back to back from `results`. */
static int64_t *resultDescriptor(const TernModelDescriptor *desc,
                                 int64_t *results, uint32_t output) {
  for (uint32_t j = 0; j < output; ++j)
    results += descriptorWords(desc->outputs[j].rank);
  return results;
}

/* True when output `output` returned the same heap block as an earlier
 * output (a model returning one value twice). */
static int sharesEarlierBlock(const TernModelDescriptor *desc, int64_t *results,
                              uint32_t output) {
  int64_t block = resultDescriptor(desc, results, output)[0];
  for (uint32_t j = 0; j < output; ++j)
    if (resultDescriptor(desc, results, j)[0] == block)
      return 1;
  return 0;
}

/* Where the compiled code's buffers live: device memory in a GPU model. */
static void releaseBuffer(void *block) {
  if (tern_device_free)
    tern_device_free(block);
  else
    free(block);
}

/* Frees every distinct result block that no tensor of `kept` (NULL for
 * none) took over. */
static void freeResultBlocks(const TernModelDescriptor *desc, int64_t *results,
                             const TernTensor *kept) {
  for (uint32_t i = 0; i < desc->num_outputs; ++i) {
    void *block = (void *)(intptr_t)resultDescriptor(desc, results, i)[0];
    int handedOver = 0;
    for (uint32_t j = 0; kept && j < desc->num_outputs; ++j)
      handedOver |= kept[j].data == block;
    if (!handedOver && !sharesEarlierBlock(desc, results, i))
      releaseBuffer(block);
  }
}

/* Copies each input into device memory for a GPU model. */
static TernStatus copyInputsToDevice(TernModel *model, const TernTensor *inputs,
                                     void **deviceInputs) {
  const TernModelDescriptor *desc = model->descriptor;
  for (uint32_t i = 0; i < desc->num_inputs; ++i) {
    size_t bytes = (size_t)tern_tensor_num_elements(&inputs[i]) *
                   tern_dtype_size(inputs[i].dtype);
    deviceInputs[i] = tern_device_alloc_buffer(bytes);
    if (!deviceInputs[i] ||
        tern_device_upload(deviceInputs[i], inputs[i].data, bytes) != 0)
      return fail(model, TERN_ERROR_DEVICE, "input '%s': %s",
                  desc->inputs[i].name, tern_device_error());
  }
  /* One wait for all of them. */
  if (tern_device_wait() != 0)
    return fail(model, TERN_ERROR_DEVICE, "uploading the inputs: %s",
                tern_device_error());
  return TERN_OK;
}

/* Frees the device copies of the inputs, but for those the compiled code
 * returned as results (freed with them). */
static void releaseDeviceInputs(const TernModelDescriptor *desc,
                                int64_t *results, void **deviceInputs) {
  if (!deviceInputs)
    return;
  for (uint32_t i = 0; i < desc->num_inputs; ++i) {
    int returned = 0;
    for (uint32_t j = 0; results && j < desc->num_outputs; ++j)
      returned |= resultDescriptor(desc, results, j)[0] ==
                  (int64_t)(intptr_t)deviceInputs[i];
    if (!returned)
      tern_device_free(deviceInputs[i]);
  }
  free(deviceInputs);
}

static TernStatus checkInputs(TernModel *model, const TernTensor *inputs) {
  const TernModelDescriptor *desc = model->descriptor;
  for (uint32_t i = 0; i < desc->num_inputs; ++i) {
    const TernTensorInfo *info = &desc->inputs[i];
    const TernTensor *t = &inputs[i];
    if (t->dtype != info->dtype)
      return fail(model, TERN_ERROR_DTYPE_MISMATCH,
                  "input '%s': expected dtype %s, got %s", info->name,
                  tern_dtype_name(info->dtype), tern_dtype_name(t->dtype));
    if (t->rank != info->rank)
      return fail(model, TERN_ERROR_SHAPE_MISMATCH,
                  "input '%s': expected rank %d, got %d", info->name,
                  info->rank, t->rank);
    for (int32_t d = 0; d < info->rank; ++d) {
      if (t->shape[d] < 0)
        return fail(model, TERN_ERROR_SHAPE_MISMATCH,
                    "input '%s': dimension %d is negative (%lld)", info->name,
                    d, (long long)t->shape[d]);
      if (info->shape[d] >= 0 && t->shape[d] != info->shape[d])
        return fail(model, TERN_ERROR_SHAPE_MISMATCH,
                    "input '%s': dimension %d must be %lld, got %lld",
                    info->name, d, (long long)info->shape[d],
                    (long long)t->shape[d]);
    }
    int64_t n = tern_tensor_num_elements(t);
    size_t elementSize = tern_dtype_size(t->dtype);
    if (n < 0 || (elementSize && (uint64_t)n > SIZE_MAX / elementSize))
      return fail(model, TERN_ERROR_SHAPE_MISMATCH,
                  "input '%s': its sizes hold more bytes than memory can",
                  info->name);
    if (!t->data && n > 0)
      return fail(model, TERN_ERROR_INVALID_ARGUMENT,
                  "input '%s': data is NULL", info->name);
  }
  /* Dimensions that share an ONNX dim_param must agree across inputs. */
  for (uint32_t j = 0; j < desc->num_inputs; ++j) {
    const TernTensorInfo *b = &desc->inputs[j];
    for (int32_t db = 0; db < b->rank && db < TERN_MAX_RANK; ++db) {
      int32_t first = model->sharedDims[j * TERN_MAX_RANK + db];
      if (first < 0)
        continue;
      uint32_t i = (uint32_t)first / TERN_MAX_RANK;
      int32_t da = first % TERN_MAX_RANK;
      const TernTensorInfo *a = &desc->inputs[i];
      if (inputs[i].shape[da] != inputs[j].shape[db])
        return fail(model, TERN_ERROR_SHAPE_MISMATCH,
                    "dimension '%s' is %lld in input '%s' but %lld in "
                    "input '%s'",
                    a->dim_params[da], (long long)inputs[i].shape[da], a->name,
                    (long long)inputs[j].shape[db], b->name);
    }
  }
  return TERN_OK;
}

/* Copies a strided result into a fresh dense buffer. */
static void *copyDense(const int64_t *desc, int32_t rank, size_t elementSize,
                       int64_t numElements) {
  char *dense = malloc(numElements > 0 ? (size_t)numElements * elementSize : 1);
  if (!dense || numElements == 0)
    return dense;
  const int64_t *sizes = desc + 3, *strides = desc + 3 + rank;
  int64_t denseStrides[TERN_MAX_RANK];
  int64_t stride = 1;
  for (int32_t d = rank - 1; d >= 0; --d) {
    denseStrides[d] = stride;
    stride *= sizes[d];
  }
  ternCopyStrided((int64_t)elementSize, rank, sizes,
                  (const char *)(intptr_t)desc[1], desc[2], strides, dense, 0,
                  denseStrides);
  return dense;
}

static int isDenseRowMajor(const int64_t *desc, int32_t rank) {
  const int64_t *sizes = desc + 3, *strides = desc + 3 + rank;
  int64_t expected = 1;
  if (desc[2] != 0)
    return 0;
  for (int32_t d = rank - 1; d >= 0; --d) {
    if (sizes[d] != 1 && strides[d] != expected)
      return 0;
    expected *= sizes[d];
  }
  return 1;
}

TernStatus tern_model_run(TernModel *model, const TernTensor *inputs,
                          size_t num_inputs, TernTensor *outputs,
                          size_t num_outputs) {
  if (!model)
    return TERN_ERROR_INVALID_ARGUMENT;
  model->error[0] = '\0';
  const TernModelDescriptor *desc = model->descriptor;
  if (num_inputs != desc->num_inputs)
    return fail(model, TERN_ERROR_INVALID_ARGUMENT,
                "the model takes %u inputs, got %zu", desc->num_inputs,
                num_inputs);
  if (num_inputs && !inputs)
    return fail(model, TERN_ERROR_INVALID_ARGUMENT, "inputs is NULL");
  if (!outputs)
    return fail(model, TERN_ERROR_INVALID_ARGUMENT, "outputs is NULL");
  if (num_outputs != desc->num_outputs)
    return fail(model, TERN_ERROR_INVALID_ARGUMENT,
                "the model produces %u outputs, got room for %zu",
                desc->num_outputs, num_outputs);
  for (size_t i = 0; i < num_inputs; ++i)
    if (inputs[i].rank < 0 || inputs[i].rank > TERN_MAX_RANK)
      return fail(model, TERN_ERROR_INVALID_ARGUMENT,
                  "input '%s': rank %d is outside [0, %d]",
                  desc->inputs[i].name, inputs[i].rank, TERN_MAX_RANK);
  TernStatus status = checkInputs(model, inputs);
  if (status != TERN_OK)
    return status;

  size_t inputWords = 0, resultWords = 0;
  for (uint32_t i = 0; i < desc->num_inputs; ++i)
    inputWords += descriptorWords(desc->inputs[i].rank);
  for (uint32_t i = 0; i < desc->num_outputs; ++i)
    resultWords += descriptorWords(desc->outputs[i].rank);
  int64_t *words = calloc(inputWords + resultWords + 1, sizeof(int64_t));
  void **inputPtrs = calloc(desc->num_inputs + 1, sizeof(void *));
  /* A GPU model's kernels read their inputs from device memory. */
  void **deviceInputs =
      tern_device_alloc ? calloc(desc->num_inputs + 1, sizeof(void *)) : NULL;
  if (!words || !inputPtrs || (tern_device_alloc && !deviceInputs)) {
    free(words);
    free(inputPtrs);
    free(deviceInputs);
    return fail(model, TERN_ERROR_OUT_OF_MEMORY, "out of memory");
  }
  if (deviceInputs) {
    status = copyInputsToDevice(model, inputs, deviceInputs);
    if (status != TERN_OK) {
      releaseDeviceInputs(desc, NULL, deviceInputs);
      free(words);
      free(inputPtrs);
      return status;
    }
  }

  int64_t *cursor = words;
  for (uint32_t i = 0; i < desc->num_inputs; ++i) {
    const TernTensor *t = &inputs[i];
    void *data = deviceInputs ? deviceInputs[i] : t->data;
    cursor[0] = cursor[1] = (int64_t)(intptr_t)data;
    cursor[2] = 0;
    int64_t stride = 1;
    for (int32_t d = t->rank - 1; d >= 0; --d) {
      cursor[3 + d] = t->shape[d];
      cursor[3 + t->rank + d] = stride;
      stride *= t->shape[d];
    }
    inputPtrs[i] = cursor;
    cursor += descriptorWords(t->rank);
  }
  int64_t *results = cursor;
  if (callEntry(desc, results, inputPtrs)) {
    freeResultBlocks(desc, results, NULL);
    releaseDeviceInputs(desc, results, deviceInputs);
    free(words);
    free(inputPtrs);
    return fail(model,
                runtimeError == TERN_RUNTIME_ERROR_DEVICE
                    ? TERN_ERROR_DEVICE
                    : TERN_ERROR_INVALID_ARGUMENT,
                "%s", describeRuntimeError(runtimeError));
  }

  /* Take over each result buffer, or copy it when it is not a dense heap
   * block of its own (strided, offset, aligned inside a larger block, or
   * shared with an earlier output). A GPU model's results are in device
   * memory, which the caller cannot free: they are always copied. */
  status = TERN_OK;
  for (uint32_t i = 0; i < desc->num_outputs; ++i) {
    const TernTensorInfo *info = &desc->outputs[i];
    TernTensor *out = &outputs[i];
    int64_t *result = resultDescriptor(desc, results, i);
    out->dtype = info->dtype;
    out->rank = info->rank;
    for (int32_t d = 0; d < info->rank; ++d)
      out->shape[d] = result[3 + d];
    int64_t n = tern_tensor_num_elements(out);
    if (!tern_device_free && !sharesEarlierBlock(desc, results, i) &&
        result[0] == result[1] && isDenseRowMajor(result, out->rank)) {
      out->data = (void *)(intptr_t)result[0];
    } else {
      out->data = copyDense(result, out->rank, tern_dtype_size(info->dtype), n);
      if (!out->data)
        status = fail(model, TERN_ERROR_OUT_OF_MEMORY, "out of memory");
    }
  }
  /* Free the blocks that were copied rather than handed over. */
  freeResultBlocks(desc, results, outputs);
  releaseDeviceInputs(desc, results, deviceInputs);
  /* A failed run leaves the caller nothing to release. */
  if (status != TERN_OK)
    for (uint32_t i = 0; i < desc->num_outputs; ++i)
      tern_tensor_release(&outputs[i]);
  free(words);
  free(inputPtrs);
  return status;
}
