//===- Linker.cpp - Link compiled models into libraries and programs ------===//

#include "tern/Compiler/Linker.h"

#include "llvm/Object/Archive.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace llvm;

namespace tern {

Expected<LinkEnvironment> findLinkEnvironment(const char *argv0) {
  LinkEnvironment env;
  std::string exe = sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&findLinkEnvironment));
  // The tool's own ../lib (build tree or install prefix), else where the
  // build put it.
  SmallString<256> prefix(sys::path::parent_path(sys::path::parent_path(exe)));
  SmallString<256> libraryDir(prefix);
  sys::path::append(libraryDir, "lib");
  SmallString<256> runtime(libraryDir);
  sys::path::append(runtime, "libtern_model_runtime.a");
  if (!sys::fs::exists(runtime)) {
    libraryDir = TERN_LIBRARY_DIR;
    prefix = sys::path::parent_path(libraryDir);
  }
  env.libraryDir = std::string(libraryDir);
  SmallString<256> sysroot(prefix);
  sys::path::append(sysroot, "sysroot");
  env.sysrootDir = std::string(sysroot);

  env.driver = TERN_LINKER_DRIVER;
  if (!sys::fs::can_execute(env.driver)) {
    auto found = sys::findProgramByName(sys::path::filename(env.driver));
    if (!found)
      return createStringError(found.getError(),
                               "cannot find the linker driver " + env.driver);
    env.driver = *found;
  }
  return env;
}

static Expected<std::string> findArchive(const LinkPlan &plan, StringRef name) {
  SmallString<256> path(plan.runtimeDir);
  sys::path::append(path, name);
  if (!sys::fs::exists(path))
    return createStringError(inconvertibleErrorCode(),
                             "cannot find " + name + " (looked in " +
                                 plan.runtimeDir + ")");
  return std::string(path);
}

/// The model object and every member of the runtime archive, in one
/// archive: users link one file.
static Error writeStaticLibrary(StringRef objectPath, StringRef outputPath,
                                StringRef runtimePath) {
  std::vector<NewArchiveMember> members;
  Expected<NewArchiveMember> model =
      NewArchiveMember::getFile(objectPath, /*Deterministic=*/true);
  if (!model)
    return model.takeError();
  model->MemberName = "model.o";
  members.push_back(std::move(*model));

  auto buffer = MemoryBuffer::getFile(runtimePath);
  if (!buffer)
    return createStringError(buffer.getError(),
                             "cannot read " + runtimePath.str());
  Expected<std::unique_ptr<object::Archive>> runtime =
      object::Archive::create((*buffer)->getMemBufferRef());
  if (!runtime)
    return runtime.takeError();
  Error childError = Error::success();
  for (const object::Archive::Child &child : (*runtime)->children(childError)) {
    Expected<NewArchiveMember> member =
        NewArchiveMember::getOldMember(child, /*Deterministic=*/true);
    if (!member)
      return member.takeError();
    members.push_back(std::move(*member));
  }
  if (childError)
    return childError;
  return writeArchive(outputPath, members, SymtabWritingMode::NormalSymtab,
                      object::Archive::K_GNU, /*Deterministic=*/true,
                      /*Thin=*/false);
}

Error linkModel(OutputKind kind, StringRef objectPath, StringRef outputPath,
                const LinkPlan &plan, const LinkEnvironment &env,
                StringRef mainArchive) {
  Expected<std::string> runtime = findArchive(plan, "libtern_model_runtime.a");
  if (!runtime)
    return runtime.takeError();
  if (kind == OutputKind::StaticLibrary)
    return writeStaticLibrary(objectPath, outputPath, *runtime);

  SmallVector<std::string> args = {env.driver};
  args.append(plan.driverFlags.begin(), plan.driverFlags.end());
  args.append({"-o", outputPath.str(), objectPath.str()});
  if (kind == OutputKind::SharedLibrary) {
    // The model object references nothing in the runtime; the runtime is
    // what exports the C API, so all of it goes in.
    args.insert(args.begin() + 1, "-shared");
    args.append({"-Wl,--whole-archive", *runtime, "-Wl,--no-whole-archive"});
  } else {
    Expected<std::string> runner = findArchive(plan, mainArchive);
    if (!runner)
      return runner.takeError();
    args.append({*runner, *runtime});
  }
  args.append(plan.libraries.begin(), plan.libraries.end());
  // Unresolved symbols fail here, not when the model is loaded.
  if (!plan.allowUndefined)
    args.push_back("-Wl,-z,defs");
  SmallVector<StringRef> argRefs(args.begin(), args.end());
  std::string error;
  int rc =
      sys::ExecuteAndWait(env.driver, argRefs, std::nullopt, {}, 0, 0, &error);
  if (rc != 0)
    return createStringError(inconvertibleErrorCode(),
                             "linking " + outputPath.str() + " failed (" +
                                 env.driver + " exited with " +
                                 std::to_string(rc) + ")" +
                                 (error.empty() ? "" : ": " + error));
  return Error::success();
}

std::string getStaticLibraryHeader(StringRef guard,
                                   StringRef signatureComment) {
  static const char kApi[] =
#include "TernModelHeader.inc"
      ;
  std::string text = "/* Generated by ternc for a static model library.\n";
  text += signatureComment.str();
  text += " */\n\n#ifndef " + guard.str() + "\n#define " + guard.str() + "\n\n";
  text += kApi;
  text += "\n#endif /* " + guard.str() + " */\n";
  return text;
}

} // namespace tern
