//===- NodeImporter.h - What an op converter sees of one node ---*- C++ -*-===//

#ifndef TERN_IMPORT_ONNX_NODEIMPORTER_H
#define TERN_IMPORT_ONNX_NODEIMPORTER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <optional>

namespace tern {

/// What a DequantizeLinear of constants computes, for the linear layers
/// that take it as their weight: they multiply by the codes as they are
/// (tern.quant_matmul) instead of by a float copy.
struct DequantizedConstant {
  /// The integer codes, in their signless type.
  mlir::ElementsAttr codes;
  bool isSigned = false;
  /// A 0-d or 1-D float scale along `axis`, and a zero point shaped like it
  /// (null: zero).
  mlir::ElementsAttr scale, zeroPoint;
  int64_t axis = 0;
};

/// What is known at compile time of a small integer tensor (a 0-D or 1-D
/// shape-like value, see ShapeFolding.h): its shape and, per element, the
/// value or nothing (a size only known at run time).
struct KnownInts {
  /// An integer as an affine function of dynamic sizes: `constant` plus
  /// the sum of each coefficient times dimension `dim` of `tensor`, as
  /// exporters compute `past = total - seq` from Shape ops.
  struct Affine {
    struct Term {
      mlir::Value tensor;
      int64_t dim;
      int64_t coefficient;
    };
    int64_t constant = 0;
    llvm::SmallVector<Term, 2> terms;
  };

  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<std::optional<int64_t>> values;
  /// Per element, its affine form where `values` does not know it but
  /// shape folding does (shorter than `values`, or empty, where none is).
  llvm::SmallVector<std::optional<Affine>> affine;

  bool isFullyKnown() const {
    return llvm::all_of(values, [](auto v) { return v.has_value(); });
  }
  /// Element `i` as an affine form: a constant where the value is known.
  std::optional<Affine> getAffine(size_t i) const {
    if (values[i])
      return Affine{*values[i], {}};
    return i < affine.size() ? affine[i] : std::nullopt;
  }
  /// Appends element `i` of `from`, its value and its affine form.
  void append(const KnownInts &from, size_t i) {
    values.push_back(from.values[i]);
    if (i < from.affine.size() && from.affine[i]) {
      affine.resize(values.size() - 1);
      affine.push_back(from.affine[i]);
    }
  }
};

/// The importer's state shared by all nodes of a graph: ONNX value names to
/// MLIR values, the types ONNX shape inference found, and what is known of
/// shape-like values that are not constants.
struct GraphScope {
  llvm::StringMap<mlir::Value> values;
  llvm::StringMap<mlir::RankedTensorType> inferredTypes;
  llvm::DenseMap<mlir::Value, DequantizedConstant> dequantized;
  llvm::StringMap<KnownInts> knownInts;
  /// ONNX sequences, unrolled: the tensors each holds, by name.
  llvm::StringMap<llvm::SmallVector<mlir::Value>> sequences;
  /// The dim_params ONNX gives values by name (graph inputs, and what
  /// shape inference names of node outputs; null where it names none), and
  /// the same for the MLIR values recorded under those names. Sizes with
  /// one name are equal when the model runs (see Ops/SizeOrigin.h).
  llvm::StringMap<llvm::SmallVector<mlir::StringAttr>> dimParamsByName;
  llvm::DenseMap<mlir::Value, llvm::SmallVector<mlir::StringAttr>> dimParams;
  /// dim_params that name one size: those of a Cast's input and output,
  /// which shape inference may name apart. A name stands for its class.
  llvm::EquivalenceClasses<mlir::StringAttr> sameSizeNames;
};

/// One ONNX node being converted. Converters read inputs and attributes
/// through it, build ops with its builder at its location, and record the
/// node's outputs. Errors go through `emitError`, which names the node, its
/// op type and the opset.
class NodeImporter {
public:
  /// `name` is the node's name for messages; the importer makes one up
  /// for nodes that have none.
  NodeImporter(mlir::OpBuilder &builder, const onnx::NodeProto &node,
               llvm::StringRef name, int64_t opset, mlir::Location loc,
               GraphScope &scope)
      : builder(builder), node(node), name(name), opset(opset), loc(loc),
        scope(scope) {}

