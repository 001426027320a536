//===- TargetBackend.cpp - The target registry and shared defaults --------===//

#include "tern/Target/TargetBackend.h"

#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ManagedStatic.h"
#include "llvm/Support/Path.h"
#include "llvm/TargetParser/Host.h"

#include <mutex>

using namespace llvm;

namespace tern {

TargetBackend::~TargetBackend() = default;

void TargetBackend::buildPipeline(
    mlir::OpPassManager &pm,
    const mlir::tern::TernPipelineOptions &options) const {
  mlir::tern::buildTernToLLVMPipeline(pm, options);
}

Expected<LinkPlan> TargetBackend::planLink(const Triple &triple,
                                           const LinkEnvironment &env) const {
  LinkPlan plan;
  plan.libraries.push_back("-lm");
  Triple host(sys::getDefaultTargetTriple());
  if (triple.getArch() == host.getArch() && triple.getOS() == host.getOS()) {
    plan.runtimeDir = env.libraryDir;
    // A sanitizer build instruments the host runtime that models link, so
    // its models link the sanitizers too (scripts/fuzz.sh).
    if (StringRef(TERN_HOST_SANITIZERS).size()) {
      plan.driverFlags.push_back("-fsanitize=" TERN_HOST_SANITIZERS);
      plan.allowUndefined = true;
    }
    if (hasOpenMP()) {
      plan.libraries.push_back("-L" TERN_OPENMP_LIBRARY_DIR);
      plan.libraries.push_back("-lomp");
    }
    return plan;
  }
  // A cross target: its runtime was built by the cross compiler, and its
  // libomp comes from Debian's package of that architecture.
  std::string name = triple.getArchName().str() + "-" +
                     triple.getOSName().str() + "-" +
                     triple.getEnvironmentName().str();
  if (triple.getEnvironmentName().empty())
    name = triple.str();
  SmallString<256> runtimeDir(env.libraryDir);
  sys::path::append(runtimeDir, name);
  SmallString<256> ompDir(env.sysrootDir);
  sys::path::append(ompDir, name, "usr", "lib", name);
  SmallString<256> omp(ompDir);
  sys::path::append(omp, "libomp.so.5");
  if (!sys::fs::exists(runtimeDir))
    return createStringError(
        inconvertibleErrorCode(),
        "no Tern runtime built for " + name + " (looked in " + runtimeDir +
            "); configure the build with " + "its cross compiler installed");
  plan.driverFlags = {"--target=" + name, "-fuse-ld=lld"};
  plan.runtimeDir = std::string(runtimeDir);
  if (!hasOpenMP())
    return plan;
  if (!sys::fs::exists(omp))
    return createStringError(
        inconvertibleErrorCode(),
        "no OpenMP runtime for " + name + " (looked for " + omp +
            "); run scripts/fetch-cross-sysroot.sh for that architecture");
  plan.libraries.push_back("-L" + std::string(ompDir));
  plan.libraries.push_back("-l:libomp.so.5");
  return plan;
}

bool TargetBackend::hasFeature(const TargetMachine &machine,
                               StringRef feature) {
  return machine.getMCSubtargetInfo()->checkFeatures(feature);
}

namespace {
struct Registry {
  std::mutex mutex;
  SmallVector<std::unique_ptr<TargetBackend>> backends;
};
ManagedStatic<Registry> registry;
} // namespace

void registerTargetBackend(std::unique_ptr<TargetBackend> backend) {
  std::lock_guard<std::mutex> lock(registry->mutex);
  registry->backends.push_back(std::move(backend));
}

SmallVector<const TargetBackend *> getTargetBackends() {
  std::lock_guard<std::mutex> lock(registry->mutex);
  SmallVector<const TargetBackend *> result;
  for (const auto &backend : registry->backends)
    result.push_back(backend.get());
  return result;
}

Expected<const TargetBackend &> lookupTargetBackend(const Triple &triple) {
  std::string known;
  for (const TargetBackend *backend : getTargetBackends()) {
    if (backend->acceptsTriple(triple))
      return *backend;
    known += (known.empty() ? "" : ", ") + backend->getName().str();
  }
  return createStringError(inconvertibleErrorCode(),
                           "no Tern target compiles for '" + triple.str() +
                               "' (targets: " + known + ")");
}

} // namespace tern
