//===- QuantKernels.h - 4- and 8-bit weight contraction kernels -*- C++ -*-===//
//
// The loop nests tern-lower-matmul emits for tern.quant_matmul whose codes
// are constants: `y[m, n] = sum_k x[m, k] * (q[n, k] - z[n, b]) * s[n, b]`
// with b = k / block, reading the codes as they are packed (two 4-bit codes
// a byte, least significant first, or one byte) 64 at a time.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_CONVERSION_TERNTOLINALG_QUANTKERNELS_H
#define TERN_CONVERSION_TERNTOLINALG_QUANTKERNELS_H

#include "tern/Dialect/Tern/Transforms/QuantBlocks.h"

#include "mlir/IR/Builders.h"

namespace mlir {
namespace tern {

/// Block-quantized weights as the kernels read them.
struct QuantWeights {
  /// Unsigned codes, `[N, rowBytes]`: each output channel's blocks, `bits`
  /// wide (4 or 8), least significant first.
  Value codes;
  /// `[N, blocks]` f32.
  Value scales;
  /// `[N, blocks]` f32, or null for `defaultZeroPoint` everywhere.
  Value zeroPoints;
  double defaultZeroPoint = 0;
  /// Bits per code, weights per block (see isQuantKernelBlock) and K.
  int64_t bits = 4, block = 32, k = 0, n = 0;
};

/// `input [M, K]` (f32) times the weights into `[M, N]` f32, threads over
/// output channels (each channel's codes are read once for all rows). With
/// `rowTile` > 1 and at least that many rows, each step's codes are decoded
/// once for `rowTile` rows.
///
/// With `int8Activations`, each block of `block` activations of a row is
/// quantized to int8 by its absmax (`q = roundeven(x * 127 / max|x|)`,
/// ONNX Runtime's accuracy_level 4) and the codes meet them in
/// `tern.dot_u8s8` (VNNI, sdot/usdot): per block, `s_w * (max|x| / 127) *
/// (sum q_x q_w - z * sum q_x)`. Otherwise each code is converted to float
/// and dequantized in registers, `x * (q * s - z * s)`, in FMAs.
Value buildQuantContraction(OpBuilder &b, Location loc, Value input,
                            const QuantWeights &weights, bool int8Activations,
                            int64_t rowTile = 4);

} // namespace tern
} // namespace mlir

#endif // TERN_CONVERSION_TERNTOLINALG_QUANTKERNELS_H
