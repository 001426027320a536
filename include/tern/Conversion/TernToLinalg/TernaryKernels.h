//===- TernaryKernels.h - Ternary contraction kernels -----------*- C++ -*-===//
//
// The loop nests tern-lower-matmul emits for `acc[m, n] = sum_k x[m, k] *
// w[n, k]` with w in {-1, 0, 1}: scf loops over rows and output channels
// around a K loop in the vector dialect that reads one block of weights
// (one SIMD-width load of packed bytes, or of i8 weights) per step.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_CONVERSION_TERNTOLINALG_TERNARYKERNELS_H
#define TERN_CONVERSION_TERNTOLINALG_TERNARYKERNELS_H

#include "tern/Dialect/Tern/IR/LoweringChoiceOptions.h"
#include "tern/Dialect/Tern/IR/TernAttrs.h"

#include "mlir/IR/Builders.h"

namespace mlir {
namespace tern {

/// Ternary weights as the kernels read them.
struct KernelWeights {
  /// i8 weights [N, K], or the packed bytes [N, layout.getRowBytes(K)].
  Value data;
  /// Null for i8 weights.
  PackedLayoutAttr layout;
  int64_t n, k;
};

/// SIMD lanes the kernels use on i8 weights (packed layouts have their
/// own: `getLanes(layout)`).
inline constexpr int64_t kUnpackedLanes = 32;

/// One float scale per output channel and block of `block` weights along K
/// (`values [N, ceil(K / block)]`), applied inside the kernel; null
/// `values` for none.
struct BlockScales {
  Value values;
  int64_t block = 0;
};

/// `acc[m, n]` for a 2-D `input [M, K]` (int8 with an i32 `accType`, or
/// float with the same float `accType`). `strategy` must not be `Auto`;
/// `Lut` needs i2-packed weights. Per-block `scales` need float
/// activations, `AddSub` or `Dot`, and a block that is a multiple of the
/// kernel's lanes. `kSliceBlocks` > 0 splits the byte dot product kernel's
/// K loop (int8 activations, `Dot`, packed weights) into parallel slices
/// of that many blocks each, added afterwards: a GPU's GEMV needs more
/// parallel iterations than there are output channels.
Value buildTernaryContraction(OpBuilder &b, Location loc, Value input,
                              const KernelWeights &weights,
                              MatmulStrategy strategy, Type accType,
                              const BlockScales &scales = {},
                              int64_t kSliceBlocks = 0);

} // namespace tern
} // namespace mlir

#endif // TERN_CONVERSION_TERNTOLINALG_TERNARYKERNELS_H
