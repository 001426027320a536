//===- ModelLoader.h - Load, check and normalize ONNX models ----*- C++ -*-===//

#ifndef TERN_IMPORT_ONNX_MODELLOADER_H
#define TERN_IMPORT_ONNX_MODELLOADER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

#include <memory>
#include <string>
#include <vector>

namespace tern {

/// The newest default-domain opset the importer converts models to. Older
/// models are upgraded to it with libonnx's version converter so that each
/// converter handles one set of op semantics.
constexpr int64_t kTargetOpset = 17;
/// The oldest default-domain opset Tern accepts; everything before
/// `kTargetOpset` is upgraded by the version converter.
constexpr int64_t kMinimumOpset = 1;

/// Initializers of at least this many bytes leave the ModelProto when a model
/// is loaded (see `LoadedModel`); smaller ones (shapes, axes, norms) stay,
/// so that shape inference and the converters see their values.
constexpr uint64_t kLargeInitializerBytes = 64 * 1024; // kResourceWeightBytes

/// The bytes of one large initializer, kept out of the protobuf: a slice of
/// a memory-mapped external data file, or the raw_data string taken out of
/// the parsed model (no copy either way). The importer hands them to an
/// MLIR resource blob, which frees them when the compiler drops the weight.
struct InitializerData {
  std::string name;
  int32_t dataType = 0;
  llvm::SmallVector<int64_t> dims;
  llvm::ArrayRef<char> bytes;
  /// Keeps `bytes` alive: the mapped file or the string.
  std::shared_ptr<void> owner;
  /// True when `bytes` lie in a read-only file mapping, whose pages can be
  /// given back to the kernel once the weight is no longer needed.
  bool fileBacked = false;
};

/// A checked, upgraded and shape-inferred model. Its large initializers are
/// in `initializers`; in `proto` each is a graph input of the same type, so
/// that libonnx's checker and shape inference, which only need their
/// types, never hold the data.
struct LoadedModel {
  onnx::ModelProto proto;
  std::vector<InitializerData> initializers;
};

/// Loads an ONNX model from `path`: binary protobuf, or ONNX text format
/// when the file ends in `.onnxtxt`. Tensors kept in external data files
/// (as models over 2 GB must) are read from next to the model. The model is
/// checked with libonnx's checker, upgraded to `kTargetOpset` and
/// shape-inferred. External data files are memory-mapped, never read into
/// the protobuf. Errors name the file and say what is wrong with it.
llvm::Expected<LoadedModel> loadONNXModel(llvm::StringRef path);

/// As `loadONNXModel`, from bytes already in memory. `name` is the model's
/// path: external data files are found next to it.
llvm::Expected<LoadedModel> parseONNXModel(llvm::StringRef contents,
                                           bool isText, llvm::StringRef name);

/// The size in bytes of one element of an ONNX data type held as raw data,
/// or 0 for types that are not plain fixed-size numbers (strings, bools,
/// sub-byte types).
unsigned getRawElementBytes(int32_t dataType);

/// The model's default-domain ("" or "ai.onnx") opset version, or 0.
int64_t getDefaultOpset(const onnx::ModelProto &model);

} // namespace tern

#endif // TERN_IMPORT_ONNX_MODELLOADER_H
