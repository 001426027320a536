//===- VectorizeContractions.cpp - Register-tiled float contractions ------===//
//
// Float matmuls (linear layers, attention's batched products, the LM head)
// as loops over register tiles of vector.contract, built from upstream's
// tiling (scf::tileUsingSCF), loop peeling and linalg vectorization. The
// target's strategy arrives as the pass's options.
//
//===----------------------------------------------------------------------===//

#include "tern/Codegen/Passes.h"
#include "tern/Dialect/Tern/IR/WeightStorage.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

#include <algorithm>

namespace mlir {
namespace tern {
#define GEN_PASS_DEF_TERNVECTORIZECONTRACTIONS
#include "tern/Codegen/Passes.h.inc"
} // namespace tern
} // namespace mlir

using namespace mlir;

namespace {

/// Marks the register tiles this pass still has to vectorize.
constexpr StringLiteral kRegisterTile = "tern.register_tile";
/// Marks the contractions on packed panels this pass made: their two column
/// dimensions are a panel and a column within it.
constexpr StringLiteral kPackedPanels = "tern.packed_panels";

/// The target's choices, in elements.
struct Strategy {
  int64_t mr, nr, mt, nt;
  bool pack;
  /// f32 lanes of one vector register.
  int64_t lanes;
};

/// Where each kind of dimension of a contraction is.
struct Dims {
  SmallVector<unsigned> batch;
  unsigned m, n, k;
  /// The packed layout's panel dimension (the column within a panel is `n`).
  std::optional<unsigned> panel;
  unsigned numLoops;
};

/// The dimensions of an f32 contraction with one row, column and reduction
/// dimension, on tensors.
std::optional<Dims> inferDims(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  for (Value operand : op->getOperands())
    if (!getElementTypeOrSelf(operand.getType()).isF32())
      return std::nullopt;
  if (!linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> found =
      linalg::inferContractionDims(op);
  if (failed(found) || found->m.size() != 1 || found->n.empty() ||
      found->n.size() > 2 || found->k.size() != 1)
    return std::nullopt;
  Dims dims;
  dims.batch.assign(found->batch.begin(), found->batch.end());
  dims.m = found->m[0];
  dims.n = found->n.back();
  // Two column dimensions: a packed contraction's panel and column, or
  // (im2col's images times columns) an outer one that is walked like a
  // batch.
  if (found->n.size() == 2) {
    if (op->hasAttr(kPackedPanels))
      dims.panel = found->n[0];
    else
      dims.batch.push_back(found->n[0]);
  }
  dims.k = found->k[0];
  dims.numLoops = op.getNumLoops();
  if (dims.batch.size() + (dims.panel ? 1 : 0) + 3 != dims.numLoops)
    return std::nullopt;
  // Register tiles broadcast the left-hand side and load rows of the
  // right-hand side and output: K must be the left-hand side's innermost
  // dimension, columns the others'. (A transposed activation operand is
  // left to the loops; transposed constants are packed.)
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto innermost = [](AffineMap map) -> std::optional<unsigned> {
    if (map.getNumResults() == 0)
      return std::nullopt;
    if (auto dim = dyn_cast<AffineDimExpr>(map.getResults().back()))
      return dim.getPosition();
    return std::nullopt;
  };
  if (innermost(maps[0]) != dims.k || innermost(maps[2]) != dims.n)
    return std::nullopt;
  return dims;
}

/// The constant matrix behind `value`, through a 2-D linalg.transpose
/// (`transposed` then says so).
ElementsAttr getConstantMatrix(Value value, bool &transposed) {
  transposed = false;
  if (auto transpose = value.getDefiningOp<linalg::TransposeOp>()) {
    if (transpose.getPermutation() != ArrayRef<int64_t>{1, 0})
      return nullptr;
    value = transpose.getInput();
    transposed = true;
  }
  auto constant = value.getDefiningOp<arith::ConstantOp>();
  if (!constant)
    return nullptr;
  auto attr = dyn_cast<ElementsAttr>(constant.getValue());
  if (!attr || !tern::getRawBytes(attr))
    return nullptr;
  return attr;
}

/// Such a contraction that nobody tiled yet.
std::optional<Dims> matchContraction(linalg::LinalgOp op) {
  if (op->hasAttr(kRegisterTile) || op->getParentOfType<scf::ForallOp>())
    return std::nullopt;
  return inferDims(op);
}

/// Whether register tiles can read `op`'s right-hand side as it is: rows
/// of columns (a transposed one, unless packing repacks it, would need a
/// strided load per column).
bool hasColumnsInnermost(linalg::LinalgOp op, const Dims &dims) {
  AffineMap rhs = op.getIndexingMapsArray()[1];
  auto last = dyn_cast<AffineDimExpr>(rhs.getResults().back());
  return last && last.getPosition() == dims.n;
}

/// `x[M, K] * W` with a constant W, rewritten to read W repacked into
/// panels `[N1, K, nr]` (`W[k, p * nr + j]` at `[p, k, j]`, zero past N):
/// out[m, p, j] += x[m, k] * Wp[p, k, j], on a `[M, N1, nr]` view of the
/// output. Returns the packed contraction, or null when `op` is not a
/// plain `x * W`.
linalg::GenericOp packConstantWeights(RewriterBase &rewriter,
                                      linalg::LinalgOp op, const Dims &dims,
                                      int64_t nr) {
  if (!dims.batch.empty())
    return nullptr;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  MLIRContext *ctx = op.getContext();
  AffineExpr m = getAffineDimExpr(dims.m, ctx),
             n = getAffineDimExpr(dims.n, ctx),
             k = getAffineDimExpr(dims.k, ctx);
  if (maps[0].getResults() != ArrayRef<AffineExpr>{m, k} ||
      maps[2].getResults() != ArrayRef<AffineExpr>{m, n})
    return nullptr;
  // The weight as stored: [K, N] or, transposed, [N, K].
  bool transposedOperand;
  ElementsAttr weight =
      getConstantMatrix(op.getDpsInputs()[1], transposedOperand);
  if (!weight)
    return nullptr;
  bool nMajor;
  if (maps[1].getResults() == ArrayRef<AffineExpr>{k, n})
    nMajor = transposedOperand;
  else if (maps[1].getResults() == ArrayRef<AffineExpr>{n, k})
    nMajor = !transposedOperand;
  else
    return nullptr;
  auto weightType = cast<ShapedType>(weight.getType());
  int64_t rows = weightType.getDimSize(0), cols = weightType.getDimSize(1);
  int64_t numN = nMajor ? rows : cols, numK = nMajor ? cols : rows;
  int64_t panels = llvm::divideCeil(numN, nr);
  const float *source =
      reinterpret_cast<const float *>(tern::getRawBytes(weight)->data());

  auto packedType =
      RankedTensorType::get({panels, numK, nr}, rewriter.getF32Type());
  ElementsAttr packed = tern::createResourceConstant(
      packedType, "packed_weight", [&](MutableArrayRef<char> bytes) {
        float *out = reinterpret_cast<float *>(bytes.data());
        // Each source row is read in order; a panel (K x nr) stays in
        // cache while it is written.
        for (int64_t p = 0; p < panels; ++p) {
          float *panel = out + p * numK * nr;
          int64_t width = std::min(nr, numN - p * nr);
          if (nMajor) {
            for (int64_t j = 0; j < width; ++j) {
              const float *row = source + (p * nr + j) * numK;
              for (int64_t kk = 0; kk < numK; ++kk)
                panel[kk * nr + j] = row[kk];
            }
          } else {
            for (int64_t kk = 0; kk < numK; ++kk)
              std::copy(source + kk * numN + p * nr,
                        source + kk * numN + p * nr + width, panel + kk * nr);
          }
        }
        return true;
      });

  // A weight read from a mapped file (a tied embedding the model still
  // gathers from) need not stay resident once packed.
  tern::releaseIfMapped(*tern::getRawBytes(weight));

  Location loc = op.getLoc();
  Value input = op.getDpsInputs()[0];
  Value init = op.getDpsInits()[0];
  auto initType = cast<RankedTensorType>(init.getType());
  int64_t padded = panels * nr;
  Value zero =
      arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(0.0f));
  if (padded != numN) {
    auto paddedType = RankedTensorType::get({initType.getDimSize(0), padded},
                                            rewriter.getF32Type());
    init = tensor::createPadHighOp(paddedType, init, zero, /*nofold=*/false,
                                   loc, rewriter);
  }
  SmallVector<OpFoldResult> viewShape = {
      tensor::getMixedSize(rewriter, loc, init, 0),
      rewriter.getIndexAttr(panels), rewriter.getIndexAttr(nr)};
  auto viewType = RankedTensorType::get({initType.getDimSize(0), panels, nr},
                                        rewriter.getF32Type());
  SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
  Value view = tensor::ExpandShapeOp::create(rewriter, loc, viewType, init,
                                             split, viewShape);
  Value weights = arith::ConstantOp::create(rewriter, loc, packed);

  // Loops (m, panel, column, k).
  AffineExpr pm = getAffineDimExpr(0, ctx), pp = getAffineDimExpr(1, ctx),
             pj = getAffineDimExpr(2, ctx), pk = getAffineDimExpr(3, ctx);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, viewType, ValueRange{input, weights}, ValueRange{view},
      ArrayRef<AffineMap>{AffineMap::get(4, 0, {pm, pk}, ctx),
                          AffineMap::get(4, 0, {pp, pk, pj}, ctx),
                          AffineMap::get(4, 0, {pm, pp, pj}, ctx)},
      ArrayRef<utils::IteratorType>{
          utils::IteratorType::parallel, utils::IteratorType::parallel,
          utils::IteratorType::parallel, utils::IteratorType::reduction},
      [](OpBuilder &b, Location nloc, ValueRange args) {
        Value product = arith::MulFOp::create(b, nloc, args[0], args[1]);
        linalg::YieldOp::create(
            b, nloc,
            ValueRange{arith::AddFOp::create(b, nloc, args[2], product)});
      });
  generic->setAttr(kPackedPanels, rewriter.getUnitAttr());
  Value result = tensor::CollapseShapeOp::create(rewriter, loc,
                                                 generic.getResult(0), split);
  if (padded != numN) {
    SmallVector<OpFoldResult> offsets(2, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, result, 0),
        rewriter.getIndexAttr(numN)};
    SmallVector<OpFoldResult> strides(2, rewriter.getIndexAttr(1));
    result = tensor::ExtractSliceOp::create(rewriter, loc, result, offsets,
                                            sizes, strides);
  }
  Attribute oldWeight = weight;
  rewriter.replaceOp(op, result);
  // The unpacked weight is dead once nothing reads it.
  tern::releaseUnusedResources(generic->getParentOfType<ModuleOp>(),
                               {oldWeight});
  return generic;
}

