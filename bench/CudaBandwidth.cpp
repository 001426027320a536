//===- CudaBandwidth.cpp - The GPU's memory bandwidth, measured -----------===//

#include "CudaBandwidth.h"

#include <algorithm>
#include <chrono>
#include <dlfcn.h>
#include <vector>

using namespace tern;

// At global scope, as cuda.h declares it: a driver test double built with
// UBSan checks calls against its own signature.
struct CUctx_st;
using CUcontext = CUctx_st *;

namespace {

// The driver API's types and attribute numbers, as cuda.h has them, so
// that the benchmark builds without CUDA headers.
using CUresult = int;
using CUdeviceptr = unsigned long long;
enum {
  kMemoryClockRate = 36,      // CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, kHz
  kGlobalMemoryBusWidth = 37, // CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH
};

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGet)(int *, int);
  CUresult (*cuDeviceGetName)(char *, int, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, int);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, int);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyDtoD)(CUdeviceptr, CUdeviceptr, size_t);
};

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
  struct Symbol {
    void **slot;
    const char *name;
  } symbols[] = {
      {reinterpret_cast<void **>(&cuda.cuInit), "cuInit"},
      {reinterpret_cast<void **>(&cuda.cuDeviceGet), "cuDeviceGet"},
      {reinterpret_cast<void **>(&cuda.cuDeviceGetName), "cuDeviceGetName"},
      {reinterpret_cast<void **>(&cuda.cuDeviceGetAttribute),
       "cuDeviceGetAttribute"},
      {reinterpret_cast<void **>(&cuda.cuDevicePrimaryCtxRetain),
       "cuDevicePrimaryCtxRetain"},
      {reinterpret_cast<void **>(&cuda.cuCtxSetCurrent), "cuCtxSetCurrent"},
      {reinterpret_cast<void **>(&cuda.cuCtxSynchronize), "cuCtxSynchronize"},
      {reinterpret_cast<void **>(&cuda.cuMemAlloc), "cuMemAlloc_v2"},
      {reinterpret_cast<void **>(&cuda.cuMemFree), "cuMemFree_v2"},
      {reinterpret_cast<void **>(&cuda.cuMemcpyDtoD), "cuMemcpyDtoD_v2"},
  };
  for (const Symbol &symbol : symbols)
    if (!(*symbol.slot = dlsym(handle, symbol.name)))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "the CUDA driver has no %s", symbol.name);

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
  if (CUresult r =
          cuda.cuDeviceGetAttribute(&clockKHz, kMemoryClockRate, device))
    return failed("cuDeviceGetAttribute", r);
  if (CUresult r =
          cuda.cuDeviceGetAttribute(&busBits, kGlobalMemoryBusWidth, device))
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
