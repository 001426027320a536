//===- ModelApiFuzzer.cpp - libFuzzer target: the compiled-model C API ----===//
//
// Programs hand tern_model_run tensors of any dtype, rank and shape. Each
// input builds up to five tensors from the fuzzer's bytes (dtype, rank,
// sizes, contents; the data buffers hold exactly what the shapes claim) and
// runs a small model with dynamic sizes, a Gather by index and an integer
// input (model.onnxtxt, compiled by the regular build's ternc and linked
// here with the runtime built under the sanitizers). Every outcome but a
// crash or a sanitizer report is fine.
//
//===----------------------------------------------------------------------===//

#include "tern/Runtime/TernModel.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

/// Reads the fuzzer's bytes front to back, zeros once they run out.
class ByteReader {
public:
  ByteReader(const uint8_t *data, size_t size) : data(data), size(size) {}
  uint8_t next() { return pos < size ? data[pos++] : 0; }
  void fill(unsigned char *out, size_t n) {
    for (size_t i = 0; i < n; ++i)
      out[i] = next();
  }

private:
  const uint8_t *data;
  size_t size;
  size_t pos = 0;
};

/// Sizes the fuzzer picks from: small ones, 0, and absurd ones that a
/// caller may pass by mistake (with no buffer behind them).
int64_t pickSize(uint8_t byte) {
  static const int64_t kAbsurd[] = {-1, -7, int64_t(1) << 40, INT64_MAX};
  if (byte >= 252)
    return kAbsurd[byte - 252];
  return byte % 6;
}

constexpr size_t kMaxBufferBytes = 1 << 20;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static TernModel *model = [] {
    TernModel *created = nullptr;
    if (tern_model_create(&created) != TERN_OK)
      abort();
    return created;
  }();
  ByteReader bytes(data, size);
  size_t numInputs = bytes.next() % 6;
  std::vector<TernTensor> inputs(numInputs);
  std::vector<std::vector<unsigned char>> buffers(numInputs);
  for (size_t i = 0; i < numInputs; ++i) {
    TernTensor &t = inputs[i];
    std::memset(&t, 0, sizeof(t));
    t.dtype = bytes.next() % 15;
    t.rank = bytes.next() % (TERN_MAX_RANK + 3) - 1;
    bool fits = true;
    size_t elements = 1;
    for (int32_t d = 0; d < std::clamp(t.rank, 0, TERN_MAX_RANK); ++d) {
      t.shape[d] = pickSize(bytes.next());
      if (t.shape[d] < 0 || t.shape[d] > int64_t(kMaxBufferBytes))
        fits = false;
      else
        elements *= size_t(t.shape[d]);
      fits = fits && elements <= kMaxBufferBytes;
    }
    size_t elementSize = tern_dtype_size(t.dtype);
    if (fits && elementSize && elements * elementSize <= kMaxBufferBytes) {
      // One byte more than claimed would hide an off-by-one read; exactly
      // the claimed size lets AddressSanitizer see it.
      buffers[i].resize(std::max<size_t>(elements * elementSize, 1));
      bytes.fill(buffers[i].data(), elements * elementSize);
      t.data = buffers[i].data();
    }
    // Otherwise data stays null: the runtime must refuse before reading.
  }
  size_t numOutputs = tern_model_num_outputs(model);
  std::vector<TernTensor> outputs(numOutputs);
  TernStatus status =
      tern_model_run(model, inputs.data(), numInputs, outputs.data(),
                     bytes.next() % 2 ? numOutputs : numOutputs - 1);
  if (status == TERN_OK)
    for (TernTensor &output : outputs)
      tern_tensor_release(&output);
  return 0;
}
