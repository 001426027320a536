//===- ModelRuntimeTest.cpp - The C API against a hand-written model ------===//
//
// Stands in for ternc's generated code with a descriptor whose entry adds
// its two [batch, 3] float inputs, so the runtime's checks, memref
// descriptor marshalling and result hand-over can be tested on their own.
//
//===----------------------------------------------------------------------===//

#include "tern/ABI/ModelABI.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

extern "C" void tern_report_runtime_error(int32_t code);

namespace {

/// How the fake model returns its result, to reach each hand-over path.
enum class ResultLayout { Owned, Offset, Shared, IndexError };
ResultLayout resultLayout = ResultLayout::Owned;
/// Set when compiled code would go on after a failed run-time check.
bool ranPastFailedCheck = false;

struct MemRef2D {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
};

void addEntry(void *results, void **inputs) {
  auto *a = static_cast<MemRef2D *>(inputs[0]);
  auto *b = static_cast<MemRef2D *>(inputs[1]);
  int64_t rows = a->sizes[0], cols = a->sizes[1];
  int64_t pad = resultLayout == ResultLayout::Offset ? 1 : 0;
  auto *block = static_cast<float *>(malloc((rows * cols + pad) * 4));
  for (int64_t i = 0; i < rows * cols; ++i)
    block[pad + i] = a->aligned[a->offset + i] + b->aligned[b->offset + i];
  auto *out = static_cast<MemRef2D *>(results);
  out[0] = {block, block, pad, {rows, cols}, {cols, 1}};
  // The second output is the same buffer again, as a model returning one
  // value twice would.
  out[1] = out[0];
  if (resultLayout == ResultLayout::IndexError) {
    tern_report_runtime_error(TERN_RUNTIME_ERROR_INDEX_OUT_OF_RANGE);
    ranPastFailedCheck = true;
  }
}

const int64_t kShape[] = {-1, 3};
const char *const kDimParams[] = {"batch", ""};
const TernTensorInfo kInputs[] = {
    {"a", TERN_DTYPE_F32, 2, kShape, kDimParams},
    {"b", TERN_DTYPE_F32, 2, kShape, kDimParams},
};
const TernTensorInfo kOutputs[] = {
    {"sum", TERN_DTYPE_F32, 2, kShape, kDimParams},
    {"again", TERN_DTYPE_F32, 2, kShape, kDimParams},
};

} // namespace

extern "C" const TernModelDescriptor tern_model_descriptor = {
    TERN_MODEL_ABI_VERSION, 2, 2, 0, kInputs, kOutputs, addEntry};

namespace {

class ModelRuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
    resultLayout = ResultLayout::Owned;
    ASSERT_EQ(tern_model_create(&model), TERN_OK);
    for (int i = 0; i < 6; ++i) {
      a[i] = static_cast<float>(i);
      b[i] = 10.0f * i;
    }
    inputs[0] = makeTensor(a, 2);
    inputs[1] = makeTensor(b, 2);
  }
  void TearDown() override { tern_model_destroy(model); }

  static TernTensor makeTensor(float *data, int64_t rows) {
    TernTensor t{};
    t.data = data;
    t.dtype = TERN_DTYPE_F32;
    t.rank = 2;
    t.shape[0] = rows;
    t.shape[1] = 3;
    return t;
  }

  TernStatus run() { return tern_model_run(model, inputs, 2, outputs, 2); }

  TernModel *model = nullptr;
  float a[6], b[6];
  TernTensor inputs[2];
  TernTensor outputs[2] = {};
};

TEST_F(ModelRuntimeTest, ReportsSignature) {
  ASSERT_EQ(tern_model_num_inputs(model), 2u);
  ASSERT_EQ(tern_model_num_outputs(model), 2u);
  EXPECT_STREQ(tern_model_input_info(model, 1)->name, "b");
  EXPECT_EQ(tern_model_output_info(model, 0)->shape[0], -1);
  EXPECT_EQ(tern_model_input_info(model, 2), nullptr);
}

TEST_F(ModelRuntimeTest, RunsAndHandsOverResults) {
  ASSERT_EQ(run(), TERN_OK) << tern_model_last_error(model);
  for (TernTensor &out : outputs) {
    ASSERT_EQ(out.rank, 2);
    EXPECT_EQ(out.shape[0], 2);
    EXPECT_EQ(out.shape[1], 3);
    for (int i = 0; i < 6; ++i)
      EXPECT_EQ(static_cast<float *>(out.data)[i], 11.0f * i);
  }
  // One buffer returned twice must become two buffers, or the caller would
  // free it twice.
  EXPECT_NE(outputs[0].data, outputs[1].data);
  tern_tensor_release(&outputs[0]);
  tern_tensor_release(&outputs[1]);
  EXPECT_EQ(outputs[0].data, nullptr);
}

TEST_F(ModelRuntimeTest, CopiesResultsWithAnOffset) {
  resultLayout = ResultLayout::Offset;
  ASSERT_EQ(run(), TERN_OK) << tern_model_last_error(model);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(static_cast<float *>(outputs[0].data)[i], 11.0f * i);
  tern_tensor_release(&outputs[0]);
  tern_tensor_release(&outputs[1]);
}

TEST_F(ModelRuntimeTest, FailsWhenTheModelMetABadIndex) {
  resultLayout = ResultLayout::IndexError;
  EXPECT_EQ(run(), TERN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tern_model_last_error(model),
               "an index input holds a value outside the tensor it indexes "
               "(Gather, GatherElements, ScatterND, a loss's class index, an "
               "axis given at run time, or a Slice step of 0)");
  // The run stopped at the check instead of reading on.
  EXPECT_FALSE(ranPastFailedCheck);
  // The next run starts clean.
  resultLayout = ResultLayout::Owned;
  ASSERT_EQ(run(), TERN_OK) << tern_model_last_error(model);
  tern_tensor_release(&outputs[0]);
  tern_tensor_release(&outputs[1]);
}

