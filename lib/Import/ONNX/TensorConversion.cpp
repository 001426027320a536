//===- TensorConversion.cpp - ONNX types and tensors to MLIR --------------===//

#include "TensorConversion.h"

#include "tern/Dialect/Tern/IR/WeightStorage.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "llvm/Support/MathExtras.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/Alignment.h"

using namespace mlir;
using llvm::createStringError;
using llvm::inconvertibleErrorCode;

namespace tern {

Type convertElementType(int32_t dataType, MLIRContext *ctx) {
  Builder b(ctx);
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT8:
    return b.getI8Type();
  case onnx::TensorProto::INT16:
    return b.getI16Type();
  case onnx::TensorProto::INT32:
    return b.getI32Type();
  case onnx::TensorProto::INT64:
    return b.getI64Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  // Unsigned values keep their signedness in the type: converters that
  // accept them choose unsigned arithmetic, and the rest reject them.
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16, /*isSigned=*/false);
  case onnx::TensorProto::UINT32:
    return b.getIntegerType(32, /*isSigned=*/false);
  case onnx::TensorProto::UINT64:
    return b.getIntegerType(64, /*isSigned=*/false);
  default:
    return nullptr;
  }
}

llvm::StringRef getDataTypeName(int32_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  return "<invalid>";
}

llvm::Expected<RankedTensorType> convertTypeProto(const onnx::TypeProto &type,
                                                  MLIRContext *ctx) {
  if (!type.has_tensor_type())
    return createStringError(inconvertibleErrorCode(),
                             "only tensor values are supported");
  const auto &tensorType = type.tensor_type();
  Type elementType = convertElementType(tensorType.elem_type(), ctx);
  if (!elementType)
    return createStringError(inconvertibleErrorCode(),
                             "unsupported element type " +
                                 getDataTypeName(tensorType.elem_type()));
  if (!tensorType.has_shape())
    return createStringError(inconvertibleErrorCode(),
                             "the value has no known rank");
  if (tensorType.shape().dim_size() > NodeImporter::kMaxRank)
    return createStringError(inconvertibleErrorCode(),
                             "its rank " +
                                 std::to_string(tensorType.shape().dim_size()) +
                                 " is above Tern's limit of " +
                                 std::to_string(NodeImporter::kMaxRank));
  SmallVector<int64_t> shape;
  // Sizes no machine's memory holds are refused here, before any code
  // computes with them (a dim of 2^40 squared overflows int64).
  constexpr int64_t kMaxBytes = int64_t(1) << 48;
  int64_t bytes = std::max<int64_t>(
      1, int64_t(elementType.getIntOrFloatBitWidth() + 7) / 8);
  for (const auto &dim : tensorType.shape().dim()) {
    bool isStatic = dim.has_dim_value() && dim.dim_value() >= 0;
    shape.push_back(isStatic ? dim.dim_value() : ShapedType::kDynamic);
    if (isStatic &&
        (llvm::MulOverflow(bytes, dim.dim_value(), bytes) || bytes > kMaxBytes))
      return createStringError(
          inconvertibleErrorCode(),
          "its static shape needs more than 2^48 bytes, more than any "
          "machine's memory");
  }
  return RankedTensorType::get(shape, elementType);
}

SmallVector<std::string> getDimParams(const onnx::TypeProto &type) {
  SmallVector<std::string> params;
  if (type.has_tensor_type() && type.tensor_type().has_shape())
    for (const auto &dim : type.tensor_type().shape().dim())
      params.push_back(dim.has_dim_param() ? dim.dim_param() : "");
  return params;
}

/// Builds the attribute from a typed repeated field of the TensorProto.
template <typename Field>
static llvm::Expected<DenseElementsAttr>
fromTypedField(RankedTensorType type, const Field &field, int64_t numElements,
               const std::string &name) {
  if (static_cast<int64_t>(field.size()) != numElements)
    return createStringError(
        inconvertibleErrorCode(),
        "tensor '" + name + "' holds " + std::to_string(field.size()) +
            " values but its shape needs " + std::to_string(numElements));
  Type elementType = type.getElementType();
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    SmallVector<APFloat> values;
    for (auto v : field) {
      if constexpr (std::is_floating_point_v<decltype(v)>) {
        APFloat f(static_cast<double>(v));
        bool lost;
        f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                  &lost);
        values.push_back(f);
      } else {
        // FLOAT16 and BFLOAT16 travel as their bit patterns in int32_data.
        values.push_back(
            APFloat(floatType.getFloatSemantics(),
                    APInt(floatType.getWidth(), static_cast<uint64_t>(v))));
      }
    }
    return DenseElementsAttr::get(type, values);
  }
  unsigned width = elementType.getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  for (auto v : field)
    values.push_back(APInt(width, static_cast<int64_t>(v), /*isSigned=*/true,
                           /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, values);
}

