//===- ConvPoolOps.cpp - Conv, pooling and BatchNormalization -------------===//
//
// A convolution or pooling window is a reduction over kernel offsets inside
// one linalg.generic: each input element is read with tensor.extract at
// out * stride - pad + offset * dilation, skipping positions in the padding.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "QuantArithmetic.h"
#include "RuntimeChecks.h"
#include "ShapeBuilders.h"
#include "Signedness.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace ::tern;

namespace {

struct PoolGeometry {
  SmallVector<int64_t> kernel, strides, dilations, padBegin, padEnd, output;
};

/// Reads the pooling attributes and computes the output's spatial sizes.
FailureOr<PoolGeometry>
getGeometry(NodeImporter &node, RankedTensorType type,
            std::optional<SmallVector<int64_t>> kernel) {
  int64_t spatial = type.getRank() - 2;
  PoolGeometry g;
  if (!kernel || static_cast<int64_t>(kernel->size()) != spatial) {
    node.emitError() << "kernel_shape must have one entry per spatial "
                        "dimension";
    return failure();
  }
  g.kernel = *kernel;
  auto ints = [&](StringRef name, int64_t size, int64_t fill) {
    std::optional<SmallVector<int64_t>> v = node.getIntsAttr(name);
    return v && !v->empty() ? *v : SmallVector<int64_t>(size, fill);
  };
  g.strides = ints("strides", spatial, 1);
  g.dilations = ints("dilations", spatial, 1);
  SmallVector<int64_t> pads = ints("pads", 2 * spatial, 0);
  if (static_cast<int64_t>(g.strides.size()) != spatial ||
      static_cast<int64_t>(g.dilations.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial) {
    node.emitError() << "strides, dilations and pads do not match the "
                        "spatial rank";
    return failure();
  }
  g.padBegin.assign(pads.begin(), pads.begin() + spatial);
  g.padEnd.assign(pads.begin() + spatial, pads.end());
  bool ceilMode = node.getIntAttr("ceil_mode", 0);
  std::string autoPad = node.getStringAttr("auto_pad", "NOTSET");

  for (int64_t i = 0; i < spatial; ++i) {
    int64_t size = type.getDimSize(2 + i);
    if (ShapedType::isDynamic(size)) {
      node.emitError() << "spatial dimensions must be static";
      return failure();
    }
    int64_t s = g.strides[i], window = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (s <= 0 || g.kernel[i] <= 0 || g.dilations[i] <= 0) {
      node.emitError() << "kernel, strides and dilations must be positive";
      return failure();
    }
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t out = (size + s - 1) / s;
      int64_t total = std::max<int64_t>((out - 1) * s + window - size, 0);
      int64_t small = total / 2;
      g.padBegin[i] = autoPad == "SAME_UPPER" ? small : total - small;
      g.padEnd[i] = total - g.padBegin[i];
    } else if (autoPad == "VALID") {
      g.padBegin[i] = g.padEnd[i] = 0;
    } else if (autoPad != "NOTSET") {
      node.emitError() << "auto_pad '" << autoPad << "' is not supported";
      return failure();
    }
    int64_t span = size + g.padBegin[i] + g.padEnd[i] - window;
    if (span < 0) {
      node.emitError() << "the window is larger than the padded input";
      return failure();
    }
    int64_t out = (ceilMode ? (span + s - 1) / s : span / s) + 1;
    // A window may not start in the end padding.
    if (ceilMode && (out - 1) * s >= size + g.padBegin[i])
      --out;
    g.output.push_back(out);
  }
  return g;
}

/// Where kernel offset `k` of output position `o` reads along spatial
/// dimension `i` (of static `size`): x = o * stride - padBegin + k *
/// dilation, whether that lies inside the input, and x clamped into it so
/// that the read itself stays in bounds.
struct WindowTap {
  Value x, inside, clamped;
};

WindowTap buildWindowTap(OpBuilder &b, Location loc, const PoolGeometry &g,
                         int64_t i, int64_t size, Value o, Value k) {
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  WindowTap tap;
  tap.x = arith::SubIOp::create(
      b, loc,
      arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, o, index(g.strides[i])),
          arith::MulIOp::create(b, loc, k, index(g.dilations[i]))),
      index(g.padBegin[i]));
  tap.inside = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, tap.x, index(0)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, tap.x,
                            index(size)));
  tap.clamped = arith::MaxSIOp::create(
      b, loc, arith::MinSIOp::create(b, loc, tap.x, index(size - 1)), index(0));
  return tap;
}

