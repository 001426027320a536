//===- IsolatedStage.h - libonnx stages run in a child process --*- C++ -*-===//
//
// libonnx's version converter and shape inference trust parts of a model
// that its checker has not vetted: a ConvTranspose whose weight has rank 0
// makes convTransposeShapeInference read past a vector and crash (found
// by tern-onnx-fuzzer). GraphValidation.h checks the graph's references,
// but each op's inference function has its own assumptions about ranks and
// attributes, too many to check one by one. So the loader runs these stages
// in a forked child: a fault there ends the child, and the loader reports
// it, naming the node. A fork and one serialization of the model proto per
// stage cost little: the proto holds no large initializer by then (see
// LoadedModel), and the child's memory is shared copy-on-write.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_IMPORT_ONNX_ISOLATEDSTAGE_H
#define TERN_LIB_IMPORT_ONNX_ISOLATEDSTAGE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

namespace tern {

/// Runs `stage` on a copy of `model` in a child process and, when it
/// returns, replaces `model` with the result. An exception the stage
/// throws becomes an error with its message; a crash becomes an error that
/// says so (`describeCrash` may name the culprit).
llvm::Error runIsolated(
    onnx::ModelProto &model, llvm::function_ref<void(onnx::ModelProto &)> stage,
    llvm::function_ref<std::string(const onnx::ModelProto &)> describeCrash);

/// Whether `stage` crashes on `model` in a child process (exceptions do
/// not count).
bool crashesIsolated(const onnx::ModelProto &model,
                     llvm::function_ref<void(onnx::ModelProto &)> stage);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_ISOLATEDSTAGE_H
