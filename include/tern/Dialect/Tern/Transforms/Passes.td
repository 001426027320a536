//===- Passes.td - Tern pass declarations ------------------*- tablegen -*-===//

#ifndef TERN_DIALECT_TERN_TRANSFORMS_PASSES_TD
#define TERN_DIALECT_TERN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def TernTernarize : Pass<"tern-ternarize", "func::FuncOp"> {
  let summary = "Find ternary-valued matmul weights and turn them into tern ops";
  let description = [{
    Rewrites `linalg.matmul` whose right-hand side is a float constant with
    values in {-s, 0, +s} into `tern.matmul` over a `tern.constant`. The
    scale `s` may be one per tensor or one per output channel (column of the
    ONNX `K x N` weight). A `linalg.transpose` of such a constant, as ONNX
    `Gemm` with `transB = 1` imports, is looked through.

    A constant that is not exactly of that form (for example three distinct
    values that are not {-s, 0, +s}) is left as a float matmul: the pass
    never changes a model's numbers.

    Example:

    ```mlir
    %w = arith.constant dense<[[0.5, -0.5], [0.0, 0.5]]> : tensor<2x2xf32>
    %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
    ```

    becomes

    ```mlir
    %t = tern.constant dense<[[1, 0], [-1, 1]]> : tensor<2x2xi8>
    %s = arith.constant dense<5.000000e-01> : tensor<f32>
    %y = tern.matmul %x, %t, %s : tensor<4x2xf32>, tensor<2x2xi8>, tensor<f32> -> tensor<4x2xf32>
    ```

    (note the transposition to `N x K`, and that an accumulator `%z` other
    than zero is added back with `arith.addf`).
  }];
  let dependentDialects = [
    "::mlir::tern::TernDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"minElements", "min-elements", "int64_t", /*default=*/"1",
           "Only ternarize weight constants with at least this many elements">
  ];
}

def TernLowerMatmul : Pass<"tern-lower-matmul", "func::FuncOp"> {
  let summary = "Lower ternary matmuls into multiplication-free loops";
  let description = [{
    Lowers `tern.matmul` and `tern.int_matmul` to `linalg` on tensors.

    A quantized `tern.matmul` is first split into `tern.quantize`,
    `tern.int_matmul` and `tern.dequantize`, so the integer accumulation is
    exact. The accumulation itself follows the chosen strategy:

    * `addsub`: for each weight, add the activation when it is +1, subtract
      it when it is -1 and skip it when it is 0, as a select between the
      accumulator plus and minus the activation. No multiplication by a
      weight is emitted.

    The per-tensor or per-channel weight scale is applied once per output.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"strategy", "strategy", "::mlir::tern::MatmulStrategy",
           /*default=*/"::mlir::tern::MatmulStrategy::AddSub",
           "How the ternary accumulation is computed",
           [{::llvm::cl::values(
             clEnumValN(::mlir::tern::MatmulStrategy::AddSub, "addsub",
                        "Select-based add/subtract, no multiplications"))}]>
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

def TernExportEntry : Pass<"tern-export-entry", "ModuleOp"> {
  let summary = "Give the model's public functions the compiled-model ABI";
  let description = [{
    Marks every public `func.func` with `llvm.emit_c_interface` so the LLVM
    lowering emits an `_mlir_ciface_<name>` wrapper taking memref
    descriptors, and marks its tensor arguments as not writable so that
    bufferization never writes into the caller's input buffers.
  }];
}

#endif // TERN_DIALECT_TERN_TRANSFORMS_PASSES_TD
