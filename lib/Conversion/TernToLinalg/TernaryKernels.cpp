//===- TernaryKernels.cpp - Ternary contraction kernels -------------------===//
//
// One kernel shape for every strategy and weight format:
//
//   for n < N:                       (parallel)
//     for m < M:                     (parallel)
//       acc = 0                      (vector<lanes x accType>)
//       for each block of K:         (scf.for)
//         bytes = load lanes bytes of row n
//         for each field f of a byte (unrolled):
//           x    = load lanes activations at k = block start + f * lanes
//           code = field f of bytes  (w + 1, or w itself for i8 weights)
//           acc  = step(acc, x, code)
//       out[m, n] = reduce(acc) (- sum_k x[m, k] for dot on codes)
//
// The packed layouts interleave lanes (see Packing.h) so that field f of
// `lanes` bytes is `lanes` consecutive weights: every activation load is
// contiguous. Reads past K return 0, so row padding needs no special case.
// Byte dot products on codes (the `dot` strategy with int8 activations, i2
// or tq1) take the same loops over tiles of 4 channels and, in prompts, 4
// rows, so that each block of activations serves 4 rows of codes and each
// decoded block of codes 4 rows of activations.
//
//===----------------------------------------------------------------------===//

#include "tern/Conversion/TernToLinalg/TernaryKernels.h"
#include "tern/Conversion/TernToLinalg/TensorBuilders.h"
#include "tern/Dialect/Tern/IR/Packing.h"
#include "tern/Dialect/Tern/IR/TernOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::tern;

namespace {

/// Output channels and rows one iteration of the byte dot product kernel
/// computes (rows: where there are at least that many).
constexpr int64_t kChannelTile = 4;
constexpr int64_t kRowTile = 4;

/// Field `field` of each byte: the 2-bit code (i2) or base-3 digit (tq1).
Value decodeField(OpBuilder &b, Location loc, Value bytes,
                  PackedLayoutAttr layout, int64_t field) {
  Type type = bytes.getType();
  if (layout.getFormat() == PackFormat::i2) {
    Value shifted =
        field == 3
            ? bytes
            : arith::ShRUIOp::create(b, loc, bytes,
                                     createSplat(b, loc, type, 6 - 2 * field));
    return arith::AndIOp::create(b, loc, shifted, createSplat(b, loc, type, 3));
  }
  static const int64_t powers[5] = {1, 3, 9, 27, 81};
  Value digits =
      field == 0 ? bytes
                 : arith::DivUIOp::create(
                       b, loc, bytes, createSplat(b, loc, type, powers[field]));
  return field == 4 ? digits
                    : arith::RemUIOp::create(b, loc, digits,
                                             createSplat(b, loc, type, 3))
                          .getResult();
}

/// `x` converted to the accumulator's type.
Value widen(OpBuilder &b, Location loc, Value x, VectorType accType) {
  if (x.getType() == accType)
    return x;
  if (isa<FloatType>(accType.getElementType()))
    return arith::ExtFOp::create(b, loc, accType, x);
  return arith::ExtSIOp::create(b, loc, accType, x);
}

/// acc + x where w = +1, acc - x where w = -1, acc where w = 0.
Value addSubStep(OpBuilder &b, Location loc, Value acc, Value x, Value w) {
  auto accType = cast<VectorType>(acc.getType());
  Value wide = widen(b, loc, x, accType);
  Type wType = w.getType();
  Value isPlus = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, w,
                                       createSplat(b, loc, wType, 1));
  Value isMinus = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, w,
                                        createSplat(b, loc, wType, -1));
  Value added, subtracted;
  if (isa<FloatType>(accType.getElementType())) {
    added = arith::AddFOp::create(b, loc, acc, wide);
    subtracted = arith::SubFOp::create(b, loc, acc, wide);
  } else {
    added = arith::AddIOp::create(b, loc, acc, wide);
    subtracted = arith::SubIOp::create(b, loc, acc, wide);
  }
  Value skipOrSub = arith::SelectOp::create(b, loc, isMinus, subtracted, acc);
  return arith::SelectOp::create(b, loc, isPlus, added, skipOrSub);
}

