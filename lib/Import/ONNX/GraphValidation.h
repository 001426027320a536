//===- GraphValidation.h - What libonnx trusts, checked first ---*- C++ -*-===//
//
// libonnx 1.12's checker leaves parts of a model unchecked that its version
// converter and shape inference then follow blindly: a graph output that
// no node produces makes onnx::graphProtoToGraph dereference null (found
// by tern-onnx-fuzzer). The loader checks those parts itself before handing
// the model on. This is one pass over the node list with no tensor data,
// so compile time and memory stay as they were; running libonnx in a
// child process instead would cost a fork and a copy of the model for
// every compile, and turn a clear message into a bare "it crashed".
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_IMPORT_ONNX_GRAPHVALIDATION_H
#define TERN_LIB_IMPORT_ONNX_GRAPHVALIDATION_H

#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

namespace tern {

/// Subgraphs (If, Loop, Scan bodies) nest at most this deep.
constexpr unsigned kMaxSubgraphDepth = 16;

/// Checks that every value a node or the graph's outputs read is defined
/// before it (graph inputs, initializers, earlier nodes' outputs, and an
/// enclosing graph's values in subgraphs), that no value is defined twice,
/// and that subgraphs nest at most kMaxSubgraphDepth deep. The error names
/// the node, its op type and the value.
llvm::Error validateGraphReferences(const onnx::GraphProto &graph);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_GRAPHVALIDATION_H