template <bool isMax> LogicalResult convertPool(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  // MaxPool also takes integers (8-bit images).
  bool isFloat = isa<FloatType>(elementType);
  bool isInt = isMax && elementType.isInteger() && !elementType.isInteger(1);
  if ((!isFloat && !isInt) || type.getRank() < 3)
    return node.emitError() << "input must be a float (or, for MaxPool, "
                               "integer) N x C x spatial tensor";
  // MaxPool's Indices: each maximum's position in the flattened input
  // (row-major, or with storage_order 1 the spatial dimensions
  // column-major).
  bool withIndices = isMax && node.hasOutput(1);
  if (!isMax && node.hasOutput(1))
    return node.emitError() << "AveragePool has one output";
  bool columnMajor = node.getIntAttr("storage_order", 0);
  FailureOr<PoolGeometry> g =
      getGeometry(node, type, node.getIntsAttr("kernel_shape"));
  if (failed(g))
    return failure();
  bool countIncludePad = node.getIntAttr("count_include_pad", 0);

  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  int64_t spatial = type.getRank() - 2;
  int64_t numLoops = 2 + 2 * spatial;
  MLIRContext *ctx = b.getContext();

  SmallVector<int64_t> outShape = {type.getDimSize(0), type.getDimSize(1)};
  outShape.append(g->output.begin(), g->output.end());
  SmallVector<Value> dynamicSizes;
  for (int64_t d : {0, 1})
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  auto fill = [&](Type t, TypedAttr value) {
    Value empty = tensor::EmptyOp::create(b, loc, outShape, t, dynamicSizes);
    Value v = arith::ConstantOp::create(b, loc, value);
    return linalg::FillOp::create(b, loc, v, empty).getResult(0);
  };
  Type countType = isFloat ? elementType : b.getF32Type();
  TypedAttr lowest;
  if (isFloat) {
    lowest = b.getFloatAttr(elementType, isMax ? -INFINITY : 0.0);
  } else {
    unsigned width = elementType.getIntOrFloatBitWidth();
    Type signless = b.getIntegerType(width);
    lowest = b.getIntegerAttr(signless, elementType.isUnsignedInteger()
                                            ? APInt::getMinValue(width)
                                            : APInt::getSignedMinValue(width));
  }
  Value accInit;
  if (isFloat) {
    accInit = fill(elementType, lowest);
  } else {
    // Filled through the signless view of the (possibly unsigned) type.
    Value empty =
        tensor::EmptyOp::create(b, loc, outShape, elementType, dynamicSizes);
    Value v = castFromSignless(
        b, loc, arith::ConstantOp::create(b, loc, lowest), elementType);
    accInit = linalg::FillOp::create(b, loc, v, empty).getResult(0);
  }
  Value countInit = fill(countType, b.getFloatAttr(countType, 0.0));
  Value window = tensor::EmptyOp::create(b, loc, g->kernel, elementType);

  SmallVector<AffineExpr> windowExprs, outExprs;
  for (int64_t i = 0; i < 2 + spatial; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  for (int64_t i = 0; i < spatial; ++i)
    windowExprs.push_back(getAffineDimExpr(2 + spatial + i, ctx));
  AffineMap windowMap = AffineMap::get(numLoops, 0, windowExprs, ctx);
  AffineMap outMap = AffineMap::get(numLoops, 0, outExprs, ctx);
  SmallVector<utils::IteratorType> iterators(2 + spatial,
                                             utils::IteratorType::parallel);
  iterators.append(spatial, utils::IteratorType::reduction);

  auto resultType = RankedTensorType::get(outShape, elementType);
  auto countResultType = RankedTensorType::get(outShape, countType);
  SmallVector<Type> resultTypes = {resultType, countResultType};
  SmallVector<Value> inits = {accInit, countInit};
  SmallVector<AffineMap> maps = {windowMap, outMap, outMap};
  if (withIndices) {
    resultTypes.push_back(RankedTensorType::get(outShape, b.getI64Type()));
    inits.push_back(fill(b.getI64Type(), b.getI64IntegerAttr(0)));
    maps.push_back(outMap);
  }
  auto generic = linalg::GenericOp::create(
      b, loc, resultTypes, ValueRange{window}, inits, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value acc = args[1], count = args[2];
        auto index = [&](int64_t v) {
          return arith::ConstantIndexOp::create(nb, nloc, v);
        };
        SmallVector<Value> coords = {linalg::IndexOp::create(nb, nloc, 0),
                                     linalg::IndexOp::create(nb, nloc, 1)};
        Value inside = arith::ConstantOp::create(nb, nloc, nb.getI1Type(),
                                                 nb.getBoolAttr(true));
        Value inPadded = inside;
        for (int64_t i = 0; i < spatial; ++i) {
          int64_t size = type.getDimSize(2 + i);
          WindowTap tap = buildWindowTap(
              nb, nloc, *g, i, size, linalg::IndexOp::create(nb, nloc, 2 + i),
              linalg::IndexOp::create(nb, nloc, 2 + spatial + i));
          inside = arith::AndIOp::create(nb, nloc, inside, tap.inside);
          inPadded = arith::AndIOp::create(
              nb, nloc, inPadded,
              arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, tap.x,
                                    index(size + g->padEnd[i])));
          coords.push_back(tap.clamped);
        }
        Value v = tensor::ExtractOp::create(nb, nloc, input, coords);
        Value newIndex;
        if (withIndices) {
          // Where v lies in the flattened input, and whether it is a new
          // maximum (the first of equal ones wins).
          Value flat = coords[0];
          auto dim = [&](int64_t d) -> Value {
            return tensor::DimOp::create(nb, nloc, input, d);
          };
          flat = arith::AddIOp::create(
              nb, nloc, arith::MulIOp::create(nb, nloc, flat, dim(1)),
              coords[1]);
          SmallVector<int64_t> order;
          for (int64_t i = 0; i < spatial; ++i)
            order.push_back(columnMajor ? 2 + spatial - 1 - i : 2 + i);
          for (int64_t d : order)
            flat = arith::AddIOp::create(
                nb, nloc, arith::MulIOp::create(nb, nloc, flat, dim(d)),
                coords[d]);
          Value larger =
              isFloat ? arith::CmpFOp::create(nb, nloc,
                                              arith::CmpFPredicate::OGT, v, acc)
                            .getResult()
              : elementType.isUnsignedInteger()
                  ? arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ugt,
                                          castToSignless(nb, nloc, v),
                                          castToSignless(nb, nloc, acc))
                        .getResult()
                  : arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sgt,
                                          castToSignless(nb, nloc, v),
                                          castToSignless(nb, nloc, acc))
                        .getResult();
          newIndex = arith::SelectOp::create(
              nb, nloc, arith::AndIOp::create(nb, nloc, inside, larger),
              arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), flat),
              args[3]);
        }
        Value newAcc;
        if (isMax && !isFloat) {
          Value a = castToSignless(nb, nloc, acc),
                x = castToSignless(nb, nloc, v);
          Value larger =
              elementType.isUnsignedInteger()
                  ? arith::MaxUIOp::create(nb, nloc, a, x).getResult()
                  : arith::MaxSIOp::create(nb, nloc, a, x).getResult();
          newAcc = arith::SelectOp::create(
              nb, nloc, inside, castFromSignless(nb, nloc, larger, elementType),
              acc);
        } else if (isMax) {
          newAcc = arith::SelectOp::create(
              nb, nloc, inside, arith::MaximumFOp::create(nb, nloc, acc, v),
              acc);
        } else {
          newAcc = arith::SelectOp::create(
              nb, nloc, inside, arith::AddFOp::create(nb, nloc, acc, v), acc);
        }
        Value counted = countIncludePad ? inPadded : inside;
        Value one = arith::ConstantOp::create(nb, nloc, countType,
                                              nb.getFloatAttr(countType, 1.0));
        Value newCount = arith::SelectOp::create(
            nb, nloc, counted, arith::AddFOp::create(nb, nloc, count, one),
            count);
        SmallVector<Value> yields = {newAcc, newCount};
        if (withIndices)
          yields.push_back(newIndex);
        linalg::YieldOp::create(nb, nloc, yields);
      });
  Value result = generic.getResult(0);
  if (withIndices)
    node.setOutput(1, generic.getResult(2));
  if (!isMax) {
    FailureOr<Value> mean = buildBroadcastElementwise(
        node, {result, generic.getResult(1)}, elementType,
        [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          return arith::DivFOp::create(nb, nloc, args[0], args[1]);
        });
    if (failed(mean))
      return failure();
    result = *mean;
  }
  node.setOutput(0, result);
  return success();
}

