/*===- StridedCopy.h - Copies between strided arrays ----------------------===*
 *
 * The model runtime's one strided copy, shared by `memrefCopy` (which
 * compiled code calls) and the copy of strided results into dense buffers.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TERN_LIB_RUNTIME_STRIDEDCOPY_H
#define TERN_LIB_RUNTIME_STRIDEDCOPY_H

#include <stdint.h>

/* Copies the `rank`-dimensional array of `sizes` from `src` (element
 * offset and strides in elements) to `dst`, in the innermost runs both
 * store densely: one memcpy per run. */
__attribute__((visibility("hidden"))) void
ternCopyStrided(int64_t elementSize, int64_t rank, const int64_t *sizes,
                const char *src, int64_t srcOffset, const int64_t *srcStrides,
                char *dst, int64_t dstOffset, const int64_t *dstStrides);

#endif /* TERN_LIB_RUNTIME_STRIDEDCOPY_H */
