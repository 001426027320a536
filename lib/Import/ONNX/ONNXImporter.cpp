//===- ONNXImporter.cpp - ONNX graphs to func.func @main_graph ------------===//

#include "tern/Import/ONNX/ONNXImporter.h"
#include "Ops/RuntimeChecks.h"
#include "Ops/Signedness.h"
#include "ShapeFolding.h"
#include "TensorConversion.h"
#include "tern/Dialect/Tern/IR/TernDialect.h"
#include "tern/Import/ONNX/ModelLoader.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace ::tern;

void ::tern::registerImportDialects(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                  math::MathDialect, scf::SCFDialect, tensor::TensorDialect,
                  mlir::tern::TernDialect>();
}

namespace {

class GraphImporter {
public:
  GraphImporter(LoadedModel &loaded, StringRef fileName, MLIRContext *ctx)
      : model(loaded.proto), loaded(loaded), ctx(ctx), builder(ctx),
        fileLoc(FileLineColLoc::get(ctx, fileName, 0, 0)) {}

  OwningOpRef<ModuleOp> run();

private:
  LogicalResult importInitializers();
  LogicalResult importNode(const onnx::NodeProto &node, unsigned index);
  /// Argument/result attributes naming the ONNX value and its dim_params.
  DictionaryAttr getValueAttrs(const onnx::ValueInfoProto &info);
  /// Records the dim_params of `info` (if it names any) in the scope.
  void recordDimParams(const onnx::ValueInfoProto &info);
  /// Gives the input of each Cast, CastLike or Identity the dim_params of
  /// its output where it has none of its own (see the definition).
  void shareDimParamsWithCastInputs(const llvm::StringSet<> &declared);
  int64_t getOpsetFor(StringRef domain) const;

  const onnx::ModelProto &model;
  LoadedModel &loaded;
  MLIRContext *ctx;
  OpBuilder builder;
  Location fileLoc;
  GraphScope scope;
};

} // namespace

int64_t GraphImporter::getOpsetFor(StringRef domain) const {
  bool isDefault = domain.empty() || domain == "ai.onnx";
  for (const auto &opset : model.opset_import()) {
    bool opsetIsDefault = opset.domain().empty() || opset.domain() == "ai.onnx";
    if (isDefault ? opsetIsDefault : opset.domain() == domain)
      return opset.version();
  }
  return 0;
}

DictionaryAttr GraphImporter::getValueAttrs(const onnx::ValueInfoProto &info) {
  SmallVector<NamedAttribute> attrs;
  attrs.push_back(builder.getNamedAttr(mlir::tern::TernDialect::kValueNameAttr,
                                       builder.getStringAttr(info.name())));
  SmallVector<std::string> dimParams = getDimParams(info.type());
  if (llvm::any_of(dimParams, [](const std::string &p) { return !p.empty(); }))
    attrs.push_back(
        builder.getNamedAttr(mlir::tern::TernDialect::kDimParamsAttr,
                             builder.getStrArrayAttr(SmallVector<StringRef>(
                                 dimParams.begin(), dimParams.end()))));
  return builder.getDictionaryAttr(attrs);
}

void GraphImporter::recordDimParams(const onnx::ValueInfoProto &info) {
  SmallVector<std::string> params = getDimParams(info.type());
  if (llvm::all_of(params, [](const std::string &p) { return p.empty(); }))
    return;
  SmallVector<StringAttr> &symbols = scope.dimParamsByName[info.name()];
  symbols.clear(); // An output may also be listed in value_info.
  for (const std::string &param : params)
    symbols.push_back(param.empty() ? nullptr : builder.getStringAttr(param));
}

// Exporters cast a model's outputs to their declared types at the end
// (float16 caches and logits computed in float32), so the sizes a
// present cache's dim_params name are those of the Cast's input, which
// the attention reads. Named there too, they tie to the other sizes of
// that name (the attention mask's) instead of being stretched at run time
// (SizeOrigin.h). A Cast's input has its output's shape, so the output's
// names are as true of it: where the input has no name of its own it takes
// the output's, and where shape inference named it apart (unk__N) the two
// names join one class. Relying on a name is checked at run time as
// before. Nodes are in topological order: walking them backwards carries
// names through chains of such ops.
void GraphImporter::shareDimParamsWithCastInputs(
    const llvm::StringSet<> &declared) {
  const auto &nodes = model.graph().node();
  for (int i = nodes.size() - 1; i >= 0; --i) {
    const onnx::NodeProto &node = nodes[i];
    if (!node.domain().empty() ||
        !llvm::is_contained({"Cast", "CastLike", "Identity"}, node.op_type()) ||
        node.input_size() < 1 || node.output_size() < 1 ||
        node.input(0).empty())
      continue;
    auto output = scope.dimParamsByName.find(node.output(0));
    if (output == scope.dimParamsByName.end())
      continue;
    SmallVector<StringAttr> names = output->second;
    auto input = scope.dimParamsByName.find(node.input(0));
    if (input == scope.dimParamsByName.end()) {
      if (!declared.contains(node.input(0)))
        scope.dimParamsByName[node.input(0)] = std::move(names);
      continue;
    }
    if (input->second.size() != names.size())
      continue;
    for (auto [inputName, outputName] : llvm::zip(input->second, names)) {
      if (!outputName)
        continue;
      if (!inputName && !declared.contains(node.input(0)))
        inputName = outputName;
      else if (inputName && inputName != outputName)
        scope.sameSizeNames.unionSets(inputName, outputName);
    }
  }
}

