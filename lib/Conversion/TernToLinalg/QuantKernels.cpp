//===- QuantKernels.cpp - 4- and 8-bit weight contraction kernels ---------===//
//
// One kernel shape for both activation types:
//
//   for n < N:                        (parallel: a channel's codes are read
//     for m < M:                       once, for every row, from L1)
//       for each step of 64 weights:  (scf.for)
//         codes = 64 codes of row n   (32 bytes of 4-bit codes split into
//                                      nibbles and interleaved back into K
//                                      order, or 64 bytes)
//         float: acc += x * (codes * s - z * s), 16 lanes at a time
//         int8:  acc += float(dot_u8s8(codes, q_x)) * s_w * s_x per lane
//       y[m, n] = reduce(acc)          (int8: minus sum_b s_x s_w z sum q_x)
//
// Each lane of the int8 dot product sums four consecutive weights, which a
// block of 16 or more never splits, so each lane takes the scales of its
// own block.
//
//===----------------------------------------------------------------------===//

#include "tern/Conversion/TernToLinalg/QuantKernels.h"
#include "tern/Conversion/TernToLinalg/TensorBuilders.h"
#include "tern/Dialect/Tern/IR/TernOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tern;

namespace {

constexpr int64_t kStep = kQuantKernelStep;
/// Lanes of the float accumulator and of the int8 dot product's result.
constexpr int64_t kLanes = 16;

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// `lanes` elements of row `row` of `source` from `column`; past the end
/// of the row, zero unless `inBounds` promises there is no end.
Value readRow(OpBuilder &b, Location loc, Value source, Value row, Value column,
              int64_t lanes, bool inBounds = false) {
  Type element = cast<ShapedType>(source.getType()).getElementType();
  return loadRow(b, loc, source, row, column, VectorType::get({lanes}, element),
                 inBounds);
}

/// The 64 codes of channel `n` from step `step`, in K order, as unsigned
/// bytes (zero past the end of the row). `inBounds`: no step reaches past
/// a row.
Value loadCodes(OpBuilder &b, Location loc, const QuantWeights &w, Value n,
                Value step, bool inBounds) {
  if (w.bits == 8)
    return readRow(
        b, loc, w.codes, n,
        arith::MulIOp::create(b, loc, step, indexConst(b, loc, kStep)), kStep,
        inBounds);
  // Two codes a byte, the first in the low nibble. The shift is on i32
  // lanes (x86 has no byte shifts); the mask drops what crosses bytes.
  Value bytes = readRow(
      b, loc, w.codes, n,
      arith::MulIOp::create(b, loc, step, indexConst(b, loc, kStep / 2)),
      kStep / 2, inBounds);
  auto words = VectorType::get({kStep / 8}, b.getI32Type());
  Value wide = vector::BitCastOp::create(b, loc, words, bytes);
  Value nibbles = createSplat(b, loc, words, 0x0F0F0F0F);
  Value low = arith::AndIOp::create(b, loc, wide, nibbles);
  Value high = arith::AndIOp::create(
      b, loc,
      arith::ShRUIOp::create(b, loc, wide, createSplat(b, loc, words, 4)),
      nibbles);
  Type byteType = bytes.getType();
  return vector::InterleaveOp::create(
      b, loc, vector::BitCastOp::create(b, loc, byteType, low),
      vector::BitCastOp::create(b, loc, byteType, high));
}

/// Whether `steps` steps of 64 codes stay inside each row of codes.
bool stepsInBounds(const QuantWeights &w, int64_t steps) {
  int64_t rowBytes = cast<ShapedType>(w.codes.getType()).getDimSize(1);
  return steps * kStep * w.bits / 8 <= rowBytes;
}

/// A sum of the lanes in a tree (reassociated, the same order for every
/// output and thread count): an ordered sum of 16 floats is 16 dependent
/// adds.
Value sumLanes(OpBuilder &b, Location loc, Value vector) {
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, vector,
                                     arith::FastMathFlags::reassoc);
}

/// Activations quantized per block: codes [M, paddedK] (zero past K), and
/// per block [M, paddedK / block] the absmax and the sum of the codes.
struct QuantizedActivations {
  Value codes, absmax, sums;
  int64_t paddedK, blocks;
};

