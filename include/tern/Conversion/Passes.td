//===- Passes.td - Tern conversion passes ------------------*- tablegen -*-===//
//
// Conversions out of the tern dialect: tern's contractions and activation
// quantization into linalg and vector kernels (TernToLinalg), and the
// kernels' own ops into the target's instructions (TernToLLVM).
//
//===----------------------------------------------------------------------===//

#ifndef TERN_CONVERSION_PASSES_TD
#define TERN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// TernToLinalg
//===----------------------------------------------------------------------===//
def TernLowerMatmul : Pass<"tern-lower-matmul", "func::FuncOp"> {
  let summary = "Lower ternary matmuls into vector kernels";
  let description = [{
    Lowers `tern.matmul` and `tern.int_matmul` to loops over rows and output
    channels around a K loop in the `vector` dialect (see
    `lib/Conversion/TernToLinalg/TernaryKernels.cpp`), reading i8 or packed
    (`i2`, `tq1`) weights one SIMD block at a time.

    `tern.quant_matmul` on 4- or 8-bit codes with blocks of 16 weights or
    more becomes the vector kernels of
    `lib/Conversion/TernToLinalg/QuantKernels.cpp`: 64 codes a step,
    decoded in registers, threads over output channels. With
    `int8_activations` (or the `quant-int8-activations` option), each block
    of activations is quantized to int8 by its absmax and the codes meet
    them in `tern.dot_u8s8`; otherwise each code is dequantized to float
    in registers and multiplied in FMAs. QDQ's K-major int8 codes are
    transposed into one channel per row at compile time. Other
    `tern.quant_matmul`s (2-bit codes that are not ternary, small blocks)
    become a loop that decodes each code where it is read.

    A quantized `tern.matmul` is first split into `tern.quantize`,
    `tern.int_matmul` and `tern.dequantize`, so the integer accumulation is
    exact. The accumulation follows the chosen strategy:

    * `addsub`: add the activation where the weight is +1, subtract it where
      it is -1, keep the accumulator where it is 0: selects between the
      accumulator plus and minus the activations. No multiplication.
    * `dot`: integer dot products of the activations and the 2-bit codes
      `w + 1` in {0, 1, 2} (the shape x86's `vpdpbusd` and AArch64's `sdot`
      execute), minus each row's activation sum, computed once per row.
    * `lut`: per row, a table of the partial sums of each pair of
      activations for all 16 code pairs (T-MAC / bitnet.cpp TL style); each
      nibble of the i2-packed weights indexes it, two lookups per byte of
      four weights. Needs `i2` weights.
    * `auto`: the target's preferred strategy (`dot` on CPU targets; see
      docs/Strategies.md).

    `k-slice-blocks` (GPU targets) splits the K loop of the byte dot
    product kernel into parallel slices: slice `s` of `S` adds the codes'
    blocks `s`, `s + S`, ... (`S` blocks apart, so that neighbouring slices
    read neighbouring bytes) into `partial[s, m, n]`, less the sum of the
    activations it read (one more byte dot product, with codes of 1, per
    block of activations), and a reduction over `s` adds the slices. A
    GEMV then has `S` times as many parallel iterations as output channels
    and no row sums to compute first; the sums are integers, so the
    results are the same bits.

    On int8 activations every strategy gives bit-identical int32
    accumulators. The per-tensor or per-channel weight scale is applied once
    per output.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
  let options = [
    Option<"strategy", "strategy", "::mlir::tern::MatmulStrategy",
           /*default=*/"::mlir::tern::MatmulStrategy::Auto",
           "How the ternary accumulation is computed",
           [{TERN_MATMUL_STRATEGY_CL_VALUES}]>,
    Option<"int8Activations", "quant-int8-activations", "bool",
           /*default=*/"false",
           "Quantize every tern.quant_matmul's activations to int8 per block">,
    Option<"kSliceBlocks", "k-slice-blocks", "int64_t", /*default=*/"0",
           "Split the byte dot product kernel's K loop into parallel slices "
           "of this many blocks, added afterwards (0: no split)">
  ];
}
def TernLowerQuant : Pass<"tern-lower-quant", "func::FuncOp"> {
  let summary = "Lower activation quantize/dequantize ops to linalg";
  let description = [{
    Lowers `tern.quantize` (per-token absmax to int8, rounding half to even)
    and `tern.dequantize` (int32 accumulator back to float) to
    `linalg.generic` ops on tensors with `arith` and `math` bodies.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

//===----------------------------------------------------------------------===//
// TernToLLVM
//===----------------------------------------------------------------------===//
def TernLowerKernelOps : Pass<"tern-lower-kernel-ops", "func::FuncOp"> {
  let summary = "Map the kernels' tern.dot_u8s8 to the target's instructions";
  let description = [{
    Runs after bufferization, next to the lowering to LLVM. `dot` names
    the target's byte dot product instruction; target plug-ins set it from
    the target machine's features:

    - `x86-avx512-vnni`: `vpdpbusd` on 512 bits, 16 lanes at a time;
    - `x86-avx-vnni`: `vpdpbusd` on 256 bits (AVX-VNNI or AVX512-VL);
    - `x86-avx2`: `vpmaddubsw` into i16 pair sums, then `vpmaddwd` with
      ones into i32 lanes, 8 lanes at a time; only where the op promises
      `small_codes`, which keeps the pair sums from saturating;
    - `aarch64-i8mm`: `usdot`, unsigned by signed, 4 lanes at a time;
    - `aarch64-dotprod`: `sdot`, signed by signed, only where the op
      promises `small_codes`;
    - `nvvm-dp4a`: NVIDIA's `dp4a` (`nvvm.dot.accumulate.4way`, unsigned
      codes by signed activations), one i32 lane at a time, for kernels that
      run on the GPU;
    - `portable`: widen to i32, multiply, and add each group of four lanes.

    Accumulators wider than the instruction are split into its width. Ops
    the instruction cannot take stay portable. All forms are exact.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect"
  ];
  let options = [
    Option<"dot", "dot", "::mlir::tern::DotInstruction",
           /*default=*/"::mlir::tern::DotInstruction::Portable",
           "The byte dot product instruction to use",
           "TERN_DOT_INSTRUCTION_CL_VALUES">
  ];
}

def TernLowerChecks : Pass<"tern-lower-checks", "ModuleOp"> {
  let summary = "Turn tern.check into calls of the runtime's error hook";
  let description = [{
    Each `tern.check %ok, error` becomes `scf.if` on `not %ok` around a
    call of `tern_report_runtime_error` with the runtime's code for
    `error` (`TernRuntimeErrorCode` in `tern/ABI/ModelABI.h`),
    and the module declares the hook once when it calls it. The runtime
    stops the run and fails it with the code's message (see
    docs/Architecture.md). GPU kernels that call the hook get a device body
    for it from `tern-gpu-kernel-module`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect"
  ];
}

#endif // TERN_CONVERSION_PASSES_TD
