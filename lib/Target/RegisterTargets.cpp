//===- RegisterTargets.cpp - Every target Tern ships ----------------------===//
//
// A new target adds its folder under lib/Target/, its sources to
// lib/Target/CMakeLists.txt, and one line here.
//
//===----------------------------------------------------------------------===//

#include "tern/Target/TargetBackend.h"

#include <mutex>

namespace tern {

void registerX86TargetBackend();
void registerAArch64TargetBackend();
void registerRISCVTargetBackend();
void registerNVPTXTargetBackend();

void registerAllTargetBackends() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerX86TargetBackend();
    registerAArch64TargetBackend();
    registerRISCVTargetBackend();
    registerNVPTXTargetBackend();
  });
}

} // namespace tern
