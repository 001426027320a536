//===- WeightStorageTest.cpp - Releasable weight blobs --------------------===//
//
// A weight's blob is freed once no op refers to it, and never while one
// does (a released blob read by a live op would be a silent wrong answer).
//
//===----------------------------------------------------------------------===//

#include "tern/Dialect/Tern/IR/WeightStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace mlir;
using namespace mlir::tern;

namespace {

class WeightStorageTest : public ::testing::Test {
protected:
  WeightStorageTest() : builder(&context) {
    context.loadDialect<arith::ArithDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A resource constant of `count` floats 0, 1, 2, ... whose blob counts
  /// its own frees in `freed`.
  ElementsAttr makeWeight(int64_t count, int &freed) {
    auto type = RankedTensorType::get({count}, builder.getF32Type());
    auto *data = new float[count];
    for (int64_t i = 0; i < count; ++i)
      data[i] = float(i);
    AsmResourceBlob blob(
        ArrayRef<char>(reinterpret_cast<char *>(data), count * sizeof(float)),
        alignof(float),
        [&freed](void *p, size_t, size_t) {
          delete[] static_cast<float *>(p);
          ++freed;
        },
        /*dataIsMutable=*/false);
    return createResourceConstant(type, "w", std::move(blob));
  }

  // Before the context: blobs still alive when it is destroyed count here.
  int freedA = 0, freedB = 0;
  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(WeightStorageTest, ReleasesOnlyUnreferencedBlobs) {
  ElementsAttr a = makeWeight(1000, freedA);
  ElementsAttr b = makeWeight(1000, freedB);
  auto opA = arith::ConstantOp::create(builder, builder.getUnknownLoc(),
                                       cast<TypedAttr>(a));
  arith::ConstantOp::create(builder, builder.getUnknownLoc(),
                            cast<TypedAttr>(b));
  // Both referenced: nothing is freed.
  releaseUnusedResources(*module, {a, b});
  EXPECT_EQ(freedA, 0);
  EXPECT_EQ(freedB, 0);
  ASSERT_TRUE(getRawBytes(a).has_value());

  opA.erase();
  releaseUnusedResources(*module, {a, b});
  EXPECT_EQ(freedA, 1);
  EXPECT_EQ(freedB, 0);
  // A released blob has no bytes to read.
  EXPECT_FALSE(getRawBytes(a).has_value());
  std::optional<ArrayRef<char>> bytes = getRawBytes(b);
  ASSERT_TRUE(bytes.has_value());
  float third;
  std::memcpy(&third, bytes->data() + 2 * sizeof(float), sizeof(float));
  EXPECT_EQ(third, 2.0f);
}

TEST_F(WeightStorageTest, SharedBlobStaysWhileAnotherShapeUsesIt) {
  int &freed = freedA;
  ElementsAttr flat = makeWeight(1000, freed);
  ElementsAttr square = reinterpretConstant(
      flat, RankedTensorType::get({10, 100}, builder.getF32Type()));
  auto flatOp = arith::ConstantOp::create(builder, builder.getUnknownLoc(),
                                          cast<TypedAttr>(flat));
  arith::ConstantOp::create(builder, builder.getUnknownLoc(),
                            cast<TypedAttr>(square));
  flatOp.erase();
  releaseUnusedResources(*module, {flat});
  EXPECT_EQ(freed, 0);
  EXPECT_TRUE(getRawBytes(square).has_value());
}

TEST_F(WeightStorageTest, SmallWeightsStayDense) {
  auto type = RankedTensorType::get({4}, builder.getI8Type());
  AsmResourceBlob blob = allocateWeightBlob(4);
  std::memcpy(blob.getMutableData().data(), "\x01\xff\x00\x01", 4);
  ElementsAttr small = createWeightConstant(type, "w", std::move(blob));
  auto dense = dyn_cast<DenseIntElementsAttr>(small);
  ASSERT_TRUE(dense);
  EXPECT_EQ((*dense.getValues<int8_t>().begin()), 1);
  EXPECT_EQ(dense.getValues<int8_t>()[1], -1);

  // From kResourceWeightBytes up: a resource, mapped pages of zeros.
  auto large = RankedTensorType::get({int64_t(kResourceWeightBytes)},
                                     builder.getI8Type());
  ElementsAttr big = createWeightConstant(
      large, "w", allocateWeightBlob(kResourceWeightBytes));
  EXPECT_TRUE(isa<DenseResourceElementsAttr>(big));
  std::optional<ArrayRef<char>> bytes = getRawBytes(big);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->size(), kResourceWeightBytes);
  EXPECT_EQ((*bytes)[kResourceWeightBytes - 1], 0);
}

} // namespace