/// Lets LLVM fuse the body's multiply and add into one FMA: register
/// tiles step K one at a time, so the vectorized body is a multiply and an
/// add. (An FMA rounds once; a thread's result still does not depend on
/// the thread count.)
void allowContraction(linalg::GenericOp op) {
  auto contract = arith::FastMathFlagsAttr::get(op.getContext(),
                                                arith::FastMathFlags::contract);
  op.getBody()->walk([&](Operation *nested) {
    if (isa<arith::MulFOp, arith::AddFOp>(nested))
      nested->setAttr("fastmath", contract);
  });
}

/// Tiles `op` with `options` in its place: the loops replace its results.
FailureOr<scf::SCFTilingResult>
tileInPlace(RewriterBase &rewriter, Operation *op,
            const scf::SCFTilingOptions &options) {
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
  if (succeeded(tiled))
    rewriter.replaceOp(op, tiled->replacements);
  return tiled;
}

/// Tiles `op` for threads and registers (see the pass description) and
/// marks each register tile.
LogicalResult tileContraction(RewriterBase &rewriter, linalg::GenericOp op,
                              const Dims &dims, const Strategy &s) {
  allowContraction(op);
  unsigned numLoops = dims.numLoops;
  auto sizes = [&](auto choose) {
    SmallVector<OpFoldResult> result;
    for (unsigned d = 0; d < numLoops; ++d)
      result.push_back(rewriter.getIndexAttr(choose(d)));
    return result;
  };
  SmallVector<bool> isBatch(numLoops, false);
  for (unsigned d : dims.batch)
    isBatch[d] = true;

  // Threads: batch dims one at a time, rows, and columns (whole panels).
  scf::SCFTilingOptions threadOptions;
  threadOptions.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  threadOptions.setTileSizes(sizes([&](unsigned d) -> int64_t {
    if (isBatch[d])
      return 1;
    if (d == dims.m)
      return s.mt;
    if (dims.panel && d == *dims.panel)
      return std::max<int64_t>(s.nt / s.nr, 1);
    if (d == dims.n)
      return dims.panel ? 0 : s.nt;
    return 0;
  }));
  FailureOr<scf::SCFTilingResult> threads =
      tileInPlace(rewriter, op, threadOptions);
  if (failed(threads))
    return failure();

  // Registers: loops over column panels (or column tiles), then rows (K
  // comes when the tile is vectorized), so that a panel stays in cache
  // across the rows of a thread tile.
  unsigned columns = dims.panel ? *dims.panel : dims.n;
  SmallVector<int64_t> order(dims.batch.begin(), dims.batch.end());
  order.push_back(columns);
  order.push_back(dims.m);
  if (dims.panel)
    order.push_back(dims.n);
  order.push_back(dims.k);
  scf::SCFTilingOptions registerOptions;
  registerOptions.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
  registerOptions.setInterchange(order);
  registerOptions.setTileSizes(sizes([&](unsigned d) -> int64_t {
    if (d == dims.m)
      return s.mr;
    if (d == columns)
      return dims.panel ? 1 : s.nr;
    return 0;
  }));
  FailureOr<scf::SCFTilingResult> registers =
      tileInPlace(rewriter, threads->tiledOps.back(), registerOptions);
  if (failed(registers))
    return failure();
  registers->tiledOps.back()->setAttr(kRegisterTile, rewriter.getUnitAttr());

  // Peel the row loop (and the column loop of an unpacked operand): whole
  // register tiles become static, what is left becomes one-row (and
  // one-column) tiles.
  scf::ForOp columnRemainder;
  for (LoopLikeOpInterface loop : llvm::reverse(registers->loops))
    if (auto forOp = dyn_cast<scf::ForOp>(loop.getOperation())) {
      scf::ForOp remainder;
      if (succeeded(
              scf::peelForLoopAndSimplifyBounds(rewriter, forOp, remainder)) &&
          !dims.panel && loop == registers->loops.front())
        columnRemainder = remainder;
    }
  // The last columns of an unpacked operand: whole vectors first (a
  // 17-wide vector would be split into pieces and spilled), then one
  // column at a time.
  if (columnRemainder && s.nr > s.lanes) {
    SmallVector<linalg::GenericOp> partial;
    columnRemainder.walk([&](linalg::GenericOp op) {
      if (op->hasAttr(kRegisterTile))
        partial.push_back(op);
    });
    for (linalg::GenericOp op : partial) {
      scf::SCFTilingOptions vectorOptions;
      SmallVector<OpFoldResult> vectorSizes(numLoops, rewriter.getIndexAttr(0));
      vectorSizes[dims.n] = rewriter.getIndexAttr(s.lanes);
      vectorOptions.setTileSizes(vectorSizes);
      FailureOr<scf::SCFTilingResult> vectors =
          tileInPlace(rewriter, op, vectorOptions);
      if (failed(vectors))
        return failure();
      if (auto forOp =
              dyn_cast<scf::ForOp>(vectors->loops.front().getOperation())) {
        scf::ForOp remainder;
        (void)scf::peelForLoopAndSimplifyBounds(rewriter, forOp, remainder);
      }
    }
  }
  return success();
}

