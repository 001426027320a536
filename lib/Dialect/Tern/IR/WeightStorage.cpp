//===- WeightStorage.cpp - Large constants as releasable blobs ------------===//

#include "tern/Dialect/Tern/IR/WeightStorage.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseSet.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Process.h"

#include <cstring>
#include <mutex>
#include <string>
#include <sys/mman.h>
#include <vector>

/// Blobs from this size up are mapped pages of their own.
static constexpr size_t kMappedBlobBytes = size_t(1) << 20;

using namespace mlir;

std::optional<ArrayRef<char>> mlir::tern::getRawBytes(ElementsAttr attr) {
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat() || dense.getElementType().isInteger(1))
      return std::nullopt;
    return dense.getRawData();
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      // A released blob is empty; reading it would be a silent wrong answer.
      if (!blob->getData().empty() || resource.getNumElements() == 0)
        return blob->getData();
  return std::nullopt;
}

ElementsAttr mlir::tern::reinterpretConstant(ElementsAttr attr,
                                             ShapedType type) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    return DenseResourceElementsAttr::get(type, resource.getRawHandle());
  auto dense = cast<DenseElementsAttr>(attr);
  if (dense.isSplat())
    return DenseElementsAttr::get(
        type, dense.bitcast(type.getElementType()).getSplatValue<Attribute>());
  return DenseElementsAttr::getFromRawBuffer(type, dense.getRawData());
}

static void unmapPages(void *data, size_t size, size_t) {
  ::munmap(data, size);
}

AsmResourceBlob mlir::tern::allocateWeightBlob(size_t bytes, size_t alignment) {
  if (bytes < kMappedBlobBytes) {
    AsmResourceBlob blob =
        HeapAsmResourceBlob::allocate(bytes, alignment, /*dataIsMutable=*/true);
    std::memset(blob.getMutableData().data(), 0, bytes);
    return blob;
  }
  // Pages of their own (zero-filled by the kernel), given back when the
  // blob is released: malloc would keep freed weights in its arenas.
  void *pages = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED)
    llvm::report_fatal_error("out of memory for a weight of " +
                             llvm::Twine(bytes) + " bytes");
  AsmResourceBlob::DeleterFn unmap = unmapPages;
  return AsmResourceBlob(ArrayRef<char>(static_cast<char *>(pages), bytes),
                         alignment, std::move(unmap), /*dataIsMutable=*/true);
}

ElementsAttr mlir::tern::createResourceConstant(ShapedType type, StringRef name,
                                                AsmResourceBlob &&blob) {
  return cast<ElementsAttr>(
      DenseResourceElementsAttr::get(type, name, std::move(blob)));
}

ElementsAttr mlir::tern::createWeightConstant(ShapedType type, StringRef name,
                                              AsmResourceBlob &&blob) {
  if (blob.getData().size() >= kResourceWeightBytes)
    return createResourceConstant(type, name, std::move(blob));
  return DenseElementsAttr::getFromRawBuffer(type, blob.getData());
}

ElementsAttr mlir::tern::createResourceConstant(
    ShapedType type, StringRef name,
    function_ref<bool(MutableArrayRef<char>)> fill) {
  unsigned width = type.getElementTypeBitWidth();
  size_t elementBytes = std::max(1u, width / 8);
  AsmResourceBlob blob =
      allocateWeightBlob(size_t(type.getNumElements()) * elementBytes,
                         std::max<size_t>(elementBytes, 64));
  if (!fill(blob.getMutableData()))
    return nullptr;
  return createResourceConstant(type, name, std::move(blob));
}

void mlir::tern::releaseUnusedResources(Operation *scope,
                                        ArrayRef<Attribute> candidates) {
  using BlobEntry = DialectResourceBlobManager::BlobEntry;
  llvm::DenseSet<BlobEntry *> pending;
  for (Attribute attr : candidates)
    if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(attr))
      if (resource.getRawHandle().getBlob())
        pending.insert(resource.getRawHandle().getResource());
  if (pending.empty())
    return;
  // A blob may be shared by attributes of several shapes
  // (reinterpretConstant): the handle's entry is what must be unused.
  scope->walk([&](Operation *op) {
    for (NamedAttribute named : op->getAttrs())
      named.getValue().walk([&](DenseResourceElementsAttr resource) {
        pending.erase(resource.getRawHandle().getResource());
      });
  });
  for (BlobEntry *entry : pending)
    entry->setBlob(AsmResourceBlob());
}

namespace {
struct MappedFile {
  const char *begin;
  size_t size;
  std::string path;
};

std::mutex &getRegistryMutex() {
  static std::mutex mutex;
  return mutex;
}

std::vector<MappedFile> &getMappedFiles() {
  static std::vector<MappedFile> files;
  return files;
}
} // namespace

void mlir::tern::releaseFilePages(const void *data, size_t size) {
  uintptr_t page = llvm::sys::Process::getPageSizeEstimate();
  uintptr_t begin = llvm::alignTo(uintptr_t(data), page);
  uintptr_t end = (uintptr_t(data) + size) & ~(page - 1);
  if (end > begin)
    ::madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED);
}

void mlir::tern::releaseIfMapped(ArrayRef<char> bytes) {
  if (MappedFileRegistry::lookup(bytes.data(), bytes.size()))
    releaseFilePages(bytes.data(), bytes.size());
}

void mlir::tern::MappedFileRegistry::add(const char *begin, size_t size,
                                         StringRef path) {
  std::lock_guard<std::mutex> lock(getRegistryMutex());
  getMappedFiles().push_back({begin, size, path.str()});
}

void mlir::tern::MappedFileRegistry::remove(const char *begin) {
  std::lock_guard<std::mutex> lock(getRegistryMutex());
  auto &files = getMappedFiles();
  llvm::erase_if(files, [&](const MappedFile &f) { return f.begin == begin; });
}

std::optional<mlir::tern::MappedFileRegistry::Location>
mlir::tern::MappedFileRegistry::lookup(const char *data, size_t size) {
  std::lock_guard<std::mutex> lock(getRegistryMutex());
  for (const MappedFile &f : getMappedFiles())
    if (data >= f.begin && data + size <= f.begin + f.size)
      return Location{f.path, uint64_t(data - f.begin)};
  return std::nullopt;
}
