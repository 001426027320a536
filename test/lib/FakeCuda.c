/*===- FakeCuda.c - A libcuda.so.1 that records what a model asks of it ---===*
 *
 * The test double of the CUDA driver for machines without a GPU. Tests put
 * its folder first on LD_LIBRARY_PATH; a GPU model's device runtime
 * (lib/Runtime/CudaDriver.c) then loads it as it would load NVIDIA's.
 * Every call is appended to $TERN_FAKE_CUDA_LOG, one line each, with the
 * sizes, grids and blocks it was given. Memory is plain host memory, so
 * copies and the host code between kernels work; kernels do not run.
 *
 *   TERN_FAKE_CUDA_LOG=FILE        where the calls go (else nowhere)
 *   TERN_FAKE_CUDA_MODULE=FILE     the image of the module loaded (PTX
 *                                  or a fatbin)
 *   TERN_FAKE_CUDA_FAIL=NAME       the driver calls NAME starts fail
 *   TERN_FAKE_CUDA_KERNEL_ERROR=N  kernels "report" run-time error N
 *
 *===----------------------------------------------------------------------===*/

#include "CudaDriverApi.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same declarations as the device runtime's: the compiler checks each
 * definition below against the signature the runtime calls. */
#define TERN_FAKE_CUDA_PROTOTYPE(name, symbol, result, params)                 \
  result symbol params;
TERN_CUDA_RUNTIME_FUNCTIONS(TERN_FAKE_CUDA_PROTOTYPE)
TERN_CUDA_BANDWIDTH_FUNCTIONS(TERN_FAKE_CUDA_PROTOTYPE)
#undef TERN_FAKE_CUDA_PROTOTYPE

enum { kFakeError = 999 };

static void record(const char *format, ...) {
  const char *path = getenv("TERN_FAKE_CUDA_LOG");
  if (!path)
    return;
  FILE *log = fopen(path, "a");
  if (!log)
    return;
  va_list args;
  va_start(args, format);
  vfprintf(log, format, args);
  va_end(args);
  fputc('\n', log);
  fclose(log);
}

/* Whether the test asked `call` to fail: its name or a prefix of it
 * (cuModuleLoadData fails both forms of the module load). */
static int fails(const char *call) {
  const char *name = getenv("TERN_FAKE_CUDA_FAIL");
  return name && *name && strncmp(call, name, strlen(name)) == 0;
}

#define FAKE_CALL(name, ...)                                                   \
  do {                                                                         \
    record(__VA_ARGS__);                                                       \
    if (fails(name))                                                           \
      return kFakeError;                                                       \
  } while (0)

static int fakeContext, fakeModule;
static int32_t kernelErrorFlag;

CUresult cuInit(unsigned flags) {
  FAKE_CALL("cuInit", "cuInit %u", flags);
  return 0;
}

CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  FAKE_CALL("cuDeviceGet", "cuDeviceGet %d", ordinal);
  *device = ordinal;
  return 0;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice device) {
  FAKE_CALL("cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRetain %d", device);
  *context = (CUcontext)&fakeContext;
  return 0;
}

CUresult cuCtxSetCurrent(CUcontext context) {
  FAKE_CALL("cuCtxSetCurrent", "cuCtxSetCurrent");
  return context == (CUcontext)&fakeContext ? 0 : kFakeError;
}

/* A fatbin's header: its magic, then the size of what follows it. */
enum { kFatbinMagic = 0xBA55ED50u, kFatbinHeaderBytes = 16 };

static size_t getImageSize(const void *image) {
  uint32_t magic;
  memcpy(&magic, image, sizeof(magic));
  if (magic != kFatbinMagic)
    return strlen((const char *)image);
  uint64_t rest;
  memcpy(&rest, (const char *)image + 8, sizeof(rest));
  return kFatbinHeaderBytes + rest;
}

static void saveModule(const void *image) {
  const char *path = getenv("TERN_FAKE_CUDA_MODULE");
  FILE *out = path ? fopen(path, "wb") : NULL;
  if (!out)
    return;
  fwrite(image, 1, getImageSize(image), out);
  fclose(out);
}

CUresult cuModuleLoadData(CUmodule *module, const void *image) {
  uint32_t magic;
  memcpy(&magic, image, sizeof(magic));
  FAKE_CALL("cuModuleLoadData", "cuModuleLoadData %s=%zu",
            magic == kFatbinMagic ? "fatbin" : "image", getImageSize(image));
  saveModule(image);
  *module = (CUmodule)&fakeModule;
  return 0;
}

CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned count,
                            int *options, void **values) {
  (void)options;
  (void)values;
  FAKE_CALL("cuModuleLoadDataEx", "cuModuleLoadDataEx ptx=%zu options=%u",
            strlen((const char *)image), count);
  saveModule(image);
  *module = (CUmodule)&fakeModule;
  return 0;
}

