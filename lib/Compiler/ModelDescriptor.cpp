//===- ModelDescriptor.cpp - Emit the runtime's view of a model -----------===//

#include "tern/Compiler/ModelDescriptor.h"
#include "tern/ABI/ModelABI.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"

using namespace llvm;

namespace tern {

namespace {

class DescriptorEmitter {
public:
  explicit DescriptorEmitter(Module &module)
      : module(module), ctx(module.getContext()),
        ptrType(PointerType::getUnqual(ctx)), i32(Type::getInt32Ty(ctx)),
        i64(Type::getInt64Ty(ctx)),
        infoType(StructType::create(ctx, {ptrType, i32, i32, ptrType, ptrType},
                                    "TernTensorInfo")) {}

  Constant *emitInfos(ArrayRef<TensorSignature> tensors, StringRef prefix);

  Module &module;
  LLVMContext &ctx;
  PointerType *ptrType;
  IntegerType *i32, *i64;
  StructType *infoType;

private:
  Constant *privateGlobal(Constant *init, const Twine &name) {
    auto *global = new GlobalVariable(module, init->getType(),
                                      /*isConstant=*/true,
                                      GlobalValue::PrivateLinkage, init, name);
    global->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    return global;
  }
  Constant *string(StringRef value, const Twine &name) {
    return privateGlobal(ConstantDataArray::getString(ctx, value), name);
  }
};

} // namespace

Constant *DescriptorEmitter::emitInfos(ArrayRef<TensorSignature> tensors,
                                       StringRef prefix) {
  SmallVector<Constant *> infos;
  for (auto [i, tensor] : llvm::enumerate(tensors)) {
    std::string base = (prefix + Twine(i)).str();
    Constant *name = string(tensor.name, "tern." + base + ".name");
    SmallVector<uint64_t> shape(tensor.shape.begin(), tensor.shape.end());
    Constant *shapeArray =
        shape.empty() ? ConstantPointerNull::get(ptrType)
                      : privateGlobal(ConstantDataArray::get(ctx, shape),
                                      "tern." + base + ".shape");
    Constant *dimParams = ConstantPointerNull::get(ptrType);
    if (!tensor.dimParams.empty()) {
      SmallVector<Constant *> params;
      for (auto [d, param] : llvm::enumerate(tensor.dimParams))
        params.push_back(string(param, "tern." + base + ".dim" + Twine(d)));
      dimParams = privateGlobal(
          ConstantArray::get(ArrayType::get(ptrType, params.size()), params),
          "tern." + base + ".dim_params");
    }
    infos.push_back(ConstantStruct::get(
        infoType,
        {name, ConstantInt::get(i32, tensor.dtype),
         ConstantInt::get(i32, tensor.shape.size()), shapeArray, dimParams}));
  }
  if (infos.empty())
    return ConstantPointerNull::get(ptrType);
  return privateGlobal(
      ConstantArray::get(ArrayType::get(infoType, infos.size()), infos),
      "tern." + prefix + "s");
}

Error emitModelDescriptor(Module &module, const ModelSignature &signature,
                          StringRef entryName) {
  std::string cifaceName = ("_mlir_ciface_" + entryName).str();
  Function *ciface = module.getFunction(cifaceName);
  if (!ciface)
    return createStringError(inconvertibleErrorCode(),
                             "the lowered module has no " + cifaceName);
  if (ciface->arg_size() != signature.inputs.size() + 1)
    return createStringError(
        inconvertibleErrorCode(),
        cifaceName + " takes " + std::to_string(ciface->arg_size()) +
            " arguments; expected the results plus " +
            std::to_string(signature.inputs.size()) + " inputs");

  DescriptorEmitter emitter(module);
  LLVMContext &ctx = module.getContext();

  // void tern_model_entry(ptr results, ptr inputs)
  auto *entryType = FunctionType::get(
      Type::getVoidTy(ctx), {emitter.ptrType, emitter.ptrType}, false);
  Function *entry = Function::Create(entryType, GlobalValue::InternalLinkage,
                                     "tern_model_entry", module);
  IRBuilder<> builder(BasicBlock::Create(ctx, "entry", entry));
  SmallVector<Value *> args = {entry->getArg(0)};
  for (unsigned i = 0; i < signature.inputs.size(); ++i) {
    Value *slot = builder.CreateConstInBoundsGEP1_64(emitter.ptrType,
                                                     entry->getArg(1), i);
    args.push_back(builder.CreateLoad(emitter.ptrType, slot));
  }
  builder.CreateCall(ciface, args);
  builder.CreateRetVoid();

  Constant *inputs = emitter.emitInfos(signature.inputs, "input");
  Constant *outputs = emitter.emitInfos(signature.outputs, "output");
  auto *descriptorType =
      StructType::create(ctx,
                         {emitter.i32, emitter.i32, emitter.i32, emitter.i32,
                          emitter.ptrType, emitter.ptrType, emitter.ptrType},
                         "TernModelDescriptor");
  Constant *descriptor = ConstantStruct::get(
      descriptorType,
      {ConstantInt::get(emitter.i32, TERN_MODEL_ABI_VERSION),
       ConstantInt::get(emitter.i32, signature.inputs.size()),
       ConstantInt::get(emitter.i32, signature.outputs.size()),
       ConstantInt::get(emitter.i32, 0), inputs, outputs, entry});
  auto *global = new GlobalVariable(module, descriptorType, /*isConstant=*/true,
                                    GlobalValue::ExternalLinkage, descriptor,
                                    TERN_MODEL_DESCRIPTOR_SYMBOL);
  // The runtime linked into the same library reads it; nothing else should.
  global->setVisibility(GlobalValue::HiddenVisibility);
  return Error::success();
}

} // namespace tern