/// Vectorizes one register tile: a loop over K one step at a time (around
/// which the rows and columns of a dynamic count, a peeled loop's last,
/// partial tile, become one-row and one-column tiles), unit batch and
/// panel dimensions dropped, then linalg.matmul's vectorization.
LogicalResult vectorizeRegisterTile(RewriterBase &rewriter,
                                    linalg::GenericOp op, const Strategy &s) {
  op->removeAttr(kRegisterTile);
  std::optional<Dims> dims = inferDims(op);
  if (!dims)
    return op.emitOpError("register tile is no longer a contraction");
  {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    scf::SCFTilingOptions rowOptions;
    SmallVector<OpFoldResult> sizes(dims->numLoops, rewriter.getIndexAttr(0));
    if (ShapedType::isDynamic(ranges[dims->m]))
      sizes[dims->m] = rewriter.getIndexAttr(1);
    // Columns fill whole vectors or a power-of-two part of one; others
    // (a partial tile's last columns) go one at a time.
    int64_t columns = ranges[dims->n];
    if (ShapedType::isDynamic(columns) ||
        (columns % s.lanes != 0 && !llvm::isPowerOf2_64(columns)))
      sizes[dims->n] = rewriter.getIndexAttr(1);
    sizes[dims->k] = rewriter.getIndexAttr(1);
    rowOptions.setTileSizes(sizes);
    SmallVector<int64_t> order;
    for (unsigned d = 0; d < dims->numLoops; ++d)
      if (d != dims->k)
        order.push_back(d);
    order.push_back(dims->k);
    rowOptions.setInterchange(order);
    FailureOr<scf::SCFTilingResult> rows =
        tileInPlace(rewriter, op, rowOptions);
    if (failed(rows))
      return failure();
    op = cast<linalg::GenericOp>(rows->tiledOps.back());
    dims = inferDims(op);
    if (!dims)
      return failure();
  }

  // Drop unit parallel dimensions other than rows and columns, so that
  // what remains is a plain [rows, columns, 1] matmul.
  linalg::ControlDropUnitDims control;
  control.rankReductionStrategy =
      linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
  Dims kept = *dims;
  control.controlFn = [kept](Operation *) {
    SmallVector<unsigned> droppable;
    for (unsigned d = 0; d < kept.numLoops; ++d)
      if (d != kept.m && d != kept.n && d != kept.k)
        droppable.push_back(d);
    return droppable;
  };
  if (dims->numLoops > 3) {
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::DropUnitDimsResult> dropped =
        linalg::dropUnitDims(rewriter, op, control);
    if (succeeded(dropped)) {
      rewriter.replaceOp(op, dropped->replacements);
      op = cast<linalg::GenericOp>(dropped->resultOp.getOperation());
    }
  }

  // A plain matmul now: as linalg.matmul it vectorizes straight to
  // vector.contract, which lowers to one broadcast and FMA per row.
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::LinalgOp> named = linalg::specializeGenericOp(rewriter, op);
  if (failed(named))
    return failure();
  linalg::LinalgOp tile = *named;
  rewriter.setInsertionPoint(tile);
  FailureOr<linalg::VectorizationResult> vectorized =
      linalg::vectorize(rewriter, tile, /*inputVectorSizes=*/{},
                        /*inputScalableVecDims=*/{},
                        /*vectorizeNDExtract=*/false,
                        /*flatten1DDepthwiseConv=*/false,
                        /*assumeDynamicDimsMatchVecSizes=*/false,
                        /*createNamedContraction=*/true);
  if (failed(vectorized))
    return failure();
  rewriter.replaceOp(tile, vectorized->replacements);
  return success();
}

