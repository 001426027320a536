//===- TernDialect.td - Tern dialect definition ------------*- tablegen -*-===//
//
// The tern dialect: ternary (1.58-bit) weights, their packed layouts and the
// multiplication-free matmuls that consume them.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_DIALECT_TERN_IR_TERNDIALECT_TD
#define TERN_DIALECT_TERN_IR_TERNDIALECT_TD

include "mlir/IR/OpBase.td"

def Tern_Dialect : Dialect {
  let name = "tern";
  let cppNamespace = "::mlir::tern";
  let summary = "Ternary (1.58-bit) neural-network weights and matmuls";
  let description = [{
    The `tern` dialect models BitNet b1.58-style linear layers: weights in
    {-1, 0, +1} times a per-tensor or per-output-channel scale, multiplied by
    float activations that are optionally quantized per token to int8.

    Ternary weights are carried as `i8` tensors whose values the verifiers
    prove to lie in {-1, 0, 1}. Weights are laid out `N x K` (output channel
    major, like `torch.nn.Linear`), which is the order every ternary kernel
    and packed format walks them in. Packed weights have their own type,
    `!tern.packed`, whose layout attribute names the format so that
    verifiers can check byte counts and shapes.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();

    /// The compiled model's interface, which importers write and the
    /// compiler reads: the entry function, and on its arguments and
    /// results the value's name and each dimension's symbolic size (an
    /// ONNX `dim_param`, "" for none). The names keep their ONNX prefix,
    /// which hand-written models use too.
    static constexpr ::llvm::StringLiteral kEntryName = "main_graph";
    static constexpr ::llvm::StringLiteral kValueNameAttr = "onnx.name";
    static constexpr ::llvm::StringLiteral kDimParamsAttr = "onnx.dim_params";
  }];
}

class Tern_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tern_Dialect, mnemonic, traits>;

#endif // TERN_DIALECT_TERN_IR_TERNDIALECT_TD
