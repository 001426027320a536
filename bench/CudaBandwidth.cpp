//===- CudaBandwidth.cpp - The GPU's memory bandwidth, measured -----------===//

#include "CudaBandwidth.h"
#include "CudaDriverApi.h"

#include <algorithm>
#include <chrono>
#include <dlfcn.h>
#include <vector>

using namespace tern;

namespace {

// The functions this file calls, declared as the device runtime and the
// driver's test double declare them (lib/Runtime/CudaDriverApi.h).
#define TERN_DECLARE_POINTER(name, symbol, result, params) result(*name) params;
struct Driver {
  TERN_CUDA_RUNTIME_FUNCTIONS(TERN_DECLARE_POINTER)
  TERN_CUDA_BANDWIDTH_FUNCTIONS(TERN_DECLARE_POINTER)
};
#undef TERN_DECLARE_POINTER

llvm::Error failed(const char *call, CUresult result) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "%s failed (CUresult %d)", call, result);
}

} // namespace

llvm::Expected<CudaBandwidth> tern::measureCudaBandwidth(size_t bytes) {
  void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no CUDA driver: %s", dlerror());
  Driver cuda;
#define TERN_RESOLVE(name, symbol, result, params)                             \
  if (!(*reinterpret_cast<void **>(&cuda.name) = dlsym(handle, #symbol)))      \
    return llvm::createStringError(llvm::inconvertibleErrorCode(),             \
                                   "the CUDA driver has no " #symbol);
  TERN_CUDA_RUNTIME_FUNCTIONS(TERN_RESOLVE)
  TERN_CUDA_BANDWIDTH_FUNCTIONS(TERN_RESOLVE)
#undef TERN_RESOLVE

  CudaBandwidth result;
  int device = 0, clockKHz = 0, busBits = 0;
  CUcontext context = nullptr;
  char name[256] = {0};
  if (CUresult r = cuda.cuInit(0))
    return failed("cuInit", r);
  if (CUresult r = cuda.cuDeviceGet(&device, 0))
    return failed("cuDeviceGet", r);
  if (CUresult r = cuda.cuDeviceGetName(name, sizeof(name) - 1, device))
    return failed("cuDeviceGetName", r);
  if (CUresult r = cuda.cuDeviceGetAttribute(
          &clockKHz, CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, device))
    return failed("cuDeviceGetAttribute", r);
  if (CUresult r = cuda.cuDeviceGetAttribute(
          &busBits, CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, device))
    return failed("cuDeviceGetAttribute", r);
  if (CUresult r = cuda.cuDevicePrimaryCtxRetain(&context, device))
    return failed("cuDevicePrimaryCtxRetain", r);
  if (CUresult r = cuda.cuCtxSetCurrent(context))
    return failed("cuCtxSetCurrent", r);
  result.device = name;
  result.peakBytesPerSecond = 2.0 * clockKHz * 1e3 * busBits / 8;

  CUdeviceptr source = 0, target = 0;
  if (CUresult r = cuda.cuMemAlloc(&source, bytes))
    return failed("cuMemAlloc_v2", r);
  if (CUresult r = cuda.cuMemAlloc(&target, bytes)) {
    cuda.cuMemFree(source);
    return failed("cuMemAlloc_v2", r);
  }
  std::vector<double> rates;
  CUresult status = 0;
  // One untimed copy first: the first touch of each page costs more.
  for (int pass = 0; pass < 6 && !status; ++pass) {
    auto start = std::chrono::steady_clock::now();
    status = cuda.cuMemcpyDtoD(target, source, bytes);
    if (!status)
      status = cuda.cuCtxSynchronize();
    std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    if (pass > 0)
      rates.push_back(2.0 * bytes / elapsed.count());
  }
  cuda.cuMemFree(source);
  cuda.cuMemFree(target);
  if (status)
    return failed("cuMemcpyDtoD_v2", status);
  std::sort(rates.begin(), rates.end());
  result.copyBytesPerSecond = rates[rates.size() / 2];
  return result;
}
