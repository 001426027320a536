//===- Progress.h - Compile stages on stderr --------------------*- C++ -*-===//
//
// A 2B-parameter model takes a minute to compile; a user watching a
// terminal sees which stage it is in (import, finding ternary weights,
// packing, code generation, writing weights, link) and how far along it
// is. Nothing is printed when stderr is not a terminal or when asked to be
// quiet, so logs and tests stay clean.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_COMPILER_PROGRESS_H
#define TERN_COMPILER_PROGRESS_H

#include "mlir/Pass/PassInstrumentation.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Chrono.h"

#include <chrono>
#include <memory>
#include <string>

namespace tern {

class Progress {
public:
  /// Reports when `enabled` and stderr is a terminal.
  explicit Progress(bool enabled);
  ~Progress();

  /// Starts a stage: "ternc: [12.3 s] packing weights".
  void stage(llvm::StringRef name);
  /// Updates the current stage with how much of it is done.
  void update(uint64_t done, uint64_t total, llvm::StringRef unit);
  /// Clears the line (before the compiler prints anything else).
  void finish();

  /// A pass instrumentation that names each tern pass as it starts and the
  /// lowering as one stage.
  std::unique_ptr<mlir::PassInstrumentation> createInstrumentation();

  bool isEnabled() const { return enabled; }

private:
  void print(llvm::StringRef text);

  bool enabled;
  std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::time_point lastUpdate;
  std::string current;
  size_t lastWidth = 0;
};

} // namespace tern

#endif // TERN_COMPILER_PROGRESS_H
