//===- Packing.cpp - Ternary weights to and from packed bytes -------------===//

#include "tern/Dialect/Tern/IR/Packing.h"

using namespace mlir;
using namespace mlir::tern;

namespace {

/// The byte holding field `field` equal to `code` (a weight plus one).
uint8_t placeCode(PackFormat format, int64_t field, uint8_t code) {
  switch (format) {
  case PackFormat::i2:
    return static_cast<uint8_t>(code << (6 - 2 * field));
  case PackFormat::tq1: {
    static const uint8_t powers[5] = {1, 3, 9, 27, 81};
    return static_cast<uint8_t>(code * powers[field]);
  }
  }
  llvm_unreachable("unknown pack format");
}

uint8_t readCode(PackFormat format, int64_t field, uint8_t byte) {
  switch (format) {
  case PackFormat::i2:
    return (byte >> (6 - 2 * field)) & 3;
  case PackFormat::tq1: {
    static const uint8_t powers[5] = {1, 3, 9, 27, 81};
    return (byte / powers[field]) % 3;
  }
  }
  llvm_unreachable("unknown pack format");
}

} // namespace

void mlir::tern::packTernaryInto(ArrayRef<int8_t> weights, int64_t n, int64_t k,
                                 PackedLayoutAttr layout,
                                 MutableArrayRef<int8_t> bytes) {
  int64_t rowBytes = layout.getRowBytes(k);
  int64_t block = layout.getBlock(), lanes = getLanes(layout);
  int64_t perByte = layout.getWeightsPerByte();
  int64_t blocks = rowBytes / lanes;
  PackFormat format = layout.getFormat();
  // Byte j of a block holds weights j, j + lanes, j + 2 lanes, ...: one
  // pass over the bytes, the fields inside, no division per weight.
  for (int64_t row = 0; row < n; ++row) {
    const int8_t *in = weights.data() + row * k;
    uint8_t *out = reinterpret_cast<uint8_t *>(bytes.data()) + row * rowBytes;
    for (int64_t b = 0; b < blocks; ++b) {
      int64_t first = b * block;
      bool whole = first + block <= k;
      for (int64_t j = 0; j < lanes; ++j) {
        uint8_t byte = 0;
        for (int64_t f = 0; f < perByte; ++f) {
          int64_t i = first + f * lanes + j;
          // Padding past k holds zero weights.
          int8_t weight = whole || i < k ? in[i] : 0;
          byte += placeCode(format, f, static_cast<uint8_t>(weight + 1));
        }
        out[b * lanes + j] = byte;
      }
    }
  }
}

std::vector<int8_t> mlir::tern::packTernary(ArrayRef<int8_t> weights, int64_t n,
                                            int64_t k,
                                            PackedLayoutAttr layout) {
  std::vector<int8_t> bytes(n * layout.getRowBytes(k));
  packTernaryInto(weights, n, k, layout, bytes);
  return bytes;
}

std::vector<int8_t> mlir::tern::unpackTernary(ArrayRef<int8_t> bytes, int64_t n,
                                              int64_t k,
                                              PackedLayoutAttr layout) {
  int64_t rowBytes = layout.getRowBytes(k);
  int64_t block = layout.getBlock(), lanes = getLanes(layout);
  std::vector<int8_t> weights(n * k);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t i = 0; i < k; ++i) {
      int64_t inBlock = i % block;
      uint8_t byte = static_cast<uint8_t>(
          bytes[row * rowBytes + (i / block) * lanes + inBlock % lanes]);
      weights[row * k + i] = static_cast<int8_t>(
          readCode(layout.getFormat(), inBlock / lanes, byte) - 1);
    }
  return weights;
}

bool mlir::tern::isValidPacking(ArrayRef<int8_t> bytes,
                                PackedLayoutAttr layout) {
  return llvm::all_of(bytes, [&](int8_t signedByte) {
    uint8_t byte = static_cast<uint8_t>(signedByte);
    if (layout.getFormat() == PackFormat::tq1)
      return byte < 243;
    for (int64_t field = 0; field < 4; ++field)
      if (readCode(PackFormat::i2, field, byte) > 2)
        return false;
    return true;
  });
}