QuantizedActivations quantizeActivations(OpBuilder &b, Location loc,
                                         Value input, int64_t block) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t k = type.getDimSize(1);
  int64_t unit = std::max(kStep, block);
  QuantizedActivations result;
  result.paddedK = llvm::divideCeil(k, unit) * unit;
  result.blocks = result.paddedK / block;
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type(), i8 = b.getI8Type();
  Value zero = createSplat(b, loc, f32, 0.0);
  int64_t rows = type.getDimSize(0);

  Value padded = input;
  if (result.paddedK != k) {
    SmallVector<Value> dynamicRows;
    if (ShapedType::isDynamic(rows))
      dynamicRows.push_back(tensor::DimOp::create(b, loc, input, 0));
    padded = tensor::createPadHighOp(
        RankedTensorType::get({rows, result.paddedK}, f32), input, zero,
        /*nofold=*/false, loc, b, dynamicRows);
  }
  SmallVector<OpFoldResult> blockShape = {
      tensor::getMixedSize(b, loc, input, 0), b.getIndexAttr(result.blocks),
      b.getIndexAttr(block)};
  SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
  Value blocked = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({rows, result.blocks, block}, f32), padded,
      split, blockShape);

  AffineMap identity = b.getMultiDimIdentityMap(3);
  AffineMap perBlock = AffineMap::get(
      3, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)}, ctx);
  // Owned here: an ArrayRef of a braced list would outlive the list.
  const utils::IteratorType reduceBlocks[] = {utils::IteratorType::parallel,
                                              utils::IteratorType::parallel,
                                              utils::IteratorType::reduction};
  // A reduction over each block: [M, blocks, block] -> [M, blocks], from 0.
  auto reducePerBlock =
      [&](Value source,
          function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
        Value init = createFilledLike(b, loc, input, {rows, result.blocks},
                                      b.getF32FloatAttr(0.0f));
        return linalg::GenericOp::create(
                   b, loc, init.getType(), source, init,
                   ArrayRef<AffineMap>{identity, perBlock}, reduceBlocks,
                   [&](OpBuilder &nb, Location nloc, ValueRange args) {
                     linalg::YieldOp::create(
                         nb, nloc, combine(nb, nloc, args[0], args[1]));
                   })
            .getResult(0);
      };
  result.absmax = reducePerBlock(
      blocked, [](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
        return arith::MaximumFOp::create(nb, nloc, acc,
                                         math::AbsFOp::create(nb, nloc, x));
      });

  Value codesInit =
      createEmptyLike(b, loc, input, {rows, result.blocks, block}, i8);
  Value codes =
      linalg::GenericOp::create(
          b, loc, codesInit.getType(), ValueRange{blocked, result.absmax},
          codesInit, ArrayRef<AffineMap>{identity, perBlock, identity},
          SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value absmax = args[1];
            Value positive =
                arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGT,
                                      absmax, createSplat(nb, nloc, f32, 0.0));
            Value inverse = arith::SelectOp::create(
                nb, nloc, positive,
                arith::DivFOp::create(
                    nb, nloc, createSplat(nb, nloc, f32, 127.0), absmax),
                createSplat(nb, nloc, f32, 0.0));
            Value scaled = math::RoundEvenOp::create(
                nb, nloc, arith::MulFOp::create(nb, nloc, args[0], inverse));
            Value clamped = arith::MinimumFOp::create(
                nb, nloc,
                arith::MaximumFOp::create(nb, nloc, scaled,
                                          createSplat(nb, nloc, f32, -127.0)),
                createSplat(nb, nloc, f32, 127.0));
            linalg::YieldOp::create(
                nb, nloc,
                ValueRange{arith::FPToSIOp::create(nb, nloc, i8, clamped)});
          })
          .getResult(0);

  result.sums = reducePerBlock(
      codes, [&](OpBuilder &nb, Location nloc, Value q, Value acc) -> Value {
        return arith::AddFOp::create(nb, nloc, acc,
                                     arith::SIToFPOp::create(nb, nloc, f32, q));
      });
  result.codes = tensor::CollapseShapeOp::create(b, loc, codes, split);
  return result;
}