llvm::Expected<DenseElementsAttr>
convertTensorProto(const onnx::TensorProto &tensor, MLIRContext *ctx) {
  const std::string &name = tensor.name();
  Type elementType = convertElementType(tensor.data_type(), ctx);
  if (!elementType)
    return createStringError(inconvertibleErrorCode(),
                             "tensor '" + name +
                                 "' has unsupported element type " +
                                 getDataTypeName(tensor.data_type()).str());
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return createStringError(inconvertibleErrorCode(),
                             "tensor '" + name +
                                 "' keeps its data in an external file, "
                                 "which only initializers may do");
  SmallVector<int64_t> shape;
  int64_t numElements = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0)
      return createStringError(inconvertibleErrorCode(),
                               "tensor '" + name +
                                   "' has a negative dimension");
    shape.push_back(dim);
    numElements *= dim;
  }
  auto type = RankedTensorType::get(shape, elementType);

  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    int64_t elementBytes =
        elementType.isInteger(1) ? 1 : elementType.getIntOrFloatBitWidth() / 8;
    if (static_cast<int64_t>(raw.size()) != numElements * elementBytes)
      return createStringError(inconvertibleErrorCode(),
                               "tensor '" + name + "' has " +
                                   std::to_string(raw.size()) +
                                   " bytes of raw data but its shape needs " +
                                   std::to_string(numElements * elementBytes));
    if (elementType.isInteger(1)) {
      SmallVector<bool> values;
      for (char c : raw)
        values.push_back(c != 0);
      return DenseElementsAttr::get(type, values);
    }
    // ONNX raw data is little-endian, as is every host Tern runs on.
    return DenseElementsAttr::getFromRawBuffer(
        type, ArrayRef<char>(raw.data(), raw.size()));
  }

  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    return fromTypedField(type, tensor.float_data(), numElements, name);
  case onnx::TensorProto::DOUBLE:
    return fromTypedField(type, tensor.double_data(), numElements, name);
  case onnx::TensorProto::INT64:
    return fromTypedField(type, tensor.int64_data(), numElements, name);
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    return fromTypedField(type, tensor.uint64_data(), numElements, name);
  default:
    return fromTypedField(type, tensor.int32_data(), numElements, name);
  }
}

llvm::Expected<ElementsAttr> convertInitializerData(InitializerData &data,
                                                    MLIRContext *ctx,
                                                    RankedTensorType &type) {
  Type elementType = convertElementType(data.dataType, ctx);
  if (!elementType)
    return createStringError(inconvertibleErrorCode(),
                             "tensor '" + data.name +
                                 "' has unsupported element type " +
                                 getDataTypeName(data.dataType).str());
  type = RankedTensorType::get(data.dims, elementType);
  Type signless = elementType;
  if (auto intType = dyn_cast<IntegerType>(elementType))
    signless = IntegerType::get(ctx, intType.getWidth());
  auto signlessType = RankedTensorType::get(data.dims, signless);
  size_t alignment = getRawElementBytes(data.dataType);
  AsmResourceBlob blob;
  if (!llvm::isAddrAligned(llvm::Align(alignment), data.bytes.data())) {
    // An exporter that did not align its data file: a copy, aligned.
    blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        data.bytes, alignment, /*dataIsMutable=*/false);
    data.owner.reset();
  } else {
    std::shared_ptr<void> owner = std::move(data.owner);
    bool fileBacked = data.fileBacked;
    blob = AsmResourceBlob(
        data.bytes, alignment,
        [owner = std::move(owner), fileBacked](void *ptr, size_t size,
                                               size_t) mutable {
          // The file stays mapped while other weights use it; the pages
          // wholly inside this tensor need not stay resident.
          if (fileBacked)
            mlir::tern::releaseFilePages(ptr, size);
          owner.reset();
        },
        /*dataIsMutable=*/false);
  }
  return cast<ElementsAttr>(
      DenseResourceElementsAttr::get(signlessType, data.name, std::move(blob)));
}

} // namespace tern
