//===- Packing.h - Ternary weights to and from packed bytes -----*- C++ -*-===//
//
// The byte encodings of `#tern.layout` (see TernAttrs.td). Shared by the
// folder of tern.pack, tern-pack-weights, the verifier of
// tern.packed_constant and the kernels' decoders, so that all of them agree
// on one definition.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_DIALECT_TERN_IR_PACKING_H
#define TERN_DIALECT_TERN_IR_PACKING_H

#include "tern/Dialect/Tern/IR/TernAttrs.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace mlir {
namespace tern {

/// Packs row-major `n x k` weights in {-1, 0, 1} into `n` rows of
/// `layout.getRowBytes(k)` bytes. Rows are padded with zero weights.
std::vector<int8_t> packTernary(llvm::ArrayRef<int8_t> weights, int64_t n,
                                int64_t k, PackedLayoutAttr layout);

/// `packTernary` into `bytes`, which holds `n * layout.getRowBytes(k)`.
void packTernaryInto(llvm::ArrayRef<int8_t> weights, int64_t n, int64_t k,
                     PackedLayoutAttr layout,
                     llvm::MutableArrayRef<int8_t> bytes);

/// The inverse of `packTernary`: `n x k` weights in {-1, 0, 1}.
std::vector<int8_t> unpackTernary(llvm::ArrayRef<int8_t> bytes, int64_t n,
                                  int64_t k, PackedLayoutAttr layout);

/// True when every byte is a valid encoding in `layout`'s format (2-bit
/// codes 0 to 2 for i2, values below 243 for tq1).
bool isValidPacking(llvm::ArrayRef<int8_t> bytes, PackedLayoutAttr layout);

/// Where weight `i` of a block lives: byte `i % lanes` of the block, field
/// `i / lanes`, with `lanes = block / weightsPerByte`. Field f of an i2
/// byte is bits (7 - 2f, 6 - 2f); field f of a tq1 byte is its base-3 digit
/// of weight 3^f. One vector load of `lanes` bytes thus yields, field by
/// field, `lanes` consecutive weights.
inline int64_t getLanes(PackedLayoutAttr layout) {
  return layout.getBlock() / layout.getWeightsPerByte();
}

} // namespace tern
} // namespace mlir

#endif // TERN_DIALECT_TERN_IR_PACKING_H
