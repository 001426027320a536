//===- GPUEmbedCubins.cpp - PTX and ptxas's cubins in one fatbin ----------===//

#include "tern/Codegen/Passes.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNGPUEMBEDCUBINS
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace llvm;

namespace {

/// A temporary file removed when it goes out of scope.
struct TempFile {
  SmallString<128> path;
  std::optional<FileRemover> remover;

  LogicalResult create(StringRef suffix) {
    if (sys::fs::createTemporaryFile("tern-gpu", suffix, path))
      return failure();
    remover.emplace(path);
    return success();
  }
};

/// "sm_80" -> "80".
StringRef getSmNumber(StringRef arch) {
  arch.consume_front("sm_");
  return arch;
}

struct TernGPUEmbedCubinsPass
    : public tern::impl::TernGPUEmbedCubinsBase<TernGPUEmbedCubinsPass> {
  using TernGPUEmbedCubinsBase::TernGPUEmbedCubinsBase;

  /// The fatbin of `ptx` and one cubin per arch, or failure with a message
  /// on `binary`.
  FailureOr<std::string> buildFatbin(gpu::BinaryOp binary, StringRef ptx) {
    TempFile ptxFile, fatbinFile;
    if (failed(ptxFile.create("ptx")) || failed(fatbinFile.create("fatbin")))
      return binary.emitError("cannot create temporary files for ptxas");
    {
      std::error_code ec;
      raw_fd_ostream out(ptxFile.path, ec);
      if (ec)
        return binary.emitError("cannot write ") << ptxFile.path;
      out << ptx;
    }
    // Every architecture's ptxas at once, each with its own log.
    struct Job {
      std::string arch;
      TempFile cubin, log;
      sys::ProcessInfo process;
    };
    SmallVector<std::unique_ptr<Job>> jobs;
    for (const std::string &arch : archs) {
      auto job = std::make_unique<Job>();
      job->arch = arch;
      if (failed(job->cubin.create("cubin")) || failed(job->log.create("log")))
        return binary.emitError("cannot create temporary files for ptxas");
      std::string archFlag = "-arch=" + arch;
      SmallVector<StringRef> args = {ptxas,        archFlag, "-O3",
                                     ptxFile.path, "-o",     job->cubin.path};
      std::optional<StringRef> redirects[] = {std::nullopt, job->log.path,
                                              job->log.path};
      std::string error;
      job->process =
          sys::ExecuteNoWait(ptxas, args, std::nullopt, redirects, 0, &error);
      if (job->process.Pid == sys::ProcessInfo::InvalidPid)
        return binary.emitError("cannot run ") << ptxas << ": " << error;
      jobs.push_back(std::move(job));
    }
    SmallVector<std::string> images = {
        "--image3=kind=ptx,sm=" + getSmNumber(archs.front()).str() +
        ",file=" + ptxFile.path.str().str()};
    bool failedAny = false;
    for (auto &job : jobs) {
      std::string error;
      sys::ProcessInfo done =
          sys::Wait(job->process, /*SecondsToWait=*/std::nullopt, &error);
      if (done.ReturnCode != 0) {
        auto log = MemoryBuffer::getFile(job->log.path);
        binary.emitError("ptxas for ")
            << job->arch << " failed: "
            << (log ? (*log)->getBuffer().trim() : StringRef(error));
        failedAny = true;
        continue;
      }
      images.push_back("--image3=kind=elf,sm=" + getSmNumber(job->arch).str() +
                       ",file=" + job->cubin.path.str().str());
    }
    if (failedAny)
      return failure();
    std::string create = "--create=" + fatbinFile.path.str().str();
    SmallVector<StringRef> args = {fatbinary, create, "-64"};
    args.append(images.begin(), images.end());
    std::string error;
    if (sys::ExecuteAndWait(fatbinary, args, std::nullopt, {}, 0, 0, &error) !=
        0)
      return binary.emitError("fatbinary failed: ") << error;
    auto fatbin = MemoryBuffer::getFile(fatbinFile.path);
    if (!fatbin)
      return binary.emitError("cannot read ") << fatbinFile.path;
    return (*fatbin)->getBuffer().str();
  }

  void runOnOperation() override {
    if (archs.empty())
      return;
    for (auto binary : getOperation().getOps<gpu::BinaryOp>()) {
      SmallVector<mlir::Attribute> objects;
      for (mlir::Attribute attr : binary.getObjects()) {
        auto object = cast<gpu::ObjectAttr>(attr);
        if (object.getFormat() != gpu::CompilationTarget::Assembly) {
          objects.push_back(object);
          continue;
        }
        FailureOr<std::string> fatbin =
            buildFatbin(binary, object.getObject().getValue());
        if (failed(fatbin))
          return signalPassFailure();
        objects.push_back(gpu::ObjectAttr::get(
            &getContext(), object.getTarget(), gpu::CompilationTarget::Fatbin,
            StringAttr::get(&getContext(), *fatbin), object.getProperties(),
            object.getKernels()));
      }
      binary.setObjectsAttr(ArrayAttr::get(&getContext(), objects));
    }
  }
};

} // namespace
