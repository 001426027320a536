//===- CudaBandwidth.h - The GPU's memory bandwidth, measured ---*- C++ -*-===//
//
// The reference a GPU model's GEMV rate is set against: device-to-device
// copies timed in this process, through the CUDA driver loaded with dlopen
// as the models' runtime loads it, and the peak the driver's memory clock
// and bus width give.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_BENCH_CUDABANDWIDTH_H
#define TERN_BENCH_CUDABANDWIDTH_H

#include "llvm/Support/Error.h"

#include <cstddef>
#include <string>

namespace tern {

struct CudaBandwidth {
  std::string device;
  /// Bytes read plus bytes written per second by cuMemcpyDtoD of `bytes`
  /// (the median of five).
  double copyBytesPerSecond = 0;
  /// 2 (double data rate) x memory clock x bus width, from the driver's
  /// device attributes.
  double peakBytesPerSecond = 0;
};

/// Measures device 0. Fails, naming the call, where there is no driver or
/// a call fails.
llvm::Expected<CudaBandwidth> measureCudaBandwidth(size_t bytes);

} // namespace tern

#endif // TERN_BENCH_CUDABANDWIDTH_H
