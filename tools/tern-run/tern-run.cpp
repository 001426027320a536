//===- tern-run.cpp - Run a compiled Tern model ---------------------------===//
//
// tern-run model.so [--input NAME=x.npy ...] [--output-dir DIR] [--bench N]
//                   [--threads N] [--seed S] [--dim NAME=SIZE ...]
//
// Loads the library and hands its C API to the runner that executables
// built with `ternc --emit=exe` link in, so both take the same flags.
//
//===----------------------------------------------------------------------===//

#include "tern/Runtime/ModelLibrary.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  const char *usage = "tern-run <model.so>";
  // The model is the first argument that is not a flag or a flag's value.
  std::vector<char *> flags;
  const char *modelPath = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (tern_runner_flag_takes_value(argv[i])) {
      flags.push_back(argv[i]);
      if (i + 1 < argc)
        flags.push_back(argv[++i]);
    } else if (argv[i][0] != '-' && !modelPath) {
      modelPath = argv[i];
    } else {
      flags.push_back(argv[i]);
    }
  }
  for (char *flag : flags)
    if (!std::strcmp(flag, "--help") || !std::strcmp(flag, "-h")) {
      tern_runner_print_help(usage);
      return 0;
    }
  if (!modelPath) {
    std::fprintf(stderr,
                 "tern-run: error: no model library (usage: %s "
                 "[options]; see --help)\n",
                 usage);
    return 1;
  }
  std::string error;
  // Opening the library creates a first instance, which maps the weights:
  // the load time the runner reports.
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<tern::ModelLibrary> library =
      tern::ModelLibrary::open(modelPath, error);
  double loadMillis = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  if (!library) {
    std::fprintf(stderr, "tern-run: error: %s\n", error.c_str());
    return 1;
  }
  return tern_runner_main_loaded(&library->getApi(), "tern-run", usage,
                                 static_cast<int>(flags.size()), flags.data(),
                                 loadMillis);
}
