//===- ModelLoader.cpp - Load, check and normalize ONNX models ------------===//
//
// libonnx reports problems by throwing, so this file alone is compiled with
// exceptions enabled and turns every exception into an llvm::Error.
//
//===----------------------------------------------------------------------===//

#include "tern/Import/ONNX/ModelLoader.h"
#include "ContribSchemas.h"
#include "GraphValidation.h"
#include "IsolatedStage.h"
#include "tern/Dialect/Tern/IR/WeightStorage.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
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

unsigned tern::getRawElementBytes(int32_t dataType) {
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return 4;
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
    return 8;
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return 2;
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
    return 1;
  default:
    return 0;
  }
}

namespace {

/// An external data file, mapped read-only for as long as a weight in it is
/// alive, and known to the weights writer meanwhile.
struct MappedDataFile {
  MappedDataFile(std::unique_ptr<llvm::MemoryBuffer> buffer,
                 llvm::StringRef path)
      : buffer(std::move(buffer)) {
    mlir::tern::MappedFileRegistry::add(this->buffer->getBufferStart(),
                                        this->buffer->getBufferSize(), path);
  }
  ~MappedDataFile() {
    mlir::tern::MappedFileRegistry::remove(buffer->getBufferStart());
  }
  std::unique_ptr<llvm::MemoryBuffer> buffer;
};

/// Where an external tensor's bytes are: `location`, `offset`, `length`.
struct ExternalLocation {
  std::string location;
  uint64_t offset = 0, length = 0;
  bool hasLength = false;
};

ExternalLocation getExternalLocation(const onnx::TensorProto &tensor) {
  ExternalLocation where;
  for (const auto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      where.location = entry.value();
    else if (entry.key() == "offset")
      where.offset = std::strtoull(entry.value().c_str(), nullptr, 10);
    else if (entry.key() == "length") {
      where.length = std::strtoull(entry.value().c_str(), nullptr, 10);
      where.hasLength = true;
    }
  }
  return where;
}

/// The number of elements `tensor`'s dims give, or nothing when a dim is
/// negative or the product overflows.
std::optional<uint64_t> getNumElements(const onnx::TensorProto &tensor) {
  uint64_t count = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0)
      return std::nullopt;
    if (dim != 0 && count > UINT64_MAX / static_cast<uint64_t>(dim))
      return std::nullopt;
    count *= static_cast<uint64_t>(dim);
  }
  return count;
}

} // namespace

