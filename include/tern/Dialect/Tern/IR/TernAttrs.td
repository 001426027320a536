//===- TernAttrs.td - Tern attributes ----------------------*- tablegen -*-===//

#ifndef TERN_DIALECT_TERN_IR_TERNATTRS_TD
#define TERN_DIALECT_TERN_IR_TERNATTRS_TD

include "tern/Dialect/Tern/IR/TernDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

class Tern_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Tern_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// Activation quantization mode
//===----------------------------------------------------------------------===//

def Tern_ActQuantNone : I32EnumAttrCase<"none", 0>;
def Tern_ActQuantPerTokenAbsmax : I32EnumAttrCase<"per_token_absmax", 1>;

def Tern_ActQuantMode : I32EnumAttr<"ActQuantMode",
    "how activations are quantized before a ternary matmul",
    [Tern_ActQuantNone, Tern_ActQuantPerTokenAbsmax]> {
  let cppNamespace = "::mlir::tern";
  let genSpecializedAttr = 0;
}

def Tern_ActQuantModeAttr : EnumAttr<Tern_Dialect, Tern_ActQuantMode,
                                     "act_quant"> {
  let summary = "Activation quantization mode of a ternary matmul";
  let description = [{
    `none` multiplies float activations by the ternary weights directly.
    `per_token_absmax` is BitNet b1.58's W1.58A8 scheme: each row of the
    activations is scaled by `127 / max(|x|, eps)`, rounded half to even,
    clamped to [-128, 127] and accumulated exactly in int32.
  }];
  // Bare, so that it reads `quant(per_token_absmax)` inside tern.matmul.
  let assemblyFormat = "$value";
}

//===----------------------------------------------------------------------===//
// Lowering choices: how ternary matmuls are computed and stored, and which
// instruction computes byte dot products. Pass options and target plug-ins
// name them; the attributes let IR carry a choice.
//===----------------------------------------------------------------------===//

def Tern_MatmulStrategyAuto : I32EnumAttrCase<"Auto", 0, "auto">;
def Tern_MatmulStrategyAddSub : I32EnumAttrCase<"AddSub", 1, "addsub">;
def Tern_MatmulStrategyDot : I32EnumAttrCase<"Dot", 2, "dot">;
def Tern_MatmulStrategyLut : I32EnumAttrCase<"Lut", 3, "lut">;

def Tern_MatmulStrategy : I32EnumAttr<"MatmulStrategy",
    "how tern-lower-matmul computes a ternary accumulation",
    [Tern_MatmulStrategyAuto, Tern_MatmulStrategyAddSub,
     Tern_MatmulStrategyDot, Tern_MatmulStrategyLut]> {
  let cppNamespace = "::mlir::tern";
  let genSpecializedAttr = 0;
}

def Tern_MatmulStrategyAttr : EnumAttr<Tern_Dialect, Tern_MatmulStrategy,
                                       "matmul_strategy"> {
  let summary = "How a ternary accumulation is computed";
  let description = [{
    Every strategy gives bit-identical int32 accumulators (see
    docs/Strategies.md):

    * `auto`: the target's preferred strategy (`dot` on today's CPU
      targets);
    * `addsub`: add the activation for +1, subtract it for -1, skip 0: no
      multiplication;
    * `dot`: multiply the activations by the 2-bit codes `w + 1` in
      {0, 1, 2} with integer dot products, then subtract the row's
      activation sum;
    * `lut`: per row, tables of the partial sums of each pair of
      activations for every pair of codes; the weights' nibbles index them
      (T-MAC style).
  }];
  let assemblyFormat = "`<` $value `>`";
}

def Tern_PackChoiceNone : I32EnumAttrCase<"None", 0, "none">;
def Tern_PackChoiceI2 : I32EnumAttrCase<"I2", 1, "i2">;
def Tern_PackChoiceTQ1 : I32EnumAttrCase<"TQ1", 2, "tq1">;

def Tern_PackChoice : I32EnumAttr<"PackChoice",
    "the format tern-pack-weights stores ternary weights in",
    [Tern_PackChoiceNone, Tern_PackChoiceI2, Tern_PackChoiceTQ1]> {
  let cppNamespace = "::mlir::tern";
  let genSpecializedAttr = 0;
}

def Tern_PackChoiceAttr : EnumAttr<Tern_Dialect, Tern_PackChoice,
                                   "pack_choice"> {
  let summary = "The format ternary weights are stored in";
  let description = [{
    `none` keeps one i8 per weight; `i2` and `tq1` are the packed layouts
    of `#tern.layout` (2-bit codes, or five base-3 digits a byte).
  }];
  let assemblyFormat = "`<` $value `>`";
}

def Tern_DotPortable : I32EnumAttrCase<"Portable", 0, "portable">;
def Tern_DotX86Avx512Vnni
    : I32EnumAttrCase<"X86Avx512Vnni", 1, "x86_avx512_vnni">;
def Tern_DotX86AvxVnni : I32EnumAttrCase<"X86AvxVnni", 2, "x86_avx_vnni">;
def Tern_DotX86Avx2 : I32EnumAttrCase<"X86Avx2", 3, "x86_avx2">;
def Tern_DotAArch64Dotprod
    : I32EnumAttrCase<"AArch64Dotprod", 4, "aarch64_dotprod">;
def Tern_DotAArch64I8mm : I32EnumAttrCase<"AArch64I8mm", 5, "aarch64_i8mm">;
def Tern_DotNVVMDp4a : I32EnumAttrCase<"NVVMDp4a", 6, "nvvm_dp4a">;

