//===- ModelSignature.cpp - A compiled model's inputs and outputs ---------===//

#include "tern/Compiler/ModelSignature.h"
#include "tern/Dialect/Tern/IR/TernDialect.h"
#include "tern/Runtime/LanguageModel.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace tern {

TernDType getTernDType(Type type) {
  if (type.isF32())
    return TERN_DTYPE_F32;
  if (type.isF64())
    return TERN_DTYPE_F64;
  if (type.isF16())
    return TERN_DTYPE_F16;
  if (type.isBF16())
    return TERN_DTYPE_BF16;
  if (type.isUnsignedInteger(8))
    return TERN_DTYPE_U8;
  if (type.isUnsignedInteger(16))
    return TERN_DTYPE_U16;
  if (type.isUnsignedInteger(32))
    return TERN_DTYPE_U32;
  if (type.isUnsignedInteger(64))
    return TERN_DTYPE_U64;
  if (type.isInteger(8))
    return TERN_DTYPE_I8;
  if (type.isInteger(16))
    return TERN_DTYPE_I16;
  if (type.isInteger(32))
    return TERN_DTYPE_I32;
  if (type.isInteger(64))
    return TERN_DTYPE_I64;
  if (type.isInteger(1))
    return TERN_DTYPE_BOOL;
  return TERN_DTYPE_INVALID;
}

static FailureOr<TensorSignature>
getTensorSignature(func::FuncOp func, Type type, DictionaryAttr attrs,
                   StringRef kind, unsigned index) {
  TensorSignature signature;
  auto name =
      attrs ? attrs.getAs<StringAttr>(mlir::tern::TernDialect::kValueNameAttr)
            : nullptr;
  signature.name = name ? name.str() : (kind + std::to_string(index)).str();
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType)
    return func.emitError()
           << kind << " '" << signature.name << "' is not a ranked tensor";
  if (tensorType.getRank() > TERN_MAX_RANK)
    return func.emitError()
           << kind << " '" << signature.name << "' has rank "
           << tensorType.getRank() << ", over the limit of " << TERN_MAX_RANK;
  signature.dtype = getTernDType(tensorType.getElementType());
  if (signature.dtype == TERN_DTYPE_INVALID)
    return func.emitError()
           << kind << " '" << signature.name << "' has element type "
           << tensorType.getElementType() << ", which the C API cannot carry";
  for (int64_t size : tensorType.getShape())
    signature.shape.push_back(ShapedType::isDynamic(size) ? -1 : size);
  if (auto params = attrs ? attrs.getAs<ArrayAttr>(
                                mlir::tern::TernDialect::kDimParamsAttr)
                          : nullptr)
    for (Attribute param : params)
      signature.dimParams.push_back(cast<StringAttr>(param).str());
  if (!signature.dimParams.empty() &&
      signature.dimParams.size() != signature.shape.size())
    return func.emitError() << kind << " '" << signature.name
                            << "': onnx.dim_params does not match the rank";
  return signature;
}

FailureOr<ModelSignature> getModelSignature(func::FuncOp func) {
  ModelSignature signature;
  FunctionType type = func.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    auto tensor = getTensorSignature(func, type.getInput(i),
                                     func.getArgAttrDict(i), "input", i);
    if (failed(tensor))
      return failure();
    signature.inputs.push_back(*tensor);
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    auto tensor = getTensorSignature(func, type.getResult(i),
                                     func.getResultAttrDict(i), "output", i);
    if (failed(tensor))
      return failure();
    signature.outputs.push_back(*tensor);
  }
  if (signature.outputs.empty())
    return func.emitError() << "the model has no outputs";
  return signature;
}

bool isCachedLanguageModel(const ModelSignature &signature) {
  // The generator's check, on the C API's view of the signature.
  auto infosOf = [](const llvm::SmallVector<TensorSignature> &tensors,
                    std::vector<TernTensorInfo> &infos) {
    for (const TensorSignature &t : tensors)
      infos.push_back({t.name.c_str(), int32_t(t.dtype),
                       int32_t(t.shape.size()), t.shape.data(), nullptr});
  };
  std::vector<TernTensorInfo> inputs, outputs;
  infosOf(signature.inputs, inputs);
  infosOf(signature.outputs, outputs);
  std::vector<int> cacheInputs(inputs.size()), cacheOutputs(inputs.size());
  TernLanguageModelLayout layout;
  layout.cacheInputs = cacheInputs.data();
  layout.cacheOutputs = cacheOutputs.data();
  return tern_find_language_model_layout(
      inputs.data(), inputs.size(), outputs.data(), outputs.size(), &layout);
}

} // namespace tern
