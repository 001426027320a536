//===- NpyTest.cpp - .npy reading and writing -----------------------------===//

#include "tern/Runtime/Npy.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace tern;

namespace {

/// Bytes numpy 1.24 writes for np.save(f, np.array([[1, 2, 3]], np.float32)).
std::string numpyFloat32Bytes() {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': "
                       "(1, 3), }";
  header.append(118 - header.size() - 1, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  bytes += header;
  float values[] = {1, 2, 3};
  bytes.append(reinterpret_cast<const char *>(values), sizeof(values));
  return bytes;
}

TEST(NpyTest, ParsesNumpyOutput) {
  NpyArray array;
  std::string error;
  ASSERT_TRUE(parseNpy(numpyFloat32Bytes(), array, error)) << error;
  EXPECT_EQ(array.dtype, TERN_DTYPE_F32);
  EXPECT_EQ(array.shape, (std::vector<int64_t>{1, 3}));
  float values[3];
  std::memcpy(values, array.data.data(), sizeof(values));
  EXPECT_EQ(values[2], 3.0f);
}

TEST(NpyTest, RoundTripsEveryRank) {
  int8_t data[6] = {-1, 0, 1, 1, 0, -1};
  for (std::vector<int64_t> shape :
       {std::vector<int64_t>{}, {6}, {2, 3}, {1, 2, 3}}) {
    std::string bytes = serializeNpy(TERN_DTYPE_I8, shape, data);
    // numpy requires the header (and so the data) to be 64-byte aligned.
    size_t headerLen = static_cast<unsigned char>(bytes[8]) |
                       (static_cast<unsigned char>(bytes[9]) << 8);
    EXPECT_EQ((10 + headerLen) % 64, 0u);
    NpyArray array;
    std::string error;
    ASSERT_TRUE(parseNpy(bytes, array, error)) << error;
    EXPECT_EQ(array.shape, shape);
    EXPECT_EQ(array.dtype, TERN_DTYPE_I8);
    ASSERT_EQ(array.data.size(), static_cast<size_t>(array.numElements()));
    EXPECT_EQ(std::memcmp(array.data.data(), data, array.data.size()), 0);
  }
}

TEST(NpyTest, RoundTripsUnsignedDtypes) {
  const std::pair<TernDType, const char *> dtypes[] = {
      {TERN_DTYPE_U8, "'|u1'"},
      {TERN_DTYPE_U16, "'<u2'"},
      {TERN_DTYPE_U32, "'<u4'"},
      {TERN_DTYPE_U64, "'<u8'"}};
  uint64_t data[2] = {0xFFFFFFFFFFFFFFFFull, 7};
  for (auto [dtype, descr] : dtypes) {
    std::string bytes = serializeNpy(dtype, {2}, data);
    EXPECT_NE(bytes.find(descr), std::string::npos) << descr;
    NpyArray array;
    std::string error;
    ASSERT_TRUE(parseNpy(bytes, array, error)) << error;
    EXPECT_EQ(array.dtype, dtype);
    ASSERT_EQ(array.data.size(), 2 * tern_dtype_size(dtype));
    EXPECT_EQ(std::memcmp(array.data.data(), data, array.data.size()), 0);
  }
  EXPECT_STREQ(tern_dtype_name(TERN_DTYPE_U8), "uint8");
  EXPECT_STREQ(tern_dtype_name(TERN_DTYPE_U64), "uint64");
}

TEST(NpyTest, RejectsBadFiles) {
  NpyArray array;
  std::string error;
  EXPECT_FALSE(parseNpy("not numpy", array, error));
  EXPECT_EQ(error, "not a .npy file (bad magic)");

  std::string truncated = numpyFloat32Bytes();
  truncated.resize(truncated.size() - 1);
  EXPECT_FALSE(parseNpy(truncated, array, error));
  EXPECT_EQ(error, "the .npy data holds 11 bytes but its shape needs 12");

  std::string fortran = numpyFloat32Bytes();
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_FALSE(parseNpy(fortran, array, error));
  EXPECT_EQ(error, "Fortran-order .npy arrays are not supported");

  std::string complexBytes = numpyFloat32Bytes();
  complexBytes.replace(complexBytes.find("<f4"), 3, "<c8");
  EXPECT_FALSE(parseNpy(complexBytes, array, error));
  EXPECT_EQ(error, "unsupported .npy dtype '<c8'");
}

TEST(NpyTest, RefusesToWriteDtypesWithoutDescr) {
  uint16_t value = 0x3f80;
  std::string error;
  EXPECT_FALSE(
      writeNpyFile("/tmp/unused.npy", TERN_DTYPE_BF16, {1}, &value, error));
  EXPECT_EQ(error, "cannot write '/tmp/unused.npy': .npy has no bfloat16 "
                   "dtype");
}

} // namespace
