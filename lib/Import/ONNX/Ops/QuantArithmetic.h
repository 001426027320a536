//===- QuantArithmetic.h - Integer arithmetic on 8-bit codes -----*- C++
//-*-===//
//
// What MatMulInteger, ConvInteger and the QLinear ops share: codes less
// their zero points in int32, and int32 accumulators back to 8-bit codes.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_QUANTARITHMETIC_H
#define TERN_LIB_IMPORT_ONNX_OPS_QUANTARITHMETIC_H

#include "tern/Import/ONNX/NodeImporter.h"

namespace tern {

/// int32(x) - int32(zero point) for an int8 or uint8 `x`, the zero point
/// being input `zeroPointInput` (0 when absent): a scalar, or 1-D along the
/// dimension `axisFromBack` places from x's last (1: rows of a matmul's A,
/// 0: columns of its B, rank - 1: a convolution's output channels). With
/// a negative `axisFromBack` the zero point must be one value.
mlir::FailureOr<mlir::Value> buildCenteredOnZeroPoint(NodeImporter &node,
                                                      mlir::Value x,
                                                      unsigned zeroPointInput,
                                                      int64_t axisFromBack);

/// The QLinear ops' output: saturate(round_half_even(acc * product of
/// `scales` / yScale) + yZeroPoint) in the zero point's 8-bit type, from
/// the int32 `acc`; the scales broadcast against it (float32, one value or
/// one per channel already shaped to broadcast).
mlir::FailureOr<mlir::Value>
buildRequantized(NodeImporter &node, mlir::Value acc,
                 llvm::ArrayRef<mlir::Value> scales, mlir::Value yScale,
                 mlir::Value yZeroPoint);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_QUANTARITHMETIC_H
