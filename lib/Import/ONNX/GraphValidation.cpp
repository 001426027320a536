//===- GraphValidation.cpp - What libonnx trusts, checked first -----------===//

#include "GraphValidation.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"

using namespace tern;

namespace {

/// `name` for a message: bytes that are not printable become '?'.
std::string printable(const std::string &name) {
  std::string out = name;
  for (char &c : out)
    if (c < 0x20 || c > 0x7e)
      c = '?';
  return out;
}

llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string describe(const onnx::NodeProto &node, int index) {
  std::string name = node.name().empty()
                         ? node.op_type() + "_" + std::to_string(index)
                         : node.name();
  return "ONNX node '" + printable(name) + "' (" + printable(node.op_type()) +
         ")";
}

llvm::Error validate(const onnx::GraphProto &graph,
                     const llvm::StringSet<> &outer, unsigned depth) {
  if (depth > kMaxSubgraphDepth)
    return fail("subgraphs nest deeper than " + llvm::Twine(kMaxSubgraphDepth) +
                " levels");
  llvm::StringSet<> defined = outer;
  for (const onnx::ValueInfoProto &input : graph.input())
    defined.insert(input.name());
  for (const onnx::TensorProto &tensor : graph.initializer())
    defined.insert(tensor.name());
  for (const onnx::SparseTensorProto &tensor : graph.sparse_initializer())
    defined.insert(tensor.values().name());
  for (int i = 0, e = graph.node_size(); i < e; ++i) {
    const onnx::NodeProto &node = graph.node(i);
    for (const std::string &input : node.input())
      if (!input.empty() && !defined.contains(input))
        return fail(describe(node, i) + ": input '" + printable(input) +
                    "' is not defined before the node");
    for (const onnx::AttributeProto &attr : node.attribute()) {
      if (attr.has_g())
        if (llvm::Error err = validate(attr.g(), defined, depth + 1))
          return err;
      for (const onnx::GraphProto &body : attr.graphs())
        if (llvm::Error err = validate(body, defined, depth + 1))
          return err;
    }
    for (const std::string &output : node.output())
      if (!output.empty() && !defined.insert(output).second)
        return fail(describe(node, i) + ": output '" + printable(output) +
                    "' is already defined");
  }
  for (const onnx::ValueInfoProto &output : graph.output())
    if (!defined.contains(output.name()))
      return fail("graph output '" + printable(output.name()) +
                  "' is not produced by any node, input or initializer");
  return llvm::Error::success();
}

} // namespace

llvm::Error tern::validateGraphReferences(const onnx::GraphProto &graph) {
  return validate(graph, {}, 0);
}
