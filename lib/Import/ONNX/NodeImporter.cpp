//===- NodeImporter.cpp - What an op converter sees of one node -----------===//

#include "tern/Import/ONNX/NodeImporter.h"
#include "Ops/Signedness.h"

#include "mlir/IR/Matchers.h"

using namespace ::tern;
using namespace mlir;

bool NodeImporter::hasInput(unsigned i) const {
  return i < static_cast<unsigned>(node.input_size()) && !node.input(i).empty();
}

bool NodeImporter::hasOutput(unsigned i) const {
  return i < static_cast<unsigned>(node.output_size()) &&
         !node.output(i).empty();
}

Value NodeImporter::getInput(unsigned i) {
  if (!hasInput(i)) {
    emitError() << "missing required input #" << i;
    return nullptr;
  }
  Value value = scope.values.lookup(node.input(i));
  if (!value)
    emitError() << "input '" << node.input(i)
                << "' is not produced by any earlier node, graph input or "
                   "initializer";
  return value;
}

Value NodeImporter::lookupInput(unsigned i) const {
  return hasInput(i) ? scope.values.lookup(node.input(i)) : Value();
}

std::optional<llvm::SmallVector<Value>> NodeImporter::getSequence(unsigned i) {
  if (!hasInput(i)) {
    emitError() << "missing required input #" << i;
    return std::nullopt;
  }
  auto found = scope.sequences.find(node.input(i));
  if (found == scope.sequences.end()) {
    emitError() << "input '" << node.input(i)
                << "' is not a sequence an earlier node made (sequences "
                   "must be built inside the model, from tensors)";
    return std::nullopt;
  }
  return found->second;
}

void NodeImporter::setSequenceOutput(unsigned i,
                                     llvm::SmallVector<Value> values) {
  if (hasOutput(i))
    scope.sequences[node.output(i)] = std::move(values);
}

LogicalResult NodeImporter::checkResultRank(int64_t rank, StringRef what) {
  if (rank <= kMaxRank)
    return success();
  return emitError() << what << " gives a result of rank " << rank
                     << ", above Tern's limit of " << kMaxRank;
}

RankedTensorType NodeImporter::getInferredOutputType(unsigned i) const {
  if (i >= static_cast<unsigned>(node.output_size()))
    return nullptr;
  return scope.inferredTypes.lookup(node.output(i));
}

void NodeImporter::setOutput(unsigned i, Value value) {
  if (!hasOutput(i))
    return;
  scope.values[node.output(i)] = value;
  auto params = scope.dimParamsByName.find(node.output(i));
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (params != scope.dimParamsByName.end() && type &&
      type.getRank() == static_cast<int64_t>(params->second.size()))
    scope.dimParams.try_emplace(value, params->second);
}

StringAttr NodeImporter::getDimSymbol(Value value, int64_t dim) const {
  auto it = scope.dimParams.find(value);
  if (it == scope.dimParams.end() || !it->second[dim])
    return nullptr;
  StringAttr symbol = it->second[dim];
  return scope.sameSizeNames.contains(symbol)
             ? scope.sameSizeNames.getLeaderValue(symbol)
             : symbol;
}

Value NodeImporter::getOutputValue(unsigned i) const {
  return hasOutput(i) ? scope.values.lookup(node.output(i)) : Value();
}

DenseElementsAttr NodeImporter::getConstantElements(unsigned i) {
  Value value = getInput(i);
  return value ? matchConstantTensor(value) : nullptr;
}

std::optional<llvm::SmallVector<int64_t>>
NodeImporter::getConstantInts(unsigned i) {
  DenseElementsAttr attr = getConstantElements(i);
  if (!attr || !attr.getElementType().isIntOrIndex())
    return std::nullopt;
  llvm::SmallVector<int64_t> ints;
  for (const APInt &v : attr.getValues<APInt>())
    ints.push_back(v.getSExtValue());
  return ints;
}

std::optional<KnownInts> NodeImporter::getKnownInts(unsigned i) {
  if (!hasInput(i))
    return std::nullopt;
  auto found = scope.knownInts.find(node.input(i));
  if (found != scope.knownInts.end())
    return found->second;
  Value value = lookupInput(i);
  DenseElementsAttr attr = value ? matchConstantTensor(value) : nullptr;
  if (!attr || !attr.getElementType().isSignlessInteger() ||
      attr.getType().getRank() > 1 || attr.getNumElements() > kMaxKnownInts)
    return std::nullopt;
  KnownInts known;
  known.shape.assign(attr.getType().getShape().begin(),
                     attr.getType().getShape().end());
  bool isBool = attr.getElementType().isInteger(1);
  for (const APInt &v : attr.getValues<APInt>())
    known.values.push_back(isBool ? int64_t(v.getZExtValue())
                                  : v.getSExtValue());
  return known;
}

void NodeImporter::setKnownInts(unsigned output, KnownInts known) {
  if (hasOutput(output))
    scope.knownInts[node.output(output)] = std::move(known);
}

std::optional<llvm::SmallVector<int64_t>>
NodeImporter::getIntsAttr(llvm::StringRef name) const {
  const onnx::AttributeProto *attr = getAttribute(name);
  if (!attr)
    return std::nullopt;
  return llvm::SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

const onnx::AttributeProto *
NodeImporter::getAttribute(llvm::StringRef name) const {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t NodeImporter::getIntAttr(llvm::StringRef name,
                                 int64_t defaultValue) const {
  const onnx::AttributeProto *attr = getAttribute(name);
  return attr ? attr->i() : defaultValue;
}

float NodeImporter::getFloatAttr(llvm::StringRef name,
                                 float defaultValue) const {
  const onnx::AttributeProto *attr = getAttribute(name);
  return attr ? attr->f() : defaultValue;
}

std::string NodeImporter::getStringAttr(llvm::StringRef name,
                                        llvm::StringRef defaultValue) const {
  const onnx::AttributeProto *attr = getAttribute(name);
  return attr ? attr->s() : defaultValue.str();
}

InFlightDiagnostic NodeImporter::emitError() {
  InFlightDiagnostic diag = mlir::emitError(loc);
  llvm::StringRef domain = node.domain();
  diag << "ONNX node '" << name << "' (" << node.op_type() << ", domain "
       << (domain.empty() ? "ai.onnx" : domain) << ", opset " << opset << "): ";
  return diag;
}
