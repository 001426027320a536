//===- Progress.cpp - Compile stages on stderr ----------------------------===//

#include "tern/Compiler/Progress.h"

#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

using namespace tern;

Progress::Progress(bool enabled)
    : enabled(enabled && llvm::sys::Process::StandardErrIsDisplayed()),
      start(std::chrono::steady_clock::now()) {}

Progress::~Progress() { finish(); }

void Progress::print(llvm::StringRef text) {
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::string line = llvm::formatv("ternc: [{0:f1} s] {1}", seconds, text);
  std::string padding(lastWidth > line.size() ? lastWidth - line.size() : 0,
                      ' ');
  llvm::errs() << "\r" << line << padding;
  llvm::errs().flush();
  lastWidth = line.size();
}

void Progress::stage(llvm::StringRef name) {
  if (!enabled)
    return;
  current = name.str();
  print(current);
}

void Progress::update(uint64_t done, uint64_t total, llvm::StringRef unit) {
  if (!enabled)
    return;
  auto now = std::chrono::steady_clock::now();
  if (done != total && now - lastUpdate < std::chrono::milliseconds(200))
    return;
  lastUpdate = now;
  if (unit == "bytes")
    print(llvm::formatv("{0}: {1:f2} of {2:f2} GB", current, done / 1e9,
                        total / 1e9)
              .str());
  else
    print(
        llvm::formatv("{0}: {1} of {2} {3}", current, done, total, unit).str());
}

void Progress::finish() {
  if (!enabled || lastWidth == 0)
    return;
  llvm::errs() << "\r" << std::string(lastWidth, ' ') << "\r";
  llvm::errs().flush();
  lastWidth = 0;
}

namespace {

/// Each top-level tern pass is a stage of its own (they are where a large
/// model spends its weight work); the upstream lowering is one stage.
class ProgressInstrumentation : public mlir::PassInstrumentation {
public:
  explicit ProgressInstrumentation(Progress &progress) : progress(progress) {}

  void runBeforePass(mlir::Pass *pass, mlir::Operation *op) override {
    // Declarations (the runtime hooks) take no time to pass through.
    if (auto function = llvm::dyn_cast<mlir::FunctionOpInterface>(op))
      if (function.isExternal())
        return;
    llvm::StringRef arg = pass->getArgument();
    if (arg == "tern-fold-constants")
      progress.stage("folding constants");
    else if (arg == "tern-ternarize")
      progress.stage("finding ternary weights");
    else if (arg == "tern-quantize-weights")
      progress.stage("quantizing the head");
    else if (arg == "tern-quantize-acts")
      progress.stage("quantizing activations");
    else if (arg == "tern-pack-weights")
      progress.stage("packing weights");
    else if (arg == "tern-lower-matmul")
      progress.stage("generating kernels");
    else if (arg == "tern-export-entry")
      progress.stage("lowering to LLVM");
  }

private:
  Progress &progress;
};

} // namespace

std::unique_ptr<mlir::PassInstrumentation> Progress::createInstrumentation() {
  return std::make_unique<ProgressInstrumentation>(*this);
}