/// acc + x * c, with c a code in {0, 1, 2} (`isCode`) or a weight.
Value dotStep(OpBuilder &b, Location loc, Value acc, Value x, Value c,
              bool isCode) {
  auto accType = cast<VectorType>(acc.getType());
  if (isa<FloatType>(accType.getElementType())) {
    Value weight = arith::SIToFPOp::create(b, loc, accType, c);
    return arith::AddFOp::create(
        b, loc, acc,
        arith::MulFOp::create(b, loc, widen(b, loc, x, accType), weight));
  }
  Value weight = isCode
                     ? arith::ExtUIOp::create(b, loc, accType, c).getResult()
                     : arith::ExtSIOp::create(b, loc, accType, c).getResult();
  return arith::AddIOp::create(
      b, loc, acc,
      arith::MulIOp::create(b, loc, widen(b, loc, x, accType), weight));
}

/// sum_k input[m, k] per row, in the accumulator type.
Value buildRowSums(OpBuilder &b, Location loc, Value input, Type accType) {
  MLIRContext *ctx = b.getContext();
  auto inputType = cast<RankedTensorType>(input.getType());
  Value init = createFilledLike(b, loc, input, {inputType.getDimSize(0)},
                                b.getZeroAttr(accType));
  return linalg::GenericOp::create(
             b, loc, init.getType(), input, init,
             ArrayRef<AffineMap>{
                 b.getMultiDimIdentityMap(2),
                 AffineMap::get(2, 0, getAffineDimExpr(0, ctx))},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::reduction},
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value x = arith::ExtSIOp::create(nb, nloc, accType, args[0]);
               linalg::YieldOp::create(
                   nb, nloc,
                   ValueRange{arith::AddIOp::create(nb, nloc, args[1], x)});
             })
      .getResult(0);
}

/// LUT tables [M, blocks, lanes * 32]: for lane j of block b, entry
/// h * 16 + (c0 << 2 | c1) is the partial sum of the two activations whose
/// codes sit in nibble h (fields 2h and 2h + 1) of byte j: x0 * (c0 - 1) +
/// x1 * (c1 - 1), built with selects rather than multiplications.
Value buildLutTables(OpBuilder &b, Location loc, Value input, int64_t k,
                     int64_t lanes, int64_t blocks, Type accType) {
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape = {inputType.getDimSize(0), blocks, lanes * 32};
  Value init = createEmptyLike(b, loc, input, shape, accType);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{}, init,
             ArrayRef<AffineMap>{b.getMultiDimIdentityMap(3)},
             SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange) {
               auto index = [&](int64_t v) -> Value {
                 return arith::ConstantIndexOp::create(nb, nloc, v);
               };
               Value m = linalg::IndexOp::create(nb, nloc, 0);
               Value block = linalg::IndexOp::create(nb, nloc, 1);
               Value entry = linalg::IndexOp::create(nb, nloc, 2);
               Value lane = arith::DivUIOp::create(nb, nloc, entry, index(32));
               Value inLane =
                   arith::RemUIOp::create(nb, nloc, entry, index(32));
               Value half = arith::DivUIOp::create(nb, nloc, inLane, index(16));
               Value nibble =
                   arith::RemUIOp::create(nb, nloc, inLane, index(16));
               Value kBase = arith::AddIOp::create(
                   nb, nloc,
                   arith::MulIOp::create(nb, nloc, block, index(4 * lanes)),
                   lane);
               Value total = createSplat(nb, loc, accType, 0);
               for (int64_t which = 0; which < 2; ++which) {
                 // Field 2h + which holds activation kBase + field * lanes.
                 Value field = arith::AddIOp::create(
                     nb, nloc, arith::MulIOp::create(nb, nloc, half, index(2)),
                     index(which));
                 Value kIndex = arith::AddIOp::create(
                     nb, nloc, kBase,
                     arith::MulIOp::create(nb, nloc, field, index(lanes)));
                 Value inside = arith::CmpIOp::create(
                     nb, nloc, arith::CmpIPredicate::ult, kIndex, index(k));
                 Value clamped = arith::SelectOp::create(nb, nloc, inside,
                                                         kIndex, index(0));
                 Value x = tensor::ExtractOp::create(nb, nloc, input,
                                                     ValueRange{m, clamped});
                 Value zero = createSplat(nb, loc, x.getType(), 0);
                 x = arith::SelectOp::create(nb, nloc, inside, x, zero);
                 if (x.getType() != accType)
                   x = isa<FloatType>(accType)
                           ? arith::ExtFOp::create(nb, nloc, accType, x)
                                 .getResult()
                           : arith::ExtSIOp::create(nb, nloc, accType, x)
                                 .getResult();
                 Value code =
                     which == 0
                         ? arith::ShRUIOp::create(nb, nloc, nibble, index(2))
                               .getResult()
                         : arith::AndIOp::create(nb, nloc, nibble, index(3))
                               .getResult();
                 bool isFloat = isa<FloatType>(accType);
                 Value zeroAcc = createSplat(nb, loc, accType, 0);
                 Value negated =
                     isFloat ? arith::NegFOp::create(nb, nloc, x).getResult()
                             : arith::SubIOp::create(nb, nloc, zeroAcc, x)
                                   .getResult();
                 Value isPlus = arith::CmpIOp::create(
                     nb, nloc, arith::CmpIPredicate::eq, code, index(2));
                 Value isMinus = arith::CmpIOp::create(
                     nb, nloc, arith::CmpIPredicate::eq, code, index(0));
                 Value term = arith::SelectOp::create(
                     nb, nloc, isPlus, x,
                     arith::SelectOp::create(nb, nloc, isMinus, negated,
                                             zeroAcc));
                 total = isFloat ? arith::AddFOp::create(nb, nloc, total, term)
                                       .getResult()
                                 : arith::AddIOp::create(nb, nloc, total, term)
                                       .getResult();
               }
               linalg::YieldOp::create(nb, nloc, total);
             })
      .getResult(0);
}

