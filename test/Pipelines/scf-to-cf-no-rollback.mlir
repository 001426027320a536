// The host and GPU pipelines lower scf to cf without the conversion
// driver's rollback (Pipelines.cpp, noRollback): with it, the records of
// every op that a lowered loop's block split moves took a 30-layer
// decoder's compile to gigabytes.
// RUN: tern-opt %s --pass-pipeline='builtin.module(tern-linalg-to-llvm)' --dump-pass-pipeline -o /dev/null 2>&1 | tr ',' '\n' | FileCheck %s
// RUN: tern-opt %s --pass-pipeline='builtin.module(tern-linalg-to-nvvm)' --dump-pass-pipeline -o /dev/null 2>&1 | tr ',' '\n' | FileCheck %s --check-prefix=GPU
// CHECK-NOT: convert-scf-to-cf{allow-pattern-rollback=true}
// CHECK: convert-scf-to-cf{allow-pattern-rollback=false}
// CHECK-NOT: convert-scf-to-cf
// GPU-NOT: convert-scf-to-cf{allow-pattern-rollback=true}
// GPU-COUNT-2: convert-scf-to-cf{allow-pattern-rollback=false}
// GPU-NOT: convert-scf-to-cf
module {}