/// Resolves external data and takes large initializers out of the graph
/// (see `LoadedModel`). External files are mapped once each; small external
/// tensors are copied into raw_data, so that libonnx sees them as usual.
static llvm::Error extractInitializers(LoadedModel &loaded,
                                       llvm::StringRef baseDir,
                                       llvm::StringRef name) {
  onnx::GraphProto &graph = *loaded.proto.mutable_graph();
  llvm::StringMap<std::shared_ptr<MappedDataFile>> files;
  google::protobuf::RepeatedPtrField<onnx::TensorProto> kept;
  for (onnx::TensorProto &tensor : *graph.mutable_initializer()) {
    std::string what = "initializer '" + tensor.name() + "'";
    unsigned elementBytes = getRawElementBytes(tensor.data_type());
    std::optional<uint64_t> count = getNumElements(tensor);
    if (!count)
      return makeError(name, what + " has an invalid shape");
    llvm::ArrayRef<char> bytes;
    std::shared_ptr<void> owner;
    bool fileBacked = false;
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
      ExternalLocation where = getExternalLocation(tensor);
      if (where.location.empty() ||
          llvm::sys::path::is_absolute(where.location) ||
          llvm::StringRef(where.location).contains(".."))
        return makeError(name, "external data of " + what +
                                   " has an invalid location '" +
                                   where.location + "'");
      llvm::SmallString<256> path(baseDir);
      llvm::sys::path::append(path, where.location);
      std::shared_ptr<MappedDataFile> &mapped = files[path];
      if (!mapped) {
        auto buffer = llvm::MemoryBuffer::getFile(
            path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
        if (!buffer)
          return makeError(name, "external data of " + what +
                                     ": cannot read '" + path +
                                     "': " + buffer.getError().message());
        mapped = std::make_shared<MappedDataFile>(std::move(*buffer), path);
      }
      const llvm::MemoryBuffer *file = mapped->buffer.get();
      uint64_t size = file->getBufferSize();
      if (!where.hasLength)
        where.length = where.offset <= size ? size - where.offset : 0;
      if (where.offset > size || where.length > size - where.offset)
        return makeError(name, "external data of " + what + ": bytes " +
                                   llvm::Twine(where.offset) + " to " +
                                   llvm::Twine(where.offset + where.length) +
                                   " lie beyond the end of '" + path + "' (" +
                                   llvm::Twine(size) + " bytes)");
      bytes = llvm::ArrayRef<char>(file->getBufferStart() + where.offset,
                                   where.length);
      owner = mapped;
      fileBacked =
          file->getBufferKind() == llvm::MemoryBuffer::MemoryBuffer_MMap;
    } else if (tensor.has_raw_data()) {
      bytes = llvm::ArrayRef<char>(tensor.raw_data().data(),
                                   tensor.raw_data().size());
    }
    bool large = elementBytes != 0 && bytes.size() >= kLargeInitializerBytes;
    if (elementBytes != 0 && !bytes.empty() &&
        (*count > UINT64_MAX / elementBytes ||
         bytes.size() != *count * elementBytes))
      return makeError(name, what + " has " + llvm::Twine(bytes.size()) +
                                 " bytes of data but its shape needs " +
                                 llvm::Twine(*count * elementBytes));
    if (!large) {
      if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
        tensor.set_raw_data(bytes.data(), bytes.size());
        tensor.clear_external_data();
        tensor.set_data_location(onnx::TensorProto::DEFAULT);
      }
      kept.Add()->Swap(&tensor);
      continue;
    }
    if (!owner) // The parsed raw_data string itself, not a copy.
      owner = std::shared_ptr<std::string>(tensor.release_raw_data());
    InitializerData data;
    data.name = tensor.name();
    data.dataType = tensor.data_type();
    data.dims.assign(tensor.dims().begin(), tensor.dims().end());
    data.bytes = bytes;
    data.owner = std::move(owner);
    data.fileBacked = fileBacked;
    loaded.initializers.push_back(std::move(data));
  }
  graph.mutable_initializer()->Swap(&kept);

  // The checker and shape inference see each large initializer as a graph
  // input of its type (old exporters list initializers as inputs already).
  llvm::StringSet<> inputs;
  for (const onnx::ValueInfoProto &input : graph.input())
    inputs.insert(input.name());
  for (const InitializerData &data : loaded.initializers) {
    if (inputs.contains(data.name))
      continue;
    onnx::ValueInfoProto *input = graph.add_input();
    input->set_name(data.name);
    onnx::TypeProto_Tensor *type = input->mutable_type()->mutable_tensor_type();
    type->set_elem_type(data.dataType);
    for (int64_t dim : data.dims)
      type->mutable_shape()->add_dim()->set_dim_value(dim);
  }
  return llvm::Error::success();
}

/// "ONNX node '<name>' (<op>, domain <d>, opset <n>)" for the first node
/// `stage` crashes on, found by running it on ever shorter prefixes of the
/// graph (shape inference goes through the nodes in order); "" when no
/// prefix crashes. Only runs after a crash, a fork per step.
static std::string
describeCrashingNode(const onnx::ModelProto &model,
                     llvm::function_ref<void(onnx::ModelProto &)> stage) {
  auto prefix = [&](int count) {
    onnx::ModelProto cut = model;
    onnx::GraphProto &graph = *cut.mutable_graph();
    graph.mutable_node()->DeleteSubrange(count, graph.node_size() - count);
    graph.clear_output();
    return cut;
  };
  int low = 1, high = model.graph().node_size();
  if (high == 0 || !crashesIsolated(prefix(high), stage))
    return "";
  while (low < high) {
    int mid = low + (high - low) / 2;
    if (crashesIsolated(prefix(mid), stage))
      high = mid;
    else
      low = mid + 1;
  }
  const onnx::NodeProto &node = model.graph().node(low - 1);
  std::string domain = node.domain().empty() ? "ai.onnx" : node.domain();
  int64_t opset = 0;
  for (const auto &entry : model.opset_import())
    if (entry.domain() == node.domain() ||
        (node.domain() == "ai.onnx" && entry.domain().empty()))
      opset = entry.version();
  std::string nodeName = node.name().empty()
                             ? node.op_type() + "_" + std::to_string(low - 1)
                             : node.name();
  return "ONNX node '" + nodeName + "' (" + node.op_type() + ", domain " +
         domain + ", opset " + std::to_string(opset) + ")";
}

