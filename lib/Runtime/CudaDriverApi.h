/*===- CudaDriverApi.h - The part of the CUDA driver API Tern calls -------===*
 *
 * The driver's types as cuda.h spells them, so that nothing here needs the
 * CUDA headers, and the functions Tern loads with dlsym, as X-macro lists
 * X(name, symbol, result, params): the device runtime (CudaDriver.c) and
 * bench/CudaBandwidth.cpp declare their function pointers from them, and
 * the test double of the driver (test/lib/FakeCuda.c) its prototypes, so
 * that all three agree on every signature (UBSan's function-type check
 * compares them at each call into the double). Plain C and C++.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TERN_RUNTIME_CUDADRIVERAPI_H
#define TERN_RUNTIME_CUDADRIVERAPI_H

#include <stddef.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;

enum {
  CU_JIT_OPTIMIZATION_LEVEL = 7,
  CU_MEM_ATTACH_GLOBAL = 1,
  CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36,       /* kHz */
  CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37, /* bits */
};

/* What the device runtime calls. */
#define TERN_CUDA_RUNTIME_FUNCTIONS(X)                                         \
  X(cuInit, cuInit, CUresult, (unsigned))                                      \
  X(cuDeviceGet, cuDeviceGet, CUresult, (CUdevice *, int))                     \
  X(cuDevicePrimaryCtxRetain, cuDevicePrimaryCtxRetain, CUresult,              \
    (CUcontext *, CUdevice))                                                   \
  X(cuCtxSetCurrent, cuCtxSetCurrent, CUresult, (CUcontext))                   \
  X(cuModuleLoadData, cuModuleLoadData, CUresult, (CUmodule *, const void *))  \
  X(cuModuleLoadDataEx, cuModuleLoadDataEx, CUresult,                          \
    (CUmodule *, const void *, unsigned, int *, void **))                      \
  X(cuModuleUnload, cuModuleUnload, CUresult, (CUmodule))                      \
  X(cuModuleGetFunction, cuModuleGetFunction, CUresult,                        \
    (CUfunction *, CUmodule, const char *))                                    \
  X(cuModuleGetGlobal, cuModuleGetGlobal_v2, CUresult,                         \
    (CUdeviceptr *, size_t *, CUmodule, const char *))                         \
  X(cuLaunchKernel, cuLaunchKernel, CUresult,                                  \
    (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,   \
     unsigned, CUstream, void **, void **))                                    \
  X(cuStreamSynchronize, cuStreamSynchronize, CUresult, (CUstream))            \
  X(cuMemAllocManaged, cuMemAllocManaged, CUresult,                            \
    (CUdeviceptr *, size_t, unsigned))                                         \
  X(cuMemFree, cuMemFree_v2, CUresult, (CUdeviceptr))                          \
  X(cuMemcpy, cuMemcpy, CUresult, (CUdeviceptr, CUdeviceptr, size_t))          \
  X(cuMemsetD32, cuMemsetD32_v2, CUresult, (CUdeviceptr, unsigned, size_t))    \
  X(cuGetErrorName, cuGetErrorName, CUresult, (CUresult, const char **))

/* What bench/CudaBandwidth.cpp calls beyond the device runtime's list. */
#define TERN_CUDA_BANDWIDTH_FUNCTIONS(X)                                       \
  X(cuDeviceGetName, cuDeviceGetName, CUresult, (char *, int, CUdevice))       \
  X(cuDeviceGetAttribute, cuDeviceGetAttribute, CUresult,                      \
    (int *, int, CUdevice))                                                    \
  X(cuCtxSynchronize, cuCtxSynchronize, CUresult, (void))                      \
  X(cuMemAlloc, cuMemAlloc_v2, CUresult, (CUdeviceptr *, size_t))              \
  X(cuMemcpyDtoD, cuMemcpyDtoD_v2, CUresult, (CUdeviceptr, CUdeviceptr, size_t))

#endif /* TERN_RUNTIME_CUDADRIVERAPI_H */
