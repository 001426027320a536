//===- TernOps.td - Tern operations ------------------------*- tablegen -*-===//

#ifndef TERN_DIALECT_TERN_IR_TERNOPS_TD
#define TERN_DIALECT_TERN_IR_TERNOPS_TD

include "tern/Dialect/Tern/IR/TernTypes.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Tern_TernaryTensor : RankedTensorOf<[I8]>;
def Tern_TernaryWeights : AnyTypeOf<[2DTensorOf<[I8]>, Tern_PackedWeightsType],
    "ternary N x K weights (i8 tensor or !tern.packed)">;
def Tern_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Tern_ScaleTensor : TensorRankOf<[AnyFloat], [0, 1]>;
def Tern_MatmulScaleTensor : TensorRankOf<[AnyFloat], [0, 1, 2]>;

//===----------------------------------------------------------------------===//
// tern.constant
//===----------------------------------------------------------------------===//

def Tern_ConstantOp : Tern_Op<"constant", [ConstantLike, Pure]> {
  let summary = "A constant tensor whose values are all in {-1, 0, 1}";
  let description = [{
    Holds ternary weights as an `i8` tensor. The verifier proves that every
    value is -1, 0 or 1, so consumers never need to check again. The value
    may be a `dense` or a `dense_resource` elements attribute; the latter
    keeps large weights out of the textual IR.

    ```mlir
    %w = tern.constant dense<[[1, 0, -1], [0, 1, 1]]> : tensor<2x3xi8>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Tern_TernaryTensor:$result);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasFolder = 1;
  let builders = [
    OpBuilder<(ins "ElementsAttr":$value), [{
      build($_builder, $_state, value.getType(), value);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// tern.matmul
//===----------------------------------------------------------------------===//

def Tern_MatmulOp : Tern_Op<"matmul", [Pure]> {
  let summary = "Activations times ternary weights times scale";
  let description = [{
    Computes `result[m, n] = scale[n] * sum_k input[m, k] * weights[n, k]`
    where every weight is -1, 0 or +1, so no multiplication by a weight is
    ever needed. `weights` is `N x K` (an `i8` tensor or `!tern.packed`),
    `scale` is a 0-d tensor (per-tensor scale), has `N` elements (one per
    output channel), or is `N x ceil(K / scale_block)` with a `scale_block`
    attribute: one scale per output channel and block of `scale_block`
    consecutive weights along K (as `com.microsoft::MatMulNBits` carries
    them), `result[m, n] = sum_g scale[n, g] * sum_{k in block g}
    input[m, k] * weights[n, k]`.

    With `quant(per_token_absmax)` the activations are first quantized per
    row to int8 (BitNet b1.58's W1.58A8; see `tern.quantize`), accumulated
    exactly in int32, then rescaled:
    `result[m, n] = acc[m, n] / act_scale[m] * scale[n]`.

    ```mlir
    %y = tern.matmul %x, %w, %s quant(per_token_absmax)
        : tensor<?x64xf32>, tensor<32x64xi8>, tensor<f32> -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins
    Tern_FloatTensor:$input,
    Tern_TernaryWeights:$weights,
    Tern_MatmulScaleTensor:$scale,
    DefaultValuedAttr<Tern_ActQuantModeAttr, "ActQuantMode::none">:$act_quant,
    OptionalAttr<I64Attr>:$scale_block
  );
  let results = (outs Tern_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weights `,` $scale `` custom<ActQuant>($act_quant) attr-dict
    `:` type($input) `,` type($weights) `,` type($scale) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// tern.quant_matmul
//===----------------------------------------------------------------------===//

def Tern_QuantMatmulOp : Tern_Op<"quant_matmul", [Pure]> {
  let summary = "Activations times block-quantized integer weights, kept packed";
  let description = [{
    A linear layer whose weights stay in their quantized form, as
    `com.microsoft::MatMulNBits` and QDQ exports carry them:
    `result[m, n] = sum_k input[m, k] * (q[n, k] - zero[n, k / B]) *
    scale[n, k / B]`, with `B = block_size`. `codes` holds, for each of the
    `N` outputs, `ceil(K / B)` blocks of `B` unsigned `bits`-wide codes
    `q`, packed least significant bits first (MatMulNBits' layout: for
    `bits = 8` one byte per weight). `scales` and the optional float
    `zero_points` are `N x ceil(K / B)`; without zero points, each is
    `2^(bits - 1)`. `K` is the `k` attribute (the codes of the last block
    are padding past it).

    QDQ exports (`DequantizeLinear` of an int8 or uint8 initializer into a
    MatMul) carry one byte per weight: `bits = 8` with `block_size = K`
    (one scale per channel, or the same for all). `signed_codes` reads the
    bytes as int8 (its default zero point is then 0), and `k_major` takes
    the codes as the `K x N` matrix the MatMul multiplies by, so that the
    initializer is used as it is.

    `int8_activations` quantizes the activations to int8 per block of
    `block_size` (absmax, like ONNX Runtime's `accuracy_level = 4`), so the
    products are integer dot products; without it they are float.

    `tern-ternarize` turns a 2-bit one whose codes are ternary around the
    zero point into `tern.matmul` (with per-token int8 activations, the
    W1.58A8 path, when `int8_activations` is set); the others keep their
    codes in the compiled model.

    ```mlir
    %y = tern.quant_matmul %x, %codes, %scales {bits = 4 : i64, block_size = 32 : i64, k = 64 : i64}
        : tensor<?x64xf32>, tensor<16x32xi8>, tensor<16x2xf32> -> tensor<?x16xf32>
    ```
  }];
  let arguments = (ins
    2DTensorOf<[AnyFloat]>:$input,
    2DTensorOf<[I8]>:$codes,
    2DTensorOf<[AnyFloat]>:$scales,
    Optional<2DTensorOf<[AnyFloat]>>:$zero_points,
    I64Attr:$bits,
    I64Attr:$block_size,
    I64Attr:$k,
    UnitAttr:$signed_codes,
    UnitAttr:$k_major,
    UnitAttr:$int8_activations
  );
  let results = (outs 2DTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `,` $codes `,` $scales (`,` $zero_points^)? attr-dict `:`
    type($input) `,` type($codes) `,` type($scales) (`,` type($zero_points)^)?
    `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Blocks per output channel.
    int64_t getNumBlocks() { return llvm::divideCeil(getK(), getBlockSize()); }
    /// Bytes of codes per output channel.
    int64_t getRowBytes() {
      return getNumBlocks() * getBlockSize() * getBits() / 8;
    }
    /// Output channels.
    int64_t getN() {
      return getCodes().getType().getDimSize(getKMajor() ? 1 : 0);
    }
    /// The zero point when there are no zero_points.
    int64_t getDefaultZeroPoint() {
      return getSignedCodes() ? 0 : int64_t(1) << (getBits() - 1);
    }
  }];
}

//===----------------------------------------------------------------------===//
// tern.int_matmul
//===----------------------------------------------------------------------===//

def Tern_IntMatmulOp : Tern_Op<"int_matmul", [Pure]> {
  let summary = "Exact int8 activations times ternary weights into int32";
  let description = [{
    The integer core of a quantized ternary matmul:
    `result[..., n] = sum_k input[..., k] * weights[n, k]` accumulated in
    `i32`; leading dimensions of `input` (batch, sequence) carry through.
    Every lowering strategy must produce bit-identical results for it.

    ```mlir
    %acc = tern.int_matmul %xq, %w
        : tensor<?x64xi8>, tensor<32x64xi8> -> tensor<?x32xi32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$input,
                       Tern_TernaryWeights:$weights);
  let results = (outs RankedTensorOf<[I32]>:$result);
  let assemblyFormat = [{
    $input `,` $weights attr-dict `:` type($input) `,` type($weights) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// tern.quantize / tern.dequantize
//===----------------------------------------------------------------------===//

def Tern_QuantizeOp : Tern_Op<"quantize", [Pure]> {
  let summary = "Per-token absmax quantization of activations to int8";
  let description = [{
    For each row `x` of `input` (all dimensions but the last):
    `act_scale = 127 / max(max_k |x[k]|, eps)` and
    `result[k] = clamp(round_half_even(x[k] * act_scale), -128, 127)`.

    Rounding is half to even, the same as `torch.round`, so a PyTorch
    BitLinear and the compiled model quantize identically. `act_scale` has
    the shape of `input` with its last dimension set to 1.

    ```mlir
    %q, %s = tern.quantize %x : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?x1xf32>
    ```
  }];
  let arguments = (ins
    Tern_FloatTensor:$input,
    DefaultValuedAttr<F32Attr, "1.0e-5f">:$eps
  );
  let results = (outs Tern_TernaryTensor:$result, Tern_FloatTensor:$act_scale);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($result) `,` type($act_scale)
  }];
  let hasVerifier = 1;
}

def Tern_DequantizeOp : Tern_Op<"dequantize", [Pure]> {
  let summary = "Rescale an int32 ternary accumulator to float";
  let description = [{
    `result[..., n] = float(input[..., n]) / act_scale[..., 0] * scale[n]`,
    where `act_scale` is the per-token scale produced by `tern.quantize` and
    `scale` is the weight scale (0-d or one per output channel).

    ```mlir
    %y = tern.dequantize %acc, %as, %s
        : tensor<?x32xi32>, tensor<?x1xf32>, tensor<f32> -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[I32]>:$input,
    Tern_FloatTensor:$act_scale,
    Tern_ScaleTensor:$scale
  );
  let results = (outs Tern_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $act_scale `,` $scale attr-dict `:` type($input) `,`
    type($act_scale) `,` type($scale) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// tern.pack / tern.unpack
//===----------------------------------------------------------------------===//

def Tern_PackOp : Tern_Op<"pack", [Pure]> {
  let summary = "Pack ternary N x K weights into a packed layout";
  let description = [{
    ```mlir
    %p = tern.pack %w : tensor<32x64xi8> -> !tern.packed<32x64, #tern.layout<i2, block = 64>>
    ```
  }];
  let arguments = (ins 2DTensorOf<[I8]>:$input);
  let results = (outs Tern_PackedWeightsType:$result);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tern_UnpackOp : Tern_Op<"unpack", [Pure]> {
  let summary = "Unpack packed ternary weights into an N x K i8 tensor";
  let description = [{
    ```mlir
    %w = tern.unpack %p : !tern.packed<32x64, #tern.layout<i2, block = 64>> -> tensor<32x64xi8>
    ```
  }];
  let arguments = (ins Tern_PackedWeightsType:$input);
  let results = (outs 2DTensorOf<[I8]>:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tern_PackedConstantOp : Tern_Op<"packed_constant", [ConstantLike, Pure]> {
  let summary = "Ternary weights stored in a packed layout";
  let description = [{
    The bytes of a packed weight matrix: `N` rows of
    `layout.getRowBytes(K)` bytes, as an `i8` elements attribute (usually a
    `dense_resource` blob, so that large models print and parse fast). The
    verifier checks the byte count against the type and that every byte is
    a valid encoding of its format.

    ```mlir
    %p = tern.packed_constant dense<[[105]]> : tensor<1x1xi8>
        -> !tern.packed<1x4, #tern.layout<i2, block = 4>>
    ```
  }];
  let arguments = (ins ElementsAttr:$bytes);
  let results = (outs Tern_PackedWeightsType:$result);
  let assemblyFormat = [{
    $bytes attr-dict `->` qualified(type($result))
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// tern.check
//===----------------------------------------------------------------------===//

def Tern_CheckOp : Tern_Op<"check", [MemoryEffects<[MemWrite]>]> {
  let summary = "Stop the run with an error unless a condition holds";
  let description = [{
    Dynamic sizes and index inputs known only when the model runs can make
    it meaningless for particular inputs: a Reshape to the wrong element
    count, an index past the end. The importer guards each such place with
    a `tern.check`: when `ok` is false, the run stops with `error` instead
    of reading outside a buffer or returning a wrong answer. Inside a
    parallel loop the run can only stop once the loop ends, so code after
    a check must still stay in bounds (the importer clamps indices).

    `tern-lower-checks` turns it into a call of the runtime's error hook;
    the op keeps the importer from naming the runtime's ABI, and leaves the
    choice of how to report to the target. It writes memory as far as
    other passes know, so that it is neither moved nor removed; a check
    whose condition folds to true is.

    ```mlir
    %ok = arith.cmpi eq, %rows, %expected : index
    tern.check %ok, reshape_mismatch
    ```
  }];
  let arguments = (ins I1:$ok, Tern_RunErrorAttr:$error);
  let assemblyFormat = "$ok `,` `` $error attr-dict";
  let hasCanonicalizeMethod = 1;
}

//===----------------------------------------------------------------------===//
// Kernel-level ops
//===----------------------------------------------------------------------===//

def Tern_DotU8S8Op : Tern_Op<"dot_u8s8", [Pure, AllTypesMatch<["acc", "result"]>,
                                          AllTypesMatch<["codes", "activations"]>]> {
  let summary = "Add dot products of four unsigned and four signed bytes";
  let description = [{
    `result[i] = acc[i] + sum_{j<4} codes[4i+j] * activations[4i+j]` with
    `codes` read as unsigned and `activations` as signed bytes, exact in
    i32. The ternary kernels' `dot` strategy on 2-bit codes `w + 1` is a
    chain of these; `tern-lower-kernel-ops` turns each into the target's
    instruction (x86 VNNI `vpdpbusd`, AArch64 `usdot` or `sdot`) or
    portable vector code.

    `small_codes` promises that every code is below 128, so a signed byte
    dot product (AArch64 `sdot`, without i8mm) computes the same; the
    kernels' codes are 0, 1 or 2.

    ```mlir
    %r = tern.dot_u8s8 %acc, %codes, %x : vector<64xi8> into vector<16xi32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                       VectorOfRankAndType<[1], [I8]>:$codes,
                       VectorOfRankAndType<[1], [I8]>:$activations,
                       UnitAttr:$small_codes);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $codes `,` $activations attr-dict `:` type($codes) `into`
    type($acc)
  }];
  let hasVerifier = 1;
}

#endif // TERN_DIALECT_TERN_IR_TERNOPS_TD
