//===- QuantBlocks.h - Blocks the 4- and 8-bit kernels take -----*- C++ -*-===//
//
// The block sizes of tern.quant_matmul that the vector kernels of
// Conversion/TernToLinalg/QuantKernels.h read directly. tern-quantize-weights
// picks its blocks from them, and tern-lower-matmul checks them, so the
// contract sits below both.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_DIALECT_TERN_TRANSFORMS_QUANTBLOCKS_H
#define TERN_DIALECT_TERN_TRANSFORMS_QUANTBLOCKS_H

#include <cstdint>

namespace mlir {
namespace tern {

/// Weights one step of the kernels reads.
constexpr int64_t kQuantKernelStep = 64;

/// Whether the kernels take blocks of `block` weights: a power of two from
/// 16 up to a step (a step holds whole blocks), or a whole number of steps
/// (a block holds whole steps).
inline bool isQuantKernelBlock(int64_t block) {
  return block >= 16 &&
         (block % kQuantKernelStep == 0 ||
          (block < kQuantKernelStep && (block & (block - 1)) == 0));
}

} // namespace tern
} // namespace mlir

#endif // TERN_DIALECT_TERN_TRANSFORMS_QUANTBLOCKS_H
