//===- MatmulStrategy.h - Ternary matmul lowering strategies ----*- C++ -*-===//

#ifndef TERN_DIALECT_TERN_TRANSFORMS_MATMULSTRATEGY_H
#define TERN_DIALECT_TERN_TRANSFORMS_MATMULSTRATEGY_H

#include "llvm/Support/CommandLine.h"

namespace mlir {
namespace tern {

/// How `tern-lower-matmul` computes a ternary accumulation. Every strategy
/// gives bit-identical int32 accumulators; see docs/Strategies.md.
enum class MatmulStrategy {
  /// The target's preferred strategy (`dot` on today's CPU targets).
  Auto,
  /// Add the activation for +1, subtract it for -1, skip 0: no
  /// multiplication.
  AddSub,
  /// Multiply the activations by the 2-bit codes (w + 1) in {0, 1, 2} with
  /// integer dot products, then subtract the row's activation sum.
  Dot,
  /// Per row, tables of the partial sums of each pair of activations for
  /// every pair of codes; the weights' nibbles index them (T-MAC style).
  Lut,
};

/// The `llvm::cl` values of the strategy, for every option that takes one.
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

/// Formats `tern-pack-weights` can store weights in.
enum class PackChoice {
  /// Keep one i8 per weight.
  None,
  /// 2-bit codes (`#tern.layout<i2>`).
  I2,
  /// Five base-3 digits per byte (`#tern.layout<tq1>`).
  TQ1,
};

#define TERN_PACK_CHOICE_CL_VALUES                                             \
  ::llvm::cl::values(                                                          \
      clEnumValN(::mlir::tern::PackChoice::None, "none", "One i8 per weight"), \
      clEnumValN(::mlir::tern::PackChoice::I2, "i2",                           \
                 "2-bit codes, SIMD-interleaved"),                             \
      clEnumValN(::mlir::tern::PackChoice::TQ1, "tq1",                         \
                 "Base-3, five weights per byte"))

/// The byte dot product instruction `tern-lower-kernel-ops` maps
/// `tern.dot_u8s8` to; chosen by the target plug-in from its features.
enum class DotInstruction {
  Portable,
  X86Avx512Vnni,
  X86AvxVnni,
  X86Avx2,
  AArch64Dotprod,
  AArch64I8mm,
  NVVMDp4a,
};

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

} // namespace tern
} // namespace mlir

#endif // TERN_DIALECT_TERN_TRANSFORMS_MATMULSTRATEGY_H
