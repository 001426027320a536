//===- NpyFuzzer.cpp - libFuzzer target: the .npy reader ------------------===//
//
// tern-run and the generators read .npy inputs from users; the parser must
// turn every malformed header, dtype, shape or truncated payload into an
// error. A parsed array is read in full, so that a size the header claims
// but the bytes do not hold shows up under AddressSanitizer.
//
//===----------------------------------------------------------------------===//

#include "tern/Runtime/TernModel.h"
#include "tern/Runtime/TernNpy.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  TernNpyArray array;
  char error[256];
  if (tern_npy_parse(data, size, &array, error, sizeof(error)) != 0)
    return 0;
  const auto *bytes = static_cast<const unsigned char *>(array.tensor.data);
  static volatile unsigned sink;
  for (size_t i = 0; i < array.num_bytes; ++i)
    sink = sink + bytes[i];
  size_t expected =
      static_cast<size_t>(tern_tensor_num_elements(&array.tensor)) *
      tern_dtype_size(array.tensor.dtype);
  if (expected != array.num_bytes)
    abort(); // The array's shape and its bytes disagree.
  // Round trip: what was parsed serializes again.
  size_t serializedSize = 0;
  if (char *serialized = tern_npy_serialize(&array.tensor, &serializedSize))
    free(serialized);
  tern_npy_free(&array);
  return 0;
}
