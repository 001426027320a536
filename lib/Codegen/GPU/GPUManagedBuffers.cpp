//===- GPUManagedBuffers.cpp - Buffers where kernels reach them -----------===//
//
// Decides, after bufferization, which of the host code's buffers live in
// device memory: those a kernel (an outermost parallel loop) reads or
// writes, those the function returns, and those copied to or from such
// buffers, whose copies become parallel loops and so kernels too. The rest
// (shape vectors the host builds for reshapes, scalars of the shape
// arithmetic) stay host memory, which the host code reaches without
// waiting for the GPU; the pieces of such vectors that are constants are
// stored as values rather than copied from the device's globals.
//
//===----------------------------------------------------------------------===//

#include "tern/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SetVector.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNGPUMANAGEDBUFFERS
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

/// Whether `op` runs inside what will become a kernel.
bool isInsideParallelLoop(Operation *op) {
  return op->getParentOfType<scf::ParallelOp>() != nullptr;
}

/// Whether every use of `buffer` (and of its views) is host code that
/// reads or writes it in place: loads, stores, a reshape's shape, its
/// dealloc. Copies are collected in `copies`, to be decided together.
bool onlyHostUses(Value buffer, SmallVectorImpl<memref::CopyOp> &copies) {
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (isInsideParallelLoop(user))
      return false;
    if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
      if (view.getViewSource() == buffer) {
        if (!onlyHostUses(view.getViewDest(), copies))
          return false;
        continue;
      }
    }
    if (auto copy = dyn_cast<memref::CopyOp>(user)) {
      copies.push_back(copy);
      continue;
    }
    if (isa<memref::LoadOp, memref::StoreOp, memref::DimOp, memref::DeallocOp,
            memref::ExtractStridedMetadataOp, memref::ReshapeOp>(user))
      continue;
    // Returned, passed on or yielded: the caller, or a kernel, may read it.
    return false;
  }
  return true;
}

/// The values of `buffer` when it is a constant global of a few elements
/// (a piece of a shape, as Concat and Reshape take them), else null.
DenseElementsAttr smallConstant(Value buffer, SymbolTableCollection &symbols) {
  // Few enough stores on the host to cost less than a kernel's launch.
  constexpr int64_t kMaxElements = 16;
  auto get = buffer.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return nullptr;
  auto global =
      symbols.lookupNearestSymbolFrom<memref::GlobalOp>(get, get.getNameAttr());
  if (!global || !global.getConstant() ||
      !get.getType().getLayout().isIdentity())
    return nullptr;
  auto values =
      dyn_cast_or_null<DenseElementsAttr>(global.getConstantInitValue());
  if (!values || values.getNumElements() > kMaxElements)
    return nullptr;
  return values;
}

/// Replaces the host copy `copy` of a small constant by stores of its
/// values, which leave the target in host memory.
void storeConstant(IRRewriter &rewriter, memref::CopyOp copy,
                   DenseElementsAttr values) {
  Location loc = copy.getLoc();
  rewriter.setInsertionPoint(copy);
  ArrayRef<int64_t> shape = values.getType().getShape();
  SmallVector<int64_t> strides = computeSuffixProduct(shape);
  for (auto [linear, value] : llvm::enumerate(values.getValues<Attribute>())) {
    SmallVector<Value> indices;
    for (int64_t index : delinearize(linear, strides))
      indices.push_back(arith::ConstantIndexOp::create(rewriter, loc, index));
    Value element =
        arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(value));
    memref::StoreOp::create(rewriter, loc, element, copy.getTarget(), indices);
  }
  rewriter.eraseOp(copy);
}

/// Replaces the host copy `copy` by a parallel loop over its elements,
/// which becomes a kernel.
void copyInParallel(IRRewriter &rewriter, memref::CopyOp copy) {
  Location loc = copy.getLoc();
  rewriter.setInsertionPoint(copy);
  Value source = copy.getSource(), target = copy.getTarget();
  auto type = cast<MemRefType>(source.getType());
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  SmallVector<Value> lower, upper, steps;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    lower.push_back(zero);
    upper.push_back(rewriter.createOrFold<memref::DimOp>(loc, source, d));
    steps.push_back(one);
  }
  // A 0-d buffer: one iteration.
  bool scalar = type.getRank() == 0;
  if (scalar) {
    lower.push_back(zero);
    upper.push_back(one);
    steps.push_back(one);
  }
  scf::ParallelOp::create(
      rewriter, loc, lower, upper, steps,
      [&](OpBuilder &b, Location bodyLoc, ValueRange ivs) {
        ValueRange indices = scalar ? ValueRange() : ivs;
        Value element = memref::LoadOp::create(b, bodyLoc, source, indices);
        memref::StoreOp::create(b, bodyLoc, element, target, indices);
      });
  rewriter.eraseOp(copy);
}

