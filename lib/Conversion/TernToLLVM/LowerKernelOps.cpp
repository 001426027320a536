//===- LowerKernelOps.cpp - Kernel-level tern ops to target code ----------===//

#include "tern/Conversion/Passes.h"
#include "tern/Dialect/Tern/IR/TernOps.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNLOWERKERNELOPS
#include "tern/Conversion/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;
using namespace mlir::tern;

namespace {

/// A byte dot product instruction: `lanes` i32 accumulator lanes, each
/// adding four byte products, as an LLVM intrinsic (acc, a, b) -> acc; or,
/// with `pairSum`, an intrinsic (a, b) -> 2 * lanes i16 sums of byte pairs
/// that `pairSum` adds into i32 lanes before the accumulator.
struct DotIntrinsic {
  StringRef name;
  int64_t lanes;
  /// The result is only exact when every code is below 128: the
  /// instruction reads both operands signed, or pair sums could saturate
  /// i16 (2 * 255 * 128 does not fit; 2 * 127 * 128 does).
  bool needsSmallCodes = false;
  StringRef pairSum = "";
};

std::optional<DotIntrinsic> getDotIntrinsic(DotInstruction dot) {
  switch (dot) {
  case DotInstruction::X86Avx512Vnni:
    return DotIntrinsic{"llvm.x86.avx512.vpdpbusd.512", 16};
  case DotInstruction::X86AvxVnni:
    return DotIntrinsic{"llvm.x86.avx512.vpdpbusd.256", 8};
  case DotInstruction::AArch64I8mm:
    return DotIntrinsic{"llvm.aarch64.neon.usdot.v4i32.v16i8", 4};
  case DotInstruction::AArch64Dotprod:
    return DotIntrinsic{"llvm.aarch64.neon.sdot.v4i32.v16i8", 4,
                        /*needsSmallCodes=*/true};
  case DotInstruction::X86Avx2:
    // vpmaddubsw then vpmaddwd with ones: AVX2's byte dot product.
    return DotIntrinsic{"llvm.x86.avx2.pmadd.ub.sw", 8,
                        /*needsSmallCodes=*/true, "llvm.x86.avx2.pmadd.wd"};
  case DotInstruction::Portable:
  case DotInstruction::NVVMDp4a:
    return std::nullopt;
  }
  llvm_unreachable("unknown dot instruction");
}

/// The target's instruction, once per `lanes` accumulator lanes.
struct DotToIntrinsic : public OpRewritePattern<DotU8S8Op> {
  DotToIntrinsic(MLIRContext *context, DotIntrinsic intrinsic)
      : OpRewritePattern(context, /*benefit=*/2), intrinsic(intrinsic) {}

  LogicalResult matchAndRewrite(DotU8S8Op op,
                                PatternRewriter &rewriter) const override {
    VectorType accType = op.getAcc().getType();
    int64_t lanes = accType.getNumElements();
    if (lanes % intrinsic.lanes != 0)
      return rewriter.notifyMatchFailure(op, "lanes are not a multiple of "
                                             "the instruction's");
    if (intrinsic.needsSmallCodes && !op.getSmallCodes())
      return rewriter.notifyMatchFailure(op, "the instruction needs "
                                             "codes below 128");
    Location loc = op.getLoc();
    auto chunkAcc =
        VectorType::get({intrinsic.lanes}, accType.getElementType());
    auto chunkBytes = VectorType::get({4 * intrinsic.lanes},
                                      op.getCodes().getType().getElementType());
    if (lanes == intrinsic.lanes) {
      rewriter.replaceOp(op, call(rewriter, loc, chunkAcc, op.getAcc(),
                                  op.getCodes(), op.getActivations()));
      return success();
    }
    Value result = op.getAcc();
    for (int64_t first = 0; first < lanes; first += intrinsic.lanes) {
      auto slice = [&](Value v, VectorType type, int64_t offset) -> Value {
        return vector::ExtractStridedSliceOp::create(
            rewriter, loc, v, ArrayRef<int64_t>{offset},
            ArrayRef<int64_t>{type.getNumElements()}, ArrayRef<int64_t>{1});
      };
      Value chunk =
          call(rewriter, loc, chunkAcc, slice(op.getAcc(), chunkAcc, first),
               slice(op.getCodes(), chunkBytes, 4 * first),
               slice(op.getActivations(), chunkBytes, 4 * first));
      result = vector::InsertStridedSliceOp::create(
          rewriter, loc, chunk, result, ArrayRef<int64_t>{first},
          ArrayRef<int64_t>{1});
    }
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  Value call(PatternRewriter &rewriter, Location loc, VectorType type,
             Value acc, Value codes, Value activations) const {
    auto intrinsicCall = [&](Type result, StringRef name, ValueRange args) {
      return LLVM::CallIntrinsicOp::create(rewriter, loc, result,
                                           rewriter.getStringAttr(name), args)
          .getResult(0);
    };
    if (intrinsic.pairSum.empty())
      return intrinsicCall(type, intrinsic.name,
                           ValueRange{acc, codes, activations});
    auto pairs =
        VectorType::get({2 * type.getNumElements()}, rewriter.getI16Type());
    Value pairSums =
        intrinsicCall(pairs, intrinsic.name, ValueRange{codes, activations});
    Value ones = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(pairs, rewriter.getI16IntegerAttr(1)));
    Value quads =
        intrinsicCall(type, intrinsic.pairSum, ValueRange{pairSums, ones});
    return arith::AddIOp::create(rewriter, loc, acc, quads);
  }

