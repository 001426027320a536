//===- ExternalWeights.cpp - Large constants in a side file ---------------===//

#include "tern/Compiler/ExternalWeights.h"
#include "tern/ABI/ModelABI.h"
#include "tern/Dialect/Tern/IR/WeightStorage.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/IR/Constants.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <cerrno>
#include <cstring>
#include <map>

#include <fcntl.h>
#include <unistd.h>

using namespace llvm;
namespace LLVM = mlir::LLVM;

namespace tern {

/// The bytes of a global's constant value, when it is plain data: a dense
/// or resource elements attribute (a splat has no bytes of its own).
static std::optional<ArrayRef<char>> getGlobalBytes(LLVM::GlobalOp global) {
  if (!global.getConstant() || !global.getValueOrNull())
    return std::nullopt;
  auto elements = dyn_cast<mlir::ElementsAttr>(global.getValueOrNull());
  if (!elements)
    return std::nullopt;
  return mlir::tern::getRawBytes(elements);
}

/// The bytes of a global that can move to the side file: plain data of at
/// least `minBytes`, aligned to no more than the file's 64 bytes.
static std::optional<ArrayRef<char>> getMovableBytes(LLVM::GlobalOp global,
                                                     uint64_t minBytes) {
  std::optional<ArrayRef<char>> bytes = getGlobalBytes(global);
  if (!bytes || bytes->size() < minBytes ||
      global.getAlignment().value_or(1) > 64)
    return std::nullopt;
  return bytes;
}

uint64_t getLargeConstantBytes(mlir::ModuleOp module, uint64_t minBytes) {
  uint64_t total = 0;
  for (auto global : module.getOps<LLVM::GlobalOp>())
    if (std::optional<ArrayRef<char>> bytes = getMovableBytes(global, minBytes))
      total += bytes->size();
  return total;
}

namespace {

/// The side file, written tensor by tensor. Tensors that lie in a mapped
/// input file (see MappedFileRegistry) are copied from that file through a
/// small buffer, never through the mapping, so their pages are not brought
/// into memory. The id hashes every byte, chunk by chunk.
class WeightsFileWriter {
public:
  ~WeightsFileWriter() {
    if (fd >= 0)
      ::close(fd);
    for (auto &entry : inputs)
      ::close(entry.second);
  }

  Error open(StringRef path) {
    this->path = path.str();
    fd = ::open(this->path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
      return error("cannot write");
    position = TERN_WEIGHTS_HEADER_SIZE;
    return Error::success();
  }

  /// Appends `bytes` at the next 64-byte boundary; returns its offset.
  Expected<uint64_t> append(ArrayRef<char> bytes) {
    uint64_t offset = alignTo(position, 64);
    position = offset;
    std::optional<mlir::tern::MappedFileRegistry::Location> source =
        mlir::tern::MappedFileRegistry::lookup(bytes.data(), bytes.size());
    int input = source ? getInput(source->path) : -1;
    for (size_t done = 0; done < bytes.size();) {
      size_t chunk = std::min(kChunkBytes, bytes.size() - done);
      const char *data = bytes.data() + done;
      if (input >= 0) {
        buffer.resize(kChunkBytes);
        if (!readFully(input, buffer.data(), chunk, source->offset + done))
          return error("cannot read '" + source->path + "' for");
        data = buffer.data();
      }
      hashes.push_back(xxh3_64bits(
          ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(data), chunk)));
      if (!writeFully(data, chunk, position))
        return error("cannot write");
      position += chunk;
      done += chunk;
    }
    return offset - TERN_WEIGHTS_HEADER_SIZE;
  }

  uint64_t getDataSize() const { return position - TERN_WEIGHTS_HEADER_SIZE; }

  Error finish(ExternalWeightsInfo &info) {
    info.dataSize = getDataSize();
    info.id = xxh3_64bits(
        ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(hashes.data()),
                          hashes.size() * sizeof(uint64_t)));
    TernWeightsFileHeader header = {};
    std::memcpy(header.magic, TERN_WEIGHTS_MAGIC, sizeof(header.magic));
    header.data_size = info.dataSize;
    header.id = info.id;
    char bytes[TERN_WEIGHTS_HEADER_SIZE] = {};
    std::memcpy(bytes, &header, sizeof(header));
    if (!writeFully(bytes, sizeof(bytes), 0) ||
        ::ftruncate(fd, position) != 0 || ::close(fd) != 0) {
      fd = -1;
      return error("cannot write");
    }
    fd = -1;
    return Error::success();
  }

private:
  static constexpr size_t kChunkBytes = size_t(8) << 20;

  Error error(const Twine &what) {
    return createStringError(std::error_code(errno, std::generic_category()),
                             what + " '" + path + "': " + std::strerror(errno));
  }

  int getInput(const std::string &file) {
    auto it = inputs.find(file);
    if (it != inputs.end())
      return it->second;
    int input = ::open(file.c_str(), O_RDONLY);
    if (input >= 0)
      inputs[file] = input;
    return input;
  }

  static bool readFully(int from, char *data, size_t size, uint64_t offset) {
    while (size) {
      ssize_t got = ::pread(from, data, size, offset);
      if (got <= 0)
        return false;
      data += got;
      size -= got;
      offset += got;
    }
    return true;
  }

  bool writeFully(const char *data, size_t size, uint64_t offset) {
    while (size) {
      ssize_t put = ::pwrite(fd, data, size, offset);
      if (put <= 0)
        return false;
      data += put;
      size -= put;
      offset += put;
    }
    return true;
  }

  std::string path;
  int fd = -1;
  uint64_t position = 0;
  std::vector<char> buffer;
  std::vector<uint64_t> hashes;
  std::map<std::string, int> inputs;
};

} // namespace

