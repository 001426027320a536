//===- ModelLoader.cpp - Load, check and normalize ONNX models ------------===//
//
// libonnx reports problems by throwing, so this file alone is compiled with
// exceptions enabled and turns every exception into an llvm::Error.
//
//===----------------------------------------------------------------------===//

#include "tern/Import/ONNX/ModelLoader.h"

#include "llvm/Support/MemoryBuffer.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/checker.h>
#include <onnx/defs/parser.h>
#include <onnx/shape_inference/implementation.h>
#include <onnx/version_converter/convert.h>

#include <climits>

using namespace tern;
using llvm::createStringError;
using llvm::inconvertibleErrorCode;

int64_t tern::getDefaultOpset(const onnx::ModelProto &model) {
  for (const auto &opset : model.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      return opset.version();
  return 0;
}

static llvm::Error makeError(llvm::StringRef name, const llvm::Twine &what) {
  return createStringError(inconvertibleErrorCode(),
                           (name + ": " + what).str());
}

llvm::Expected<onnx::ModelProto> tern::parseONNXModel(llvm::StringRef contents,
                                                      bool isText,
                                                      llvm::StringRef name) {
  onnx::ModelProto model;
  if (isText) {
    std::string text = contents.str();
    onnx::Common::Status status = onnx::OnnxParser::Parse(model, text.c_str());
    if (!status.IsOK())
      return makeError(name,
                       "invalid ONNX text format: " + status.ErrorMessage());
  } else {
    google::protobuf::io::ArrayInputStream stream(
        contents.data(), static_cast<int>(contents.size()));
    google::protobuf::io::CodedInputStream coded(&stream);
    coded.SetTotalBytesLimit(INT_MAX);
    if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
      return makeError(name, "not a valid ONNX model (the protobuf does not "
                             "parse; is the file truncated?)");
  }

  if (!model.has_graph())
    return makeError(name, "the ONNX model has no graph");
  int64_t opset = getDefaultOpset(model);
  if (opset == 0)
    return makeError(name, "the ONNX model imports no default-domain opset");
  if (opset < kMinimumOpset || opset > kTargetOpset)
    return makeError(name, "ONNX opset " + llvm::Twine(opset) +
                               " is not supported (Tern accepts opsets " +
                               llvm::Twine(kMinimumOpset) + " to " +
                               llvm::Twine(kTargetOpset) + ")");

  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    return makeError(name, llvm::Twine("the ONNX checker rejects the model: ") +
                               e.what());
  }

  if (opset < kTargetOpset) {
    try {
      model = onnx::version_conversion::ConvertVersion(model, kTargetOpset);
    } catch (const std::exception &e) {
      return makeError(name, "cannot upgrade ONNX opset " + llvm::Twine(opset) +
                                 " to " + llvm::Twine(kTargetOpset) + ": " +
                                 e.what());
    }
  }

  try {
    onnx::ShapeInferenceOptions options{/*check_type=*/true,
                                        /*error_mode=*/1,
                                        /*enable_data_propagation=*/true};
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception &e) {
    return makeError(name,
                     llvm::Twine("ONNX shape inference fails: ") + e.what());
  }
  return model;
}

llvm::Expected<onnx::ModelProto> tern::loadONNXModel(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                   /*RequiresNullTerminator=*/
                                                   true);
  if (!buffer)
    return makeError(path, "cannot read: " + buffer.getError().message());
  return parseONNXModel((*buffer)->getBuffer(), path.ends_with(".onnxtxt"),
                        path);
}
