//===- RuntimeChecks.h - Checks on sizes and values known at run time -*- C++
//-*-===//
//
// Dynamic dimensions and shape inputs computed at run time can make a model
// meaningless for particular inputs (a Reshape to the wrong element count,
// an index past the end). Compiled code then calls the runtime's error hook
// (see tern/Runtime/ModelDescriptor.h), which stops the run with a message
// instead of letting it read outside a buffer.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_LIB_IMPORT_ONNX_OPS_RUNTIMECHECKS_H
#define TERN_LIB_IMPORT_ONNX_OPS_RUNTIMECHECKS_H

#include "tern/Runtime/ModelDescriptor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace tern {

/// Stops the run with `code` when the i1 `failed` holds at run time.
void emitRuntimeCheck(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value failed, TernRuntimeErrorCode code);

/// Stops the run with `code` unless the index values `actual` and
/// `expected` are equal at run time.
void emitRuntimeEqualityCheck(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value actual, mlir::Value expected,
                              TernRuntimeErrorCode code);

/// Stops the run with TERN_RUNTIME_ERROR_INDEX_OUT_OF_RANGE unless the
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

/// Declares the runtime's error hook in `module` when checks call it. The
/// checks themselves cannot: they are often built inside op bodies that are
/// not attached to the module yet.
void declareRuntimeErrorHookIfUsed(mlir::ModuleOp module);

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_OPS_RUNTIMECHECKS_H
