//===- TernMatmulBench.cpp - Ternary GEMV/GEMM throughput -----------------===//
//
// Runs the compiled ternary matmul models bench/run-matmul-bench.sh builds
// (one per shape, row count and strategy) and reports, per model:
//
//   GOPS    2 * M * N * K per matmul / time ("G/s" in the counters)
//   weights the bytes of packed weights read per second
//   of_bw   that rate as a fraction of the memory-read bandwidth this
//           process measured at start-up on one core
//
// With --reference=cuda (models compiled for nvptx64-nvidia-cuda, from
// bench/run-gpu-bench.sh) the reference is the GPU's instead: of_bw sets
// the rate against device-to-device copies measured in this process (read
// plus write bytes), of_peak against the peak its memory clock and bus
// width give.
//
// Timing and repetitions are Google Benchmark's; quote the medians.
//
//===----------------------------------------------------------------------===//

#include "CudaBandwidth.h"
#include "tern/Runtime/ModelLibrary.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

namespace {

llvm::cl::opt<std::string>
    manifestPath("manifest",
                 llvm::cl::desc("manifest.json of bench/run-matmul-bench.sh"),
                 llvm::cl::Required);
llvm::cl::opt<unsigned> bandwidthMiB(
    "bandwidth-mib",
    llvm::cl::desc("Buffer read to measure memory bandwidth (MiB)"),
    llvm::cl::init(1024));
enum class Reference { Cpu, Cuda };
llvm::cl::opt<Reference> reference(
    "reference", llvm::cl::desc("The bandwidth rates are set against"),
    llvm::cl::values(
        clEnumValN(Reference::Cpu, "cpu", "This machine's one-core reads"),
        clEnumValN(Reference::Cuda, "cuda",
                   "GPU 0's device-to-device copies (models compiled for "
                   "nvptx64-nvidia-cuda)")),
    llvm::cl::init(Reference::Cpu));
llvm::cl::list<unsigned> threadCounts(
    "bench-threads",
    llvm::cl::desc("Thread counts to run each model with (default 1, which "
                   "the one-core bandwidth figure matches)"),
    llvm::cl::CommaSeparated);

/// Single-core read bandwidth in bytes per second: the median of five sums
/// over a buffer far larger than the caches.
double measureReadBandwidth(size_t bytes) {
  std::vector<uint64_t> buffer(bytes / sizeof(uint64_t));
  for (size_t i = 0; i < buffer.size(); ++i)
    buffer[i] = i;
  std::vector<double> rates;
  for (int pass = 0; pass < 5; ++pass) {
    auto start = std::chrono::steady_clock::now();
    uint64_t sums[4] = {0, 0, 0, 0};
    for (size_t i = 0; i + 4 <= buffer.size(); i += 4)
      for (int j = 0; j < 4; ++j)
        sums[j] += buffer[i + j];
    benchmark::DoNotOptimize(sums);
    std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    rates.push_back(bytes / elapsed.count());
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

struct Model {
  std::string name, strategy, library;
  int64_t m, n, k, copies, weightBytes;
};

void runModel(benchmark::State &state, const Model &model, double bandwidth,
              double peak, unsigned threads) {
  std::string error;
  std::unique_ptr<tern::ModelLibrary> library =
      tern::ModelLibrary::open(model.library, error);
  if (!library) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::vector<int8_t> activations(model.m * model.k);
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> pick(-128, 127);
  for (int8_t &x : activations)
    x = static_cast<int8_t>(pick(rng));
  TernTensor input{activations.data(), TERN_DTYPE_I8, 2, {model.m, model.k}};
  std::vector<TernTensor> outputs;
  if (library->getApi().set_num_threads(
          library->getModel(), static_cast<int32_t>(threads)) != TERN_OK) {
    state.SkipWithError("cannot set the thread count");
    return;
  }
  // One untimed run starts the OpenMP threads and maps the weights in.
  if (library->run({input}, outputs, error) != TERN_OK) {
    state.SkipWithError(error.c_str());
    return;
  }
  for (TernTensor &output : outputs)
    tern_tensor_release(&output);
  // Timed by hand around the model call alone, so that the counters can
  // be plain numbers rather than Google Benchmark's per-second rates.
  std::chrono::duration<double> inModel{0};
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    TernStatus status = library->run({input}, outputs, error);
    inModel += std::chrono::steady_clock::now() - start;
    if (status != TERN_OK) {
      state.SkipWithError(error.c_str());
      return;
    }
    state.PauseTiming();
    for (TernTensor &output : outputs)
      tern_tensor_release(&output);
    state.ResumeTiming();
  }
  double seconds = inModel.count() / state.iterations();
  double ops = 2.0 * model.m * model.n * model.k * model.copies;
  double weightRate = model.weightBytes / seconds;
  state.counters["GOPS"] = ops / seconds / 1e9;
  state.counters["weight_GBps"] = weightRate / 1e9;
  state.counters["of_bw"] = weightRate / bandwidth;
  if (peak > 0)
    state.counters["of_peak"] = weightRate / peak;
}

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  llvm::cl::ParseCommandLineOptions(argc, argv,
                                    "Ternary GEMV/GEMM benchmark\n");
  auto buffer = llvm::MemoryBuffer::getFile(manifestPath);
  if (!buffer) {
    std::fprintf(stderr, "tern-matmul-bench: cannot read %s\n",
                 manifestPath.c_str());
    return 1;
  }
  llvm::Expected<llvm::json::Value> manifest =
      llvm::json::parse((*buffer)->getBuffer());
  if (!manifest || !manifest->getAsArray()) {
    std::fprintf(stderr, "tern-matmul-bench: %s is not a JSON array\n",
                 manifestPath.c_str());
    return 1;
  }
  std::vector<Model> models;
  for (const llvm::json::Value &entry : *manifest->getAsArray()) {
    const llvm::json::Object *object = entry.getAsObject();
    const llvm::json::Object *libraries =
        object ? object->getObject("libraries") : nullptr;
    if (!libraries)
      continue;
    for (const auto &[strategy, path] : *libraries)
      models.push_back({object->getString("name").value_or("").str(),
                        strategy.str(), path.getAsString().value_or("").str(),
                        object->getInteger("m").value_or(0),
                        object->getInteger("n").value_or(0),
                        object->getInteger("k").value_or(0),
                        object->getInteger("copies").value_or(1),
                        object->getInteger("weight_bytes").value_or(0)});
  }

  double bandwidth = 0, peak = 0;
  if (reference == Reference::Cuda) {
    llvm::Expected<tern::CudaBandwidth> gpu =
        tern::measureCudaBandwidth(size_t(bandwidthMiB) << 20);
    if (!gpu) {
      std::fprintf(stderr, "tern-matmul-bench: %s\n",
                   llvm::toString(gpu.takeError()).c_str());
      return 1;
    }
    bandwidth = gpu->copyBytesPerSecond;
    peak = gpu->peakBytesPerSecond;
    std::printf("GPU: %s; device-to-device copy (read + write, median of "
                "5): %.1f GB/s; peak from clock and bus width: %.1f GB/s\n",
                gpu->device.c_str(), bandwidth / 1e9, peak / 1e9);
  } else {
    bandwidth = measureReadBandwidth(size_t(bandwidthMiB) << 20);
    std::printf("memory read bandwidth (one core, median of 5): %.2f GB/s\n",
                bandwidth / 1e9);
  }
  std::vector<unsigned> threads(threadCounts.begin(), threadCounts.end());
  if (threads.empty())
    threads.push_back(1);
  for (const Model &model : models)
    for (unsigned count : threads)
      benchmark::RegisterBenchmark(
          (model.name + "/" + model.strategy +
           "/threads:" + std::to_string(count))
              .c_str(),
          [model, bandwidth, peak, count](benchmark::State &state) {
            runModel(state, model, bandwidth, peak, count);
          })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
