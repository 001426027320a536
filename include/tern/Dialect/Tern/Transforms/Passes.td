//===- Passes.td - Tern pass declarations ------------------*- tablegen -*-===//

#ifndef TERN_DIALECT_TERN_TRANSFORMS_PASSES_TD
#define TERN_DIALECT_TERN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def TernFoldConstants : Pass<"tern-fold-constants", "func::FuncOp"> {
  let summary = "Evaluate linalg.generic ops on constants (weight preprocessing)";
  let description = [{
    Replaces a `linalg.generic` whose inputs are all constants (and whose
    init, when read, is a constant or a fill of one) with the constant it
    computes. This is how weights that an export computes at run time
    become visible to `tern-ternarize`:

    * QDQ: `DequantizeLinear` of an int8 initializer;
    * quantization-aware training: the fake-quant chain
      `clip(round(w / mean|w|), -1, 1) * mean|w|` on latent float weights,
      including the `ReduceMean` of `|w|`.

    The body is evaluated in its own arithmetic (f32 operations round to
    f32, integers wrap), for the arith and math ops such preprocessing
    uses; a generic with any other op, dynamic shapes, or more than
    `max-elements` loop points or results is left alone. Large weights are
    left to `tern-ternarize`, which computes the chain in front of each
    matmul itself, one weight at a time (folding them all here would hold
    a second copy of a model's weights), and to `tern.quant_matmul`, which
    keeps integer weights as they are.

    ```mlir
    %q = arith.constant dense<[[1, 0], [-1, 1]]> : tensor<2x2xi8>
    %w = linalg.generic {...} ins(%q : tensor<2x2xi8>) outs(%e : tensor<2x2xf32>) {
    ^bb0(%in: i8, %out: f32):
      %f = arith.sitofp %in : i8 to f32
      %s = arith.mulf %f, %scale : f32
      linalg.yield %s : f32
    } -> tensor<2x2xf32>
    ```

    becomes `arith.constant dense<[[5.0e-01, 0.0], [-5.0e-01, 5.0e-01]]>`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let options = [
    Option<"maxElements", "max-elements", "int64_t",
           /*default=*/"int64_t(1) << 20",
           "Largest iteration space (and result) to evaluate">
  ];
}

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
    never changes a model's numbers unless asked to. With `absmean`, it
    ternarizes an ordinary float model after training by BitNet b1.58's
    rule: `gamma = max(mean |w|, 1e-5)` per tensor, `w_t = clip(round(w /
    gamma), -1, 1)` rounding half to even, and `gamma` as the scale.

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
           "Only ternarize weight constants with at least this many elements">,
    Option<"absmean", "absmean", "bool", /*default=*/"false",
           "Also ternarize float weights that are not ternary, with BitNet's "
           "absmean rule (changes the model's numbers)">
  ];
}

def TernQuantizeActs : Pass<"tern-quantize-acts", "func::FuncOp"> {
  let summary = "Quantize the activations of ternary matmuls (W1.58A8)";
  let description = [{
    Gives a `tern.matmul` `quant(per_token_absmax)`, BitNet b1.58's
    activation quantization: each row (token) of the activations is scaled
    by `127 / max(max |x|, 1e-5)`, rounded half to even (as `torch.round`)
    and clamped to [-128, 127]. The quantization is fused with the matmul:
    `tern-lower-matmul` splits it into `tern.quantize`, an exact int32
    `tern.int_matmul` and `tern.dequantize`.

    It applies where the model asks for it: a `tern.matmul` whose input is
    the float fake-quant of its activations, as a PyTorch BitLinear exports
    it,

    ```
    s = 127 / max(max_k |x|, 1e-5)     (or (1 / max(...)) * 127)
    y = clip(round(x * s), -128, 127) / s
    ```

    (one `linalg.generic` per ONNX node), reads `x` quantized instead of
    `y`. The result equals the fake-quant graph's up to float rounding (the
    export computes `s` and `q / s` in float; the pass accumulates the
    integers exactly). With `all`, every ternary matmul is quantized, and
    every `tern.quant_matmul` gets `int8_activations` (per block, as ONNX
    Runtime's `accuracy_level = 4`), which changes a float model's numbers,
    so only when asked (`ternc --quantize-acts`).

    ```mlir
    %y = tern.matmul %fake_quant_of_x, %w, %s : ...
    ```

    becomes

    ```mlir
    %y = tern.matmul %x, %w, %s quant(per_token_absmax) : ...
    ```
  }];
  let options = [
    Option<"all", "all", "bool", /*default=*/"false",
           "Quantize every ternary matmul, not just those behind an "
           "activation fake-quant">
  ];
}

