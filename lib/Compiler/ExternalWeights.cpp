//===- ExternalWeights.cpp - Large constants in a side file ---------------===//

#include "tern/Compiler/ExternalWeights.h"
#include "tern/Runtime/ModelDescriptor.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/ReplaceConstant.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/xxhash.h"

#include <cstring>

using namespace llvm;

namespace tern {

/// The raw bytes of a constant's initializer, if it is plain data.
static std::optional<std::string> getBytes(const Constant *init,
                                           const DataLayout &layout) {
  if (auto *data = dyn_cast<ConstantDataSequential>(init))
    return data->getRawDataValues().str();
  if (isa<ConstantAggregateZero>(init))
    return std::string(layout.getTypeAllocSize(init->getType()), '\0');
  if (auto *array = dyn_cast<ConstantArray>(init)) {
    std::string bytes;
    for (const Use &element : array->operands()) {
      auto part = getBytes(cast<Constant>(element.get()), layout);
      if (!part)
        return std::nullopt;
      bytes += *part;
    }
    return bytes;
  }
  return std::nullopt;
}

Error externalizeWeights(Module &module, StringRef weightsPath,
                         uint64_t minBytes) {
  const DataLayout &layout = module.getDataLayout();
  LLVMContext &ctx = module.getContext();
  std::string data;
  SmallVector<std::pair<GlobalVariable *, uint64_t>> moved;
  StringMap<uint64_t> offsets;
  for (GlobalVariable &global : module.globals()) {
    if (!global.isConstant() || !global.hasInitializer() ||
        !global.hasLocalLinkage())
      continue;
    auto bytes = getBytes(global.getInitializer(), layout);
    if (!bytes || bytes->size() < minBytes ||
        global.getAlign().valueOrOne().value() > 64)
      continue;
    // Unoptimized modules can hold one constant twice; it is stored once.
    auto [known, inserted] = offsets.try_emplace(*bytes, 0);
    if (inserted) {
      data.append(alignTo(data.size(), 64) - data.size(), '\0');
      known->second = data.size();
      data += *bytes;
    }
    moved.push_back({&global, known->second});
  }

  auto *ptrType = PointerType::getUnqual(ctx);
  auto *base = new GlobalVariable(module, ptrType, /*isConstant=*/false,
                                  GlobalValue::ExternalLinkage, nullptr,
                                  TERN_WEIGHTS_BASE_SYMBOL);
  base->setVisibility(GlobalValue::HiddenVisibility);
  for (auto [global, offset] : moved) {
    // Uses inside constant expressions become instructions first, so that
    // each use can load the base where it is.
    convertUsersOfConstantsToInstructions({global});
    for (Use &use : make_early_inc_range(global->uses())) {
      auto *user = dyn_cast<Instruction>(use.getUser());
      if (!user)
        return createStringError(inconvertibleErrorCode(),
                                 "a weight global is used outside code: " +
                                     global->getName());
      Instruction *insertAt = user;
      if (auto *phi = dyn_cast<PHINode>(user))
        insertAt = phi->getIncomingBlock(use)->getTerminator();
      IRBuilder<> b(insertAt);
      Value *pointer = b.CreateLoad(ptrType, base, "weights");
      use.set(b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), pointer, offset,
                                           global->getName()));
    }
    global->eraseFromParent();
  }

  uint64_t id = xxh3_64bits(arrayRefFromStringRef(data));
  TernWeightsFileHeader header = {};
  std::memcpy(header.magic, TERN_WEIGHTS_MAGIC, sizeof(header.magic));
  header.data_size = data.size();
  header.id = id;
  std::error_code ec;
  ToolOutputFile out(weightsPath, ec, sys::fs::OF_None);
  if (ec)
    return createStringError(ec, "cannot write '" + weightsPath.str() +
                                     "': " + ec.message());
  std::string headerBytes(TERN_WEIGHTS_HEADER_SIZE, '\0');
  std::memcpy(headerBytes.data(), &header, sizeof(header));
  out.os() << headerBytes << data;
  out.keep();

  // tern_model_weights = {data_size, id, "<file name>"}.
  auto *i64 = Type::getInt64Ty(ctx);
  Constant *name = ConstantDataArray::getString(
      ctx, sys::path::filename(weightsPath), /*AddNull=*/true);
  auto *nameGlobal = new GlobalVariable(
      module, name->getType(), /*isConstant=*/true, GlobalValue::PrivateLinkage,
      name, "tern.weights.name");
  auto *infoType = StructType::get(ctx, {i64, i64, ptrType});
  auto *info = new GlobalVariable(
      module, infoType, /*isConstant=*/true, GlobalValue::ExternalLinkage,
      ConstantStruct::get(infoType, {ConstantInt::get(i64, data.size()),
                                     ConstantInt::get(i64, id), nameGlobal}),
      TERN_MODEL_WEIGHTS_SYMBOL);
  info->setVisibility(GlobalValue::HiddenVisibility);
  return Error::success();
}

} // namespace tern