LogicalResult GraphImporter::importInitializers() {
  for (const onnx::TensorProto &tensor : model.graph().initializer()) {
    Location loc = NameLoc::get(builder.getStringAttr(tensor.name()), fileLoc);
    llvm::Expected<DenseElementsAttr> value = convertTensorProto(tensor, ctx);
    if (!value)
      return emitError(loc)
             << "initializer: " << llvm::toString(value.takeError());
    scope.values[tensor.name()] = buildConstantTensor(builder, loc, *value);
  }
  // Large initializers become resource blobs that own their bytes, so a
  // pass that replaces a weight can free it (tern-ternarize, pack).
  for (InitializerData &data : loaded.initializers) {
    Location loc = NameLoc::get(builder.getStringAttr(data.name), fileLoc);
    RankedTensorType type;
    llvm::Expected<ElementsAttr> bits = convertInitializerData(data, ctx, type);
    if (!bits)
      return emitError(loc)
             << "initializer: " << llvm::toString(bits.takeError());
    scope.values[data.name] = buildConstantTensor(builder, loc, *bits, type);
  }
  loaded.initializers.clear();
  return success();
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        unsigned index) {
  std::string name = node.name().empty()
                         ? (node.op_type() + "_" + std::to_string(index))
                         : node.name();
  Location loc = NameLoc::get(builder.getStringAttr(name), fileLoc);
  int64_t opset = getOpsetFor(node.domain());
  const OpConverterRegistry &registry = OpConverterRegistry::get();
  const OpConverter *converter =
      registry.lookup(node.domain(), node.op_type(), opset);
  NodeImporter importer(builder, node, name, opset, loc, scope);
  // Shape arithmetic on sizes shape inference knows becomes constants here,
  // so that the ops reading it see constants (ShapeFolding.h).
  if (foldShapeComputation(importer))
    return success();
  if (!converter) {
    InFlightDiagnostic diag = importer.emitError();
    if (registry.knowsOp(node.domain(), node.op_type()))
      diag << "this opset of the op is not supported";
    else
      diag << "unsupported op (`ternc --list-ops` lists the supported ones)";
    return failure();
  }
  if (failed(converter->convert(importer)))
    return failure();
  for (int i = 0, e = node.output_size(); i < e; ++i) {
    if (node.output(i).empty() || scope.sequences.count(node.output(i)))
      continue;
    Value output = scope.values.lookup(node.output(i));
    if (!output)
      return importer.emitError() << "the converter did not produce output '"
                                  << node.output(i) << "'";
    // Converters whose inputs fix the result's rank check it before they
    // build; this catches every other way to a huge rank.
    auto type = dyn_cast<ShapedType>(output.getType());
    if (type && type.hasRank() &&
        failed(importer.checkResultRank(type.getRank(),
                                        "output '" + node.output(i) + "'")))
      return failure();
  }
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  const onnx::GraphProto &graph = model.graph();
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());

  // What shape inference found of intermediate values, and what the model
  // declares of its outputs (which the results are cast to at the end).
  for (const auto *infos : {&graph.value_info(), &graph.output()})
    for (const onnx::ValueInfoProto &info : *infos) {
      if (auto type = convertTypeProto(info.type(), ctx))
        scope.inferredTypes[info.name()] = *type;
      else
        llvm::consumeError(type.takeError());
      recordDimParams(info);
    }

  llvm::StringSet<> initializerNames;
  for (const onnx::TensorProto &tensor : graph.initializer())
    initializerNames.insert(tensor.name());
  for (const InitializerData &data : loaded.initializers)
    initializerNames.insert(data.name);

  SmallVector<const onnx::ValueInfoProto *> inputs;
  SmallVector<Type> inputTypes;
  for (const onnx::ValueInfoProto &info : graph.input()) {
    if (initializerNames.contains(info.name()))
      continue; // Old exporters list initializers as inputs too.
    llvm::Expected<RankedTensorType> type = convertTypeProto(info.type(), ctx);
    if (!type) {
      emitError(fileLoc) << "graph input '" << info.name()
                         << "': " << llvm::toString(type.takeError());
      return nullptr;
    }
    inputs.push_back(&info);
    inputTypes.push_back(*type);
  }

  auto func = func::FuncOp::create(builder, fileLoc,
                                   mlir::tern::TernDialect::kEntryName,
                                   builder.getFunctionType(inputTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, info] : llvm::enumerate(inputs)) {
    func.setArgAttrs(i, getValueAttrs(*info));
    scope.values[info->name()] = entry->getArgument(i);
    recordDimParams(*info);
    auto params = scope.dimParamsByName.find(info->name());
    if (params != scope.dimParamsByName.end() &&
        params->second.size() ==
            size_t(cast<RankedTensorType>(inputTypes[i]).getRank()))
      scope.dimParams[entry->getArgument(i)] = params->second;
  }
  builder.setInsertionPointToStart(entry);
  // Graph inputs and initializers keep the names they are declared with.
  llvm::StringSet<> declared = initializerNames;
  for (const onnx::ValueInfoProto &info : graph.input())
    declared.insert(info.name());
  shareDimParamsWithCastInputs(declared);

  if (failed(importInitializers()))
    return nullptr;
  // Keep going after a node fails so that one run reports every
  // unsupported node; nodes that only fail because an input is missing say
  // nothing more.
  bool failedAny = false;
  llvm::StringSet<> missingValues;
  for (auto [index, node] : llvm::enumerate(graph.node())) {
    bool inputMissing = llvm::any_of(node.input(), [&](const std::string &in) {
      return missingValues.contains(in);
    });
    if (inputMissing || failed(importNode(node, index))) {
      failedAny = true;
      for (const std::string &out : node.output())
        missingValues.insert(out);
    }
  }
  if (failedAny)
    return nullptr;

  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &info : graph.output()) {
    Value value = scope.values.lookup(info.name());
    if (!value) {
      emitError(fileLoc) << "graph output '" << info.name()
                         << "' is not produced by the graph";
      return nullptr;
    }
    // Keep the more precise of the declared and the computed type.
    if (auto declared = convertTypeProto(info.type(), ctx)) {
      if (*declared != value.getType() &&
          tensor::CastOp::areCastCompatible(value.getType(), *declared) &&
          declared->getNumDynamicDims() <
              cast<RankedTensorType>(value.getType()).getNumDynamicDims())
        value = tensor::CastOp::create(builder, fileLoc, *declared, value);
    } else {
      llvm::consumeError(declared.takeError());
    }
    results.push_back(value);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setFunctionType(
      builder.getFunctionType(inputTypes, ValueRange(results).getTypes()));
  for (auto [i, info] : llvm::enumerate(graph.output()))
    func.setResultAttrs(i, getValueAttrs(info));

  if (failed(verify(*module)))
    return nullptr;
  return module;
}