/// The byte dot product kernel on codes (i2 or tq1, 32 lanes), tiles of
/// `channelTile` output channels and `rowTile` rows: an scf.forall over
/// (channel tile, row tile) whose K loop decodes each block of codes once
/// for all the tile's rows and loads each block of activations once for
/// all its channels, so that several rows of codes stream at once
/// (independent chains of dot products) and a short row's fixed costs are
/// shared. Pairs of fields (64 codes contiguous in K) meet 64 activations
/// in one tern.dot_u8s8; tq1's fifth field meets its 32 with zeros in the
/// upper half. One-row tiles keep an accumulator per pair of fields (more
/// independent chains); larger tiles have enough chains with one per
/// output, and registers for no more. The forall covers `rowTiles` whole
/// tiles of rows from `firstRow`; a tile's outputs are one 2-D slice, so
/// each iteration writes `init` in place.
///
/// With `slices`, a third dimension splits K: slice s adds blocks s,
/// s + slices, ... and writes `init[s, row, channel]`. Each slice then
/// subtracts the sum of its own activations (one more byte dot product
/// with codes of 1 per block of activations) in place of `rowSums`, so
/// that the slices' results add up to the output with nothing else to
/// compute first.
Value buildByteDotTiles(OpBuilder &b, Location loc, Value input,
                        const KernelWeights &weights, Value rowSums, Value init,
                        int64_t channelTile, int64_t rowTile, Value firstRow,
                        Value rowTiles, bool wholeBlocks, int64_t slices) {
  PackedLayoutAttr layout = weights.layout;
  int64_t lanes = getLanes(layout);
  int64_t fields = layout.getWeightsPerByte();
  int64_t blockSize = lanes * fields;
  int64_t blocks = llvm::divideCeil(weights.k, blockSize);
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  auto byteVector = VectorType::get({lanes}, i8);
  auto wide = VectorType::get({2 * lanes}, i8);
  auto accVector = VectorType::get({16}, i32);
  int64_t pairs = llvm::divideCeil(fields, 2);
  int64_t accsPerOutput = rowTile == 1 ? pairs : 1;
  auto index = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  SmallVector<int64_t> concat;
  for (int64_t i = 0; i < 2 * lanes; ++i)
    concat.push_back(i);
  SmallVector<OpFoldResult> bounds = {b.getIndexAttr(weights.n / channelTile),
                                      rowTiles};
  if (slices)
    bounds.push_back(b.getIndexAttr(slices));
  auto forall = scf::ForallOp::create(
      b, loc, bounds, ValueRange{init}, std::nullopt,
      [&](OpBuilder &nb, Location, ValueRange args) {
        Value tile = args[0], out = args.back();
        // Slice s reduces blocks s, s + slices, ...: side by side in a
        // warp, the slices of one channel read adjacent bytes.
        Value slice = slices ? args[2] : Value();
        Value first =
            arith::MulIOp::create(nb, loc, tile, index(nb, channelTile));
        SmallVector<Value> channels;
        for (int64_t c = 0; c < channelTile; ++c)
          channels.push_back(
              arith::AddIOp::create(nb, loc, first, index(nb, c)));
        Value tileRow = arith::AddIOp::create(
            nb, loc, firstRow,
            arith::MulIOp::create(nb, loc, args[1], index(nb, rowTile)));
        SmallVector<Value> tileRows = {tileRow};
        for (int64_t r = 1; r < rowTile; ++r)
          tileRows.push_back(
              arith::AddIOp::create(nb, loc, tileRow, index(nb, r)));
        // Accumulator (row r, channel c, pair p) at (r * C + c) * A + p.
        auto accIndex = [&](int64_t r, int64_t c, int64_t pair) {
          return (r * channelTile + c) * accsPerOutput +
                 (accsPerOutput == 1 ? 0 : pair);
        };
        // With slices, one more accumulator per row: its activations' sum.
        int64_t outputAccs = rowTile * channelTile * accsPerOutput;
        SmallVector<Value> inits(outputAccs + (slices ? rowTile : 0),
                                 createSplat(nb, loc, accVector, 0));
        auto blockLoop = scf::ForOp::create(
            nb, loc, slices ? slice : index(nb, 0), index(nb, blocks),
            index(nb, slices ? slices : 1), inits,
            [&](OpBuilder &kb, Location, Value block, ValueRange state) {
              Value byteColumn =
                  arith::MulIOp::create(kb, loc, block, index(kb, lanes));
              Value kBase =
                  arith::MulIOp::create(kb, loc, block, index(kb, blockSize));
              SmallVector<Value> bytes;
              for (Value channel : channels)
                bytes.push_back(loadRow(kb, loc, weights.data, channel,
                                        byteColumn, byteVector,
                                        /*inBounds=*/true));
              SmallVector<Value> accs(state);
              Value zeros = createSplat(kb, loc, byteVector, 0);
              for (int64_t f = 0; f < fields; f += 2) {
                bool single = f + 1 == fields;
                SmallVector<Value> codes;
                for (Value channelBytes : bytes)
                  codes.push_back(vector::ShuffleOp::create(
                      kb, loc, decodeField(kb, loc, channelBytes, layout, f),
                      single
                          ? zeros
                          : decodeField(kb, loc, channelBytes, layout, f + 1),
                      concat));
                Value column =
                    arith::AddIOp::create(kb, loc, kBase, index(kb, f * lanes));
                for (auto [r, m] : llvm::enumerate(tileRows)) {
                  Value x = single ? vector::ShuffleOp::create(
                                         kb, loc,
                                         loadRow(kb, loc, input, m, column,
                                                 byteVector, wholeBlocks),
                                         zeros, concat)
                                         .getResult()
                                   : loadRow(kb, loc, input, m, column, wide,
                                             wholeBlocks);
                  for (int64_t c = 0; c < channelTile; ++c) {
                    Value &acc = accs[accIndex(r, c, f / 2)];
                    acc = DotU8S8Op::create(kb, loc, acc, codes[c], x,
                                            /*small_codes=*/true);
                  }
                  if (slices) {
                    Value &sum = accs[outputAccs + r];
                    sum = DotU8S8Op::create(kb, loc, sum,
                                            createSplat(kb, loc, wide, 1), x,
                                            /*small_codes=*/true);
                  }
                }
              }
              scf::YieldOp::create(kb, loc, accs);
            });
        SmallVector<Value> sums;
        for (auto [r, m] : llvm::enumerate(tileRows)) {
          Value rowSum =
              slices
                  ? vector::ReductionOp::create(
                        nb, loc, vector::CombiningKind::ADD,
                        blockLoop.getResult(outputAccs + r))
                        .getResult()
                  : tensor::ExtractOp::create(nb, loc, rowSums, m).getResult();
          for (int64_t c = 0; c < channelTile; ++c) {
            Value total = blockLoop.getResult(accIndex(r, c, 0));
            for (int64_t p = 1; p < accsPerOutput; ++p)
              total = arith::AddIOp::create(
                  nb, loc, total, blockLoop.getResult(accIndex(r, c, p)));
            Value sum = vector::ReductionOp::create(
                nb, loc, vector::CombiningKind::ADD, total);
            sums.push_back(arith::SubIOp::create(nb, loc, sum, rowSum));
          }
        }
        SmallVector<int64_t> shape = {rowTile, channelTile};
        SmallVector<OpFoldResult> offsets = {tileRow, first};
        if (slices) {
          shape.insert(shape.begin(), 1);
          offsets.insert(offsets.begin(), slice);
        }
        Value outputs = vector::ShapeCastOp::create(
            nb, loc, VectorType::get(shape, i32),
            vector::FromElementsOp::create(
                nb, loc, VectorType::get({rowTile * channelTile}, i32), sums));
        writeFromForall(nb, loc, out, {outputs}, {offsets});
      });
  return forall.getResult(0);
}

} // namespace