  mlir::OpBuilder &getBuilder() { return builder; }
  mlir::Location getLoc() const { return loc; }
  const onnx::NodeProto &getNode() const { return node; }
  int64_t getOpset() const { return opset; }

  unsigned getNumInputs() const { return node.input_size(); }
  /// False for an optional input left out (absent or named "").
  bool hasInput(unsigned i) const;
  /// False for an optional output nobody asked for (absent or named "").
  bool hasOutput(unsigned i) const;
  /// The value of input `i`; null (after an error) when it is missing.
  mlir::Value getInput(unsigned i);
  /// The value of input `i`, or null without an error.
  mlir::Value lookupInput(unsigned i) const;
  /// The tensors of input `i`, a sequence; nothing (after an error) when
  /// it is not one.
  std::optional<llvm::SmallVector<mlir::Value>> getSequence(unsigned i);
  void setSequenceOutput(unsigned i, llvm::SmallVector<mlir::Value> values);

  /// The type ONNX shape inference gives output `i`, or null.
  mlir::RankedTensorType getInferredOutputType(unsigned i) const;
  void setOutput(unsigned i, mlir::Value value);
  /// The dim_param ONNX names dimension `dim` of `value` with, or null.
  mlir::StringAttr getDimSymbol(mlir::Value value, int64_t dim) const;
  /// The value recorded for output `i`, or null.
  mlir::Value getOutputValue(unsigned i) const;

  /// The values of input `i` when it is an integer constant (initializer or
  /// Constant node), as ONNX passes axes and shapes.
  std::optional<llvm::SmallVector<int64_t>> getConstantInts(unsigned i);
  /// The contents of input `i` when it is a constant, or null.
  mlir::DenseElementsAttr getConstantElements(unsigned i);
  /// What is known of input `i`, a 0-D or 1-D integer tensor of at most
  /// kMaxKnownInts elements: a constant's values, or the partial knowledge
  /// shape folding recorded (ShapeFolding.h). Nothing otherwise.
  std::optional<KnownInts> getKnownInts(unsigned i);
  void setKnownInts(unsigned output, KnownInts known);
  static constexpr int64_t kMaxKnownInts = 64;
  /// The largest rank a tensor may have in an imported model. The C API
  /// takes inputs and outputs of rank TERN_MAX_RANK (8); inside a model
  /// Tern allows more, but a rank in the thousands only comes from a broken
  /// or hostile file, and building it costs time and memory in proportion.
  static constexpr int64_t kMaxRank = 32;
  /// An error unless `rank`, the rank the node's result would have (`what`
  /// says where it comes from), is at most kMaxRank. Converters call it
  /// before they build anything of that rank.
  mlir::LogicalResult checkResultRank(int64_t rank, llvm::StringRef what);

  /// Records that `value` dequantizes constants (see DequantizedConstant).
  void setDequantized(mlir::Value value, DequantizedConstant info) {
    scope.dequantized[value] = info;
  }
  /// What `value` dequantizes, if a DequantizeLinear of constants made it.
  const DequantizedConstant *getDequantized(mlir::Value value) const {
    auto it = scope.dequantized.find(value);
    return it == scope.dequantized.end() ? nullptr : &it->second;
  }

  const onnx::AttributeProto *getAttribute(llvm::StringRef name) const;
  /// The ints of an INTS attribute, or nothing when it is absent.
  std::optional<llvm::SmallVector<int64_t>>
  getIntsAttr(llvm::StringRef name) const;
  int64_t getIntAttr(llvm::StringRef name, int64_t defaultValue) const;
  float getFloatAttr(llvm::StringRef name, float defaultValue) const;
  std::string getStringAttr(llvm::StringRef name,
                            llvm::StringRef defaultValue) const;

  /// An error at the node's location, prefixed with
  /// "ONNX node '<name>' (<op type>, domain <domain>, opset <n>): ".
  mlir::InFlightDiagnostic emitError();

private:
  mlir::OpBuilder &builder;
  const onnx::NodeProto &node;
  llvm::StringRef name;
  int64_t opset;
  mlir::Location loc;
  GraphScope &scope;
};

} // namespace tern

#endif // TERN_IMPORT_ONNX_NODEIMPORTER_H
