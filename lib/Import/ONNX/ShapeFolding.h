//===- ShapeFolding.h - Shape computations folded at import ------*- C++
//-*-===//
//
// Exporters compute the shapes, axes and slice bounds they pass to
// Reshape, Expand, Slice and friends from the inputs' sizes: torch's
// `x[..., : x.shape[-1] // 2]` is Shape -> Gather -> Div -> Cast ->
// Unsqueeze -> Slice. Where the sizes involved are static after shape
// inference, the values are too, and ONNX Runtime and onnx-mlir fold them.
// The importer does the same before converting each node: it tracks the
// known elements of small integer tensors (a dynamic size is an unknown
// element), computes them through the ops shape code uses, and when every
// element of a node's output is known, the output is a constant, so that
// the ops reading it see a constant. Unknown elements may still be known
// as affine functions of dynamic sizes (`Shape(mask)[1] - Shape(ids)[1]`),
// so that sizes computed from them are tied to the inputs' sizes.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_IMPORT_ONNX_SHAPEFOLDING_H
#define TERN_LIB_IMPORT_ONNX_SHAPEFOLDING_H

#include "tern/Import/ONNX/NodeImporter.h"

namespace tern {

/// Computes what is known of the outputs of `node` from what is known of
/// its inputs (KnownInts in GraphScope). Returns true when it recorded
/// every output as a constant, so that the node needs no converter; false
/// (after recording any partial knowledge) to convert the node as usual.
bool foldShapeComputation(NodeImporter &node);

/// `lhs + factor * rhs`, its terms merged; nothing when it has too many.
std::optional<KnownInts::Affine>
addScaled(KnownInts::Affine lhs, const KnownInts::Affine &rhs, int64_t factor);

/// The dynamic size an affine form is exactly (1 x dimension d of t), as
/// a `tensor.dim` of it, which ties the sizes built from it to t's
/// (Ops/SizeOrigin.h); null for any other form.
mlir::Value buildSingleSize(mlir::OpBuilder &b, mlir::Location loc,
                            const std::optional<KnownInts::Affine> &form);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_SHAPEFOLDING_H
