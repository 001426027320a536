/*===- TernNpy.h - NumPy .npy files in C --------------------------*- C -*-===*
 *
 * Reading and writing the .npy format (versions 1 to 3, little-endian,
 * C order) for the runner built into tern-run and compiled executables.
 * Plain C, so that executables need nothing beyond libc.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TERN_RUNTIME_TERNNPY_H
#define TERN_RUNTIME_TERNNPY_H

#include "tern/Runtime/TernModel.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A tensor read from .npy; `data` is malloc'd and freed by
 *  `tern_npy_free`. */
typedef struct TernNpyArray {
  TernTensor tensor;
  size_t num_bytes;
} TernNpyArray;

/** The .npy `descr` of `dtype` ("<f4", "|i1", ...), or NULL for none. */
const char *tern_npy_descr(int32_t dtype);

/** Parses .npy bytes into `array`. Returns 0, or -1 with a message in
 *  `error` for anything that is not a little-endian C-order array of a
 *  dtype Tern supports (or is truncated). */
int tern_npy_parse(const void *bytes, size_t size, TernNpyArray *array,
                   char *error, size_t error_size);

/** `tern_npy_parse` of a file's contents; messages name the file. */
int tern_npy_read_file(const char *path, TernNpyArray *array, char *error,
                       size_t error_size);

/** A dense row-major tensor as .npy version 1.0 bytes (malloc'd, `*size`
 *  set), or NULL when its dtype has no .npy descr or memory runs out. */
char *tern_npy_serialize(const TernTensor *tensor, size_t *size);

/** Writes `tensor` to `path`; 0, or -1 with a message in `error`. */
int tern_npy_write_file(const char *path, const TernTensor *tensor, char *error,
                        size_t error_size);

void tern_npy_free(TernNpyArray *array);

#ifdef __cplusplus
}
#endif

#endif /* TERN_RUNTIME_TERNNPY_H */
