/*===- Npy.c - NumPy .npy files in C --------------------------------------===*/

#include "tern/Runtime/TernNpy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char kMagic[] = "\x93NUMPY";
enum { kMagicSize = 6 };

static const struct {
  const char *descr;
  int32_t dtype;
} kDescrs[] = {
    {"<f4", TERN_DTYPE_F32}, {"<f8", TERN_DTYPE_F64},  {"<f2", TERN_DTYPE_F16},
    {"|i1", TERN_DTYPE_I8},  {"<i2", TERN_DTYPE_I16},  {"<i4", TERN_DTYPE_I32},
    {"<i8", TERN_DTYPE_I64}, {"|b1", TERN_DTYPE_BOOL}, {"|u1", TERN_DTYPE_U8},
    {"<u2", TERN_DTYPE_U16}, {"<u4", TERN_DTYPE_U32},  {"<u8", TERN_DTYPE_U64},
};
enum { kNumDescrs = sizeof(kDescrs) / sizeof(kDescrs[0]) };

static int failWith(char *error, size_t size, const char *format, ...) {
  if (error && size) {
    va_list args;
    va_start(args, format);
    vsnprintf(error, size, format, args);
    va_end(args);
  }
  return -1;
}

const char *tern_npy_descr(int32_t dtype) {
  for (int i = 0; i < kNumDescrs; ++i)
    if (kDescrs[i].dtype == dtype)
      return kDescrs[i].descr;
  return NULL;
}

/* The value of `'key': ...` in the header dict, as [*begin, *end): up to the
 * closing parenthesis of a tuple, else to the next comma or brace. */
static int findValue(const char *header, size_t length, const char *key,
                     const char **begin, const char **end) {
  char quoted[32];
  snprintf(quoted, sizeof(quoted), "'%s'", key);
  size_t keyLength = strlen(quoted);
  const char *limit = header + length;
  const char *pos = NULL;
  for (const char *p = header; p + keyLength <= limit; ++p)
    if (memcmp(p, quoted, keyLength) == 0) {
      pos = p + keyLength;
      break;
    }
  if (!pos)
    return 0;
  while (pos < limit && *pos != ':')
    ++pos;
  if (pos == limit)
    return 0;
  ++pos;
  while (pos < limit && *pos == ' ')
    ++pos;
  const char *stop = pos;
  if (pos < limit && *pos == '(') {
    while (stop < limit && *stop != ')')
      ++stop;
    if (stop == limit)
      return 0;
    ++stop;
  } else {
    while (stop < limit && *stop != ',' && *stop != '}')
      ++stop;
  }
  *begin = pos;
  *end = stop;
  return 1;
}

