/*===- CudaDriver.c - The CUDA driver behind a GPU model ------------------===*
 *
 * Linked into models compiled for NVPTX. MLIR's gpu-to-llvm lowering turns
 * kernel launches, device allocations and copies into calls of the mgpu*
 * functions that upstream's CudaRuntimeWrappers.cpp defines; Debian's MLIR
 * ships no such library, and a model must load where no GPU is, so these
 * are defined here over the CUDA driver API loaded with
 * dlopen("libcuda.so.1"). The model names no CUDA library as NEEDED.
 *
 * Every launch, copy and free runs on the legacy default stream, in the
 * order the host issues them; the compiled code waits for the stream
 * (mgpuStreamSynchronize) only before host code that reads or writes
 * device memory and at the end of a run (tern-gpu-async-launches).
 * Buffers are managed memory: the same address on the host and the
 * device. A run's buffers come from a cache (below), so that a run in the
 * steady state makes no allocation of the driver's. A failed driver call
 * records its name and the driver's error; inside a run it ends the run
 * with that message, at load time tern_model_create reports it.
 *
 *===----------------------------------------------------------------------===*/

#include "CudaDriverApi.h"
#include "DeviceHooks.h"
#include "tern/ABI/ModelABI.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TERN_DECLARE_POINTER(field, symbol, result, params)                    \
  result(*field) params;
static struct { TERN_CUDA_RUNTIME_FUNCTIONS(TERN_DECLARE_POINTER) } cuda;
#undef TERN_DECLARE_POINTER

extern void tern_report_runtime_error(int32_t code)
    __attribute__((visibility("hidden")));

static pthread_mutex_t errorMutex = PTHREAD_MUTEX_INITIALIZER;
static char lastError[512];

static void recordError(const char *format, ...) {
  pthread_mutex_lock(&errorMutex);
  va_list args;
  va_start(args, format);
  vsnprintf(lastError, sizeof(lastError), format, args);
  va_end(args);
  pthread_mutex_unlock(&errorMutex);
}

const char *tern_device_error(void) { return lastError; }

static pthread_once_t driverOnce = PTHREAD_ONCE_INIT;
static CUcontext context;
static int driverReady;

static const char *errorName(CUresult result) {
  const char *name = NULL;
  if (cuda.cuGetErrorName && cuda.cuGetErrorName(result, &name) == 0 && name)
    return name;
  return "an unknown CUDA error";
}

static void openDriver(void) {
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    recordError("no CUDA driver: dlopen(\"libcuda.so.1\") failed (%s); this "
                "model was compiled for an NVIDIA GPU",
                dlerror());
    return;
  }
