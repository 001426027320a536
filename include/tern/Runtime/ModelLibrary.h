//===- ModelLibrary.h - Load a compiled model library -----------*- C++ -*-===//
//
// dlopen()s a model library ternc emitted and calls its C API. Used by
// tern-run and the Python bindings; plain C++ with no LLVM dependency.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_RUNTIME_MODELLIBRARY_H
#define TERN_RUNTIME_MODELLIBRARY_H

#include "tern/Runtime/TernRunner.h"

#include <memory>
#include <string>
#include <vector>

namespace tern {

class ModelLibrary {
public:
  /// Opens `path` and creates a model instance; null with `error` set on
  /// failure (not a model library, ABI mismatch, ...).
  static std::unique_ptr<ModelLibrary> open(const std::string &path,
                                            std::string &error);
  ~ModelLibrary();
  ModelLibrary(const ModelLibrary &) = delete;
  ModelLibrary &operator=(const ModelLibrary &) = delete;

  size_t getNumInputs() const;
  size_t getNumOutputs() const;
  const TernTensorInfo &getInputInfo(size_t i) const;
  const TernTensorInfo &getOutputInfo(size_t i) const;

  /// Runs the model; outputs are resized and owned by the caller (release
  /// each with `tern_tensor_release`). On failure returns the status and
  /// sets `error`.
  TernStatus run(const std::vector<TernTensor> &inputs,
                 std::vector<TernTensor> &outputs, std::string &error);

  /// The library's C API as a table, for the runner.
  const TernModelApi &getApi() const { return api; }
  TernModel *getModel() const { return model; }

private:
  ModelLibrary() = default;

  void *handle = nullptr;
  TernModelApi api = {};
  TernModel *model = nullptr;
};

} // namespace tern

#endif // TERN_RUNTIME_MODELLIBRARY_H