/// MaxUnpool: zeros of the pooled-from size ((in - 1) stride - pads +
/// kernel per spatial dimension) with each value of X written at the
/// flattened position its index in I names. With output_shape, the result
/// has that size and the values keep those positions' coordinates, as the
/// ONNX tests (and ONNX Runtime) read it.
LogicalResult convertMaxUnpool(NodeImporter &node) {
  Value x = node.getInput(0), indices = node.getInput(1);
  if (!x || !indices)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank(), spatial = rank - 2;
  std::optional<SmallVector<int64_t>> kernel = node.getIntsAttr("kernel_shape");
  if (rank < 3 || !kernel || int64_t(kernel->size()) != spatial ||
      cast<RankedTensorType>(indices.getType()).getShape() != type.getShape() ||
      !cast<RankedTensorType>(indices.getType()).getElementType().isInteger(64))
    return node.emitError() << "expects X and int64 I of one N x C x spatial "
                               "shape and a kernel_shape per spatial dimension";
  SmallVector<int64_t> strides(spatial, 1), pads(2 * spatial, 0);
  if (auto attr = node.getIntsAttr("strides"))
    strides = *attr;
  if (auto attr = node.getIntsAttr("pads"))
    pads = *attr;
  if (int64_t(strides.size()) != spatial || int64_t(pads.size()) != 2 * spatial)
    return node.emitError() << "strides and pads must match kernel_shape";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  // The pooled-from sizes, which the indices are positions in.
  SmallVector<Value> pooled = {tensor::DimOp::create(b, loc, x, 0),
                               tensor::DimOp::create(b, loc, x, 1)};
  for (int64_t i = 0; i < spatial; ++i) {
    Value in = tensor::DimOp::create(b, loc, x, 2 + i);
    Value size = arith::MulIOp::create(
        b, loc, arith::SubIOp::create(b, loc, in, c(1)), c(strides[i]));
    pooled.push_back(arith::AddIOp::create(
        b, loc, size, c((*kernel)[i] - pads[i] - pads[spatial + i])));
  }
  SmallVector<Value> sizes = pooled;
  if (node.hasInput(2)) {
    Value shapeInput = node.getInput(2);
    if (!shapeInput)
      return failure();
    FailureOr<SmallVector<Value>> entries = readShapeEntries(node, shapeInput);
    if (failed(entries))
      return failure();
    if (int64_t(entries->size()) != rank)
      return node.emitError()
             << "output_shape must have " << rank << " entries";
    sizes = *entries;
    // The result holds the pooled-from positions.
    for (int64_t d = 0; d < rank; ++d)
      emitRuntimeCheck(b, loc,
                       arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                             sizes[d], pooled[d]),
                       RunError::ShapeMismatch);
  }
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, sizes);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (ShapedType::isDynamic(shape[d]))
      dynamicSizes.push_back(sizes[d]);
  Type et = type.getElementType();
  Value empty = tensor::EmptyOp::create(b, loc, shape, et, dynamicSizes);
  Value zero = arith::ConstantOp::create(b, loc, et, b.getZeroAttr(et));
  Value out = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  Value total = c(1), pooledTotal = c(1);
  SmallVector<Value> inDims;
  for (int64_t d = 0; d < rank; ++d) {
    inDims.push_back(tensor::DimOp::create(b, loc, x, d));
    total = arith::MulIOp::create(b, loc, total, inDims.back());
    pooledTotal = arith::MulIOp::create(b, loc, pooledTotal, pooled[d]);
  }
  auto loop = scf::ForOp::create(
      b, loc, c(0), total, c(1), ValueRange{out},
      [&](OpBuilder &lb, Location lloc, Value n, ValueRange state) {
        SmallVector<Value> at(rank);
        Value rest = n;
        for (int64_t d = rank - 1; d >= 0; --d) {
          at[d] = arith::RemUIOp::create(lb, lloc, rest, inDims[d]);
          rest = arith::DivUIOp::create(lb, lloc, rest, inDims[d]);
        }
        Value flat = checkedIndex(
            lb, lloc, tensor::ExtractOp::create(lb, lloc, indices, at),
            pooledTotal);
        SmallVector<Value> target(rank);
        for (int64_t d = rank - 1; d >= 0; --d) {
          target[d] = arith::RemUIOp::create(lb, lloc, flat, pooled[d]);
          flat = arith::DivUIOp::create(lb, lloc, flat, pooled[d]);
        }
        Value v = tensor::ExtractOp::create(lb, lloc, x, at);
        scf::YieldOp::create(
            lb, lloc,
            tensor::InsertOp::create(lb, lloc, v, state[0], target)
                .getResult());
      });
  node.setOutput(0, loop.getResult(0));
  return success();
}

