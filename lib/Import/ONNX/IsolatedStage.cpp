//===- IsolatedStage.cpp - libonnx stages run in a child process ----------===//

#include "IsolatedStage.h"

#include "llvm/ADT/Twine.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace tern;

namespace {

/// What a child reports before it exits: the stage's result or message.
enum Outcome : char { kResult = 'R', kException = 'E' };

bool writeAll(int fd, const char *data, size_t size) {
  while (size) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    size -= size_t(n);
  }
  return true;
}

/// The child's side: run the stage, send back the outcome, exit without
/// running the parent's atexit handlers or flushing its stdio.
[[noreturn]] void runChild(int fd, onnx::ModelProto &model,
                           llvm::function_ref<void(onnx::ModelProto &)> stage) {
  // A fault must end the child plainly: not in the compiler's or a
  // sanitizer's handler, which would report it as the compiler's own crash.
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
    std::signal(signal, SIG_DFL);
  std::string message(1, kResult);
  try {
    stage(model);
    if (!model.AppendToString(&message))
      message = std::string(1, kException) + "the result does not serialize";
  } catch (const std::exception &e) {
    message = std::string(1, kException) + e.what();
  }
  bool sent = writeAll(fd, message.data(), message.size());
  _exit(sent ? 0 : 1);
}

/// Forks, runs the stage in the child and collects what it sent. Returns
/// false when the child crashed (or could not be started).
bool runInChild(const onnx::ModelProto &model,
                llvm::function_ref<void(onnx::ModelProto &)> stage,
                std::string &received, std::string &failure) {
  int fds[2];
  if (pipe(fds) != 0) {
    failure = std::string("cannot create a pipe: ") + std::strerror(errno);
    return false;
  }
  pid_t pid = fork();
  if (pid < 0) {
    failure = std::string("cannot fork: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {
    close(fds[0]);
    onnx::ModelProto copy = model;
    runChild(fds[1], copy, stage);
  }
  close(fds[1]);
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    received.append(buffer, size_t(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    failure = strsignal(WTERMSIG(status));
    return false;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || received.empty()) {
    failure = "it ended without a result";
    return false;
  }
  return true;
}

} // namespace

llvm::Error tern::runIsolated(
    onnx::ModelProto &model, llvm::function_ref<void(onnx::ModelProto &)> stage,
    llvm::function_ref<std::string(const onnx::ModelProto &)> describeCrash) {
  std::string received, failure;
  if (!runInChild(model, stage, received, failure)) {
    std::string culprit = describeCrash(model);
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        ("libonnx crashes" + (culprit.empty() ? "" : " on " + culprit) + " (" +
         failure + "), the model is malformed")
            .c_str());
  }
  if (received[0] == kException)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   received.substr(1).c_str());
  onnx::ModelProto result;
  if (!result.ParseFromArray(received.data() + 1, int(received.size() - 1)))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "its result does not parse");
  model = std::move(result);
  return llvm::Error::success();
}

bool tern::crashesIsolated(const onnx::ModelProto &model,
                           llvm::function_ref<void(onnx::ModelProto &)> stage) {
  std::string received, failure;
  return !runInChild(model, stage, received, failure);
}
