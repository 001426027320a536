//===- CudaBufferCacheTest.cpp - The device runtime's buffers -------------===//
//
// The device runtime (lib/Runtime/CudaDriver.c) against the test double of
// the CUDA driver (test/lib/FakeCuda.c), loaded here by its path before the
// runtime asks for "libcuda.so.1", which the loader then finds by its
// soname. The double's log says which driver calls each step made.
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

// The hooks of DeviceHooks.h, declared strong here (the model runtime
// declares them weak) so that the linker takes CudaDriver.c's from the
// archive.
extern "C" {
int tern_device_open(void);
void tern_device_close(void);
void *tern_device_alloc(size_t bytes);
void *tern_device_alloc_buffer(size_t bytes);
void tern_device_free(void *pointer);
const char *tern_device_error(void);
// A failed driver call inside a run is reported here (the model
// runtime's, in a model).
void tern_report_runtime_error(int32_t) {}
}

namespace {

class CudaBufferCacheTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_NE(dlopen(TERN_FAKE_CUDA_PATH, RTLD_NOW | RTLD_GLOBAL), nullptr)
        << dlerror();
    logPath = ::testing::TempDir() + "cuda-calls-" + std::to_string(getpid()) +
              ".txt";
    unlink(logPath.c_str());
    setenv("TERN_FAKE_CUDA_LOG", logPath.c_str(), 1);
    ASSERT_EQ(tern_device_open(), 0) << tern_device_error();
    // The driver's initialization, in the first test of a process.
    takeCalls();
  }

  void TearDown() override {
    unsetenv("TERN_FAKE_CUDA_LOG");
    unlink(logPath.c_str());
  }

  /// The driver calls logged since the last call of this, one per line.
  std::vector<std::string> takeCalls() {
    std::vector<std::string> calls;
    std::ifstream log(logPath);
    for (std::string line; std::getline(log, line);)
      calls.push_back(line);
    unlink(logPath.c_str());
    return calls;
  }

  std::string logPath;
};

TEST_F(CudaBufferCacheTest, FreedBufferServesTheNextOfItsSizeClass) {
  void *first = tern_device_alloc_buffer(1000);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(takeCalls(),
            std::vector<std::string>{"cuMemAllocManaged 1024 flags=1"});
  tern_device_free(first);
  // 1000 and 980 bytes are both the 1024-byte class (from 960 up).
  void *again = tern_device_alloc_buffer(980);
  EXPECT_EQ(again, first);
  // Neither the free nor the second allocation reached the driver.
  EXPECT_TRUE(takeCalls().empty());
  // A buffer in use is not handed out twice; another class is allocated.
  void *other = tern_device_alloc_buffer(1000);
  EXPECT_NE(other, first);
  void *large = tern_device_alloc_buffer((1u << 20) + 1);
  EXPECT_EQ(takeCalls(),
            (std::vector<std::string>{"cuMemAllocManaged 1024 flags=1",
                                      "cuMemAllocManaged 1179648 flags=1"}));
  tern_device_free(again);
  tern_device_free(other);
  tern_device_free(large);
  EXPECT_TRUE(takeCalls().empty());
  // The last instance's close frees what the cache holds.
  tern_device_close();
  EXPECT_EQ(takeCalls(), (std::vector<std::string>(3, "cuMemFree_v2")));
}

TEST_F(CudaBufferCacheTest, WeightsAreNotCached) {
  void *weights = tern_device_alloc(5000);
  ASSERT_NE(weights, nullptr);
  tern_device_free(weights);
  EXPECT_EQ(takeCalls(),
            (std::vector<std::string>{"cuMemAllocManaged 5000 flags=1",
                                      "cuMemFree_v2"}));
  tern_device_close();
  EXPECT_TRUE(takeCalls().empty());
}

void *allocateOnThread(void *) { return tern_device_alloc_buffer(2048); }

TEST_F(CudaBufferCacheTest, AnotherThreadWaitsForTheStreamFirst) {
  void *buffer = tern_device_alloc_buffer(2048);
  tern_device_free(buffer);
  takeCalls();
  // Kernels this thread queued may still use the buffer: the other
  // thread's host code must not touch it before they finish.
  pthread_t thread;
  void *taken = nullptr;
  ASSERT_EQ(pthread_create(&thread, nullptr, allocateOnThread, nullptr), 0);
  ASSERT_EQ(pthread_join(thread, &taken), 0);
  EXPECT_EQ(taken, buffer);
  EXPECT_EQ(takeCalls(), (std::vector<std::string>{"cuCtxSetCurrent",
                                                   "cuStreamSynchronize"}));
  tern_device_free(taken);
  tern_device_close();
  takeCalls();
}

TEST_F(CudaBufferCacheTest, LongestIdleBuffersPastTwiceThePeakAreFreed) {
  // Sizes that change from run to run (a growing cache of keys and
  // values): each run's buffer is a new class. The cache keeps idle
  // buffers up to twice the most ever in use (here the 96 MiB buffer; the
  // other tests' are smaller), and frees the longest idle past that.
  const size_t mib = 1u << 20;
  for (size_t bytes : {64 * mib, 80 * mib, 96 * mib})
    tern_device_free(tern_device_alloc_buffer(bytes));
  // 64 + 80 + 96 MiB idle would pass 2 x 96 MiB: the 64 MiB buffer goes.
  EXPECT_EQ(takeCalls(),
            (std::vector<std::string>{"cuMemAllocManaged 67108864 flags=1",
                                      "cuMemAllocManaged 83886080 flags=1",
                                      "cuMemAllocManaged 100663296 flags=1",
                                      "cuMemFree_v2"}));
  // The kept ones serve their classes again.
  void *kept = tern_device_alloc_buffer(80 * mib);
  EXPECT_TRUE(takeCalls().empty());
  tern_device_free(kept);
  tern_device_close();
  EXPECT_EQ(takeCalls(), std::vector<std::string>(2, "cuMemFree_v2"));
}

} // namespace