/// Conv with groups on any number of spatial dimensions, padding, strides
/// and dilations: y[n, m, o...] += sum over c in m's group and kernel
/// offsets k of x[n, c, o * s - p + k * d] * w[m, c, k], taps outside the
/// input reading as zero.
Value buildGeneralConv(OpBuilder &b, Location loc, Value input, Value weights,
                       Value init, const PoolGeometry &g, int64_t groups) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  auto wType = cast<RankedTensorType>(weights.getType());
  int64_t spatial = type.getRank() - 2;
  int64_t outChannels = wType.getDimSize(0),
          groupChannels = wType.getDimSize(1);
  // Loops: n, m, o_1..o_s (parallel), c, k_1..k_s (reduction).
  int64_t numLoops = 3 + 2 * spatial;
  SmallVector<AffineExpr> wExprs = {getAffineDimExpr(1, ctx),
                                    getAffineDimExpr(2 + spatial, ctx)};
  for (int64_t i = 0; i < spatial; ++i)
    wExprs.push_back(getAffineDimExpr(3 + spatial + i, ctx));
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < 2 + spatial; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<utils::IteratorType> iterators(2 + spatial,
                                             utils::IteratorType::parallel);
  iterators.append(1 + spatial, utils::IteratorType::reduction);
  int64_t outPerGroup = outChannels / groups;
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{weights}, ValueRange{init},
             ArrayRef<AffineMap>{AffineMap::get(numLoops, 0, wExprs, ctx),
                                 AffineMap::get(numLoops, 0, outExprs, ctx)},
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               auto index = [&](int64_t v) {
                 return arith::ConstantIndexOp::create(nb, nloc, v);
               };
               Value m = linalg::IndexOp::create(nb, nloc, 1);
               Value c = linalg::IndexOp::create(nb, nloc, 2 + spatial);
               // Input channel = group(m) * groupChannels + c.
               Value group =
                   arith::DivUIOp::create(nb, nloc, m, index(outPerGroup));
               Value channel = arith::AddIOp::create(
                   nb, nloc,
                   arith::MulIOp::create(nb, nloc, group, index(groupChannels)),
                   c);
               SmallVector<Value> coords = {
                   linalg::IndexOp::create(nb, nloc, 0), channel};
               Value inside = arith::ConstantOp::create(
                   nb, nloc, nb.getI1Type(), nb.getBoolAttr(true));
               for (int64_t i = 0; i < spatial; ++i) {
                 WindowTap tap = buildWindowTap(
                     nb, nloc, g, i, type.getDimSize(2 + i),
                     linalg::IndexOp::create(nb, nloc, 2 + i),
                     linalg::IndexOp::create(nb, nloc, 3 + spatial + i));
                 inside = arith::AndIOp::create(nb, nloc, inside, tap.inside);
                 coords.push_back(tap.clamped);
               }
               Value v = tensor::ExtractOp::create(nb, nloc, input, coords);
               // Floats, or the int32 of ConvInteger.
               bool isFloat = isa<FloatType>(v.getType());
               Value product =
                   isFloat
                       ? arith::MulFOp::create(nb, nloc, v, args[0]).getResult()
                       : arith::MulIOp::create(nb, nloc, v, args[0])
                             .getResult();
               Value added =
                   isFloat ? arith::AddFOp::create(nb, nloc, args[1], product)
                                 .getResult()
                           : arith::AddIOp::create(nb, nloc, args[1], product)
                                 .getResult();
               linalg::YieldOp::create(nb, nloc,
                                       ValueRange{arith::SelectOp::create(
                                           nb, nloc, inside, added, args[1])});
             })
      .getResult(0);
}

/// A 2-D Conv without groups on a static input: tensor.pad (when the
/// padding is not zero) and linalg.conv_2d_nchw_fchw.
Value buildNamedConv2D(OpBuilder &b, Location loc, Value input, Value weights,
                       Value init, const PoolGeometry &g) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  Value padded = input;
  if (llvm::any_of(g.padBegin, [](int64_t p) { return p != 0; }) ||
      llvm::any_of(g.padEnd, [](int64_t p) { return p != 0; })) {
    SmallVector<int64_t> shape(type.getShape());
    SmallVector<OpFoldResult> low(4, b.getIndexAttr(0)),
        high(4, b.getIndexAttr(0));
    for (int64_t i = 0; i < 2; ++i) {
      shape[2 + i] += g.padBegin[i] + g.padEnd[i];
      low[2 + i] = b.getIndexAttr(g.padBegin[i]);
      high[2 + i] = b.getIndexAttr(g.padEnd[i]);
    }
    auto pad = tensor::PadOp::create(
        b, loc, RankedTensorType::get(shape, elementType), input, low, high);
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&pad.getRegion(), {},
                                 SmallVector<Type>(4, b.getIndexType()),
                                 SmallVector<Location>(4, loc));
    b.setInsertionPointToEnd(block);
    tensor::YieldOp::create(
        b, loc,
        Value(arith::ConstantOp::create(b, loc, elementType,
                                        b.getZeroAttr(elementType))));
    padded = pad.getResult();
  }
  return linalg::Conv2DNchwFchwOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{padded, weights},
             ValueRange{init}, b.getI64VectorAttr(g.strides),
             b.getI64VectorAttr(g.dilations))
      .getResult(0);
}

