//===- TernTypes.td - Tern types ---------------------------*- tablegen -*-===//

#ifndef TERN_DIALECT_TERN_IR_TERNTYPES_TD
#define TERN_DIALECT_TERN_IR_TERNTYPES_TD

include "tern/Dialect/Tern/IR/TernAttrs.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

class Tern_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Tern_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def Tern_PackedWeightsType : Tern_Type<"PackedWeights", "packed"> {
  let summary = "A ternary N x K weight matrix in a packed layout";
  let description = [{
    The logical shape is `N x K` (output channels by input features). The
    layout attribute fixes how many bytes the matrix occupies:
    `N * layout.getRowBytes(K)`.

    Example: `!tern.packed<2560x2560, #tern.layout<i2, block = 128>>`.
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t">:$shape,
    "PackedLayoutAttr":$layout
  );
  let assemblyFormat = [{
    `<` custom<Shape>($shape) `,` qualified($layout) `>`
  }];
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getNumRows() const { return getShape()[0]; }
    int64_t getNumCols() const { return getShape()[1]; }
    /// Total storage in bytes.
    int64_t getNumBytes() const;
  }];
}

#endif // TERN_DIALECT_TERN_IR_TERNTYPES_TD