/// The per-lane products `sa[b] * sw[b]` of one int8 step: each lane's four
/// weights lie in block `(step * 64 + 4 * lane) / block`.
Value stepScales(OpBuilder &b, Location loc, const QuantWeights &w,
                 const QuantizedActivations &acts, Value m, Value n,
                 Value step) {
  Type f32 = b.getF32Type();
  auto laneType = VectorType::get({kLanes}, f32);
  int64_t weightBlocks = llvm::divideCeil(w.k, w.block);
  if (w.block >= kStep) {
    Value first =
        arith::MulIOp::create(b, loc, step, indexConst(b, loc, kStep));
    Value blockIndex =
        arith::DivUIOp::create(b, loc, first, indexConst(b, loc, w.block));
    // Steps past the weights' last block meet zero activations.
    Value weightBlock = arith::MinUIOp::create(
        b, loc, blockIndex, indexConst(b, loc, weightBlocks - 1));
    Value sa = tensor::ExtractOp::create(b, loc, acts.absmax,
                                         ValueRange{m, blockIndex});
    Value sw =
        tensor::ExtractOp::create(b, loc, w.scales, ValueRange{n, weightBlock});
    return vector::BroadcastOp::create(b, loc, laneType,
                                       arith::MulFOp::create(b, loc, sa, sw));
  }
  int64_t perStep = kStep / w.block;
  Value first =
      arith::MulIOp::create(b, loc, step, indexConst(b, loc, perStep));
  Value sa = readRow(b, loc, acts.absmax, m, first, perStep,
                     /*inBounds=*/true);
  Value sw = readRow(b, loc, w.scales, n, first, perStep,
                     /*inBounds=*/acts.blocks == weightBlocks);
  Value product = arith::MulFOp::create(b, loc, sa, sw);
  SmallVector<int64_t> lanes;
  for (int64_t lane = 0; lane < kLanes; ++lane)
    lanes.push_back(4 * lane / w.block);
  return vector::ShuffleOp::create(b, loc, product, product, lanes);
}

/// `sum_b sa[m, b] * sums[m, b] * sw[n, b] * z[n, b]`: what the zero points
/// take from the int8 dot products.
Value zeroPointCorrection(OpBuilder &b, Location loc, const QuantWeights &w,
                          const QuantizedActivations &acts, Value m, Value n) {
  Type f32 = b.getF32Type();
  auto laneType = VectorType::get({kLanes}, f32);
  int64_t chunks = llvm::divideCeil(acts.blocks, kLanes);
  int64_t weightBlocks = llvm::divideCeil(w.k, w.block);
  bool actsInBounds = acts.blocks % kLanes == 0;
  bool weightsInBounds = actsInBounds && weightBlocks == acts.blocks;
  auto loop = scf::ForOp::create(
      b, loc, indexConst(b, loc, 0), indexConst(b, loc, chunks),
      indexConst(b, loc, 1), ValueRange{createSplat(b, loc, laneType, 0.0)},
      [&](OpBuilder &lb, Location, Value chunk, ValueRange state) {
        Value first =
            arith::MulIOp::create(lb, loc, chunk, indexConst(lb, loc, kLanes));
        Value sa =
            readRow(lb, loc, acts.absmax, m, first, kLanes, actsInBounds);
        Value sums =
            readRow(lb, loc, acts.sums, m, first, kLanes, actsInBounds);
        Value sw =
            readRow(lb, loc, w.scales, n, first, kLanes, weightsInBounds);
        Value z = w.zeroPoints
                      ? readRow(lb, loc, w.zeroPoints, n, first, kLanes,
                                weightsInBounds)
                      : createSplat(lb, loc, laneType, w.defaultZeroPoint);
        Value acts = arith::MulFOp::create(lb, loc, sa, sums);
        Value weights = arith::MulFOp::create(lb, loc, sw, z);
        scf::YieldOp::create(lb, loc,
                             ValueRange{vector::FMAOp::create(
                                 lb, loc, acts, weights, state[0])});
      });
  return sumLanes(b, loc, loop.getResult(0));
}

