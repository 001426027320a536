/*===- FmaPeak.c - This machine's measured fp32 FMA rate ------------------===*
 *
 * tern-fma-peak [THREADS]: every thread runs independent chains of fp32
 * FMAs in the widest vectors the CPU has (AVX-512, else AVX2 with FMA)
 * for about a second; prints the total GFLOPS (2 per FMA lane). It is the
 * peak that bench/e2e_vs_ort.py sets fp32 GEMM against, measured rather
 * than taken from a datasheet (clocks vary with load and machine).
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { kChains = 12, kIterations = 50 * 1000 * 1000 };

typedef struct Work {
  int wide;
  double flops;
  float sink;
} Work;

/* Twelve chains cover the FMA latency of two pipes. */
__attribute__((target("avx512f"))) static float chains512(long iterations) {
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j)
    acc[j] = _mm512_set1_ps((float)j);
  __m512 mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-6f);
  for (long i = 0; i < iterations; ++i)
    for (int j = 0; j < kChains; ++j)
      acc[j] = _mm512_fmadd_ps(acc[j], mul, add);
  __m512 total = acc[0];
  for (int j = 1; j < kChains; ++j)
    total = _mm512_add_ps(total, acc[j]);
  return _mm512_reduce_add_ps(total);
}

__attribute__((target("avx2,fma"))) static float chains256(long iterations) {
  __m256 acc[kChains];
  for (int j = 0; j < kChains; ++j)
    acc[j] = _mm256_set1_ps((float)j);
  __m256 mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-6f);
  for (long i = 0; i < iterations; ++i)
    for (int j = 0; j < kChains; ++j)
      acc[j] = _mm256_fmadd_ps(acc[j], mul, add);
  float lanes[8];
  __m256 total = acc[0];
  for (int j = 1; j < kChains; ++j)
    total = _mm256_add_ps(total, acc[j]);
  _mm256_storeu_ps(lanes, total);
  return lanes[0] + lanes[7];
}

static void *run(void *arg) {
  Work *work = arg;
  work->sink = work->wide ? chains512(kIterations) : chains256(kIterations);
  work->flops = 2.0 * kChains * (work->wide ? 16 : 8) * (double)kIterations;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || threads > 256) {
    fprintf(stderr, "tern-fma-peak: error: THREADS must be 1 to 256\n");
    return 1;
  }
  __builtin_cpu_init();
  int wide = __builtin_cpu_supports("avx512f");
  if (!wide &&
      !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
    fprintf(stderr, "tern-fma-peak: error: needs AVX2 with FMA\n");
    return 1;
  }
  pthread_t ids[256];
  Work work[256];
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int t = 0; t < threads; ++t) {
    work[t].wide = wide;
    pthread_create(&ids[t], NULL, run, &work[t]);
  }
  double flops = 0, sink = 0;
  for (int t = 0; t < threads; ++t) {
    pthread_join(ids[t], NULL);
    flops += work[t].flops;
    sink += work[t].sink;
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  double seconds =
      (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
  printf("%.1f GFLOPS (%d threads, %d-bit FMAs; checksum %g)\n",
         flops / seconds / 1e9, threads, wide ? 512 : 256, sink);
  return 0;
}
