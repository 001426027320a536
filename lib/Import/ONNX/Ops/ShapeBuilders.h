//===- ShapeBuilders.h - Data movement shared across op families -*- C++
//-*-===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_SHAPEBUILDERS_H
#define TERN_LIB_IMPORT_ONNX_OPS_SHAPEBUILDERS_H

#include "tern/Import/ONNX/NodeImporter.h"

namespace tern {

/// `inputs` (one rank and element type) concatenated along `axis`
/// (negative counts from the back), as ONNX's Concat; errors go to `node`.
mlir::FailureOr<mlir::Value> buildConcat(NodeImporter &node,
                                         llvm::ArrayRef<mlir::Value> inputs,
                                         int64_t axis);

/// The entries of a 1-D int64 input (a shape, pads, sizes, split sizes) as
/// index values read at run time. Its length must be static: errors go to
/// `node`.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
readShapeEntries(NodeImporter &node, mlir::Value shape);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_SHAPEBUILDERS_H