def TernQuantizeWeights : Pass<"tern-quantize-weights", "func::FuncOp"> {
  let summary = "Quantize float matmul weights and embedding tables to int8 "
                "per channel";
  let description = [{
    After `tern-ternarize`, the float weights a language model still holds
    are its LM head (a MatMul by a constant `K x N` weight) and its token
    embedding (a Gather from a constant `V x D` table). The head alone is
    larger than all of BitNet-2B4T's ternary weights and is read whole for
    every token, so decoding spends most of its bandwidth on it. This pass,
    run only when asked (`ternc --quantize-head`), stores each as int8 with
    one absmax scale per output channel (per table row):

    ```
    s_n = max_k |w[n, k]| / 127   (1 where the channel is all zeros)
    q[n, k] = clamp(round_half_even(w[n, k] / s_n), -127, 127)
    ```

    A float `linalg.matmul` by such a weight (at least `min-elements`) becomes
    a `tern.quant_matmul` with `bits = 8`, `signed_codes` and one block per
    channel, `K` padded with zero codes to the 4/8-bit kernels' step of 64
    weights (its kernels dequantize the codes in their FMAs, or quantize the
    activations too under `--quantize-acts`). A rank-2 float constant of at
    least `min-elements` that is only read element by element
    (`tensor.extract`, as the importer lowers Gather) is read as
    `float(q[i, j]) * s_i`. It changes the model's numbers: each weight moves
    by at most half a step, `s_n / 2`.

    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<?x128xf32>, tensor<128x256xf32>) ...
    ```

    becomes

    ```mlir
    %y = tern.quant_matmul %x, %codes, %scales {bits = 8 : i64,
        block_size = 128 : i64, k = 128 : i64, signed_codes}
        : tensor<?x128xf32>, tensor<256x128xi8>, tensor<256x1xf32> -> ...
    ```

    (a K of 100 would have `block_size = 128` and 128 bytes per channel).
  }];
  let options = [
    Option<"minElements", "min-elements", "int64_t", /*default=*/"4096",
           "Only quantize weights and tables of at least this many elements">
  ];  let dependentDialects = [
    "::mlir::tern::TernDialect", "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def TernPackWeights : Pass<"tern-pack-weights", "func::FuncOp"> {
  let summary = "Store the weights of ternary matmuls in a packed layout";
  let description = [{
    Replaces each `tern.constant` that a `tern.matmul` or `tern.int_matmul`
    reads as weights with a `tern.packed_constant` in the chosen layout
    (see `#tern.layout`): `i2`, 2-bit codes at 2 bits per weight, or `tq1`,
    five base-3 digits per byte at 1.6 bits per weight. The bytes live in a
    `dense_resource` blob, so large models stay fast to print and parse.
    Packing is exact: `tern.unpack` of the result gives the weights back.

    `block` is the number of weights one SIMD load of packed bytes covers:
    `4 * lanes` for i2 and `5 * lanes` for tq1 (0 picks 128 for i2 and 160
    for tq1, 32 lanes).

    ```mlir
    %w = tern.constant dense<[[1, 0, -1, 1, 0, 0, 1, -1]]> : tensor<1x8xi8>
    %y = tern.int_matmul %x, %w : tensor<?x8xi8>, tensor<1x8xi8> -> tensor<?x1xi32>
    ```

    becomes, with `format=i2 block=8`,

    ```mlir
    %p = tern.packed_constant dense_resource<tern_packed_weights> : tensor<1x2xi8>
        -> !tern.packed<1x8, #tern.layout<i2, block = 8>>
    %y = tern.int_matmul %x, %p : tensor<?x8xi8>, !tern.packed<...> -> tensor<?x1xi32>
    ```
  }];
  let dependentDialects = ["::mlir::tern::TernDialect"];
  let options = [
    Option<"format", "format", "::mlir::tern::PackChoice",
           /*default=*/"::mlir::tern::PackChoice::I2",
           "The packed layout", [{TERN_PACK_CHOICE_CL_VALUES}]>,
    Option<"block", "block", "int64_t", /*default=*/"262144",
           "Weights per block (0: the format's default)">
  ];
}

#endif // TERN_DIALECT_TERN_TRANSFORMS_PASSES_TD
