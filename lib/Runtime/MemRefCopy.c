/*===- MemRefCopy.c - memrefCopy for compiled models -----------------------===*
 *
 * MLIR lowers copies between memrefs whose layouts are not both contiguous
 * (for example into a strided slice) to a call to `memrefCopy`, which MLIR
 * ships in its C runner utilities. Models must not depend on LLVM's
 * libraries at run time, so the runtime carries its own.
 *
 *===----------------------------------------------------------------------===*/

#include "StridedCopy.h"

#include <stdint.h>
#include <string.h>

/* An unranked memref: the rank and a pointer to the ranked descriptor
 * {allocated, aligned, offset, sizes[rank], strides[rank]}. */
typedef struct {
  int64_t rank;
  void *descriptor;
} TernUnrankedMemRef;

typedef struct {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[];
} TernMemRefDescriptor;

void ternCopyStrided(int64_t elementSize, int64_t rank, const int64_t *sizes,
                     const char *src, int64_t srcOffset,
                     const int64_t *srcStrides, char *dst, int64_t dstOffset,
                     const int64_t *dstStrides) {
  int64_t total = 1;
  for (int64_t d = 0; d < rank; ++d)
    total *= sizes[d];
  if (total == 0)
    return;

  /* The innermost dimensions that both sides store densely are one run of
   * `run` elements: one memcpy each (a KV cache's rows, not its floats). */
  int64_t run = 1, outer = rank;
  while (outer > 0) {
    int64_t d = outer - 1;
    if (sizes[d] != 1 && (srcStrides[d] != run || dstStrides[d] != run))
      break;
    run *= sizes[d];
    --outer;
  }
  size_t runBytes = (size_t)(run * elementSize);

  /* Walk the runs in row-major order with an index counter. */
  int64_t index[64] = {0};
  for (int64_t n = 0; n < total / run; ++n) {
    memcpy(dst + dstOffset * elementSize, src + srcOffset * elementSize,
           runBytes);
    for (int64_t d = outer - 1; d >= 0; --d) {
      srcOffset += srcStrides[d];
      dstOffset += dstStrides[d];
      if (++index[d] < sizes[d])
        break;
      srcOffset -= srcStrides[d] * sizes[d];
      dstOffset -= dstStrides[d] * sizes[d];
      index[d] = 0;
    }
  }
}

__attribute__((visibility("hidden"))) void
memrefCopy(int64_t elementSize, TernUnrankedMemRef *source,
           TernUnrankedMemRef *target) {
  int64_t rank = source->rank;
  const TernMemRefDescriptor *src = source->descriptor;
  const TernMemRefDescriptor *dst = target->descriptor;
  ternCopyStrided(elementSize, rank, src->sizesAndStrides, src->aligned,
                  src->offset, src->sizesAndStrides + rank, dst->aligned,
                  dst->offset, dst->sizesAndStrides + rank);
}