  DotIntrinsic intrinsic;
};

/// NVIDIA's dp4a, one i32 lane at a time: the NVVM op takes the four
/// codes (unsigned) and four activations (signed) of a lane as vectors.
struct DotToNVVMDp4a : public OpRewritePattern<DotU8S8Op> {
  DotToNVVMDp4a(MLIRContext *context)
      : OpRewritePattern(context, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(DotU8S8Op op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t lanes = op.getAcc().getType().getNumElements();
    auto unsignedBytes = NVVM::DotAccumulateTypeAttr::get(
        getContext(), NVVM::DotAccumulateType::UNSIGNED);
    auto signedBytes = NVVM::DotAccumulateTypeAttr::get(
        getContext(), NVVM::DotAccumulateType::SIGNED);
    auto slice = [&](Value v, int64_t lane) -> Value {
      return vector::ExtractStridedSliceOp::create(
          rewriter, loc, v, ArrayRef<int64_t>{4 * lane}, ArrayRef<int64_t>{4},
          ArrayRef<int64_t>{1});
    };
    Value result = op.getAcc();
    for (int64_t lane = 0; lane < lanes; ++lane) {
      Value acc = vector::ExtractOp::create(rewriter, loc, op.getAcc(),
                                            ArrayRef<int64_t>{lane});
      Value codes = slice(op.getCodes(), lane);
      Value activations = slice(op.getActivations(), lane);
      Value sum = NVVM::DotAccumulate4WayOp::create(
          rewriter, loc, rewriter.getI32Type(), codes, unsignedBytes,
          activations, signedBytes, acc);
      result = vector::InsertOp::create(rewriter, loc, sum, result,
                                        ArrayRef<int64_t>{lane});
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Portable: widen both to i32, multiply, fold groups of four lanes.
struct DotToVectorArith : public OpRewritePattern<DotU8S8Op> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DotU8S8Op op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    VectorType accType = op.getAcc().getType();
    int64_t lanes = accType.getNumElements();
    auto wide = VectorType::get({4 * lanes}, rewriter.getI32Type());
    Value codes = arith::ExtUIOp::create(rewriter, loc, wide, op.getCodes());
    Value activations =
        arith::ExtSIOp::create(rewriter, loc, wide, op.getActivations());
    Value products = arith::MulIOp::create(rewriter, loc, codes, activations);
    Value groups = vector::ShapeCastOp::create(
        rewriter, loc, VectorType::get({lanes, 4}, rewriter.getI32Type()),
        products);
    rewriter.replaceOpWithNewOp<vector::MultiDimReductionOp>(
        op, groups, op.getAcc(), ArrayRef<bool>{false, true},
        vector::CombiningKind::ADD);
    return success();
  }
};

struct LowerKernelOpsPass
    : public tern::impl::TernLowerKernelOpsBase<LowerKernelOpsPass> {
  using TernLowerKernelOpsBase::TernLowerKernelOpsBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // The target's instruction where it applies; portable code for the
    // rest.
    if (std::optional<DotIntrinsic> intrinsic = getDotIntrinsic(dot))
      patterns.add<DotToIntrinsic>(&getContext(), *intrinsic);
    if (dot == DotInstruction::NVVMDp4a)
      patterns.add<DotToNVVMDp4a>(&getContext());
    patterns.add<DotToVectorArith>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
