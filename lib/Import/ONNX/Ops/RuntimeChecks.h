//===- RuntimeChecks.h - Checks on sizes and values known at run time ----===//
//
// Dynamic dimensions and shape inputs computed at run time can make a model
// meaningless for particular inputs (a Reshape to the wrong element count,
// an index past the end). The importer guards them with tern.check, which
// stops the run with a message instead of letting it read outside a buffer
// (tern-lower-checks maps it to the runtime's error hook).
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_RUNTIMECHECKS_H
#define TERN_LIB_IMPORT_ONNX_OPS_RUNTIMECHECKS_H

#include "tern/Dialect/Tern/IR/TernOps.h"

#include "mlir/IR/Builders.h"

namespace tern {

using RunError = mlir::tern::RunError;

/// Stops the run with `error` when the i1 `failed` holds at run time.
void emitRuntimeCheck(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value failed, RunError error);

/// Stops the run with `error` unless the index values `actual` and
/// `expected` are equal at run time.
void emitRuntimeEqualityCheck(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value actual, mlir::Value expected,
                              RunError error);

/// Stops the run with RunError::IndexOutOfRange unless the
/// index value `length` lies in [0, `limit`] (a sequence length against
/// the steps there are).
void emitRuntimeLengthCheck(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value length, mlir::Value limit);

/// The index `rawIndex` (any integer type) names in a dimension of `size`,
/// negative ones counting from the back. An index outside [-size, size)
/// stops the run; the index returned is also clamped into range, so that
/// code which has not stopped yet never reads out of bounds.
mlir::Value checkedIndex(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value rawIndex, mlir::Value size);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_RUNTIMECHECKS_H
