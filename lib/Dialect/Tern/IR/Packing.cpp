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

std::vector<int8_t> mlir::tern::packTernary(ArrayRef<int8_t> weights, int64_t n,
                                            int64_t k,
                                            PackedLayoutAttr layout) {
  int64_t rowBytes = layout.getRowBytes(k);
  int64_t block = layout.getBlock(), lanes = getLanes(layout);
  int64_t perByte = layout.getWeightsPerByte();
  std::vector<int8_t> bytes(n * rowBytes);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t i = 0; i < rowBytes * perByte; ++i) {
      // Padding past k holds zero weights.
      int8_t weight = i < k ? weights[row * k + i] : 0;
      int64_t blockIndex = i / block, inBlock = i % block;
      int64_t byte = row * rowBytes + blockIndex * lanes + inBlock % lanes;
      bytes[byte] =
          static_cast<int8_t>(static_cast<uint8_t>(bytes[byte]) +
                              placeCode(layout.getFormat(), inBlock / lanes,
                                        static_cast<uint8_t>(weight + 1)));
    }
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
