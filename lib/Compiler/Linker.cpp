//===- Linker.cpp - Link compiled models into libraries -------------------===//

#include "tern/Compiler/Linker.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace llvm;

namespace tern {

/// The model runtime archive: next to the tool's own lib/ directory (build
/// tree or install prefix), else where the build put it.
static Expected<std::string> findRuntimeArchive(const char *argv0) {
  std::string exe = sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&findRuntimeArchive));
  SmallString<256> candidate(sys::path::parent_path(exe));
  sys::path::append(candidate, "..", "lib", "libtern_model_runtime.a");
  if (sys::fs::exists(candidate))
    return std::string(candidate);
  if (sys::fs::exists(TERN_RUNTIME_ARCHIVE))
    return std::string(TERN_RUNTIME_ARCHIVE);
  return createStringError(inconvertibleErrorCode(),
                           "cannot find libtern_model_runtime.a (looked in " +
                               std::string(candidate) + " and " +
                               TERN_RUNTIME_ARCHIVE ")");
}

Error linkSharedLibrary(StringRef objectPath, StringRef outputPath,
                        StringRef triple, const char *argv0) {
  Expected<std::string> runtime = findRuntimeArchive(argv0);
  if (!runtime)
    return runtime.takeError();
  std::string driver = TERN_LINKER_DRIVER;
  if (!sys::fs::can_execute(driver)) {
    auto found = sys::findProgramByName(sys::path::filename(driver));
    if (!found)
      return createStringError(found.getError(),
                               "cannot find the linker driver " + driver);
    driver = *found;
  }
  // The model object references nothing in the runtime; the runtime is what
  // exports the C API, so all of it goes in.
  SmallVector<std::string> args = {driver, "-shared", "-o", outputPath.str(),
                                   objectPath.str(), "-Wl,--whole-archive",
                                   *runtime, "-Wl,--no-whole-archive", "-lm",
                                   "-L" TERN_OPENMP_LIBRARY_DIR, "-lomp",
                                   // Unresolved symbols fail here, not when
                                   // the model is loaded.
                                   "-Wl,-z,defs"};
  if (!triple.empty())
    args.insert(args.begin() + 1, "--target=" + triple.str());
  SmallVector<StringRef> argRefs(args.begin(), args.end());
  std::string error;
  int rc = sys::ExecuteAndWait(driver, argRefs, std::nullopt, {}, 0, 0, &error);
  if (rc != 0)
    return createStringError(inconvertibleErrorCode(),
                             "linking " + outputPath.str() + " failed (" +
                                 driver + " exited with " + std::to_string(rc) +
                                 ")" + (error.empty() ? "" : ": " + error));
  return Error::success();
}

} // namespace tern
