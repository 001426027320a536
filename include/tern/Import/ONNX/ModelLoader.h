//===- ModelLoader.h - Load, check and normalize ONNX models ----*- C++ -*-===//

#ifndef TERN_IMPORT_ONNX_MODELLOADER_H
#define TERN_IMPORT_ONNX_MODELLOADER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

namespace tern {

/// The newest default-domain opset the importer converts models to. Older
/// models are upgraded to it with libonnx's version converter so that each
/// converter handles one set of op semantics.
constexpr int64_t kTargetOpset = 17;
/// The oldest default-domain opset Tern accepts; everything before
/// `kTargetOpset` is upgraded by the version converter.
constexpr int64_t kMinimumOpset = 1;

/// Loads an ONNX model from `path`: binary protobuf, or ONNX text format
/// when the file ends in `.onnxtxt`. Tensors kept in external data files
/// (as models over 2 GB must) are read from next to the model. The model is
/// checked with libonnx's checker, upgraded to `kTargetOpset` and
/// shape-inferred. Errors name the file and say what is wrong with it.
llvm::Expected<onnx::ModelProto> loadONNXModel(llvm::StringRef path);

/// As `loadONNXModel`, from bytes already in memory. `name` is the model's
/// path: external data files are found next to it.
llvm::Expected<onnx::ModelProto>
parseONNXModel(llvm::StringRef contents, bool isText, llvm::StringRef name);

/// The model's default-domain ("" or "ai.onnx") opset version, or 0.
int64_t getDefaultOpset(const onnx::ModelProto &model);

} // namespace tern

#endif // TERN_IMPORT_ONNX_MODELLOADER_H
