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

/// A tensor of `type` whose element at each coordinate (the index values
/// `body` gets) `body` computes.
mlir::Value buildFromCoordinates(
    mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
    mlir::ValueRange dynamicSizes,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   llvm::ArrayRef<mlir::Value>)>
        body);

/// The one element of an integer tensor (any rank), as an index read at
/// run time.
mlir::Value readScalarIndex(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value tensor);

/// The static shape of output 0 when its `sizes` are computed at run time:
/// the sizes ONNX shape inference knows, each checked against the computed
/// one when the model runs.
llvm::SmallVector<int64_t>
staticSizesCheckedAtRunTime(NodeImporter &node,
                            llvm::ArrayRef<mlir::Value> sizes);

/// `input` viewed with `sizes` (index values) as a tensor of `shape`.
mlir::Value buildReshape(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value input, llvm::ArrayRef<mlir::Value> sizes,
                         llvm::ArrayRef<int64_t> shape);

/// Axes given at run time, as one i1 per dimension of a rank-`rank` tensor
/// saying whether an entry of `axes` (1-D int64 of static length; negative
/// entries count from the back) names it. An entry out of range, or two
/// naming one dimension, stops the run.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
readAxisFlags(NodeImporter &node, mlir::Value axes, int64_t rank);

/// `input` without the dimensions `dropped` flags (i1 values), which must
/// be 1 when the model runs, as a tensor of rank `input`'s less
/// `numDropped` (the axes' count) shaped as shape inference says where it
/// knows. More axes than dimensions are reported on the node.
mlir::FailureOr<mlir::Value>
buildDropUnitDims(NodeImporter &node, mlir::Value input,
                  llvm::ArrayRef<mlir::Value> dropped, int64_t numDropped);

/// `input` with unit dimensions where `inserted` (i1 values, one per result
/// dimension) says.
mlir::Value buildInsertUnitDims(NodeImporter &node, mlir::Value input,
                                llvm::ArrayRef<mlir::Value> inserted);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_SHAPEBUILDERS_H