Expected<ExternalWeightsInfo>
writeExternalWeights(mlir::ModuleOp module, StringRef weightsPath,
                     uint64_t minBytes,
                     function_ref<void(uint64_t, uint64_t)> progress) {
  SmallVector<LLVM::GlobalOp> moved;
  uint64_t total = 0;
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    std::optional<ArrayRef<char>> bytes = getMovableBytes(global, minBytes);
    if (!bytes)
      continue;
    moved.push_back(global);
    total += bytes->size();
  }
  // Uses of each global, found in one walk.
  DenseMap<mlir::StringAttr, SmallVector<LLVM::AddressOfOp>> uses;
  DenseMap<mlir::StringAttr, LLVM::GlobalOp> byName;
  for (LLVM::GlobalOp global : moved)
    byName[global.getSymNameAttr()] = global;
  bool outsideCode = false;
  module.walk([&](LLVM::AddressOfOp op) {
    auto it = byName.find(op.getGlobalNameAttr().getAttr());
    if (it == byName.end())
      return;
    outsideCode |= !op->getParentOfType<LLVM::LLVMFuncOp>();
    uses[it->first].push_back(op);
  });
  if (outsideCode)
    return createStringError(inconvertibleErrorCode(),
                             "a weight global is used outside code");

  WeightsFileWriter out;
  if (Error err = out.open(weightsPath))
    return std::move(err);

  mlir::OpBuilder b(module.getContext());
  b.setInsertionPointToStart(module.getBody());
  auto ptrType = LLVM::LLVMPointerType::get(module.getContext());
  auto base = LLVM::GlobalOp::create(
      b, module.getLoc(), ptrType, /*isConstant=*/false,
      LLVM::Linkage::External, TERN_WEIGHTS_BASE_SYMBOL, mlir::Attribute());
  base.setVisibility_(LLVM::Visibility::Hidden);

  // Each blob is released as soon as the last global holding it is in the
  // file, unless some other op still refers to it.
  using BlobEntry = mlir::DialectResourceBlobManager::BlobEntry;
  DenseMap<BlobEntry *, int64_t> holders;
  auto entryOf = [](LLVM::GlobalOp global) -> BlobEntry * {
    auto resource =
        dyn_cast<mlir::DenseResourceElementsAttr>(global.getValueOrNull());
    return resource ? resource.getRawHandle().getResource() : nullptr;
  };
  for (LLVM::GlobalOp global : moved)
    if (BlobEntry *entry = entryOf(global))
      ++holders[entry];
  module.walk([&](mlir::Operation *op) {
    if (auto global = dyn_cast<LLVM::GlobalOp>(op))
      if (byName.count(global.getSymNameAttr()))
        return;
    for (mlir::NamedAttribute named : op->getAttrs())
      named.getValue().walk([&](mlir::DenseResourceElementsAttr resource) {
        holders.erase(resource.getRawHandle().getResource());
      });
  });

  // Identical constants (unoptimized modules can hold one twice) are
  // stored once.
  DenseMap<std::pair<const void *, size_t>, uint64_t> offsets;
  ExternalWeightsInfo info;
  for (LLVM::GlobalOp global : moved) {
    ArrayRef<char> bytes = *getGlobalBytes(global);
    auto [known, inserted] =
        offsets.try_emplace({bytes.data(), bytes.size()}, 0);
    if (inserted) {
      Expected<uint64_t> offset = out.append(bytes);
      if (!offset)
        return offset.takeError();
      known->second = *offset;
      ++info.numTensors;
    }
    uint64_t offset = known->second;
    for (LLVM::AddressOfOp use : uses[global.getSymNameAttr()]) {
      b.setInsertionPoint(use);
      mlir::Location loc = use.getLoc();
      mlir::Value pointer = LLVM::LoadOp::create(
          b, loc, ptrType, LLVM::AddressOfOp::create(b, loc, base));
      mlir::Value address = pointer;
      if (offset != 0)
        address = LLVM::GEPOp::create(
            b, loc, ptrType, b.getI8Type(), pointer,
            mlir::ValueRange{LLVM::ConstantOp::create(
                b, loc, b.getI64Type(), b.getI64IntegerAttr(offset))});
      use.replaceAllUsesWith(address);
      use.erase();
    }
    BlobEntry *entry = entryOf(global);
    global.erase();
    auto holder = entry ? holders.find(entry) : holders.end();
    if (holder != holders.end() && --holder->second == 0)
      entry->setBlob(mlir::AsmResourceBlob());
    if (progress)
      progress(out.getDataSize(), total);
  }
  if (Error err = out.finish(info))
    return std::move(err);
  return info;
}

void emitExternalWeightsInfo(Module &module, StringRef weightsPath,
                             const ExternalWeightsInfo &info) {
  // tern_model_weights = {data_size, id, "<file name>"}.
  LLVMContext &ctx = module.getContext();
  auto *ptrType = PointerType::getUnqual(ctx);
  auto *i64 = Type::getInt64Ty(ctx);
  Constant *name = ConstantDataArray::getString(
      ctx, sys::path::filename(weightsPath), /*AddNull=*/true);
  auto *nameGlobal = new GlobalVariable(
      module, name->getType(), /*isConstant=*/true, GlobalValue::PrivateLinkage,
      name, "tern.weights.name");
  auto *infoType = StructType::get(ctx, {i64, i64, ptrType});
  auto *global = new GlobalVariable(
      module, infoType, /*isConstant=*/true, GlobalValue::ExternalLinkage,
      ConstantStruct::get(infoType,
                          {ConstantInt::get(i64, info.dataSize),
                           ConstantInt::get(i64, info.id), nameGlobal}),
      TERN_MODEL_WEIGHTS_SYMBOL);
  global->setVisibility(GlobalValue::HiddenVisibility);
}

} // namespace tern
