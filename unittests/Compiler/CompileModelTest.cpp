//===- CompileModelTest.cpp - The compiler as a library function ----------===//
//
// compileModel without ternc: each kind of output, the signature it reads,
// and its two kinds of failure (diagnosed by MLIR, or described by the
// error itself).
//
//===----------------------------------------------------------------------===//

#include "tern/Compiler/CompileModel.h"
#include "tern/Compiler/Progress.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

using namespace llvm;

namespace {

constexpr const char *kModel = R"(<
  ir_version: 8,
  opset_import: ["" : 17]
>
g (float[N, 4] x, float[4] b) => (float[N, 4] y)
{
  s = Add (x, b)
  y = Relu (s)
}
)";

class CompileModelTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(sys::fs::createUniqueDirectory("tern-compile", dir));
    input = path("model.onnxtxt");
    std::error_code ec;
    raw_fd_ostream out(input, ec);
    ASSERT_FALSE(ec);
    out << kModel;
  }
  void TearDown() override { sys::fs::remove_directories(dir); }

  std::string path(StringRef name) {
    SmallString<128> p(dir);
    sys::path::append(p, name);
    return std::string(p);
  }

  /// A context as ternc makes it, with the diagnostics it emitted.
  Expected<tern::Artifacts> compile(const tern::CompileOptions &options,
                                    std::string *diagnostics = nullptr) {
    mlir::DialectRegistry registry;
    tern::registerCompilerDialects(registry);
    mlir::MLIRContext context(registry);
    std::string seen;
    mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
      seen += d.str() + "\n";
      return mlir::success();
    });
    mlir::DefaultTimingManager timing;
    mlir::TimingScope root = timing.getRootScope();
    tern::Progress progress(/*enabled=*/false);
    Expected<tern::Artifacts> result =
        tern::compileModel(context, options, root, progress);
    if (diagnostics)
      *diagnostics = seen;
    return result;
  }

  std::string read(StringRef file) {
    auto buffer = MemoryBuffer::getFile(file);
    return buffer ? (*buffer)->getBuffer().str() : std::string();
  }

  SmallString<128> dir;
  std::string input;
};

TEST_F(CompileModelTest, ImportedMLIRAndSignature) {
  tern::CompileOptions options;
  options.input = input;
  options.output = path("model.mlir");
  options.emit = tern::EmitKind::MLIR;
  Expected<tern::Artifacts> artifacts = compile(options);
  ASSERT_TRUE(bool(artifacts)) << toString(artifacts.takeError());
  EXPECT_EQ(artifacts->output, options.output);
  EXPECT_NE(read(options.output).find("func.func @main_graph"),
            std::string::npos);
}

TEST_F(CompileModelTest, LLVMIRCarriesTheDescriptor) {
  tern::CompileOptions options;
  options.input = input;
  options.output = path("model.ll");
  options.emit = tern::EmitKind::LLVMIR;
  Expected<tern::Artifacts> artifacts = compile(options);
  ASSERT_TRUE(bool(artifacts)) << toString(artifacts.takeError());
  const tern::ModelSignature &signature = artifacts->signature;
  ASSERT_EQ(signature.inputs.size(), 2u);
  ASSERT_EQ(signature.outputs.size(), 1u);
  EXPECT_EQ(signature.inputs[0].name, "x");
  EXPECT_EQ(signature.inputs[1].name, "b");
  EXPECT_EQ(signature.outputs[0].name, "y");
  ASSERT_EQ(signature.inputs[0].dimParams.size(), 2u);
  EXPECT_EQ(signature.inputs[0].dimParams[0], "N");
  EXPECT_FALSE(artifacts->weights.has_value());
  std::string ir = read(options.output);
  EXPECT_NE(ir.find("@tern_model_descriptor"), std::string::npos);
  EXPECT_NE(ir.find("_mlir_ciface_main_graph"), std::string::npos);
}

TEST_F(CompileModelTest, ObjectFile) {
  tern::CompileOptions options;
  options.input = input;
  options.output = path("model.o");
  options.emit = tern::EmitKind::Object;
  options.weights = tern::WeightsPlacement::Embedded;
  Expected<tern::Artifacts> artifacts = compile(options);
  ASSERT_TRUE(bool(artifacts)) << toString(artifacts.takeError());
  std::string object = read(options.output);
  ASSERT_GE(object.size(), 4u);
  EXPECT_EQ(object.substr(0, 4), "\x7f"
                                 "ELF");
}

TEST_F(CompileModelTest, AnImportErrorIsDiagnosed) {
  tern::CompileOptions options;
  options.input = path("missing.onnx");
  options.output = path("missing.so");
  std::string diagnostics;
  Expected<tern::Artifacts> artifacts = compile(options, &diagnostics);
  ASSERT_FALSE(bool(artifacts));
  bool diagnosed = false;
  handleAllErrors(
      artifacts.takeError(),
      [&](const tern::DiagnosedError &) { diagnosed = true; },
      [&](const ErrorInfoBase &error) {
        ADD_FAILURE() << "not diagnosed: " << error.message();
      });
  EXPECT_TRUE(diagnosed);
  EXPECT_NE(diagnostics.find("missing.onnx"), std::string::npos) << diagnostics;
  EXPECT_FALSE(sys::fs::exists(options.output));
}

TEST_F(CompileModelTest, AnOptionErrorSaysWhy) {
  tern::CompileOptions options;
  options.input = input;
  options.output = path("model.ll");
  options.emit = tern::EmitKind::LLVMIR;
  options.weights = tern::WeightsPlacement::External;
  Expected<tern::Artifacts> artifacts = compile(options);
  ASSERT_FALSE(bool(artifacts));
  EXPECT_EQ(toString(artifacts.takeError()),
            "--weights=external needs --emit=lib, exe or obj");
  EXPECT_FALSE(sys::fs::exists(options.output));
}

TEST_F(CompileModelTest, DefaultOutputNames) {
  EXPECT_EQ(tern::getDefaultOutput("dir/model.onnx", tern::EmitKind::Library),
            "model.so");
  EXPECT_EQ(tern::getDefaultOutput("model.onnx", tern::EmitKind::Executable),
            "model");
  EXPECT_EQ(tern::getDefaultOutput("model.onnx", tern::EmitKind::Tern),
            "model.mlir");
  EXPECT_EQ(tern::getDefaultOutput("model.onnx", tern::EmitKind::LLVMIR),
            "model.ll");
}

} // namespace