int tern_npy_parse(const void *data, size_t size, TernNpyArray *array,
                   char *error, size_t errorSize) {
  const unsigned char *bytes = data;
  memset(array, 0, sizeof(*array));
  if (size < kMagicSize + 4 || memcmp(bytes, kMagic, kMagicSize) != 0)
    return failWith(error, errorSize, "not a .npy file (bad magic)");
  unsigned major = bytes[6];
  size_t headerStart, headerLength;
  if (major == 1) {
    headerLength = bytes[8] | ((size_t)bytes[9] << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return failWith(error, errorSize, "truncated .npy header");
    headerLength = (size_t)bytes[8] | ((size_t)bytes[9] << 8) |
                   ((size_t)bytes[10] << 16) | ((size_t)bytes[11] << 24);
    headerStart = 12;
  } else {
    return failWith(error, errorSize, "unsupported .npy version %u", major);
  }
  if (size < headerStart + headerLength)
    return failWith(error, errorSize, "truncated .npy header");
  const char *header = (const char *)bytes + headerStart;
  const char *descr, *descrEnd, *fortran, *fortranEnd, *shape, *shapeEnd;
  if (!findValue(header, headerLength, "descr", &descr, &descrEnd) ||
      !findValue(header, headerLength, "fortran_order", &fortran,
                 &fortranEnd) ||
      !findValue(header, headerLength, "shape", &shape, &shapeEnd))
    return failWith(error, errorSize, "malformed .npy header: %.*s",
                    (int)headerLength, header);
  if (fortranEnd - fortran < 5 || memcmp(fortran, "False", 5) != 0)
    return failWith(error, errorSize,
                    "Fortran-order .npy arrays are not supported");
  /* descr is quoted: '<f4'. */
  if (descrEnd - descr < 2)
    return failWith(error, errorSize, "malformed .npy descr");
  int descrLength = (int)(descrEnd - descr) - 2;
  TernTensor *t = &array->tensor;
  t->dtype = TERN_DTYPE_INVALID;
  for (int i = 0; i < kNumDescrs; ++i)
    if ((size_t)descrLength == strlen(kDescrs[i].descr) &&
        memcmp(descr + 1, kDescrs[i].descr, descrLength) == 0)
      t->dtype = kDescrs[i].dtype;
  if (t->dtype == TERN_DTYPE_INVALID)
    return failWith(error, errorSize, "unsupported .npy dtype '%.*s'",
                    descrLength, descr + 1);
  /* (2, 3) or (4,) or (), read within the header: its bytes need not be
   * followed by a terminator, and sizes must not overflow. */
  if (shapeEnd - shape < 2 || shape[0] != '(' || shapeEnd[-1] != ')')
    return failWith(error, errorSize, "malformed .npy shape %.*s",
                    (int)(shapeEnd - shape), shape);
  const char *p = shape + 1, *close = shapeEnd - 1;
  size_t expected = tern_dtype_size(t->dtype);
  while (p < close) {
    while (p < close && *p == ' ')
      ++p;
    if (p >= close)
      break;
    if (*p < '0' || *p > '9')
      return failWith(error, errorSize, "malformed .npy shape %.*s",
                      (int)(shapeEnd - shape), shape);
    int64_t dim = 0;
    for (; p < close && *p >= '0' && *p <= '9'; ++p) {
      if (dim > (INT64_MAX - 9) / 10)
        return failWith(error, errorSize, "a .npy size is too large: %.*s",
                        (int)(shapeEnd - shape), shape);
      dim = dim * 10 + (*p - '0');
    }
    if (p < close && *p == 'L')
      ++p;
    /* Sizes are separated by commas, as numpy writes and reads them. */
    while (p < close && *p == ' ')
      ++p;
    if (p < close && *p++ != ',')
      return failWith(error, errorSize, "malformed .npy shape %.*s",
                      (int)(shapeEnd - shape), shape);
    if (t->rank == TERN_MAX_RANK)
      return failWith(error, errorSize, "rank is over the limit of %d",
                      TERN_MAX_RANK);
    t->shape[t->rank++] = dim;
  }
  int64_t numElements = tern_tensor_num_elements(t);
  if (numElements < 0 || (uint64_t)numElements > SIZE_MAX / expected)
    return failWith(error, errorSize,
                    "the .npy shape %.*s needs more bytes than memory holds",
                    (int)(shapeEnd - shape), shape);
  expected *= (size_t)numElements;
  size_t dataStart = headerStart + headerLength;
  if (size - dataStart != expected)
    return failWith(error, errorSize,
                    "the .npy data holds %zu bytes but its shape needs %zu",
                    size - dataStart, expected);
  t->data = malloc(expected ? expected : 1);
  if (!t->data)
    return failWith(error, errorSize, "out of memory");
  memcpy(t->data, bytes + dataStart, expected);
  array->num_bytes = expected;
  return 0;
}

int tern_npy_read_file(const char *path, TernNpyArray *array, char *error,
                       size_t errorSize) {
  memset(array, 0, sizeof(*array));
  FILE *file = fopen(path, "rb");
  if (!file)
    return failWith(error, errorSize, "cannot open '%s'", path);
  size_t capacity = 1 << 16, size = 0;
  char *bytes = malloc(capacity);
  for (;;) {
    if (!bytes) {
      fclose(file);
      return failWith(error, errorSize, "%s: out of memory", path);
    }
    size += fread(bytes + size, 1, capacity - size, file);
    if (size < capacity)
      break;
    capacity *= 2;
    char *grown = realloc(bytes, capacity);
    if (!grown)
      free(bytes);
    bytes = grown;
  }
  int readError = ferror(file);
  fclose(file);
  if (readError) {
    free(bytes);
    return failWith(error, errorSize, "cannot read '%s'", path);
  }
  char message[384];
  int status = tern_npy_parse(bytes, size, array, message, sizeof(message));
  free(bytes);
  if (status != 0)
    return failWith(error, errorSize, "%s: %s", path, message);
  return 0;
}

char *tern_npy_serialize(const TernTensor *tensor, size_t *size) {
  const char *descr = tern_npy_descr(tensor->dtype);
  if (!descr || tensor->rank < 0 || tensor->rank > TERN_MAX_RANK)
    return NULL;
  char dict[512];
  int length =
      snprintf(dict, sizeof(dict),
               "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int32_t d = 0; d < tensor->rank; ++d)
    length += snprintf(dict + length, sizeof(dict) - length, "%s%lld",
                       d ? ", " : "", (long long)tensor->shape[d]);
  /* A one-element Python tuple needs its comma. */
  length += snprintf(dict + length, sizeof(dict) - length, "%s), }",
                     tensor->rank == 1 ? "," : "");
  /* Pad with spaces and a newline so that the data starts 64-byte aligned. */
  size_t total = kMagicSize + 4 + (size_t)length + 1;
  size_t padding = (64 - total % 64) % 64;
  size_t headerLength = (size_t)length + padding + 1;
  int64_t numElements = tern_tensor_num_elements(tensor);
  if (numElements < 0)
    return NULL;
  size_t dataBytes = (size_t)numElements * tern_dtype_size(tensor->dtype);
  *size = kMagicSize + 4 + headerLength + dataBytes;
  char *out = malloc(*size);
  if (!out)
    return NULL;
  memcpy(out, kMagic, kMagicSize);
  out[6] = 1;
  out[7] = 0;
  out[8] = (char)(headerLength & 0xff);
  out[9] = (char)(headerLength >> 8);
  char *cursor = out + kMagicSize + 4;
  memcpy(cursor, dict, (size_t)length);
  memset(cursor + length, ' ', padding);
  cursor[length + padding] = '\n';
  if (dataBytes)
    memcpy(cursor + headerLength, tensor->data, dataBytes);
  return out;
}

int tern_npy_write_file(const char *path, const TernTensor *tensor, char *error,
                        size_t errorSize) {
  if (!tern_npy_descr(tensor->dtype))
    return failWith(error, errorSize, "cannot write '%s': .npy has no %s dtype",
                    path, tern_dtype_name(tensor->dtype));
  size_t size;
  char *bytes = tern_npy_serialize(tensor, &size);
  if (!bytes)
    return failWith(error, errorSize, "cannot write '%s': out of memory", path);
  FILE *file = fopen(path, "wb");
  int ok = file && fwrite(bytes, 1, size, file) == size;
  if (file && fclose(file) != 0)
    ok = 0;
  free(bytes);
  if (!ok)
    return failWith(error, errorSize, "cannot write '%s'", path);
  return 0;
}

void tern_npy_free(TernNpyArray *array) {
  if (!array)
    return;
  free(array->tensor.data);
  array->tensor.data = NULL;
}
