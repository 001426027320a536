//===- ModelLibraryTest.cpp - Loading model libraries ---------------------===//
//
// Loading a real compiled model is covered end to end by the lit tests
// (test/e2e); these check that what is not a model is refused cleanly.
//
//===----------------------------------------------------------------------===//

#include "tern/Runtime/ModelLibrary.h"

#include <gtest/gtest.h>

using namespace tern;

TEST(ModelLibraryTest, MissingFileIsAnError) {
  std::string error;
  EXPECT_EQ(ModelLibrary::open("/nonexistent/model.so", error), nullptr);
  EXPECT_NE(error.find("cannot load '/nonexistent/model.so'"),
            std::string::npos)
      << error;
}

TEST(ModelLibraryTest, LibraryWithoutTheApiIsAnError) {
  std::string error;
  EXPECT_EQ(ModelLibrary::open(TERN_NOT_A_MODEL_PATH, error), nullptr);
  EXPECT_EQ(error, "not a Tern model library: it does not export "
                   "tern_model_create");
}

TEST(ModelLibraryTest, BareNameIsNotSearchedOnTheLibraryPath) {
  // dlopen would find libm.so.6 on the system path; a model named without a
  // directory must come from the working directory instead.
  std::string error;
  EXPECT_EQ(ModelLibrary::open("libm.so.6", error), nullptr);
  EXPECT_NE(error.find("cannot load 'libm.so.6'"), std::string::npos) << error;
}
