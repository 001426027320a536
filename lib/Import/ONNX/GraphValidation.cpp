//===- GraphValidation.cpp - What libonnx trusts, checked first -----------===//

#include "GraphValidation.h"
#include "tern/Import/ONNX/NodeImporter.h"

#include "llvm/ADT/StringMap.h"
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

/// The inputs whose length is the rank of the node's result (or must equal
/// the rank of its data): a shape, repeats, sizes, scales or axes.
llvm::ArrayRef<int> rankFixingInputs(llvm::StringRef op) {
  static const int one[] = {1}, zero[] = {0}, scalesAndSizes[] = {2, 3};
  if (op == "Reshape" || op == "Expand" || op == "Tile" || op == "Unsqueeze" ||
      op == "Upsample")
    return one;
  if (op == "ConstantOfShape")
    return zero;
  if (op == "Resize")
    return scalesAndSizes;
  return {};
}

/// Declared ranks above NodeImporter::kMaxRank, and shape-like inputs
/// longer than it, are refused before libonnx's shape inference, which
/// would build a result of that rank (a 174-byte Reshape whose shape input
/// declared 2^20 entries kept ternc busy for minutes).
llvm::Error checkRanks(const onnx::GraphProto &graph) {
  constexpr int64_t limit = NodeImporter::kMaxRank;
  llvm::StringMap<int64_t> lengths; // of declared 1-D values
  auto declared = [&](const onnx::ValueInfoProto &info,
                      const char *what) -> llvm::Error {
    if (!info.type().has_tensor_type() ||
        !info.type().tensor_type().has_shape())
      return llvm::Error::success();
    const onnx::TensorShapeProto &shape = info.type().tensor_type().shape();
    if (shape.dim_size() > limit)
      return fail(llvm::Twine(what) + " '" + printable(info.name()) +
                  "': its rank " + llvm::Twine(shape.dim_size()) +
                  " is above Tern's limit of " + llvm::Twine(limit));
    if (shape.dim_size() == 1 && shape.dim(0).has_dim_value())
      lengths[info.name()] = shape.dim(0).dim_value();
    return llvm::Error::success();
  };
  for (const onnx::ValueInfoProto &info : graph.input())
    if (llvm::Error err = declared(info, "graph input"))
      return err;
  for (const onnx::ValueInfoProto &info : graph.output())
    if (llvm::Error err = declared(info, "graph output"))
      return err;
  for (const onnx::ValueInfoProto &info : graph.value_info())
    if (llvm::Error err = declared(info, "value"))
      return err;
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    if (tensor.dims_size() > limit)
      return fail("initializer '" + printable(tensor.name()) + "': its rank " +
                  llvm::Twine(tensor.dims_size()) +
                  " is above Tern's limit of " + llvm::Twine(limit));
    if (tensor.dims_size() == 1)
      lengths[tensor.name()] = tensor.dims(0);
  }
  for (int i = 0, e = graph.node_size(); i < e; ++i) {
    const onnx::NodeProto &node = graph.node(i);
    for (int input : rankFixingInputs(node.op_type())) {
      if (input >= node.input_size())
        continue;
      auto length = lengths.find(node.input(input));
      if (length != lengths.end() && length->second > limit)
        return fail(
            describe(node, i) + ": input '" + printable(node.input(input)) +
            "' has " + llvm::Twine(length->second) +
            " entries, a rank above Tern's limit of " + llvm::Twine(limit));
    }
  }
  return llvm::Error::success();
}

llvm::Error validate(const onnx::GraphProto &graph,
                     const llvm::StringSet<> &outer, unsigned depth) {
  if (llvm::Error err = checkRanks(graph))
    return err;
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