/// Outputs (rows[i], n) of the int8 kernel: the codes of each step are
/// decoded once for all the rows.
SmallVector<Value> int8Outputs(OpBuilder &b, Location loc,
                               const QuantWeights &w,
                               const QuantizedActivations &acts,
                               ArrayRef<Value> rows, Value n) {
  Type f32 = b.getF32Type();
  auto laneType = VectorType::get({kLanes}, f32);
  auto dotType = VectorType::get({kLanes}, b.getI32Type());
  int64_t steps = acts.paddedK / kStep;
  bool inBounds = stepsInBounds(w, steps);
  SmallVector<Value> inits(rows.size(), createSplat(b, loc, laneType, 0.0));
  auto loop = scf::ForOp::create(
      b, loc, indexConst(b, loc, 0), indexConst(b, loc, steps),
      indexConst(b, loc, 1), inits,
      [&](OpBuilder &lb, Location, Value step, ValueRange state) {
        Value codes = loadCodes(lb, loc, w, n, step, inBounds);
        Value column =
            arith::MulIOp::create(lb, loc, step, indexConst(lb, loc, kStep));
        SmallVector<Value> next;
        for (auto [m, acc] : llvm::zip(rows, state)) {
          Value x = readRow(lb, loc, acts.codes, m, column, kStep,
                            /*inBounds=*/true);
          // 4-bit codes are below 128, which every byte dot product takes.
          Value dot =
              DotU8S8Op::create(lb, loc, createSplat(lb, loc, dotType, 0),
                                codes, x, /*small_codes=*/w.bits == 4);
          Value dotF = arith::SIToFPOp::create(lb, loc, laneType, dot);
          Value scales = stepScales(lb, loc, w, acts, m, n, step);
          next.push_back(vector::FMAOp::create(lb, loc, dotF, scales, acc));
        }
        scf::YieldOp::create(lb, loc, next);
      });
  SmallVector<Value> outputs;
  for (auto [m, acc] : llvm::zip(rows, loop.getResults())) {
    Value total = sumLanes(b, loc, acc);
    Value corrected = arith::SubFOp::create(
        b, loc, total, zeroPointCorrection(b, loc, w, acts, m, n));
    // The activations' scales are absmax / 127.
    outputs.push_back(arith::MulFOp::create(
        b, loc, corrected, createSplat(b, loc, f32, 1.0 / 127.0)));
  }
  return outputs;
}

/// Outputs (rows[i], n) of the float kernel: each step's codes are
/// dequantized once for all the rows.
SmallVector<Value> floatOutputs(OpBuilder &b, Location loc,
                                const QuantWeights &w, Value input,
                                ArrayRef<Value> rows, Value n) {
  Type f32 = b.getF32Type();
  auto laneType = VectorType::get({kLanes}, f32);
  int64_t weightBlocks = llvm::divideCeil(w.k, w.block);
  int64_t steps = llvm::divideCeil(w.k, kStep);
  bool inBounds = stepsInBounds(w, steps);
  // Activations past K read as zero unless K fills whole steps.
  bool inputInBounds =
      w.k % kStep == 0 && !cast<ShapedType>(input.getType()).isDynamicDim(1);
  SmallVector<Value> inits(rows.size(), createSplat(b, loc, laneType, 0.0));
  auto loop = scf::ForOp::create(
      b, loc, indexConst(b, loc, 0), indexConst(b, loc, steps),
      indexConst(b, loc, 1), inits,
      [&](OpBuilder &lb, Location, Value step, ValueRange state) {
        Value codes = loadCodes(lb, loc, w, n, step, inBounds);
        SmallVector<Value> accs(state);
        for (int64_t part = 0; part < kStep / kLanes; ++part) {
          Value partCodes = vector::ExtractStridedSliceOp::create(
              lb, loc, codes, ArrayRef<int64_t>{part * kLanes},
              ArrayRef<int64_t>{kLanes}, ArrayRef<int64_t>{1});
          Value q = arith::UIToFPOp::create(lb, loc, laneType, partCodes);
          Value column = arith::AddIOp::create(
              lb, loc,
              arith::MulIOp::create(lb, loc, step, indexConst(lb, loc, kStep)),
              indexConst(lb, loc, part * kLanes));
          // A block of 16 or more holds these 16 weights whole.
          Value blockIndex = arith::MinUIOp::create(
              lb, loc,
              arith::DivUIOp::create(lb, loc, column,
                                     indexConst(lb, loc, w.block)),
              indexConst(lb, loc, weightBlocks - 1));
          Value scale = tensor::ExtractOp::create(lb, loc, w.scales,
                                                  ValueRange{n, blockIndex});
          Value zeroPoint =
              w.zeroPoints
                  ? Value(tensor::ExtractOp::create(lb, loc, w.zeroPoints,
                                                    ValueRange{n, blockIndex}))
                  : createSplat(lb, loc, f32, w.defaultZeroPoint);
          Value offset = arith::NegFOp::create(
              lb, loc, arith::MulFOp::create(lb, loc, zeroPoint, scale));
          Value weight = vector::FMAOp::create(
              lb, loc, q, vector::BroadcastOp::create(lb, loc, laneType, scale),
              vector::BroadcastOp::create(lb, loc, laneType, offset));
          for (auto [m, acc] : llvm::zip(rows, accs)) {
            Value x = readRow(lb, loc, input, m, column, kLanes, inputInBounds);
            acc = vector::FMAOp::create(lb, loc, x, weight, acc);
          }
        }
        scf::YieldOp::create(lb, loc, accs);
      });
  SmallVector<Value> outputs;
  for (Value acc : loop.getResults())
    outputs.push_back(sumLanes(b, loc, acc));
  return outputs;
}