/// Every canonicalization the context knows, as the canonicalizer runs
/// them: peeled tiles' sizes become static types.
void canonicalize(Operation *root) {
  MLIRContext *ctx = root->getContext();
  RewritePatternSet patterns(ctx);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
  (void)applyPatternsGreedily(root, std::move(patterns));
}

struct VectorizeContractionsPass
    : public tern::impl::TernVectorizeContractionsBase<
          VectorizeContractionsPass> {
  using TernVectorizeContractionsBase::TernVectorizeContractionsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    int64_t lanes = std::max<int64_t>(vectorBits / 32, 1);
    Strategy s{std::max<int64_t>(registerTileM, 1),
               lanes * std::max<int64_t>(registerVectorsN, 1),
               std::max<int64_t>(threadTileM, 1),
               std::max<int64_t>(threadTileN, 1),
               packWeights,
               lanes};

    IRRewriter rewriter(&getContext());
    // Convolutions become an im2col gather and a matmul of the filter by
    // its columns (upstream's rewriteInIm2Col), which the rest of the pass
    // tiles like any other. Those it cannot rewrite stay loops.
    SmallVector<linalg::Conv2DNchwFchwOp> convolutions;
    func.walk([&](linalg::Conv2DNchwFchwOp op) {
      if (op.hasPureTensorSemantics())
        convolutions.push_back(op);
    });
    for (linalg::Conv2DNchwFchwOp op : convolutions) {
      rewriter.setInsertionPoint(op);
      (void)linalg::rewriteInIm2Col(rewriter, op);
    }

    SmallVector<linalg::LinalgOp> candidates;
    func.walk([&](linalg::LinalgOp op) {
      if (matchContraction(op))
        candidates.push_back(op);
    });
    if (candidates.empty())
      return;
    for (linalg::LinalgOp op : candidates) {
      Dims dims = *matchContraction(op);
      rewriter.setInsertionPoint(op);
      linalg::GenericOp packed =
          s.pack ? packConstantWeights(rewriter, op, dims, s.nr) : nullptr;
      if (!packed && !hasColumnsInnermost(op, dims))
        continue; // left to the loops
      auto generic = packed ? packed : dyn_cast<linalg::GenericOp>(*op);
      if (packed) {
        dims = *matchContraction(packed);
      } else if (!generic) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized)) {
          op.emitOpError("could not be generalized for vectorization");
          return signalPassFailure();
        }
        generic = *generalized;
      }
      if (failed(tileContraction(rewriter, generic, dims, s))) {
        op.emitOpError("could not be tiled for vectorization");
        return signalPassFailure();
      }
    }
    canonicalize(func);

    SmallVector<linalg::GenericOp> tiles;
    func.walk([&](linalg::GenericOp op) {
      if (op->hasAttr(kRegisterTile))
        tiles.push_back(op);
    });
    for (linalg::GenericOp op : tiles)
      if (failed(vectorizeRegisterTile(rewriter, op, s))) {
        op.emitOpError("could not be vectorized");
        return signalPassFailure();
      }
    canonicalize(func);
    // Each register tile's accumulator: read before its K loop (the loop
    // around its vector.contract), carried in the loop as a vector,
    // written after it.
    SmallVector<scf::ForOp> loops;
    func.walk([&](scf::ForOp loop) {
      if (!loop.getBody()->getOps<vector::ContractionOp>().empty())
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops)
      hoistLoopInvariantSubsets(rewriter, loop);
    // The slices the K loops now only pass along leave them, so that
    // bufferization writes each accumulator in place.
    canonicalize(func);
  }
};

} // namespace
