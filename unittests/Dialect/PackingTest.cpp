//===- PackingTest.cpp - Packed ternary layouts round-trip ----------------===//

#include "tern/Dialect/Tern/IR/Packing.h"
#include "tern/Dialect/Tern/IR/TernDialect.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
using namespace mlir::tern;

namespace {

std::vector<int8_t> randomTernary(int64_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(-1, 1);
  std::vector<int8_t> weights(count);
  for (int8_t &w : weights)
    w = static_cast<int8_t>(pick(rng));
  return weights;
}

class PackingTest : public ::testing::Test {
protected:
  PackingTest() { context.loadDialect<TernDialect>(); }
  PackedLayoutAttr layout(PackFormat format, int64_t block) {
    return PackedLayoutAttr::get(&context, format, block);
  }
  MLIRContext context;
};

TEST_F(PackingTest, RoundTripsEveryFormatAndRowLength) {
  for (auto [format, block] :
       {std::pair<PackFormat, int64_t>{PackFormat::i2, 4},
        {PackFormat::i2, 128},
        {PackFormat::tq1, 5},
        {PackFormat::tq1, 160}}) {
    PackedLayoutAttr attr = layout(format, block);
    // Row lengths that fill blocks exactly and ones that need padding.
    for (int64_t k : {block, 3 * block, 7 * block + 3, int64_t(1)}) {
      int64_t n = 5;
      std::vector<int8_t> weights = randomTernary(n * k, k);
      std::vector<int8_t> bytes = packTernary(weights, n, k, attr);
      ASSERT_EQ(static_cast<int64_t>(bytes.size()), n * attr.getRowBytes(k));
      EXPECT_TRUE(isValidPacking(bytes, attr));
      EXPECT_EQ(unpackTernary(bytes, n, k, attr), weights)
          << stringifyPackFormat(format).str() << " block " << block << " k "
          << k;
    }
  }
}

TEST_F(PackingTest, UsesTheDocumentedDensity) {
  // 2 bits per weight for i2, 1.6 for tq1.
  EXPECT_EQ(layout(PackFormat::i2, 128).getRowBytes(2560), 640);
  EXPECT_EQ(layout(PackFormat::tq1, 160).getRowBytes(2560), 512);
}

TEST_F(PackingTest, PlacesLanesAsDocumented) {
  // Block 8, two lanes: byte 0 holds weights 0 2 4 6 from the top bits.
  std::vector<int8_t> weights = {1, 0, -1, 0, 0, 0, -1, 0};
  std::vector<int8_t> bytes =
      packTernary(weights, 1, 8, layout(PackFormat::i2, 8));
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), 0b10000100);
  EXPECT_EQ(static_cast<uint8_t>(bytes[1]), 0b01010101);
}

TEST_F(PackingTest, RejectsInvalidBytes) {
  EXPECT_FALSE(isValidPacking({int8_t(0b00000011)}, layout(PackFormat::i2, 4)));
  EXPECT_TRUE(isValidPacking({int8_t(0b10101010)}, layout(PackFormat::i2, 4)));
  EXPECT_FALSE(isValidPacking({int8_t(243 - 256)}, layout(PackFormat::tq1, 5)));
  EXPECT_TRUE(isValidPacking({int8_t(242 - 256)}, layout(PackFormat::tq1, 5)));
}

} // namespace