Value mlir::tern::buildTernaryContraction(OpBuilder &b, Location loc,
                                          Value input,
                                          const KernelWeights &weights,
                                          MatmulStrategy strategy, Type accType,
                                          const BlockScales &scales,
                                          int64_t kSliceBlocks) {
  assert(strategy != MatmulStrategy::Auto && "resolve auto first");
  auto inputType = cast<RankedTensorType>(input.getType());
  Type inType = inputType.getElementType();
  PackedLayoutAttr layout = weights.layout;
  bool packed = static_cast<bool>(layout);
  int64_t lanes = packed ? getLanes(layout) : kUnpackedLanes;
  int64_t fields = packed ? layout.getWeightsPerByte() : 1;
  int64_t blockSize = lanes * fields;
  int64_t blocks = llvm::divideCeil(weights.k, blockSize);
  assert((strategy != MatmulStrategy::Lut ||
          (packed && layout.getFormat() == PackFormat::i2)) &&
         "lut reads i2-packed weights");
  Type i8 = b.getI8Type();
  auto byteVector = VectorType::get({lanes}, i8);
  auto inVector = VectorType::get({lanes}, inType);
  VectorType accVector = VectorType::get({lanes}, accType);
  bool isFloat = isa<FloatType>(accType);
  // Dot products on codes (w + 1) count every activation once too many.
  bool subtractRowSums = strategy == MatmulStrategy::Dot && packed && !isFloat;
  // Pairs of fields (2 x 32 codes, contiguous in K) meet 64 activations in
  // one tern.dot_u8s8, which targets map to their byte dot product
  // instruction.
  bool bytewiseDot = subtractRowSums && lanes == 32 && inType.isInteger(8);
  // When K fills whole blocks (and the activations' K is known to be the
  // weights'), no load reaches past a row: no masks.
  bool wholeBlocks = weights.k % blockSize == 0 && !inputType.isDynamicDim(1);
  assert((!scales.values || (isFloat && strategy != MatmulStrategy::Lut &&
                             scales.block % lanes == 0)) &&
         "per-block scales need float activations, addsub or dot, and "
         "blocks of whole vectors");
  int64_t scaleGroups =
      scales.values ? llvm::divideCeil(weights.k, scales.block) : 0;

  // Split K into slices added afterwards (exact: integers), for more
  // parallel iterations than output channels; each slice subtracts its own
  // activations' sum.
  int64_t slices = bytewiseDot && kSliceBlocks > 0
                       ? llvm::divideCeil(blocks, kSliceBlocks)
                       : 0;
  if (slices == 1)
    slices = 0;
  Value rowSums = subtractRowSums && !slices
                      ? buildRowSums(b, loc, input, accType)
                      : Value();
  Value tables =
      strategy == MatmulStrategy::Lut
          ? buildLutTables(b, loc, input, weights.k, lanes, blocks, accType)
          : Value();
  auto index = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  Value init = createEmptyLike(b, loc, input,
                               {inputType.getDimSize(0), weights.n}, accType);
  // (Per-block scales come with float activations only: never here.)
  if (bytewiseDot) {
    int64_t channelTile = weights.n % kChannelTile == 0 ? kChannelTile : 1;
    Value rows = tensor::DimOp::create(b, loc, input, 0);
    Value tilesInit = init;
    if (slices) {
      SmallVector<Value> dynamicRows;
      if (inputType.isDynamicDim(0))
        dynamicRows.push_back(rows);
      tilesInit = tensor::EmptyOp::create(
          b, loc, ArrayRef<int64_t>{slices, inputType.getDimSize(0), weights.n},
          accType, dynamicRows);
    }
    Value tiles;
    if (inputType.getDimSize(0) == 1) {
      tiles = buildByteDotTiles(b, loc, input, weights, rowSums, tilesInit,
                                channelTile, 1, index(b, 0), rows, wholeBlocks,
                                slices);
    } else {
      // Whole tiles of 4 rows (a prompt: each decoded block of codes serves
      // 4 rows), then the rows left one at a time (all of a decoding
      // step's).
      tiles = buildRowTiles(b, loc, rows, tilesInit, kRowTile,
                            [&](OpBuilder &tb, Value out, int64_t tileRows,
                                Value firstRow, Value rowTiles) {
                              return buildByteDotTiles(
                                  tb, loc, input, weights, rowSums, out,
                                  channelTile, tileRows, firstRow, rowTiles,
                                  wholeBlocks, slices);
                            });
    }
    if (!slices)
      return tiles;
    // acc[m, n] = sum_s partial[s, m, n].
    MLIRContext *ctx = b.getContext();
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d2 = getAffineDimExpr(2, ctx);
    Value zeros =
        linalg::FillOp::create(b, loc, createSplat(b, loc, accType, 0), init)
            .getResult(0);
    return linalg::GenericOp::create(
               b, loc, init.getType(), tiles, zeros,
               ArrayRef<AffineMap>{AffineMap::get(3, 0, {d2, d0, d1}, ctx),
                                   AffineMap::get(3, 0, {d0, d1}, ctx)},
               ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                             utils::IteratorType::parallel,
                                             utils::IteratorType::reduction},
               [&](OpBuilder &gb, Location, ValueRange args) {
                 linalg::YieldOp::create(
                     gb, loc,
                     arith::AddIOp::create(gb, loc, args[1], args[0])
                         .getResult());
               })
        .getResult(0);
  }
  // Every (row, channel) output is independent: a parallel linalg.generic
  // whose body runs one channel's reduction in order. Threads split the
  // outputs, never a sum, so any thread count gives the same bits. Loops
  // are (channel, row): a channel's packed weights are read from memory
  // once and serve every row from L1 (rows outside would stream all the
  // weights once per row).
  MLIRContext *ctx = b.getContext();
  AffineMap rowsThenChannels = AffineMap::get(
      2, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(0, ctx)}, ctx);
  auto outputs = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{}, init,
      ArrayRef<AffineMap>{rowsThenChannels},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                    utils::IteratorType::parallel},
      [&](OpBuilder &cb, Location, ValueRange) {
        Value n = linalg::IndexOp::create(cb, loc, 0);
        Value m = linalg::IndexOp::create(cb, loc, 1);
        Value accInit = createSplat(cb, loc, accVector, 0);
        auto blockLoop = scf::ForOp::create(
            cb, loc, index(cb, 0), index(cb, blocks), index(cb, 1),
            ValueRange{accInit},
            [&](OpBuilder &kb, Location, Value block, ValueRange blockState) {
              Value acc = blockState[0];
              Value byteColumn =
                  arith::MulIOp::create(kb, loc, block, index(kb, lanes));
              // Packed rows are whole blocks; i8 rows may end
              // mid-vector.
              Value bytes = loadRow(kb, loc, weights.data, n, byteColumn,
                                    byteVector, packed || wholeBlocks);
              if (strategy == MatmulStrategy::Lut) {
                auto indexVector = VectorType::get({lanes}, kb.getIndexType());
                Value wide = arith::ExtUIOp::create(
                    kb, loc, VectorType::get({lanes}, kb.getI32Type()), bytes);
                auto i32Splat = [&](int64_t v) {
                  return createSplat(kb, loc, wide.getType(), v);
                };
                // Entry of lane j: j * 32 + half * 16 + nibble.
                SmallVector<int32_t> laneBase;
                for (int64_t j = 0; j < lanes; ++j)
                  laneBase.push_back(static_cast<int32_t>(j * 32));
                Value base = arith::ConstantOp::create(
                    kb, loc,
                    DenseElementsAttr::get(cast<VectorType>(wide.getType()),
                                           ArrayRef<int32_t>(laneBase)));
                Value high = arith::ShRUIOp::create(kb, loc, wide, i32Splat(4));
                Value low = arith::AndIOp::create(kb, loc, wide, i32Splat(15));
                Value mask = arith::ConstantOp::create(
                    kb, loc,
                    DenseElementsAttr::get(
                        VectorType::get({lanes}, kb.getI1Type()), true));
                Value passThrough = createSplat(kb, loc, accVector, 0);
                for (auto [half, nibble] :
                     {std::pair<int64_t, Value>{0, high}, {1, low}}) {
                  Value offsets = arith::AddIOp::create(
                      kb, loc, arith::AddIOp::create(kb, loc, base, nibble),
                      i32Splat(half * 16));
                  Value indices =
                      arith::IndexCastOp::create(kb, loc, indexVector, offsets);
                  Value partial = vector::GatherOp::create(
                      kb, loc, accVector, tables,
                      ValueRange{m, block, index(kb, 0)}, indices, mask,
                      passThrough);
                  acc = isFloat ? arith::AddFOp::create(kb, loc, acc, partial)
                                      .getResult()
                                : arith::AddIOp::create(kb, loc, acc, partial)
                                      .getResult();
                }
                scf::YieldOp::create(kb, loc, acc);
                return;
              }
              Value kBase =
                  arith::MulIOp::create(kb, loc, block, index(kb, blockSize));
              for (int64_t f = 0; f < fields; ++f) {
                Value column =
                    arith::AddIOp::create(kb, loc, kBase, index(kb, f * lanes));
                Value x =
                    loadRow(kb, loc, input, m, column, inVector, wholeBlocks);
                Value code =
                    packed ? decodeField(kb, loc, bytes, layout, f) : bytes;
                // With per-block scales, each field (lanes consecutive
                // weights, inside one scale block) is summed apart and
                // added scaled.
                Value fieldAcc =
                    scales.values ? createSplat(kb, loc, accVector, 0) : acc;
                if (strategy == MatmulStrategy::AddSub) {
                  Value w = packed ? arith::SubIOp::create(
                                         kb, loc, code,
                                         createSplat(kb, loc, byteVector, 1))
                                         .getResult()
                                   : code;
                  fieldAcc = addSubStep(kb, loc, fieldAcc, x, w);
                } else if (packed && isFloat) {
                  Value w = arith::SubIOp::create(
                      kb, loc, code, createSplat(kb, loc, byteVector, 1));
                  fieldAcc = dotStep(kb, loc, fieldAcc, x, w, /*isCode=*/false);
                } else {
                  fieldAcc = dotStep(kb, loc, fieldAcc, x, code, packed);
                }
                if (!scales.values) {
                  acc = fieldAcc;
                  continue;
                }
                // Padding past K reads the last block's scale (its
                // activations are 0).
                Value group = arith::MinUIOp::create(
                    kb, loc,
                    arith::DivUIOp::create(kb, loc, column,
                                           index(kb, scales.block)),
                    index(kb, scaleGroups - 1));
                Value scale = tensor::ExtractOp::create(kb, loc, scales.values,
                                                        ValueRange{n, group});
                Value scaled = arith::MulFOp::create(
                    kb, loc, fieldAcc,
                    vector::BroadcastOp::create(kb, loc, accVector, scale));
                acc = arith::AddFOp::create(kb, loc, acc, scaled);
              }
              scf::YieldOp::create(kb, loc, acc);
            });
        Value total = blockLoop.getResult(0);
        Value sum = vector::ReductionOp::create(
            cb, loc, vector::CombiningKind::ADD, total);
        if (rowSums)
          sum = arith::SubIOp::create(
              cb, loc, sum, tensor::ExtractOp::create(cb, loc, rowSums, m));
        linalg::YieldOp::create(cb, loc, sum);
      });
  return outputs.getResult(0);
}
