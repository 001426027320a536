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

namespace {
struct MemRef3D {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[3];
  int64_t strides[3];
};
} // namespace

TEST(MemRefCopyTest, CopiesContiguousRunsAndUnitDimensions) {
  // A KV cache's append: a dense [2, 1, 3] block (the middle dimension of
  // size 1 with any stride) into rows 1..3 of each [2, 4, 3] head: runs of
  // three elements, and a dense copy that is one run.
  float block[6] = {1, 2, 3, 4, 5, 6};
  float cache[24] = {};
  MemRef3D src = {block, block, 0, {2, 1, 3}, {3, 99, 1}};
  MemRef3D dst = {cache, cache, 1 * 3, {2, 1, 3}, {12, 3, 1}};
  UnrankedMemRef source = {3, &src}, target = {3, &dst};
  memrefCopy(sizeof(float), &source, &target);
  const float expected[24] = {0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0,
                              0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 24; ++i)
    EXPECT_EQ(cache[i], expected[i]) << "element " << i;

  // A transposed source: no contiguous run, element by element.
  float matrix[6] = {1, 2, 3, 4, 5, 6}; // 2 x 3
  float transposed[6] = {};
  MemRef2D tsrc = {matrix, matrix, 0, {3, 2}, {1, 3}};
  MemRef2D tdst = {transposed, transposed, 0, {3, 2}, {2, 1}};
  UnrankedMemRef tsource = {2, &tsrc}, ttarget = {2, &tdst};
  memrefCopy(sizeof(float), &tsource, &ttarget);
  const float expectedT[6] = {1, 4, 2, 5, 3, 6};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(transposed[i], expectedT[i]) << "element " << i;
}
