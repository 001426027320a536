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