/// A zero-filled [N, `channels`, `spatial`...] output for a convolution of
/// `input`, N as the input's; its dynamic sizes go to `dynamicSizes`.
Value buildZeroOutput(OpBuilder &b, Location loc, Value input, int64_t channels,
                      ArrayRef<int64_t> spatial,
                      SmallVectorImpl<Value> &dynamicSizes) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  SmallVector<int64_t> shape = {type.getDimSize(0), channels};
  shape.append(spatial.begin(), spatial.end());
  if (type.isDynamicDim(0))
    dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, 0));
  Value empty =
      tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
  Value zero = arith::ConstantOp::create(b, loc, elementType,
                                         b.getZeroAttr(elementType));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// `sum` [N, M, spatial...] plus the per-channel `bias` [M], broadcast as
/// [M, 1, ..., 1]; `dynamicSizes` are sum's dynamic sizes.
Value addChannelBias(OpBuilder &b, Location loc, Value sum, Value bias,
                     ValueRange dynamicSizes) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(sum.getType());
  int64_t rank = type.getRank();
  SmallVector<AffineExpr> biasExpr = {getAffineDimExpr(1, ctx)};
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  Value out = tensor::EmptyOp::create(b, loc, type.getShape(),
                                      type.getElementType(), dynamicSizes);
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{sum, bias}, ValueRange{out},
             ArrayRef<AffineMap>{
                 identity, AffineMap::get(rank, 0, biasExpr, ctx), identity},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(nb, nloc,
                                       ValueRange{arith::AddFOp::create(
                                           nb, nloc, args[0], args[1])});
             })
      .getResult(0);
}

/// Conv with groups: y[n, m, o...] = b[m] + sum over c in m's group and
/// kernel offsets k of x[n, c, o * s - p + k * d] * w[m, c, k].
LogicalResult convertConv(NodeImporter &node) {
  Value input = node.getInput(0), weights = node.getInput(1);
  if (!input || !weights)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  auto wType = cast<RankedTensorType>(weights.getType());
  Type elementType = type.getElementType();
  if (!isa<FloatType>(elementType) || wType.getElementType() != elementType ||
      type.getRank() < 3 || wType.getRank() != type.getRank() ||
      !wType.hasStaticShape())
    return node.emitError() << "needs float N x C x spatial input and "
                               "static weights of the same rank";
  int64_t spatial = type.getRank() - 2;
  int64_t groups = node.getIntAttr("group", 1);
  int64_t outChannels = wType.getDimSize(0),
          groupChannels = wType.getDimSize(1);
  if (groups <= 0 || outChannels % groups != 0 ||
      (!type.isDynamicDim(1) && type.getDimSize(1) != groupChannels * groups))
    return node.emitError() << "channels do not match group = " << groups;
  SmallVector<int64_t> kernel(wType.getShape().begin() + 2,
                              wType.getShape().end());
  if (std::optional<SmallVector<int64_t>> attr =
          node.getIntsAttr("kernel_shape"))
    if (*attr != kernel)
      return node.emitError() << "kernel_shape does not match the weights";
  FailureOr<PoolGeometry> g = getGeometry(node, type, kernel);
  if (failed(g))
    return failure();

  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<Value> dynamicSizes;
  Value init =
      buildZeroOutput(b, loc, input, outChannels, g->output, dynamicSizes);

  // A 2-D convolution without groups is upstream's linalg.conv_2d_nchw_fchw
  // on the zero-padded input, which code generation lowers through im2col to
  // a register-tiled matmul; the general form below covers the rest.
  Value sum;
  if (spatial == 2 && groups == 1 && type.hasStaticShape())
    sum = buildNamedConv2D(b, loc, input, weights, init, *g);
  else
    sum = buildGeneralConv(b, loc, input, weights, init, *g, groups);
  if (node.hasInput(2)) {
    Value bias = node.getInput(2);
    if (!bias)
      return failure();
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 || biasType.getElementType() != elementType)
      return node.emitError() << "B must be a 1-D tensor of the input's type";
    sum = addChannelBias(b, loc, sum, bias, dynamicSizes);
  }
  node.setOutput(0, sum);
  return success();
}

/// The int32 convolution of ConvInteger and QLinearConv: x and w (8-bit)
/// less their zero points (inputs `xZeroPoint`, `wZeroPoint`).
FailureOr<Value> buildIntegerConv(NodeImporter &node, Value x, Value w,
                                  unsigned xZeroPoint, unsigned wZeroPoint) {
  auto type = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  if (!type.getElementType().isInteger(8) ||
      !wType.getElementType().isInteger(8) || type.getRank() < 3 ||
      wType.getRank() != type.getRank() || !wType.hasStaticShape()) {
    node.emitError() << "needs 8-bit N x C x spatial input and static 8-bit "
                        "weights of the same rank";
    return failure();
  }
  int64_t groups = node.getIntAttr("group", 1);
  int64_t outChannels = wType.getDimSize(0);
  if (groups <= 0 || outChannels % groups != 0 ||
      (!type.isDynamicDim(1) &&
       type.getDimSize(1) != wType.getDimSize(1) * groups)) {
    node.emitError() << "channels do not match group = " << groups;
    return failure();
  }
  SmallVector<int64_t> kernel(wType.getShape().begin() + 2,
                              wType.getShape().end());
  FailureOr<PoolGeometry> g = getGeometry(node, type, kernel);
  if (failed(g))
    return failure();
  // The input's zero point is one value; the weights' may be one per
  // output channel.
  FailureOr<Value> xc = buildCenteredOnZeroPoint(node, x, xZeroPoint, -1);
  FailureOr<Value> wc =
      buildCenteredOnZeroPoint(node, w, wZeroPoint, wType.getRank() - 1);
  if (failed(xc) || failed(wc))
    return failure();
  OpBuilder &b = node.getBuilder();
  SmallVector<Value> dynamicSizes;
  Value init = buildZeroOutput(b, node.getLoc(), *xc, outChannels, g->output,
                               dynamicSizes);
  return buildGeneralConv(b, node.getLoc(), *xc, *wc, init, *g, groups);
}