namespace tern {
OwningOpRef<ModuleOp> importONNXModel(LoadedModel &model, StringRef fileName,
                                      MLIRContext *ctx) {
  DialectRegistry registry;
  registerImportDialects(registry);
  ctx->appendDialectRegistry(registry);
  ctx->loadAllAvailableDialects();
  return GraphImporter(model, fileName, ctx).run();
}

OwningOpRef<ModuleOp> importONNXFile(StringRef path, MLIRContext *ctx) {
  llvm::Expected<LoadedModel> model = loadONNXModel(path);
  if (!model) {
    emitError(FileLineColLoc::get(ctx, path, 0, 0))
        << llvm::toString(model.takeError());
    return nullptr;
  }
  return importONNXModel(*model, path, ctx);
}
} // namespace tern

void ::tern::registerONNXImportTranslation() {
  TranslateToMLIRRegistration importONNX(
      "import-onnx", "Import an ONNX model (.onnx or .onnxtxt)",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *ctx) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        StringRef name = buffer->getBufferIdentifier();
        StringRef contents = buffer->getBuffer();
        // ONNX text format starts with `<` (the model header); a protobuf
        // never does, because field 1 (ir_version) is tagged 0x08.
        bool isText =
            name.ends_with(".onnxtxt") || contents.ltrim().starts_with("<");
        llvm::Expected<LoadedModel> model =
            parseONNXModel(contents, isText, name);
        if (!model) {
          emitError(FileLineColLoc::get(ctx, name, 0, 0))
              << llvm::toString(model.takeError());
          return nullptr;
        }
        return OwningOpRef<Operation *>(
            importONNXModel(*model, name, ctx).release().getOperation());
      },
      registerImportDialects);
}
