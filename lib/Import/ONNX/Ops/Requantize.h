//===- Requantize.h - int32 accumulators back to 8-bit codes -----*- C++
//-*-===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_REQUANTIZE_H
#define TERN_LIB_IMPORT_ONNX_OPS_REQUANTIZE_H

#include "tern/Import/ONNX/NodeImporter.h"

namespace tern {

/// The QLinear ops' output: saturate(round_half_even(acc * product of
/// `scales` / yScale) + yZeroPoint) in the zero point's 8-bit type, from
/// the int32 `acc`; the scales broadcast against it (float32, one value or
/// one per channel already shaped to broadcast).
mlir::FailureOr<mlir::Value>
buildRequantized(NodeImporter &node, mlir::Value acc,
                 llvm::ArrayRef<mlir::Value> scales, mlir::Value yScale,
                 mlir::Value yZeroPoint);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_REQUANTIZE_H