CUresult cuModuleUnload(CUmodule module) {
  FAKE_CALL("cuModuleUnload", "cuModuleUnload");
  return module == (CUmodule)&fakeModule ? 0 : kFakeError;
}

CUresult cuModuleGetFunction(CUfunction *function, CUmodule module,
                             const char *name) {
  FAKE_CALL("cuModuleGetFunction", "cuModuleGetFunction %s", name);
  if (module != (CUmodule)&fakeModule)
    return kFakeError;
  *function = (CUfunction)strdup(name);
  return 0;
}

CUresult cuModuleGetGlobal_v2(CUdeviceptr *pointer, size_t *bytes,
                              CUmodule module, const char *name) {
  FAKE_CALL("cuModuleGetGlobal_v2", "cuModuleGetGlobal_v2 %s", name);
  if (module != (CUmodule)&fakeModule || strcmp(name, "tern_kernel_error") != 0)
    return kFakeError;
  const char *code = getenv("TERN_FAKE_CUDA_KERNEL_ERROR");
  if (code && !kernelErrorFlag)
    kernelErrorFlag = atoi(code);
  *pointer = (CUdeviceptr)(uintptr_t)&kernelErrorFlag;
  *bytes = sizeof(kernelErrorFlag);
  return 0;
}

CUresult cuLaunchKernel(CUfunction function, unsigned gridX, unsigned gridY,
                        unsigned gridZ, unsigned blockX, unsigned blockY,
                        unsigned blockZ, unsigned sharedBytes, CUstream stream,
                        void **params, void **extra) {
  (void)stream;
  (void)params;
  (void)extra;
  FAKE_CALL("cuLaunchKernel",
            "cuLaunchKernel %s grid=(%u,%u,%u) block=(%u,%u,%u) shared=%u",
            (const char *)function, gridX, gridY, gridZ, blockX, blockY, blockZ,
            sharedBytes);
  return 0;
}

CUresult cuStreamSynchronize(CUstream stream) {
  FAKE_CALL("cuStreamSynchronize", "cuStreamSynchronize");
  return stream == NULL ? 0 : kFakeError;
}

CUresult cuMemAllocManaged(CUdeviceptr *pointer, size_t bytes, unsigned flags) {
  FAKE_CALL("cuMemAllocManaged", "cuMemAllocManaged %zu flags=%u", bytes,
            flags);
  void *memory = calloc(1, bytes);
  if (!memory)
    return kFakeError;
  *pointer = (CUdeviceptr)(uintptr_t)memory;
  return 0;
}

CUresult cuMemFree_v2(CUdeviceptr pointer) {
  FAKE_CALL("cuMemFree_v2", "cuMemFree_v2");
  free((void *)(uintptr_t)pointer);
  return 0;
}

CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
  FAKE_CALL("cuMemcpy", "cuMemcpy %zu", bytes);
  memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, bytes);
  return 0;
}

CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned value, size_t count) {
  FAKE_CALL("cuMemsetD32_v2", "cuMemsetD32_v2 %zu", count);
  uint32_t *words = (uint32_t *)(uintptr_t)dst;
  for (size_t i = 0; i < count; ++i)
    words[i] = value;
  return 0;
}

/* What bench/CudaBandwidth.cpp asks of the driver besides. */
CUresult cuDeviceGetName(char *name, int length, int device) {
  FAKE_CALL("cuDeviceGetName", "cuDeviceGetName %d", device);
  snprintf(name, (size_t)length, "Tern fake CUDA device");
  return 0;
}

/* A 1 GHz memory clock on a 1024-bit bus: a 256 GB/s peak. */
CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  FAKE_CALL("cuDeviceGetAttribute", "cuDeviceGetAttribute %d", attribute);
  if (attribute == CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE)
    *value = 1000000;
  else if (attribute == CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH)
    *value = 1024;
  else
    return kFakeError;
  return device == 0 ? 0 : kFakeError;
}

CUresult cuCtxSynchronize(void) {
  FAKE_CALL("cuCtxSynchronize", "cuCtxSynchronize");
  return 0;
}

CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes) {
  FAKE_CALL("cuMemAlloc_v2", "cuMemAlloc_v2 %zu", bytes);
  void *memory = calloc(1, bytes);
  if (!memory)
    return kFakeError;
  *pointer = (CUdeviceptr)(uintptr_t)memory;
  return 0;
}

CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
  FAKE_CALL("cuMemcpyDtoD_v2", "cuMemcpyDtoD_v2 %zu", bytes);
  memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, bytes);
  return 0;
}

CUresult cuGetErrorName(CUresult error, const char **name) {
  *name = error == kFakeError ? "CUDA_ERROR_FAKE_FAILURE" : "CUDA_ERROR_OTHER";
  return 0;
}