/// The kernel over (channel, row): a linalg.generic of one output per
/// point over every row when `rowTiles` is null, else an scf.forall over
/// channels and `rowTiles` whole tiles of `rowTile` rows from `firstRow`,
/// whose outputs are one column slice (written in place).
Value buildKernel(OpBuilder &b, Location loc, Value input, Value init,
                  const QuantWeights &w,
                  const std::optional<QuantizedActivations> &acts,
                  int64_t rowTile, Value firstRow = Value(),
                  Value rowTiles = Value()) {
  Type f32 = b.getF32Type();
  MLIRContext *ctx = b.getContext();
  auto outputs = [&](OpBuilder &nb, ArrayRef<Value> rows, Value n) {
    return acts ? int8Outputs(nb, loc, w, *acts, rows, n)
                : floatOutputs(nb, loc, w, input, rows, n);
  };
  if (!rowTiles) {
    AffineMap outputMap = AffineMap::get(
        2, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(0, ctx)}, ctx);
    return linalg::GenericOp::create(
               b, loc, init.getType(), ValueRange{}, init,
               ArrayRef<AffineMap>{outputMap},
               ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                             utils::IteratorType::parallel},
               [&](OpBuilder &nb, Location, ValueRange) {
                 Value n = linalg::IndexOp::create(nb, loc, 0);
                 Value m = linalg::IndexOp::create(nb, loc, 1);
                 linalg::YieldOp::create(nb, loc, outputs(nb, {m}, n));
               })
        .getResult(0);
  }
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(w.n), rowTiles},
      ValueRange{init}, std::nullopt,
      [&](OpBuilder &nb, Location, ValueRange args) {
        Value n = args[0], tile = args[1], out = args[2];
        Value first = arith::AddIOp::create(
            nb, loc, firstRow,
            arith::MulIOp::create(nb, loc, tile, indexConst(nb, loc, rowTile)));
        SmallVector<Value> tileRows = {first};
        for (int64_t r = 1; r < rowTile; ++r)
          tileRows.push_back(
              arith::AddIOp::create(nb, loc, first, indexConst(nb, loc, r)));
        SmallVector<Value> ys = outputs(nb, tileRows, n);
        Value column = vector::ShapeCastOp::create(
            nb, loc, VectorType::get({rowTile, 1}, f32),
            vector::FromElementsOp::create(
                nb, loc, VectorType::get({rowTile}, f32), ys));
        writeFromForall(nb, loc, out, {column}, {{first, n}});
      });
  return forall.getResult(0);
}

} // namespace

Value mlir::tern::buildQuantContraction(OpBuilder &b, Location loc, Value input,
                                        const QuantWeights &weights,
                                        bool int8Activations, int64_t rowTile) {
  std::optional<QuantizedActivations> acts;
  if (int8Activations)
    acts = quantizeActivations(b, loc, input, weights.block);
  auto inputType = cast<RankedTensorType>(input.getType());
  // Both kernels write one destination, so that the choice between them
  // yields one buffer of the plain layout.
  Value init = createEmptyLike(
      b, loc, input, {inputType.getDimSize(0), weights.n}, b.getF32Type());
  if (rowTile <= 1 || inputType.getDimSize(0) == 1)
    return buildKernel(b, loc, input, init, weights, acts, 1);
  // Whole tiles of rows pay off once there are rows to share the decoding
  // (a prompt); the rows left, and all of a decoding step's, go one at a
  // time.
  return buildRowTiles(b, loc, tensor::DimOp::create(b, loc, input, 0), init,
                       rowTile,
                       [&](OpBuilder &tb, Value out, int64_t tileRows,
                           Value firstRow, Value tiles) {
                         return buildKernel(tb, loc, input, out, weights, acts,
                                            tileRows, firstRow, tiles);
                       });
}
