//===- Pipelines.h - Tern's end-to-end pass pipelines -----------*- C++ -*-===//
//
// The pass pipelines ternc runs, also registered with tern-opt so that each
// stage can be reproduced and lit-tested on its own.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_PIPELINES_PIPELINES_H
#define TERN_PIPELINES_PIPELINES_H

#include "tern/Dialect/Tern/IR/LoweringChoiceOptions.h"

#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class OpPassManager;

namespace tern {

struct TernPipelineOptions : public PassPipelineOptions<TernPipelineOptions> {
  Option<MatmulStrategy> strategy{
      *this, "strategy", llvm::cl::desc("How ternary matmuls are computed"),
      llvm::cl::init(MatmulStrategy::Auto), TERN_MATMUL_STRATEGY_CL_VALUES};
  Option<PackChoice> pack{
      *this, "pack", llvm::cl::desc("How ternary weights are stored"),
      llvm::cl::init(PackChoice::I2), TERN_PACK_CHOICE_CL_VALUES};
  Option<DotInstruction> dot{
      *this, "dot",
      llvm::cl::desc("The byte dot product instruction the kernels use"),
      llvm::cl::init(DotInstruction::Portable), TERN_DOT_INSTRUCTION_CL_VALUES};
  Option<bool> threads{
      *this, "threads",
      llvm::cl::desc("Run parallel loops on OpenMP threads (libomp)"),
      llvm::cl::init(true)};
  Option<bool> quantizeActs{
      *this, "quantize-acts",
      llvm::cl::desc("Quantize ternary matmuls' activations per token to "
                     "int8 (W1.58A8)"),
      llvm::cl::init(false)};
  Option<bool> quantizeHead{
      *this, "quantize-head",
      llvm::cl::desc("Quantize the float weights left after ternarization "
                     "(LM head, embedding) to int8 per channel"),
      llvm::cl::init(false)};
  Option<bool> absmean{
      *this, "absmean",
      llvm::cl::desc("Ternarize float weights with the absmean rule "
                     "(changes the model's numbers)"),
      llvm::cl::init(false)};
  // The code generation strategy (include/tern/Codegen/Passes.td); target
  // plug-ins choose it for the target machine.
  Option<int64_t> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("Width of the target's vector registers in bits"),
      llvm::cl::init(256)};
  Option<int64_t> registerTileM{
      *this, "register-tile-m",
      llvm::cl::desc("Rows of a float matmul's register tile"),
      llvm::cl::init(4)};
  Option<int64_t> registerVectorsN{
      *this, "register-vectors-n",
      llvm::cl::desc("Vectors per row of a float matmul's register tile"),
      llvm::cl::init(2)};
  Option<int64_t> threadTileM{
      *this, "thread-tile-m",
      llvm::cl::desc("Rows of the float matmul tile one thread computes"),
      llvm::cl::init(64)};
  Option<int64_t> threadTileN{
      *this, "thread-tile-n",
      llvm::cl::desc("Columns of the float matmul tile one thread computes"),
      llvm::cl::init(256)};
  Option<int64_t> kSliceBlocks{
      *this, "k-slice-blocks",
      llvm::cl::desc("Split ternary byte dot product kernels' K loops into "
                     "parallel slices of this many blocks (0: no split)"),
      llvm::cl::init(0)};
  Option<bool> gpuLoopsOnHost{
      *this, "gpu-loops-on-host",
      llvm::cl::desc("On a GPU target, compile the loop nests its kernels "
                     "would run for the host CPU instead (to check their "
                     "arithmetic without a GPU)"),
      llvm::cl::init(false)};
  Option<bool> gpuKernelsAsPTX{
      *this, "gpu-kernels-as-ptx",
      llvm::cl::desc("On a GPU target, keep the kernels as PTX text, "
                     "without cubins (ternc --emit=asm prints it)"),
      llvm::cl::init(false)};
  Option<bool> ternarize{
      *this, "ternarize",
      llvm::cl::desc("Turn ternary-valued float weights into tern ops"),
      llvm::cl::init(true)};
};

/// The tern-level view of a model (ternc --emit=tern): weights folded,
/// ternary matmuls found, activations quantized where asked.
void buildFindTernaryPipeline(OpPassManager &pm,
                              const TernPipelineOptions &options);

/// Imported ONNX (linalg/arith/tensor + tern) to linalg on tensors with
/// every tern op lowered: buildFindTernaryPipeline, then packing and the
/// kernels.
void buildTernToLinalgPipeline(OpPassManager &pm,
                               const TernPipelineOptions &options);

/// Linalg on tensors to the LLVM dialect with the compiled-model ABI:
/// bufferization, loops, the kernels' target instructions (`x86-vnni`),
/// and the conversions to LLVM.
void buildLinalgToLLVMPipeline(OpPassManager &pm,
                               const TernPipelineOptions &options);

/// Both of the above.
void buildTernToLLVMPipeline(OpPassManager &pm,
                             const TernPipelineOptions &options);

/// The stages the pipelines above are made of, for target plug-ins that
/// build their own (lib/Target/NVPTX).
///
/// Linalg on tensors to loop nests on buffers, every target alike: the
/// contractions' tiles, fusion, bufferization and deallocation.
void buildBufferizationPipeline(OpPassManager &pm,
                                const TernPipelineOptions &options);

/// The kernels' target instructions and the vector forms the LLVM
/// conversions do not take, on loops of any kind.
void buildKernelLoweringPipeline(OpPassManager &pm,
                                 const TernPipelineOptions &options);

/// Host code on buffers to the LLVM dialect. `gpu` adds the lowering of
/// GPU launches, allocations and copies to the device runtime's calls.
void buildHostToLLVMPipeline(OpPassManager &pm,
                             const TernPipelineOptions &options, bool gpu);

/// scf-to-cf's options for every pipeline: without the conversion
/// driver's rollback (see Pipelines.cpp).
SCFToControlFlowPassOptions getSCFToControlFlowOptions();

/// Registers `tern-to-linalg`, `tern-linalg-to-llvm` and `tern-to-llvm`
/// (`tern-linalg-to-nvvm` is the NVPTX target's).
void registerTernPipelines();

} // namespace tern
} // namespace mlir

#endif // TERN_PIPELINES_PIPELINES_H
