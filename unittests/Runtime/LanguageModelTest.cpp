//===- LanguageModelTest.cpp - Which signatures text generation takes -----===//

#include "tern/Runtime/LanguageModel.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

const int64_t kIds[] = {-1, -1};
const int64_t kCache[] = {-1, 5, -1, 128};
const int64_t kLogits[] = {-1, -1, 1000};

/// An Optimum-layout signature of one layer with the ids, caches and
/// logits typed as given.
struct Signature {
  std::vector<TernTensorInfo> inputs, outputs;

  Signature(int32_t ids, int32_t cache, int32_t logits,
            int32_t presentCache = -1) {
    if (presentCache < 0)
      presentCache = cache;
    inputs = {{"input_ids", ids, 2, kIds, nullptr},
              {"attention_mask", ids, 2, kIds, nullptr},
              {"position_ids", ids, 2, kIds, nullptr},
              {"past_key_values.0.key", cache, 4, kCache, nullptr},
              {"past_key_values.0.value", cache, 4, kCache, nullptr}};
    outputs = {{"logits", logits, 3, kLogits, nullptr},
               {"present.0.key", presentCache, 4, kCache, nullptr},
               {"present.0.value", presentCache, 4, kCache, nullptr}};
  }

  bool find(TernLanguageModelLayout &layout) {
    cacheInputs.assign(inputs.size(), -1);
    cacheOutputs.assign(inputs.size(), -1);
    layout = {0, -1, -1, 0, 0, cacheInputs.data(), cacheOutputs.data()};
    return tern_find_language_model_layout(
        inputs.data(), inputs.size(), outputs.data(), outputs.size(), &layout);
  }

  std::vector<int> cacheInputs, cacheOutputs;
};

TEST(LanguageModelLayout, TakesInt64IdsAndFloat32Caches) {
  Signature s(TERN_DTYPE_I64, TERN_DTYPE_F32, TERN_DTYPE_F32);
  TernLanguageModelLayout layout;
  ASSERT_TRUE(s.find(layout));
  EXPECT_EQ(layout.attentionMask, 1);
  EXPECT_EQ(layout.positionIds, 2);
  ASSERT_EQ(layout.numCaches, 2);
  EXPECT_EQ(layout.cacheInputs[0], 3);
  EXPECT_EQ(layout.cacheOutputs[1], 2);
}

// Exporters also type the ids int32 and the caches and logits float16.
TEST(LanguageModelLayout, TakesInt32IdsAndFloat16CachesAndLogits) {
  Signature s(TERN_DTYPE_I32, TERN_DTYPE_F16, TERN_DTYPE_F16);
  TernLanguageModelLayout layout;
  ASSERT_TRUE(s.find(layout));
  EXPECT_EQ(layout.attentionMask, 1);
  EXPECT_EQ(layout.positionIds, 2);
  EXPECT_EQ(layout.numCaches, 2);
}

// The generator feeds each present back as the next step's past.
TEST(LanguageModelLayout, RefusesAPresentOfAnotherTypeThanItsPast) {
  Signature s(TERN_DTYPE_I64, TERN_DTYPE_F16, TERN_DTYPE_F32, TERN_DTYPE_F32);
  TernLanguageModelLayout layout;
  EXPECT_FALSE(s.find(layout));
}

TEST(LanguageModelLayout, RefusesOtherIdAndCacheTypes) {
  TernLanguageModelLayout layout;
  EXPECT_FALSE(
      Signature(TERN_DTYPE_I16, TERN_DTYPE_F32, TERN_DTYPE_F32).find(layout));
  EXPECT_FALSE(
      Signature(TERN_DTYPE_I64, TERN_DTYPE_BF16, TERN_DTYPE_F32).find(layout));
  EXPECT_FALSE(
      Signature(TERN_DTYPE_I64, TERN_DTYPE_F32, TERN_DTYPE_I32).find(layout));
}

} // namespace
