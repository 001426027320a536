//===- MemRefCopyTest.cpp - The runtime's memrefCopy ----------------------===//

#include <gtest/gtest.h>

#include <cstdint>

namespace {

struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

struct MemRef2D {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
};

} // namespace

extern "C" void memrefCopy(int64_t elementSize, UnrankedMemRef *source,
                           UnrankedMemRef *target);

TEST(MemRefCopyTest, CopiesAStridedWindowIntoADenseBuffer) {
  // A 2x3 window at row 1, column 1 of a 4x5 matrix.
  float big[20];
  for (int i = 0; i < 20; ++i)
    big[i] = static_cast<float>(i);
  float dense[6] = {};
  MemRef2D src = {big, big, 1 * 5 + 1, {2, 3}, {5, 1}};
  MemRef2D dst = {dense, dense, 0, {2, 3}, {3, 1}};
  UnrankedMemRef source = {2, &src}, target = {2, &dst};
  memrefCopy(sizeof(float), &source, &target);
  const float expected[6] = {6, 7, 8, 11, 12, 13};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(dense[i], expected[i]) << "element " << i;
}

TEST(MemRefCopyTest, CopiesIntoAStridedWindowAndHandlesEmpty) {
  float dense[4] = {1, 2, 3, 4};
  float big[12] = {};
  MemRef2D src = {dense, dense, 0, {2, 2}, {2, 1}};
  MemRef2D dst = {big, big, 2, {2, 2}, {6, 2}};
  UnrankedMemRef source = {2, &src}, target = {2, &dst};
  memrefCopy(sizeof(float), &source, &target);
  EXPECT_EQ(big[2], 1);
  EXPECT_EQ(big[4], 2);
  EXPECT_EQ(big[8], 3);
  EXPECT_EQ(big[10], 4);

  MemRef2D empty = {dense, dense, 0, {0, 2}, {2, 1}};
  UnrankedMemRef emptySource = {2, &empty};
  memrefCopy(sizeof(float), &emptySource, &target);
  EXPECT_EQ(big[2], 1);
}
