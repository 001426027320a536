//===- WeightStorage.h - Large constants as releasable blobs ----*- C++ -*-===//
//
// A 2B-parameter model's weights do not fit in memory twice. MLIR's uniqued
// DenseElementsAttr constants live as long as the context, so the importer
// keeps large weights in `dense_resource` blobs instead (mapped file pages
// or buffers the compiler owns), and each pass that replaces a weight
// releases the blobs nothing refers to any more. These helpers are shared
// by the importer, the weight passes and the code generator.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_DIALECT_TERN_IR_WEIGHTSTORAGE_H
#define TERN_DIALECT_TERN_IR_WEIGHTSTORAGE_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <optional>

namespace mlir {
namespace tern {

/// Constants from this size up live in resource blobs; smaller ones stay
/// dense attributes (uniqued, but small, and readable in printed IR).
constexpr size_t kResourceWeightBytes = 64 * 1024;

/// The raw little-endian bytes of a constant: a non-splat dense attribute
/// (not of i1) or a resource whose blob is present. Nothing otherwise.
std::optional<ArrayRef<char>> getRawBytes(ElementsAttr attr);

/// The same bytes under another shape (and element type of the same
/// width): resources share their blob, dense attributes are re-made.
ElementsAttr reinterpretConstant(ElementsAttr attr, ShapedType type);

/// A fresh, zero-filled, writable buffer for a weight: pages of its own when
/// large, so that releasing it gives the memory back. Safe on any thread.
AsmResourceBlob allocateWeightBlob(size_t bytes, size_t alignment = 64);

/// A `dense_resource` constant of `type` holding `blob` (of `type`'s size).
ElementsAttr createResourceConstant(ShapedType type, StringRef name,
                                    AsmResourceBlob &&blob);

/// A weight constant from `blob`: a resource from kResourceWeightBytes up,
/// else a dense attribute (and the blob is freed).
ElementsAttr createWeightConstant(ShapedType type, StringRef name,
                                  AsmResourceBlob &&blob);

/// A `dense_resource` constant of `type` whose blob is a fresh, zero-filled
/// buffer of `type`'s size that `fill` writes. When `fill` returns false,
/// the buffer is freed and the result is null.
ElementsAttr
createResourceConstant(ShapedType type, StringRef name,
                       function_ref<bool(MutableArrayRef<char>)> fill);

/// Frees the blob of each resource in `candidates` that no op in `scope`
/// (its attributes, or the attributes of nested ops) refers to any more.
/// Passes call it after replacing weights; it walks `scope` once.
void releaseUnusedResources(Operation *scope, ArrayRef<Attribute> candidates);

/// Lets the kernel drop the pages wholly inside `bytes`, which lie in a
/// read-only file mapping: they are read back from the file if touched
/// again. Passes that read a mapped weight through call it so that the
/// weight's pages do not stay resident (they count in the compiler's RSS).
void releaseFilePages(const void *data, size_t size);

/// releaseFilePages when `bytes` lie in a registered file mapping (see
/// MappedFileRegistry), else nothing: for passes that read a weight through
/// to make a new one and cannot tell where the weight lives.
void releaseIfMapped(ArrayRef<char> bytes);

/// Read-only file mappings that weights may lie in. The importer registers
/// each mapped external data file for as long as it is mapped; the weights
/// writer then reads such weights from the file instead of through the
/// mapping, so their pages never count against the compiler's memory.
class MappedFileRegistry {
public:
  /// Where `data` (`size` bytes) lies in a registered file.
  struct Location {
    std::string path;
    uint64_t offset;
  };

  static void add(const char *begin, size_t size, StringRef path);
  static void remove(const char *begin);
  static std::optional<Location> lookup(const char *data, size_t size);
};

} // namespace tern
} // namespace mlir

#endif // TERN_DIALECT_TERN_IR_WEIGHTSTORAGE_H
