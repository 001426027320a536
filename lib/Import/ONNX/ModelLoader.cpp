//===- ModelLoader.cpp - Load, check and normalize ONNX models ------------===//
//
// libonnx reports problems by throwing, so this file alone is compiled with
// exceptions enabled and turns every exception into an llvm::Error.
//
//===----------------------------------------------------------------------===//

#include "tern/Import/ONNX/ModelLoader.h"
#include "ContribSchemas.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

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

/// Reads every tensor stored in an external file (the layout models over
/// 2 GB use) into its raw_data, so that the checker, shape inference and the
/// importer see ordinary tensors. Locations are relative to `baseDir`.
static llvm::Error loadExternalData(onnx::GraphProto &graph,
                                    llvm::StringRef baseDir,
                                    llvm::StringRef name) {
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> files;
  for (onnx::TensorProto &tensor : *graph.mutable_initializer()) {
    if (tensor.data_location() != onnx::TensorProto::EXTERNAL)
      continue;
    std::string location;
    uint64_t offset = 0, length = 0;
    bool hasLength = false;
    for (const auto &entry : tensor.external_data()) {
      if (entry.key() == "location") {
        location = entry.value();
      } else if (entry.key() == "offset") {
        offset = std::strtoull(entry.value().c_str(), nullptr, 10);
      } else if (entry.key() == "length") {
        length = std::strtoull(entry.value().c_str(), nullptr, 10);
        hasLength = true;
      }
    }
    std::string what = "external data of tensor '" + tensor.name() + "'";
    if (location.empty() || llvm::sys::path::is_absolute(location) ||
        llvm::StringRef(location).contains(".."))
      return makeError(name,
                       what + " has an invalid location '" + location + "'");
    llvm::SmallString<256> path(baseDir);
    llvm::sys::path::append(path, location);
    std::unique_ptr<llvm::MemoryBuffer> &file = files[path];
    if (!file) {
      auto buffer = llvm::MemoryBuffer::getFile(
          path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
      if (!buffer)
        return makeError(name, what + ": cannot read '" + path +
                                   "': " + buffer.getError().message());
      file = std::move(*buffer);
    }
    uint64_t size = file->getBufferSize();
    if (!hasLength)
      length = offset <= size ? size - offset : 0;
    if (offset > size || length > size - offset)
      return makeError(name, what + ": bytes " + llvm::Twine(offset) + " to " +
                                 llvm::Twine(offset + length) +
                                 " lie beyond the end of '" + path + "' (" +
                                 llvm::Twine(size) + " bytes)");
    tensor.set_raw_data(file->getBufferStart() + offset, length);
    tensor.clear_external_data();
    tensor.set_data_location(onnx::TensorProto::DEFAULT);
  }
  return llvm::Error::success();
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
  llvm::StringRef baseDir = llvm::sys::path::parent_path(name);
  if (llvm::Error err = loadExternalData(*model.mutable_graph(),
                                         baseDir.empty() ? "." : baseDir, name))
    return std::move(err);
  int64_t opset = getDefaultOpset(model);
  if (opset == 0)
    return makeError(name, "the ONNX model imports no default-domain opset");
  if (opset < kMinimumOpset || opset > kTargetOpset)
    return makeError(name, "ONNX opset " + llvm::Twine(opset) +
                               " is not supported (Tern accepts opsets " +
                               llvm::Twine(kMinimumOpset) + " to " +
                               llvm::Twine(kTargetOpset) + ")");

  registerContribSchemas();
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