struct TernGPUManagedBuffersPass
    : public tern::impl::TernGPUManagedBuffersBase<TernGPUManagedBuffersPass> {
  using TernGPUManagedBuffersBase::TernGPUManagedBuffersBase;

  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    SmallVector<memref::DeallocOp> deallocs;
    SmallVector<memref::CopyOp> hostCopies;
    getOperation().walk([&](Operation *op) {
      if (isInsideParallelLoop(op))
        return;
      if (auto alloc = dyn_cast<memref::AllocOp>(op))
        allocs.push_back(alloc);
      else if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
        deallocs.push_back(dealloc);
      else if (auto copy = dyn_cast<memref::CopyOp>(op))
        hostCopies.push_back(copy);
    });

    // Buffers the host alone uses; a copy that touches device memory
    // becomes a kernel, which puts both its sides on the device, until
    // nothing changes.
    llvm::SetVector<Value> hostOnly;
    DenseMap<Value, SmallVector<memref::CopyOp>> copiesOf;
    for (memref::AllocOp alloc : allocs) {
      SmallVector<memref::CopyOp> copies;
      if (onlyHostUses(alloc.getResult(), copies)) {
        hostOnly.insert(alloc.getResult());
        copiesOf[alloc.getResult()] = std::move(copies);
      }
    }
    auto onDevice = [&](Value buffer) {
      return !hostOnly.contains(
          memref::skipViewLikeOps(cast<MemrefValue>(buffer)));
    };
    // A copy of a small constant into host memory is stores of its values.
    SymbolTableCollection symbols;
    DenseMap<Operation *, DenseElementsAttr> constantSources;
    for (memref::CopyOp copy : hostCopies)
      if (DenseElementsAttr values = smallConstant(copy.getSource(), symbols))
        constantSources[copy] = values;
    auto copiesOnDevice = [&](memref::CopyOp copy) {
      return onDevice(copy.getTarget()) ||
             (onDevice(copy.getSource()) && !constantSources.count(copy));
    };
    for (bool changed = true; changed;) {
      changed = false;
      for (Value buffer : SmallVector<Value>(hostOnly.getArrayRef()))
        for (memref::CopyOp copy : copiesOf[buffer])
          if (copiesOnDevice(copy)) {
            hostOnly.remove(buffer);
            changed = true;
            break;
          }
    }

    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : hostCopies) {
      if (copiesOnDevice(copy))
        copyInParallel(rewriter, copy);
      else if (DenseElementsAttr values = constantSources.lookup(copy))
        storeConstant(rewriter, copy, values);
    }
    if (hostMemory)
      return;
    // Synchronous forms: tern-gpu-async-launches puts them on the stream
    // with the launches.
    for (memref::DeallocOp dealloc : deallocs) {
      if (!onDevice(dealloc.getMemref()))
        continue;
      rewriter.setInsertionPoint(dealloc);
      gpu::DeallocOp::create(rewriter, dealloc.getLoc(), /*asyncToken=*/Type(),
                             ValueRange(), dealloc.getMemref());
      rewriter.eraseOp(dealloc);
    }
    for (memref::AllocOp alloc : allocs) {
      if (hostOnly.contains(alloc.getResult()))
        continue;
      rewriter.setInsertionPoint(alloc);
      // Not `host_shared`, which gpu-to-llvm cannot allocate on a stream:
      // the device runtime's allocations are all managed memory, which
      // the host code that reads a kernel's result also addresses.
      auto device = gpu::AllocOp::create(
          rewriter, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), /*hostShared=*/nullptr);
      rewriter.replaceOp(alloc, device.getMemref());
    }
  }
};

} // namespace