/// ConvInteger: the int32 convolution of x and w less their zero points.
LogicalResult convertConvInteger(NodeImporter &node) {
  Value x = node.getInput(0), w = node.getInput(1);
  if (!x || !w)
    return failure();
  FailureOr<Value> y = buildIntegerConv(node, x, w, 2, 3);
  if (failed(y))
    return failure();
  node.setOutput(0, *y);
  return success();
}

/// QLinearConv: the integer convolution (+ int32 bias) requantized with
/// x_scale * w_scale (one, or one per output channel) / y_scale.
LogicalResult convertQLinearConv(NodeImporter &node) {
  Value x = node.getInput(0), w = node.getInput(3);
  Value xScale = node.getInput(1), wScale = node.getInput(4),
        yScale = node.getInput(6), yZeroPoint = node.getInput(7);
  if (!x || !w || !xScale || !wScale || !yScale || !yZeroPoint)
    return failure();
  FailureOr<Value> acc = buildIntegerConv(node, x, w, 2, 5);
  if (failed(acc))
    return failure();
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  // Per-channel scales and the bias run along the output's dimension 1.
  auto alongChannels = [&](Value v) -> Value {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() == 1 && type.getDimSize(0) != 1)
      return expandAlongChannels(b, loc, v, rank);
    return v;
  };
  Value sum = *acc;
  if (node.hasInput(8)) {
    Value bias = node.getInput(8);
    if (!bias)
      return failure();
    FailureOr<Value> biased = buildBroadcastElementwise(
        node, {sum, alongChannels(bias)}, b.getI32Type(),
        [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          return arith::AddIOp::create(nb, nloc, args[0], args[1]);
        });
    if (failed(biased))
      return failure();
    sum = *biased;
  }
  FailureOr<Value> y = buildRequantized(
      node, sum, {xScale, alongChannels(wScale)}, yScale, yZeroPoint);
  if (failed(y))
    return failure();
  node.setOutput(0, *y);
  return success();
}

