//===- TensorConversion.h - ONNX types and tensors to MLIR ------*- C++ -*-===//

#ifndef TERN_LIB_IMPORT_ONNX_TENSORCONVERSION_H
#define TERN_LIB_IMPORT_ONNX_TENSORCONVERSION_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "tern/Import/ONNX/ModelLoader.h"

#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

namespace tern {

/// The MLIR element type of an ONNX `TensorProto::DataType`, or null for
/// types Tern does not handle.
mlir::Type convertElementType(int32_t dataType, mlir::MLIRContext *ctx);

/// The name ONNX gives `dataType`, e.g. "FLOAT16".
llvm::StringRef getDataTypeName(int32_t dataType);

/// A ranked tensor type from an ONNX value's type. Symbolic and unknown
/// dimensions become dynamic.
llvm::Expected<mlir::RankedTensorType>
convertTypeProto(const onnx::TypeProto &type, mlir::MLIRContext *ctx);

/// The ONNX `dim_param` names of a value's dimensions ("" where a dimension
/// is static or unnamed).
llvm::SmallVector<std::string> getDimParams(const onnx::TypeProto &type);

/// The contents of an ONNX tensor (initializer or Constant value).
llvm::Expected<mlir::DenseElementsAttr>
convertTensorProto(const onnx::TensorProto &tensor, mlir::MLIRContext *ctx);

/// A large initializer as a `dense_resource` attribute of its signless
/// element type, whose blob takes over `data`'s bytes without copying them
/// (mapped pages are given back to the kernel when the blob is released).
/// `type` receives the tensor's ONNX type (unsigned types stay unsigned).
llvm::Expected<mlir::ElementsAttr>
convertInitializerData(InitializerData &data, mlir::MLIRContext *ctx,
                       mlir::RankedTensorType &type);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_TENSORCONVERSION_H
