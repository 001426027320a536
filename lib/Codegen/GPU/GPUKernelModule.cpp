//===- GPUKernelModule.cpp - One module of kernels, with the error hook ---===//

#include "tern/ABI/ModelABI.h"
#include "tern/Codegen/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNGPUKERNELMODULE
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

/// The device global the device runtime reads after a run
/// (lib/Runtime/CudaDriver.c).
constexpr StringLiteral kKernelErrorGlobal = "tern_kernel_error";

/// Moves every op of `from` into `into`. Kernels take their module's name,
/// which is unique; other symbols (functions outlining copied in from the
/// host module) are the same in every module and are kept once.
void mergeInto(gpu::GPUModuleOp into, gpu::GPUModuleOp from,
               DenseMap<Attribute, SymbolRefAttr> &renamed) {
  SymbolTable intoSymbols(into);
  for (Operation &op :
       llvm::make_early_inc_range(from.getBody()->without_terminator())) {
    auto symbol = dyn_cast<SymbolOpInterface>(op);
    if (auto kernel = dyn_cast<gpu::GPUFuncOp>(op);
        kernel && kernel.isKernel()) {
      auto oldRef = SymbolRefAttr::get(
          from.getNameAttr(), {FlatSymbolRefAttr::get(kernel.getNameAttr())});
      op.remove();
      kernel.setName(from.getName());
      intoSymbols.insert(kernel);
      renamed[oldRef] = SymbolRefAttr::get(
          into.getNameAttr(), {FlatSymbolRefAttr::get(kernel.getNameAttr())});
      continue;
    }
    if (symbol && intoSymbols.lookup(symbol.getNameAttr()))
      continue;
    op.remove();
    intoSymbols.insert(&op);
  }
}

/// Gives the module's declaration of the run-time error hook a body that
/// records the largest code reported in `tern_kernel_error`.
void defineErrorHook(gpu::GPUModuleOp module) {
  auto hook = module.lookupSymbol<func::FuncOp>(TERN_RUNTIME_ERROR_HOOK);
  if (!hook || !hook.isExternal())
    return;
  MLIRContext *context = module.getContext();
  OpBuilder b(context);
  b.setInsertionPointToStart(module.getBody());
  Location loc = hook.getLoc();
  auto globalSpace =
      gpu::AddressSpaceAttr::get(context, gpu::AddressSpace::Global);
  auto type = MemRefType::get({}, b.getI32Type(), MemRefLayoutAttrInterface(),
                              globalSpace);
  auto zero = DenseElementsAttr::get(RankedTensorType::get({}, b.getI32Type()),
                                     b.getI32IntegerAttr(0).getValue());
  // Public: the device runtime finds it by name in the loaded module.
  memref::GlobalOp::create(b, loc, kKernelErrorGlobal,
                           /*sym_visibility=*/StringAttr(), type, zero,
                           /*constant=*/false, /*alignment=*/IntegerAttr());
  hook.setPrivate();
  Block *body = hook.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value flag = memref::GetGlobalOp::create(b, loc, type, kKernelErrorGlobal);
  memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::maxs,
                              body->getArgument(0), flag, ValueRange());
  func::ReturnOp::create(b, loc);
}

struct TernGPUKernelModulePass
    : public tern::impl::TernGPUKernelModuleBase<TernGPUKernelModulePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto modules = llvm::to_vector(module.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    gpu::GPUModuleOp into = modules.front();
    DenseMap<Attribute, SymbolRefAttr> renamed;
    for (gpu::GPUModuleOp from : llvm::drop_begin(modules)) {
      mergeInto(into, from, renamed);
      from.erase();
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = renamed.find(launch.getKernel());
      if (it != renamed.end())
        launch.setKernelAttr(it->second);
    });
    defineErrorHook(into);
  }
};

} // namespace
