//===- LoweringChoiceOptions.h - Lowering choices as cl values --*- C++ -*-===//
//
// The `llvm::cl` values of the dialect's lowering-choice enums
// (MatmulStrategy, PackChoice, DotInstruction in TernAttrs.td), for every
// pass and tool option that takes one.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_DIALECT_TERN_IR_LOWERINGCHOICEOPTIONS_H
#define TERN_DIALECT_TERN_IR_LOWERINGCHOICEOPTIONS_H

#include "tern/Dialect/Tern/IR/TernAttrs.h"

#include "llvm/Support/CommandLine.h"

#define TERN_MATMUL_STRATEGY_CL_VALUES                                         \
  ::llvm::cl::values(                                                          \
      clEnumValN(::mlir::tern::MatmulStrategy::Auto, "auto",                   \
                 "The target's preferred strategy"),                           \
      clEnumValN(::mlir::tern::MatmulStrategy::AddSub, "addsub",               \
                 "Select-based add/subtract, no multiplications"),             \
      clEnumValN(::mlir::tern::MatmulStrategy::Dot, "dot",                     \
                 "Integer dot products on the weight codes"),                  \
      clEnumValN(::mlir::tern::MatmulStrategy::Lut, "lut",                     \
                 "Lookup tables of activation partial sums"))

#define TERN_PACK_CHOICE_CL_VALUES                                             \
  ::llvm::cl::values(                                                          \
      clEnumValN(::mlir::tern::PackChoice::None, "none", "One i8 per weight"), \
      clEnumValN(::mlir::tern::PackChoice::I2, "i2",                           \
                 "2-bit codes, SIMD-interleaved"),                             \
      clEnumValN(::mlir::tern::PackChoice::TQ1, "tq1",                         \
                 "Base-3, five weights per byte"))

#define TERN_DOT_INSTRUCTION_CL_VALUES                                         \
  ::llvm::cl::values(                                                          \
      clEnumValN(::mlir::tern::DotInstruction::Portable, "portable",           \
                 "Portable vector code"),                                      \
      clEnumValN(::mlir::tern::DotInstruction::X86Avx512Vnni,                  \
                 "x86-avx512-vnni", "vpdpbusd on 512-bit vectors"),            \
      clEnumValN(::mlir::tern::DotInstruction::X86AvxVnni, "x86-avx-vnni",     \
                 "vpdpbusd on 256-bit vectors"),                               \
      clEnumValN(::mlir::tern::DotInstruction::X86Avx2, "x86-avx2",            \
                 "vpmaddubsw and vpmaddwd (small codes)"),                     \
      clEnumValN(::mlir::tern::DotInstruction::AArch64Dotprod,                 \
                 "aarch64-dotprod", "sdot (signed bytes, small codes)"),       \
      clEnumValN(::mlir::tern::DotInstruction::AArch64I8mm, "aarch64-i8mm",    \
                 "usdot (unsigned by signed bytes)"),                          \
      clEnumValN(::mlir::tern::DotInstruction::NVVMDp4a, "nvvm-dp4a",          \
                 "dp4a (unsigned by signed bytes), one lane at a time"))

#endif // TERN_DIALECT_TERN_IR_LOWERINGCHOICEOPTIONS_H