llvm::Expected<LoadedModel> tern::parseONNXModel(llvm::StringRef contents,
                                                 bool isText,
                                                 llvm::StringRef name) {
  LoadedModel loaded;
  onnx::ModelProto &model = loaded.proto;
  if (isText) {
    std::string text = contents.str();
    // The parser throws on some malformed numbers (std::stof).
    try {
      onnx::Common::Status status =
          onnx::OnnxParser::Parse(model, text.c_str());
      if (!status.IsOK())
        return makeError(name,
                         "invalid ONNX text format: " + status.ErrorMessage());
    } catch (const std::exception &e) {
      return makeError(name,
                       llvm::Twine("invalid ONNX text format: ") + e.what());
    }
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
  if (llvm::Error err = validateGraphReferences(model.graph()))
    return makeError(name, llvm::toString(std::move(err)));
  llvm::StringRef baseDir = llvm::sys::path::parent_path(name);
  if (llvm::Error err =
          extractInitializers(loaded, baseDir.empty() ? "." : baseDir, name))
    return std::move(err);
  int64_t opset = getDefaultOpset(model);
  if (opset == 0) {
    // A graph of other domains' ops only (the training optimizers) needs
    // no default-domain opset, nor a conversion.
    bool usesDefaultDomain =
        llvm::any_of(model.graph().node(), [](const onnx::NodeProto &node) {
          return node.domain().empty() || node.domain() == "ai.onnx";
        });
    if (usesDefaultDomain)
      return makeError(name, "the ONNX model imports no default-domain opset");
    opset = kTargetOpset;
  }
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

  // libonnx's converter and shape inference run in a child process, so
  // that a model they crash on is an error (IsolatedStage.h).
  auto crashingNode = [&](auto stage) {
    return [&, stage](const onnx::ModelProto &crashed) {
      return describeCrashingNode(crashed, stage);
    };
  };
  if (opset < kTargetOpset) {
    // The version converter's adapters (Gemm's and Add's old `broadcast`,
    // Softmax's axis) need the inputs' shapes: infer them at the model's
    // own opset first. Where that fails, the conversion reports why.
    auto inferLenient = [](onnx::ModelProto &m) {
      try {
        onnx::shape_inference::InferShapes(m);
      } catch (const std::exception &) {
      }
    };
    if (llvm::Error err =
            runIsolated(model, inferLenient, crashingNode(inferLenient)))
      return makeError(name, "ONNX shape inference fails: " +
                                 llvm::toString(std::move(err)));
    auto convert = [](onnx::ModelProto &m) {
      m = onnx::version_conversion::ConvertVersion(m, kTargetOpset);
    };
    if (llvm::Error err = runIsolated(
            model, convert, [](const onnx::ModelProto &) { return ""; }))
      return makeError(name, "cannot upgrade ONNX opset " + llvm::Twine(opset) +
                                 " to " + llvm::Twine(kTargetOpset) + ": " +
                                 llvm::toString(std::move(err)));
  }

  auto infer = [](onnx::ModelProto &m) {
    onnx::ShapeInferenceOptions options{/*check_type=*/true,
                                        /*error_mode=*/1,
                                        /*enable_data_propagation=*/true};
    onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(),
                                       options);
  };
  if (llvm::Error err = runIsolated(model, infer, crashingNode(infer)))
    return makeError(name, "ONNX shape inference fails: " +
                               llvm::toString(std::move(err)));
  return std::move(loaded);
}

llvm::Expected<LoadedModel> tern::loadONNXModel(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                   /*RequiresNullTerminator=*/
                                                   true);
  if (!buffer)
    return makeError(path, "cannot read: " + buffer.getError().message());
  return parseONNXModel((*buffer)->getBuffer(), path.ends_with(".onnxtxt"),
                        path);
}