/// ConvTranspose with groups on any number of spatial dimensions: each
/// output position o gathers the taps that reach it, y[n, m, o...] = b[m] +
/// sum over c in m's group and kernel offsets k of x[n, c, i...] * w[c,
/// m', k...] where o = i * s - p + k * d (i whole and inside the input) and
/// m' is m within its group. Sizes follow ONNX: s (in - 1) +
/// output_padding + (k - 1) d + 1 - pads, or output_shape (or SAME
/// auto_pad) with the pads it implies.
LogicalResult convertConvTranspose(NodeImporter &node) {
  Value input = node.getInput(0), weights = node.getInput(1);
  if (!input || !weights)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  auto wType = cast<RankedTensorType>(weights.getType());
  Type elementType = type.getElementType();
  int64_t rank = type.getRank(), spatial = rank - 2;
  if (!isa<FloatType>(elementType) || wType.getElementType() != elementType ||
      rank < 3 || wType.getRank() != rank || !wType.hasStaticShape())
    return node.emitError() << "needs float N x C x spatial input and "
                               "static weights of the same rank";
  for (int64_t d = 1; d < rank; ++d)
    if (type.isDynamicDim(d))
      return node.emitError() << "channels and spatial dimensions must be "
                                 "static";
  int64_t groups = node.getIntAttr("group", 1);
  int64_t inChannels = type.getDimSize(1);
  if (groups <= 0 || inChannels != wType.getDimSize(0) ||
      inChannels % groups != 0)
    return node.emitError() << "channels do not match group = " << groups;
  int64_t groupIn = inChannels / groups, groupOut = wType.getDimSize(1);
  int64_t outChannels = groupOut * groups;
  auto ints = [&](StringRef name, int64_t size, int64_t fill) {
    std::optional<SmallVector<int64_t>> v = node.getIntsAttr(name);
    return v && !v->empty() ? *v : SmallVector<int64_t>(size, fill);
  };
  SmallVector<int64_t> kernel(wType.getShape().begin() + 2,
                              wType.getShape().end());
  if (std::optional<SmallVector<int64_t>> attr =
          node.getIntsAttr("kernel_shape"))
    if (*attr != kernel)
      return node.emitError() << "kernel_shape does not match the weights";
  SmallVector<int64_t> strides = ints("strides", spatial, 1);
  SmallVector<int64_t> dilations = ints("dilations", spatial, 1);
  SmallVector<int64_t> pads = ints("pads", 2 * spatial, 0);
  SmallVector<int64_t> outputPadding = ints("output_padding", spatial, 0);
  std::optional<SmallVector<int64_t>> outputShape =
      node.getIntsAttr("output_shape");
  std::string autoPad = node.getStringAttr("auto_pad", "NOTSET");
  if (static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dilations.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial ||
      static_cast<int64_t>(outputPadding.size()) != spatial ||
      (outputShape && static_cast<int64_t>(outputShape->size()) != spatial))
    return node.emitError() << "strides, dilations, pads, output_padding and "
                               "output_shape do not match the spatial rank";
  if (autoPad != "NOTSET" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER" && autoPad != "VALID")
    return node.emitError() << "auto_pad '" << autoPad << "' is not supported";
  SmallVector<int64_t> padBegin(spatial), output(spatial);
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = type.getDimSize(2 + i), s = strides[i], d = dilations[i];
    if (s <= 0 || d <= 0 || kernel[i] <= 0)
      return node.emitError() << "kernel, strides and dilations must be "
                                 "positive";
    int64_t full = s * (in - 1) + outputPadding[i] + (kernel[i] - 1) * d + 1;
    if (outputShape || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t target = outputShape ? (*outputShape)[i] : in * s;
      int64_t total = full - target;
      bool upper = autoPad != "SAME_LOWER";
      padBegin[i] = upper ? total / 2 : total - total / 2;
      output[i] = target;
    } else {
      if (autoPad == "VALID")
        pads[i] = pads[i + spatial] = 0;
      padBegin[i] = pads[i];
      output[i] = full - pads[i] - pads[i + spatial];
    }
    if (output[i] <= 0)
      return node.emitError()
             << "the output's spatial size " << i << " would be " << output[i];
  }

  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<Value> dynamicSizes;
  Value init =
      buildZeroOutput(b, loc, input, outChannels, output, dynamicSizes);
  Value bias;
  if (node.hasInput(2)) {
    bias = node.getInput(2);
    if (!bias)
      return failure();
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 || biasType.getElementType() != elementType ||
        biasType.getDimSize(0) != outChannels)
      return node.emitError() << "B must be a 1-D tensor of " << outChannels
                              << " elements of the input's type";
  }
  // Loops: n, m, o_1..o_s (parallel), c, k_1..k_s (reduction); both
  // operands are read where the taps land.
  int64_t numLoops = 3 + 2 * spatial;
  SmallVector<utils::IteratorType> iterators(2 + spatial,
                                             utils::IteratorType::parallel);
  iterators.append(1 + spatial, utils::IteratorType::reduction);
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> outExprs, tapExprs;
  for (int64_t i = 0; i < 2 + spatial; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  // An unread [C / group, k...] operand gives the reduction loops their
  // bounds.
  SmallVector<int64_t> taps = {groupIn};
  taps.append(kernel.begin(), kernel.end());
  for (int64_t i = 0; i <= spatial; ++i)
    tapExprs.push_back(getAffineDimExpr(2 + spatial + i, ctx));
  Value tapShape = tensor::EmptyOp::create(b, loc, taps, elementType);
  Value sum =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{tapShape}, ValueRange{init},
          ArrayRef<AffineMap>{AffineMap::get(numLoops, 0, tapExprs, ctx),
                              AffineMap::get(numLoops, 0, outExprs, ctx)},
          iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            auto index = [&](int64_t v) -> Value {
              return arith::ConstantIndexOp::create(nb, nloc, v);
            };
            auto compare = [&](arith::CmpIPredicate p, Value x, Value y) {
              return arith::CmpIOp::create(nb, nloc, p, x, y).getResult();
            };
            Value m = linalg::IndexOp::create(nb, nloc, 1);
            Value c = linalg::IndexOp::create(nb, nloc, 2 + spatial);
            Value group = arith::DivUIOp::create(nb, nloc, m, index(groupOut));
            Value channel = arith::AddIOp::create(
                nb, nloc,
                arith::MulIOp::create(nb, nloc, group, index(groupIn)), c);
            SmallVector<Value> xCoords = {linalg::IndexOp::create(nb, nloc, 0),
                                          channel};
            SmallVector<Value> wCoords = {
                channel, arith::RemUIOp::create(nb, nloc, m, index(groupOut))};
            Value inside = arith::ConstantOp::create(nb, nloc, nb.getI1Type(),
                                                     nb.getBoolAttr(true));
            for (int64_t i = 0; i < spatial; ++i) {
              int64_t in = type.getDimSize(2 + i);
              Value o = linalg::IndexOp::create(nb, nloc, 2 + i);
              Value k = linalg::IndexOp::create(nb, nloc, 3 + spatial + i);
              // i * s = o + p - k * d, whole and inside the input.
              Value scaled = arith::SubIOp::create(
                  nb, nloc,
                  arith::AddIOp::create(nb, nloc, o, index(padBegin[i])),
                  arith::MulIOp::create(nb, nloc, k, index(dilations[i])));
              Value position =
                  arith::DivSIOp::create(nb, nloc, scaled, index(strides[i]));
              Value whole = compare(
                  arith::CmpIPredicate::eq,
                  arith::RemSIOp::create(nb, nloc, scaled, index(strides[i])),
                  index(0));
              Value in_range = arith::AndIOp::create(
                  nb, nloc,
                  compare(arith::CmpIPredicate::sge, scaled, index(0)),
                  compare(arith::CmpIPredicate::slt, position, index(in)));
              inside = arith::AndIOp::create(
                  nb, nloc, inside,
                  arith::AndIOp::create(nb, nloc, whole, in_range));
              xCoords.push_back(arith::MaxSIOp::create(
                  nb, nloc,
                  arith::MinSIOp::create(nb, nloc, position, index(in - 1)),
                  index(0)));
              wCoords.push_back(k);
            }
            Value x = tensor::ExtractOp::create(nb, nloc, input, xCoords);
            Value w = tensor::ExtractOp::create(nb, nloc, weights, wCoords);
            Value added = arith::AddFOp::create(
                nb, nloc, args[1], arith::MulFOp::create(nb, nloc, x, w));
            linalg::YieldOp::create(nb, nloc,
                                    ValueRange{arith::SelectOp::create(
                                        nb, nloc, inside, added, args[1])});
          })
          .getResult(0);
  if (bias)
    sum = addChannelBias(b, loc, sum, bias, dynamicSizes);
  node.setOutput(0, sum);
  return success();
}