#define TERN_RESOLVE(field, symbol, result, params)                            \
  *(void **)&cuda.field = dlsym(library, #symbol);                             \
  if (!cuda.field) {                                                           \
    recordError("the CUDA driver has no %s", #symbol);                         \
    return;                                                                    \
  }
  TERN_CUDA_RUNTIME_FUNCTIONS(TERN_RESOLVE)
#undef TERN_RESOLVE
  CUdevice device;
  CUresult result;
  if ((result = cuda.cuInit(0)) != 0) {
    recordError("cuInit failed: %s", errorName(result));
    return;
  }
  if ((result = cuda.cuDeviceGet(&device, 0)) != 0) {
    recordError("cuDeviceGet(0) failed: %s", errorName(result));
    return;
  }
  if ((result = cuda.cuDevicePrimaryCtxRetain(&context, device)) != 0) {
    recordError("cuDevicePrimaryCtxRetain failed: %s", errorName(result));
    return;
  }
  driverReady = 1;
}

/* Initial-exec, as in ModelRuntime.c: no __tls_get_addr, so the model
 * needs nothing of the dynamic loader. */
static _Thread_local __attribute__((tls_model("initial-exec")))
CUcontext currentContext;

/* The driver, opened once, with its context current on this thread. */
static int useDriver(void) {
  pthread_once(&driverOnce, openDriver);
  if (!driverReady)
    return 0;
  if (currentContext != context) {
    CUresult result = cuda.cuCtxSetCurrent(context);
    if (result != 0) {
      recordError("cuCtxSetCurrent failed: %s", errorName(result));
      return 0;
    }
    currentContext = context;
  }
  return 1;
}

/* A failed call inside a run ends the run with its message. */
static int check(CUresult result, const char *call) {
  if (result == 0)
    return 1;
  recordError("%s failed: %s", call, errorName(result));
  tern_report_runtime_error(TERN_RUNTIME_ERROR_DEVICE);
  return 0;
}

static void failRun(void) {
  tern_report_runtime_error(TERN_RUNTIME_ERROR_DEVICE);
}

/* Set when the kernels' module did not load (at library load, before any
 * instance exists): tern_model_create then fails with the reason. */
static int moduleFailed;
/* The kernels' module (ternc puts them all in one). */
static CUmodule kernelModule;

/* Where the kernels' run-time checks record the largest error code
 * (tern-gpu-kernel-module's tern_kernel_error), found once when the module
 * loads; 0 for a module without checks. */
static CUdeviceptr kernelErrorFlag;

int32_t tern_device_finish_run(void) {
  if (!kernelErrorFlag || !useDriver())
    return 0;
  int32_t code = 0;
  if (cuda.cuMemcpy((CUdeviceptr)(uintptr_t)&code, kernelErrorFlag,
                    sizeof(code)) != 0) {
    recordError("cuMemcpy of the kernels' error flag failed");
    return TERN_RUNTIME_ERROR_DEVICE;
  }
  if (code)
    cuda.cuMemsetD32(kernelErrorFlag, 0, 1);
  return code;
}

/*===------------------------------------------------------------------===*
 * The cache of a run's buffers. Without it every buffer of every run is
 * a cuMemAllocManaged and a cuMemFree, which waits for the device to be
 * idle; and a run allocates buffers of the same sizes as the run before
 * it. Freed buffers are kept, by size class, for the next
 * allocation of their class or of one down to half of it. A buffer may be freed
 *while kernels that use it are still queued: a later user on the same thread is
 *ordered after them (kernels by the stream, host code by the wait the compiled
 *code puts before it), but another thread's host code is not, so a buffer freed
 *on one thread and taken on another waits for the stream first. Idle buffers
 *past twice the most ever in use are really freed, the longest idle first (the
 *sizes a growing cache of keys and values no longer takes), and all of them
 *when the last model instance is destroyed.
 *===------------------------------------------------------------------===*/

typedef struct Buffer {
  CUdeviceptr pointer;
  size_t bytes; /* its size class */
  pthread_t freedBy;
  struct Buffer *next;
} Buffer;

enum { kLiveBuckets = 1024 };

static pthread_mutex_t cacheMutex = PTHREAD_MUTEX_INITIALIZER;
static Buffer *idleBuffers;               /* freed, most recent first */
static Buffer *liveBuffers[kLiveBuckets]; /* in use, by address */
static size_t idleBytes, liveBytes, peakLiveBytes;
static int openInstances;

/* Eight classes from one power of two to the next (at most an eighth
 * wasted), at least 512 bytes: a cache of keys and values that grows by a
 * token a run stays in one class for many runs. */
static size_t sizeClass(size_t bytes) {
  if (bytes <= 512)
    return 512;
  size_t power = 1024;
  while (power < bytes)
    power <<= 1;
  size_t granule = power / 16;
  return (bytes + granule - 1) / granule * granule;
}

static Buffer **liveBucket(CUdeviceptr pointer) {
  return &liveBuffers[(pointer >> 9) % kLiveBuckets];
}

/* Gives an idle buffer back to the driver; called with the cache's mutex
 * held, `buffer` already off the idle list. */
static void destroyIdleBuffer(Buffer *buffer) {
  cuda.cuMemFree(buffer->pointer);
  idleBytes -= buffer->bytes;
  free(buffer);
}

/* Frees every idle buffer; called with the cache's mutex held. */
static void releaseIdleBuffers(void) {
  while (idleBuffers) {
    Buffer *buffer = idleBuffers;
    idleBuffers = buffer->next;
    destroyIdleBuffer(buffer);
  }
}

/* Frees the buffer idle the longest (the list's last); called with the
 * cache's mutex held. */
static void releaseOldestIdleBuffer(void) {
  Buffer **link = &idleBuffers;
  while ((*link)->next)
    link = &(*link)->next;
  Buffer *oldest = *link;
  *link = NULL;
  destroyIdleBuffer(oldest);
}

/* The smallest idle buffer of `bytes` (a size class) up to twice that,
 * or NULL: buffers that change size from run to run (a cache of keys and
 * values growing by a token) take the last run's larger ones. */
static Buffer *takeIdleBuffer(size_t bytes) {
  Buffer **best = NULL;
  for (Buffer **link = &idleBuffers; *link; link = &(*link)->next) {
    size_t size = (*link)->bytes;
    if (size >= bytes && size / 2 <= bytes && (!best || size < (*best)->bytes))
      best = link;
    if (best && (*best)->bytes == bytes)
      break;
  }
  if (!best)
    return NULL;
  Buffer *buffer = *best;
  *best = buffer->next;
  idleBytes -= buffer->bytes;
  return buffer;
}

int tern_device_open(void) {
  if (!useDriver() || moduleFailed)
    return -1;
  pthread_mutex_lock(&cacheMutex);
  ++openInstances;
  pthread_mutex_unlock(&cacheMutex);
  return 0;
}

void tern_device_close(void) {
  pthread_mutex_lock(&cacheMutex);
  if (--openInstances == 0 && useDriver())
    releaseIdleBuffers();
  pthread_mutex_unlock(&cacheMutex);
}

static void *allocateManaged(size_t bytes) {
  CUdeviceptr pointer = 0;
  CUresult result =
      cuda.cuMemAllocManaged(&pointer, bytes ? bytes : 1, CU_MEM_ATTACH_GLOBAL);
  if (result != 0) {
    recordError("cuMemAllocManaged(%zu bytes) failed: %s", bytes,
                errorName(result));
    return NULL;
  }
  return (void *)(uintptr_t)pointer;
}

void *tern_device_alloc(size_t bytes) {
  if (!useDriver())
    return NULL;
  return allocateManaged(bytes);
}

void *tern_device_alloc_buffer(size_t bytes) {
  if (!useDriver())
    return NULL;
  size_t size = sizeClass(bytes ? bytes : 1);
  pthread_mutex_lock(&cacheMutex);
  Buffer *buffer = takeIdleBuffer(size);
  if (buffer && !pthread_equal(buffer->freedBy, pthread_self()) &&
      cuda.cuStreamSynchronize(NULL) != 0) {
    /* The wait for the other thread's kernels failed: not this one. */
    cuda.cuMemFree(buffer->pointer);
    free(buffer);
    buffer = NULL;
  }
  if (!buffer) {
    buffer = malloc(sizeof(Buffer));
    void *pointer = buffer ? allocateManaged(size) : NULL;
    if (!pointer && buffer && idleBuffers) {
      /* Out of device memory: what the cache holds first. */
      releaseIdleBuffers();
      pointer = allocateManaged(size);
    }
    if (!pointer) {
      if (!buffer)
        recordError("out of host memory for a device buffer's record");
      free(buffer);
      pthread_mutex_unlock(&cacheMutex);
      return NULL;
    }
    buffer->pointer = (CUdeviceptr)(uintptr_t)pointer;
    buffer->bytes = size;
  }
  Buffer **bucket = liveBucket(buffer->pointer);
  buffer->next = *bucket;
  *bucket = buffer;
  liveBytes += buffer->bytes;
  if (liveBytes > peakLiveBytes)
    peakLiveBytes = liveBytes;
  pthread_mutex_unlock(&cacheMutex);
  return (void *)(uintptr_t)buffer->pointer;
}

void tern_device_free(void *pointer) {
  if (!pointer || !useDriver())
    return;
  CUdeviceptr address = (CUdeviceptr)(uintptr_t)pointer;
  pthread_mutex_lock(&cacheMutex);
  Buffer *buffer = NULL;
  for (Buffer **link = liveBucket(address); *link; link = &(*link)->next)
    if ((*link)->pointer == address) {
      buffer = *link;
      *link = buffer->next;
      break;
    }
  if (!buffer) {
    /* Not a run's buffer: the weights. */
    pthread_mutex_unlock(&cacheMutex);
    cuda.cuMemFree(address);
    return;
  }
  liveBytes -= buffer->bytes;
  buffer->freedBy = pthread_self();
  buffer->next = idleBuffers;
  idleBuffers = buffer;
  idleBytes += buffer->bytes;
  while (idleBytes > 2 * peakLiveBytes)
    releaseOldestIdleBuffer();
  pthread_mutex_unlock(&cacheMutex);
}

int tern_device_upload(void *device, const void *host, size_t bytes) {
  if (!bytes)
    return 0;
  if (!useDriver())
    return -1;
  CUresult result = cuda.cuMemcpy((CUdeviceptr)(uintptr_t)device,
                                  (CUdeviceptr)(uintptr_t)host, bytes);
  if (result != 0) {
    recordError("cuMemcpy(%zu bytes) failed: %s", bytes, errorName(result));
    return -1;
  }
  return 0;
}

int tern_device_wait(void) {
  if (!useDriver())
    return -1;
  CUresult result = cuda.cuStreamSynchronize(NULL);
  if (result != 0) {
    recordError("cuStreamSynchronize after the uploads failed: %s",
                errorName(result));
    return -1;
  }
  return 0;
}

/*===------------------------------------------------------------------===*
 * The mgpu* ABI of MLIR's gpu-to-llvm lowering and its offloading
 * translation (the module loads and unloads run as global constructors
 * and destructors of the model library).
 *===------------------------------------------------------------------===*/

#define TERN_MGPU __attribute__((visibility("hidden")))

/* The kernels looked up in the module, by the address of their name:
 * gpu-to-llvm looks a kernel up before each launch. */
typedef struct Kernel {
  const char *name;
  CUfunction function;
  struct Kernel *next;
} Kernel;

enum { kKernelBuckets = 256 };

static pthread_mutex_t kernelMutex = PTHREAD_MUTEX_INITIALIZER;
static Kernel *kernels[kKernelBuckets];

static Kernel **kernelBucket(const char *name) {
  return &kernels[((uintptr_t)name >> 3) % kKernelBuckets];
}

static void forgetKernels(void) {
  pthread_mutex_lock(&kernelMutex);
  for (int i = 0; i < kKernelBuckets; ++i)
    while (kernels[i]) {
      Kernel *kernel = kernels[i];
      kernels[i] = kernel->next;
      free(kernel);
    }
  pthread_mutex_unlock(&kernelMutex);
}

/* Keeps the module `call` loaded (`result`), and its error flag; a
 * failure is reported when a model instance is created. */
static void *keepKernelModule(CUmodule module, CUresult result,
                              const char *call, const char *hint) {
  if (result != 0) {
    recordError("%s failed: %s%s", call, errorName(result), hint);
    moduleFailed = 1;
  }
  kernelModule = module;
  kernelErrorFlag = 0;
  size_t bytes = 0;
  if (module && (cuda.cuModuleGetGlobal(&kernelErrorFlag, &bytes, module,
                                        "tern_kernel_error") != 0 ||
                 bytes != sizeof(int32_t)))
    kernelErrorFlag = 0;
  return module;
}

TERN_MGPU void *mgpuModuleLoad(void *data, size_t size) {
  (void)size;
  CUmodule module = NULL;
  if (!useDriver()) {
    moduleFailed = 1;
    return NULL;
  }
  CUresult result = cuda.cuModuleLoadData(&module, data);
  return keepKernelModule(module, result, "cuModuleLoadData",
                          " (the GPU may be older than the code's target)");
}

TERN_MGPU void *mgpuModuleLoadJIT(void *data, int optLevel) {
  CUmodule module = NULL;
  if (!useDriver()) {
    moduleFailed = 1;
    return NULL;
  }
  int options[] = {CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {(void *)(intptr_t)optLevel};
  CUresult result = cuda.cuModuleLoadDataEx(&module, data, 1, options, values);
  return keepKernelModule(module, result, "cuModuleLoadDataEx (PTX JIT)", "");
}

TERN_MGPU void mgpuModuleUnload(void *module) {
  if (module && driverReady)
    cuda.cuModuleUnload((CUmodule)module);
  if (module == kernelModule) {
    kernelModule = NULL;
    kernelErrorFlag = 0;
    forgetKernels();
  }
}

TERN_MGPU void *mgpuModuleGetFunction(void *module, const char *name) {
  CUfunction function = NULL;
  if (!module || !useDriver()) {
    failRun();
    return NULL;
  }
  if (module == kernelModule) {
    pthread_mutex_lock(&kernelMutex);
    for (Kernel *kernel = *kernelBucket(name); kernel; kernel = kernel->next)
      if (kernel->name == name) {
        function = kernel->function;
        break;
      }
    pthread_mutex_unlock(&kernelMutex);
    if (function)
      return function;
  }
  if (!check(cuda.cuModuleGetFunction(&function, (CUmodule)module, name),
             "cuModuleGetFunction"))
    return NULL;
  Kernel *kernel = module == kernelModule ? malloc(sizeof(Kernel)) : NULL;
  if (kernel) {
    kernel->name = name;
    kernel->function = function;
    pthread_mutex_lock(&kernelMutex);
    kernel->next = *kernelBucket(name);
    *kernelBucket(name) = kernel;
    pthread_mutex_unlock(&kernelMutex);
  }
  return function;
}

TERN_MGPU void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                                intptr_t gridZ, intptr_t blockX,
                                intptr_t blockY, intptr_t blockZ,
                                int32_t sharedBytes, void *stream,
                                void **params, void **extra,
                                size_t paramCount) {
  (void)paramCount;
  if (!useDriver()) {
    failRun();
    return;
  }
  /* An empty grid (a dimension of size 0 at run time) has nothing to do;
   * the driver would refuse it. */
  if (gridX <= 0 || gridY <= 0 || gridZ <= 0)
    return;
  check(cuda.cuLaunchKernel((CUfunction)function, (unsigned)gridX,
                            (unsigned)gridY, (unsigned)gridZ, (unsigned)blockX,
                            (unsigned)blockY, (unsigned)blockZ,
                            (unsigned)sharedBytes, (CUstream)stream, params,
                            extra),
        "cuLaunchKernel");
}

/* The legacy default stream: every launch is ordered with every copy. */
TERN_MGPU void *mgpuStreamCreate(void) { return NULL; }
TERN_MGPU void mgpuStreamDestroy(void *stream) { (void)stream; }

TERN_MGPU void mgpuStreamSynchronize(void *stream) {
  if (useDriver())
    check(cuda.cuStreamSynchronize((CUstream)stream), "cuStreamSynchronize");
  else
    failRun();
}

/* Managed memory whether `isHostShared` or not (tern-gpu-managed-buffers
 * asks for device memory, which gpu-to-llvm can allocate on a stream):
 * host code may read what a kernel wrote, once it has waited. */
TERN_MGPU void *mgpuMemAlloc(uint64_t bytes, void *stream, int isHostShared) {
  (void)stream;
  (void)isHostShared;
  void *pointer = tern_device_alloc_buffer((size_t)bytes);
  if (!pointer)
    failRun();
  return pointer;
}

TERN_MGPU void mgpuMemFree(void *pointer, void *stream) {
  (void)stream;
  tern_device_free(pointer);
}

TERN_MGPU void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  (void)stream;
  if (bytes && useDriver())
    check(cuda.cuMemcpy((CUdeviceptr)(uintptr_t)dst,
                        (CUdeviceptr)(uintptr_t)src, bytes),
          "cuMemcpy");
}

TERN_MGPU void mgpuMemset32(void *dst, unsigned value, size_t count,
                            void *stream) {
  (void)stream;
  if (count && useDriver())
    check(cuda.cuMemsetD32((CUdeviceptr)(uintptr_t)dst, value, count),
          "cuMemsetD32");
}
