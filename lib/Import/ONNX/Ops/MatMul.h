//===- MatMul.h - numpy.matmul for converters -------------------*- C++ -*-===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_MATMUL_H
#define TERN_LIB_IMPORT_ONNX_OPS_MATMUL_H

#include "tern/Import/ONNX/NodeImporter.h"

namespace tern {

/// numpy.matmul of `lhs` and `rhs` (one float or signless integer type).
/// A 2-D `rhs` (a linear layer's weight) becomes a 2-D linalg.matmul on
/// `lhs` with its leading dimensions folded, which is the form
/// tern-ternarize looks for; other shapes become one batched
/// linalg.generic. Reports shape mismatches on the node.
mlir::FailureOr<mlir::Value> buildMatMul(NodeImporter &node, mlir::Value lhs,
                                         mlir::Value rhs);

/// A linear layer on `lhs` [..., K] with `n` outputs: the leading
/// dimensions are folded into rows for `build2D` (rows x K -> rows x n) and
/// unfolded again from its result.
mlir::Value
buildLinearLayer(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs,
                 int64_t n,
                 llvm::function_ref<mlir::Value(mlir::Value)> build2D);

/// `rows` [M, K] times the weight that `info` dequantizes ([K, N] when
/// `kMajor`, else [N, K]) as a tern.quant_matmul on the 8-bit codes as they
/// are, or null when its scales are not one per tensor or per output
/// channel.
mlir::Value buildQuantizedLinear(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value rows,
                                 const DequantizedConstant &info, bool kMajor);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_MATMUL_H
