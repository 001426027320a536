//===- Signedness.h - ONNX's unsigned integers on signless arith -*- C++
//-*-===//
//
// ONNX UINT8..UINT64 values are `ui8`..`ui64` tensors, so that model
// signatures carry them and converters that do not handle them reject them
// by type. `arith` computes on signless integers only: converters that
// accept unsigned values compute on the signless view of each element and
// pick the unsigned operation (divui, cmpi ult, extui, uitofp) themselves.
// The scalar views are `builtin.unrealized_conversion_cast`s between
// integers of one width; they vanish when the LLVM type converter maps
// both to the same LLVM integer.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_SIGNEDNESS_H
#define TERN_LIB_IMPORT_ONNX_OPS_SIGNEDNESS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace tern {

/// `type` with a signless integer in place of a signed or unsigned one.
mlir::Type getSignlessType(mlir::Type type);

/// The signless view of a scalar; other scalars are returned unchanged.
mlir::Value castToSignless(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value scalar);

/// A signless scalar viewed as `type`, which has the same width.
mlir::Value castFromSignless(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value scalar, mlir::Type type);

/// A tensor holding `value`. `arith.constant` only takes signless
/// integers, so an unsigned constant is a signless one viewed as unsigned.
mlir::Value buildConstantTensor(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::DenseElementsAttr value);

/// A tensor of `type` holding `bits`, the signless contents (a dense or a
/// `dense_resource` attribute of the signless element type): unsigned types
/// get the same view as in `buildConstantTensor`.
mlir::Value buildConstantTensor(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::ElementsAttr bits,
                                mlir::RankedTensorType type);

/// The contents of `value` when `buildConstantTensor` (or any
/// `arith.constant`) made it; null otherwise.
mlir::DenseElementsAttr matchConstantTensor(mlir::Value value);

/// Like `matchConstantTensor`, for dense and resource (large initializer)
/// contents alike, in their signless element type.
mlir::ElementsAttr matchConstantBits(mlir::Value value);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_SIGNEDNESS_H