TEST_F(ModelRuntimeTest, RejectsWrongDtype) {
  inputs[1].dtype = TERN_DTYPE_F64;
  EXPECT_EQ(run(), TERN_ERROR_DTYPE_MISMATCH);
  EXPECT_STREQ(tern_model_last_error(model),
               "input 'b': expected dtype float32, got float64");
}

TEST_F(ModelRuntimeTest, RejectsWrongStaticDimension) {
  inputs[0].shape[1] = 4;
  EXPECT_EQ(run(), TERN_ERROR_SHAPE_MISMATCH);
  EXPECT_STREQ(tern_model_last_error(model),
               "input 'a': dimension 1 must be 3, got 4");
}

TEST_F(ModelRuntimeTest, RejectsWrongRank) {
  inputs[0].rank = 3;
  EXPECT_EQ(run(), TERN_ERROR_SHAPE_MISMATCH);
  EXPECT_STREQ(tern_model_last_error(model),
               "input 'a': expected rank 2, got 3");
}

TEST_F(ModelRuntimeTest, RejectsDisagreeingNamedDimensions) {
  inputs[1].shape[0] = 1;
  EXPECT_EQ(run(), TERN_ERROR_SHAPE_MISMATCH);
  EXPECT_STREQ(tern_model_last_error(model),
               "dimension 'batch' is 2 in input 'a' but 1 in input 'b'");
}

TEST_F(ModelRuntimeTest, RejectsSizesPastTheAddressSpace) {
  // Found by tern-model-api-fuzzer: the element count overflowed int64.
  inputs[0].shape[0] = inputs[1].shape[0] = INT64_MAX / 2;
  EXPECT_EQ(run(), TERN_ERROR_SHAPE_MISMATCH);
  EXPECT_STREQ(tern_model_last_error(model),
               "input 'a': its sizes hold more bytes than memory can");
}

TEST_F(ModelRuntimeTest, RejectsNullDataAndWrongCounts) {
  inputs[0].data = nullptr;
  EXPECT_EQ(run(), TERN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tern_model_last_error(model), "input 'a': data is NULL");
  EXPECT_EQ(tern_model_run(model, inputs, 1, outputs, 2),
            TERN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(tern_model_run(model, inputs, 2, nullptr, 2),
            TERN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(tern_model_run(nullptr, inputs, 2, outputs, 2),
            TERN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(tern_model_run(model, nullptr, 2, outputs, 2),
            TERN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tern_model_last_error(model), "inputs is NULL");
  EXPECT_EQ(tern_model_run(model, inputs, 2, outputs, 3),
            TERN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tern_model_last_error(model),
               "the model produces 2 outputs, got room for 3");
}

TEST_F(ModelRuntimeTest, SetsTheThreadCount) {
  EXPECT_EQ(tern_model_set_num_threads(model, 0), TERN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tern_model_last_error(model),
               "the thread count must be at least 1, got 0");
  EXPECT_EQ(tern_model_set_num_threads(nullptr, 2),
            TERN_ERROR_INVALID_ARGUMENT);
  // This test does not link libomp, like a model for a target without
  // threads: one thread is all it takes.
  EXPECT_EQ(tern_model_set_num_threads(model, 3), TERN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tern_model_last_error(model),
               "this model was compiled for a target without threads; it "
               "runs on 1, not 3");
  EXPECT_EQ(tern_model_set_num_threads(model, 1), TERN_OK);
  ASSERT_EQ(run(), TERN_OK);
  EXPECT_EQ(static_cast<float *>(outputs[0].data)[5], 55.0f);
  tern_tensor_release(&outputs[0]);
  tern_tensor_release(&outputs[1]);
}

TEST(ModelCreateTest, ExplainsFailures) {
  EXPECT_EQ(tern_model_create(nullptr), TERN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tern_model_create_error(), "model is NULL");
  TernModel *model = nullptr;
  ASSERT_EQ(tern_model_create(&model), TERN_OK);
  // A success clears the last failure; the model has no external weights.
  EXPECT_STREQ(tern_model_create_error(), "");
  tern_model_destroy(model);
  tern_model_destroy(nullptr);
}

TEST(TensorHelpersTest, SizesAndNames) {
  EXPECT_EQ(tern_dtype_size(TERN_DTYPE_BF16), 2u);
  EXPECT_EQ(tern_dtype_size(TERN_DTYPE_INVALID), 0u);
  EXPECT_STREQ(tern_dtype_name(TERN_DTYPE_I8), "int8");
  TernTensor scalar{};
  EXPECT_EQ(tern_tensor_num_elements(&scalar), 1);
  TernTensor huge{};
  huge.rank = 2;
  huge.shape[0] = INT64_MAX;
  huge.shape[1] = 4;
  EXPECT_EQ(tern_tensor_num_elements(&huge), -1);
  huge.shape[1] = 0;
  EXPECT_EQ(tern_tensor_num_elements(&huge), 0);
  // Found by tern-npy-fuzzer: sizes that overflow before a zero still
  // make an empty tensor.
  huge.rank = 3;
  huge.shape[1] = INT64_MAX;
  huge.shape[2] = 0;
  EXPECT_EQ(tern_tensor_num_elements(&huge), 0);
  huge.rank = 2;
  huge.shape[1] = -2;
  EXPECT_EQ(tern_tensor_num_elements(&huge), -1);
  huge.rank = TERN_MAX_RANK + 1;
  EXPECT_EQ(tern_tensor_num_elements(&huge), -1);
}

} // namespace