def Tern_DotInstruction : I32EnumAttr<"DotInstruction",
    "the instruction tern-lower-kernel-ops maps tern.dot_u8s8 to",
    [Tern_DotPortable, Tern_DotX86Avx512Vnni, Tern_DotX86AvxVnni,
     Tern_DotX86Avx2, Tern_DotAArch64Dotprod, Tern_DotAArch64I8mm,
     Tern_DotNVVMDp4a]> {
  let cppNamespace = "::mlir::tern";
  let genSpecializedAttr = 0;
}

def Tern_DotInstructionAttr : EnumAttr<Tern_Dialect, Tern_DotInstruction,
                                       "dot_instruction"> {
  let summary = "The byte dot product instruction of a target";
  let description = [{
    Chosen by the target plug-in from its features: `vpdpbusd` on 512 or
    256 bits (`x86_avx512_vnni`, `x86_avx_vnni`), `vpmaddubsw` and
    `vpmaddwd` (`x86_avx2`, small codes only), `sdot` (`aarch64_dotprod`,
    small codes only), `usdot` (`aarch64_i8mm`), NVIDIA's `dp4a`
    (`nvvm_dp4a`), or portable vector code. IR spells them with
    underscores, which keywords allow; pass and tool options with hyphens
    (`dot=x86-avx512-vnni`).
  }];
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Run-time errors
//===----------------------------------------------------------------------===//

def Tern_RunErrorIndexOutOfRange
    : I32EnumAttrCase<"IndexOutOfRange", 1, "index_out_of_range">;
def Tern_RunErrorReshapeMismatch
    : I32EnumAttrCase<"ReshapeMismatch", 2, "reshape_mismatch">;
def Tern_RunErrorShapeMismatch
    : I32EnumAttrCase<"ShapeMismatch", 3, "shape_mismatch">;
def Tern_RunErrorSequenceLength
    : I32EnumAttrCase<"SequenceLength", 4, "sequence_length">;

def Tern_RunError : I32EnumAttr<"RunError",
    "why a run stops on its inputs",
    [Tern_RunErrorIndexOutOfRange, Tern_RunErrorReshapeMismatch,
     Tern_RunErrorShapeMismatch, Tern_RunErrorSequenceLength]> {
  let cppNamespace = "::mlir::tern";
  let genSpecializedAttr = 0;
}

def Tern_RunErrorAttr : EnumAttr<Tern_Dialect, Tern_RunError, "run_error"> {
  let summary = "Why a run stops on its inputs";
  let description = [{
    The error `tern.check` reports:

    * `index_out_of_range`: an index input (Gather, GatherElements,
      ScatterND, a loss's class index, a run-time axis) is outside its
      tensor, or a run-time Slice step is 0;
    * `reshape_mismatch`: a Reshape's sizes do not hold the input's
      element count;
    * `shape_mismatch`: sizes that must agree do not, or a size computed at
      run time is negative or differs from what shape inference promised;
    * `sequence_length`: an attention's sequence lengths do not fit the
      step's tokens and the cache.

    `tern-lower-checks` maps each to the runtime's error code
    (`TernRuntimeErrorCode` in `tern/ABI/ModelABI.h`).
  }];
  // Bare, so that it reads `tern.check %ok, shape_mismatch`.
  let assemblyFormat = "$value";
}

//===----------------------------------------------------------------------===//
// Packed weight layouts
//===----------------------------------------------------------------------===//

def Tern_PackFormatI2 : I32EnumAttrCase<"i2", 0>;
def Tern_PackFormatTQ1 : I32EnumAttrCase<"tq1", 1>;

def Tern_PackFormat : I32EnumAttr<"PackFormat",
    "byte encoding of packed ternary weights",
    [Tern_PackFormatI2, Tern_PackFormatTQ1]> {
  let cppNamespace = "::mlir::tern";
  let genSpecializedAttr = 0;
}

def Tern_PackFormatAttr : EnumAttr<Tern_Dialect, Tern_PackFormat,
                                   "pack_format"> {
  let assemblyFormat = "`<` $value `>`";
}

def Tern_PackedLayoutAttr : Tern_Attr<"PackedLayout", "layout"> {
  let summary = "Layout of packed ternary weights";
  let description = [{
    Names how a packed ternary weight matrix is stored.

    Each output row is split into blocks of `block` weights along K. A
    block is stored in `lanes = block / weights-per-byte` bytes, and byte
    `j` of a block holds weights `j`, `j + lanes`, `j + 2*lanes`, ... (the
    interleave of bitnet.cpp's I2_S): one SIMD load of `lanes` bytes yields,
    field by field, `lanes` consecutive weights. Codes are `w + 1`.

    * `i2`: four 2-bit codes per byte, weight `j + f*lanes` in bits
      `7-2f` and `6-2f`. `block` must be a positive multiple of 4.
    * `tq1`: five base-3 digits per byte (1.6 bits per weight, as dense as
      llama.cpp's TQ1_0), weight `j + f*lanes` as the digit of `3^f`, so a
      byte is below 243. `block` must be a positive multiple of 5.

    Each row is padded with zero weights up to a whole number of blocks.

    Example: `#tern.layout<i2, block = 128>`.
  }];
  let parameters = (ins
    EnumParameter<Tern_PackFormat>:$format,
    "int64_t":$block
  );
  let assemblyFormat = "`<` $format `,` `block` `=` $block `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Weights stored per byte: 4 for i2, 5 for tq1.
    int64_t getWeightsPerByte() const;
    /// Bytes one row of `k` weights occupies, padding included.
    int64_t getRowBytes(int64_t k) const;
  }];
}

#endif // TERN_DIALECT_TERN_IR_TERNATTRS_TD