/// BatchNormalization: (x - mean) / sqrt(var + epsilon) * scale + bias,
/// per channel (dim 1), with the given statistics, or in training mode the
/// batch's, also returning the running statistics updated with them.
LogicalResult convertBatchNorm(NodeImporter &node) {
  SmallVector<Value> operands;
  for (unsigned i = 0; i < 5; ++i) {
    Value v = node.getInput(i);
    if (!v)
      return failure();
    operands.push_back(v);
  }
  bool training = node.getIntAttr("training_mode", 0);
  auto type = cast<RankedTensorType>(operands[0].getType());
  Type elementType = type.getElementType();
  if (!isa<FloatType>(elementType) || type.getRank() < 2)
    return node.emitError() << "input must be a float N x C x ... tensor";
  for (Value v : ArrayRef<Value>(operands).drop_front())
    if (cast<RankedTensorType>(v.getType()).getRank() != 1 ||
        cast<RankedTensorType>(v.getType()).getElementType() != elementType)
      return node.emitError() << "scale, B, mean and var must be 1-D tensors "
                                 "of the input's type";
  double epsilon = node.getFloatAttr("epsilon", 1e-5f);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap channel = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, operands[0], d));
  Value out = tensor::EmptyOp::create(b, loc, type.getShape(), elementType,
                                      dynamicSizes);
  if (training) {
    // The batch's own statistics per channel (the population variance),
    // and the running ones moved towards them by 1 - momentum.
    double momentum = node.getFloatAttr("momentum", 0.9f);
    Value channels = tensor::DimOp::create(b, loc, operands[0], 1);
    auto channelType = RankedTensorType::get({type.getDimSize(1)}, elementType);
    SmallVector<Value> channelSizes;
    if (type.isDynamicDim(1))
      channelSizes.push_back(channels);
    auto zeros = [&]() {
      Value empty = tensor::EmptyOp::create(b, loc, channelType.getShape(),
                                            elementType, channelSizes);
      Value zero = arith::ConstantOp::create(b, loc, elementType,
                                             b.getZeroAttr(elementType));
      return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
    };
    Value count = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t d = 0; d < rank; ++d)
      if (d != 1)
        count = arith::MulIOp::create(
            b, loc, count, tensor::DimOp::create(b, loc, operands[0], d));
    Value countF = arith::SIToFPOp::create(
        b, loc, elementType,
        arith::IndexCastOp::create(b, loc, b.getI64Type(), count));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::reduction);
    iterators[1] = utils::IteratorType::parallel;
    // Two passes: the mean, then the mean square deviation from it.
    auto channelSum = [&](Value mean) {
      SmallVector<Value> inputs = {operands[0]};
      SmallVector<AffineMap> maps = {identity};
      if (mean) {
        inputs.push_back(mean);
        maps.push_back(channel);
      }
      maps.push_back(channel);
      return linalg::GenericOp::create(
                 b, loc, channelType, inputs, ValueRange{zeros()}, maps,
                 iterators,
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   Value v = args[0];
                   if (mean) {
                     Value d = arith::SubFOp::create(nb, nloc, v, args[1]);
                     v = arith::MulFOp::create(nb, nloc, d, d);
                   }
                   linalg::YieldOp::create(nb, nloc,
                                           ValueRange{arith::AddFOp::create(
                                               nb, nloc, args.back(), v)});
                 })
          .getResult(0);
    };
    AffineMap one = b.getMultiDimIdentityMap(1);
    auto perChannel =
        [&](ValueRange inputs,
            function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
          return linalg::GenericOp::create(
                     b, loc, channelType, inputs, ValueRange{zeros()},
                     SmallVector<AffineMap>(inputs.size() + 1, one),
                     ArrayRef<utils::IteratorType>{
                         utils::IteratorType::parallel},
                     [&](OpBuilder &nb, Location nloc, ValueRange args) {
                       linalg::YieldOp::create(nb, nloc,
                                               ValueRange{fn(nb, nloc, args)});
                     })
              .getResult(0);
        };
    Value mean =
        perChannel({channelSum(Value())},
                   [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
                     return arith::DivFOp::create(nb, nloc, args[0], countF);
                   });
    Value variance =
        perChannel({channelSum(mean)},
                   [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
                     return arith::DivFOp::create(nb, nloc, args[0], countF);
                   });
    auto running = [&](Value old, Value batch) {
      return perChannel(
          {old, batch},
          [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
            auto c = [&](double v) -> Value {
              return arith::ConstantOp::create(nb, nloc, elementType,
                                               nb.getFloatAttr(elementType, v));
            };
            return arith::AddFOp::create(
                nb, nloc, arith::MulFOp::create(nb, nloc, args[0], c(momentum)),
                arith::MulFOp::create(nb, nloc, args[1], c(1 - momentum)));
          });
    };
    node.setOutput(1, running(operands[3], mean));
    node.setOutput(2, running(operands[4], variance));
    operands[3] = mean;
    operands[4] = variance;
  }
  Value result =
      linalg::GenericOp::create(
          b, loc, type, operands, ValueRange{out},
          ArrayRef<AffineMap>{identity, channel, channel, channel, channel,
                              identity},
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value eps = arith::ConstantOp::create(
                nb, nloc, elementType, nb.getFloatAttr(elementType, epsilon));
            Value inv = math::RsqrtOp::create(
                nb, nloc, arith::AddFOp::create(nb, nloc, args[4], eps));
            Value centered = arith::SubFOp::create(nb, nloc, args[0], args[3]);
            Value y = arith::MulFOp::create(
                nb, nloc, arith::MulFOp::create(nb, nloc, centered, inv),
                args[1]);
            linalg::YieldOp::create(
                nb, nloc,
                ValueRange{arith::AddFOp::create(nb, nloc, y, args[2])});
          })
          .getResult(0);
  node.setOutput(0, result);
  return success();
}

} // namespace

void ::tern::registerConvPoolConverters(OpConverterRegistry &registry) {
  registry.add("MaxPool", 12, 17, convertPool<true>);
  registry.add("MaxUnpool", 11, 17, convertMaxUnpool);
  registry.add("ConvInteger", 10, 17, convertConvInteger);
  registry.add("QLinearConv", 10, 17, convertQLinearConv);
  registry.add("AveragePool", 11, 17, convertPool<false>);
  registry.add("Conv", 11, 17, convertConv);
  registry.add("ConvTranspose", 11, 17, convertConvTranspose);
  registry.add("BatchNormalization", 15, 17, convertBatchNorm);
}
