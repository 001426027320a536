//===- NpyTest.cpp - .npy reading and writing -----------------------------===//

#include "tern/Runtime/TernNpy.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

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

/// Parses `bytes`; the error message, or "" on success.
std::string parse(const std::string &bytes, TernNpyArray &array) {
  char error[256] = "";
  if (tern_npy_parse(bytes.data(), bytes.size(), &array, error,
                     sizeof(error)) != 0)
    return error[0] ? error : "failed without a message";
  return "";
}

std::string serialize(int32_t dtype, const std::vector<int64_t> &shape,
                      const void *data) {
  TernTensor tensor{
      const_cast<void *>(data), dtype, static_cast<int32_t>(shape.size()), {}};
  std::copy(shape.begin(), shape.end(), tensor.shape);
  size_t size = 0;
  char *bytes = tern_npy_serialize(&tensor, &size);
  EXPECT_NE(bytes, nullptr);
  std::string result(bytes, size);
  std::free(bytes);
  return result;
}

/// numpyFloat32Bytes() with its shape entry replaced by `shape`, the
/// header padded back to its length.
std::string withShape(const std::string &shape) {
  std::string bytes = numpyFloat32Bytes();
  size_t at = bytes.find("(1, 3)");
  std::string replaced = bytes.substr(0, at) + shape + bytes.substr(at + 6);
  size_t newline = replaced.find('\n');
  size_t want = bytes.find('\n');
  if (newline > want)
    replaced.erase(want - (newline - want), newline - want);
  else
    replaced.insert(newline, want - newline, ' ');
  return replaced;
}

TEST(NpyTest, RejectsAShapeThatIsNotATuple) {
  // Found by tern-npy-fuzzer: the shape's digits were read past the
  // header's end.
  TernNpyArray array;
  EXPECT_EQ(
      parse(withShape("   \r\r\r"), array).rfind("malformed .npy shape", 0),
      0u);
}

TEST(NpyTest, RejectsAShapeLargerThanMemory) {
  TernNpyArray array;
  EXPECT_EQ(parse(withShape("(4611686018427387904, 8)"), array),
            "the .npy shape (4611686018427387904, 8) needs more bytes than "
            "memory holds");
  EXPECT_EQ(parse(withShape("(99999999999999999999,)"), array),
            "a .npy size is too large: (99999999999999999999,)");
}

TEST(NpyTest, ParsesNumpyOutput) {
  TernNpyArray array;
  ASSERT_EQ(parse(numpyFloat32Bytes(), array), "");
  EXPECT_EQ(array.tensor.dtype, TERN_DTYPE_F32);
  ASSERT_EQ(array.tensor.rank, 2);
  EXPECT_EQ(array.tensor.shape[0], 1);
  EXPECT_EQ(array.tensor.shape[1], 3);
  float values[3];
  std::memcpy(values, array.tensor.data, sizeof(values));
  EXPECT_EQ(values[2], 3.0f);
  tern_npy_free(&array);
}

TEST(NpyTest, RoundTripsEveryRank) {
  int8_t data[6] = {-1, 0, 1, 1, 0, -1};
  for (std::vector<int64_t> shape :
       {std::vector<int64_t>{}, {6}, {2, 3}, {1, 2, 3}}) {
    std::string bytes = serialize(TERN_DTYPE_I8, shape, data);
    // numpy requires the header (and so the data) to be 64-byte aligned.
    size_t headerLen = static_cast<unsigned char>(bytes[8]) |
                       (static_cast<unsigned char>(bytes[9]) << 8);
    EXPECT_EQ((10 + headerLen) % 64, 0u);
    TernNpyArray array;
    ASSERT_EQ(parse(bytes, array), "");
    EXPECT_EQ(std::vector<int64_t>(array.tensor.shape,
                                   array.tensor.shape + array.tensor.rank),
              shape);
    EXPECT_EQ(array.tensor.dtype, TERN_DTYPE_I8);
    ASSERT_EQ(array.num_bytes,
              static_cast<size_t>(tern_tensor_num_elements(&array.tensor)));
    EXPECT_EQ(std::memcmp(array.tensor.data, data, array.num_bytes), 0);
    tern_npy_free(&array);
  }
}

TEST(NpyTest, RoundTripsUnsignedDtypes) {
  const std::pair<int32_t, const char *> dtypes[] = {{TERN_DTYPE_U8, "'|u1'"},
                                                     {TERN_DTYPE_U16, "'<u2'"},
                                                     {TERN_DTYPE_U32, "'<u4'"},
                                                     {TERN_DTYPE_U64, "'<u8'"}};
  uint64_t data[2] = {0xFFFFFFFFFFFFFFFFull, 7};
  for (auto [dtype, descr] : dtypes) {
    std::string bytes = serialize(dtype, {2}, data);
    EXPECT_NE(bytes.find(descr), std::string::npos) << descr;
    TernNpyArray array;
    ASSERT_EQ(parse(bytes, array), "");
    EXPECT_EQ(array.tensor.dtype, dtype);
    ASSERT_EQ(array.num_bytes, 2 * tern_dtype_size(dtype));
    EXPECT_EQ(std::memcmp(array.tensor.data, data, array.num_bytes), 0);
    tern_npy_free(&array);
  }
  EXPECT_STREQ(tern_dtype_name(TERN_DTYPE_U8), "uint8");
  EXPECT_STREQ(tern_dtype_name(TERN_DTYPE_U64), "uint64");
}

TEST(NpyTest, RejectsBadFiles) {
  TernNpyArray array;
  EXPECT_EQ(parse("not numpy", array), "not a .npy file (bad magic)");
  std::string truncated = numpyFloat32Bytes();
  truncated.resize(truncated.size() - 1);
  EXPECT_EQ(parse(truncated, array),
            "the .npy data holds 11 bytes but its shape needs 12");
  std::string fortran = numpyFloat32Bytes();
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_EQ(parse(fortran, array),
            "Fortran-order .npy arrays are not supported");
  std::string complexBytes = numpyFloat32Bytes();
  complexBytes.replace(complexBytes.find("<f4"), 3, "<c8");
  EXPECT_EQ(parse(complexBytes, array), "unsupported .npy dtype '<c8'");
  std::string badShape = numpyFloat32Bytes();
  badShape.replace(badShape.find("(1, 3)"), 6, "(1, x)");
  EXPECT_EQ(parse(badShape, array), "malformed .npy shape (1, x)");
  std::string headerOnly = numpyFloat32Bytes().substr(0, 40);
  EXPECT_EQ(parse(headerOnly, array), "truncated .npy header");
}

TEST(NpyTest, RefusesToWriteDtypesWithoutDescr) {
  uint16_t value = 0x3f80;
  TernTensor tensor{&value, TERN_DTYPE_BF16, 1, {1}};
  char error[256];
  EXPECT_NE(
      tern_npy_write_file("/tmp/unused.npy", &tensor, error, sizeof(error)), 0);
  EXPECT_STREQ(error, "cannot write '/tmp/unused.npy': .npy has no bfloat16 "
                      "dtype");
}

TEST(NpyTest, ReportsMissingFiles) {
  TernNpyArray array;
  char error[256];
  EXPECT_NE(
      tern_npy_read_file("/nonexistent/x.npy", &array, error, sizeof(error)),
      0);
  EXPECT_STREQ(error, "cannot open '/nonexistent/x.npy'");
}

} // namespace
