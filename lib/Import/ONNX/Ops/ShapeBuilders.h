//===- ShapeBuilders.h - Data movement shared across op families -*- C++ -*-===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_SHAPEBUILDERS_H
#define TERN_LIB_IMPORT_ONNX_OPS_SHAPEBUILDERS_H

#include "tern/Import/ONNX/NodeImporter.h"

namespace tern {

/// `inputs` (one rank and element type) concatenated along `axis`
/// (negative counts from the back), as ONNX's Concat; errors go to `node`.
mlir::FailureOr<mlir::Value> buildConcat(NodeImporter &node,
                                         llvm::ArrayRef<mlir::Value> inputs,
                                         int64_t axis);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_SHAPEBUILDERS_H
