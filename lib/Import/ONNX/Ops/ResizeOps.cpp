//===- ResizeOps.cpp - Resize (nearest, linear, cubic) --------------------===//
//
// Resize of opset 13: every output element maps back to a coordinate in the
// input along each dimension (the coordinate transformation mode), then
// reads the nearest element or interpolates its neighbours, linearly (2
// per resized dimension) or cubically (4). Coordinates and weights are
// computed in f64, as ONNX's reference does, and the result rounded once.
// Scales or sizes may be constants or read when the model runs.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "ShapeBuilders.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace ::tern;

namespace {

enum class Interpolation { Nearest, Linear, Cubic };

/// Per resized dimension: the neighbours one output reads and their
/// weights (f64).
struct Taps {
  SmallVector<Value> indices, weights;
};

/// What one output dimension needs from outside the body.
struct ResizedDim {
  int64_t dim;
  Value inSize, outSize;  // index
  Value scale;            // f64: out / in, or the given scale
  Value roiStart, roiEnd; // f64, for tf_crop_and_resize
  /// Known not to be resized: the output reads its own position.
  bool identity = false;
};

struct ResizeConfig {
  Interpolation mode;
  std::string coordinates, nearestMode;
  double cubicA;
  bool excludeOutside;
  double extrapolation;
};

Value f64Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF64Type(),
                                   b.getF64FloatAttr(v));
}

Value toF64(OpBuilder &b, Location loc, Value index) {
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  return arith::SIToFPOp::create(b, loc, b.getF64Type(), i64);
}

Value toIndex(OpBuilder &b, Location loc, Value f) {
  Value i64 = arith::FPToSIOp::create(b, loc, b.getI64Type(), f);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), i64);
}

/// The input coordinate of output position `o` (f64) along `d`, and
/// whether it lies outside the crop (tf_crop_and_resize only).
std::pair<Value, Value> inputCoordinate(OpBuilder &b, Location loc,
                                        const ResizeConfig &c,
                                        const ResizedDim &d, Value o) {
  Value in = toF64(b, loc, d.inSize), out = toF64(b, loc, d.outSize);
  Value half = f64Const(b, loc, 0.5), one = f64Const(b, loc, 1.0);
  auto add = [&](Value x, Value y) {
    return arith::AddFOp::create(b, loc, x, y);
  };
  auto sub = [&](Value x, Value y) {
    return arith::SubFOp::create(b, loc, x, y);
  };
  auto mul = [&](Value x, Value y) {
    return arith::MulFOp::create(b, loc, x, y);
  };
  auto div = [&](Value x, Value y) {
    return arith::DivFOp::create(b, loc, x, y);
  };
  Value outIsOne =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, out, one);
  Value outside;
  Value x;
  if (c.coordinates == "asymmetric") {
    x = div(o, d.scale);
  } else if (c.coordinates == "align_corners") {
    // ONNX's resized length here is in * scale, not rounded to the size.
    Value length = mul(in, d.scale);
    Value ratio = div(sub(in, one), sub(length, one));
    Value single =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, length, one);
    x = arith::SelectOp::create(b, loc, single, f64Const(b, loc, 0.0),
                                mul(o, ratio));
  } else if (c.coordinates == "pytorch_half_pixel") {
    x = arith::SelectOp::create(b, loc, outIsOne, f64Const(b, loc, 0.0),
                                sub(div(add(o, half), d.scale), half));
  } else if (c.coordinates == "tf_half_pixel_for_nn") {
    x = div(add(o, half), d.scale);
  } else if (c.coordinates == "tf_crop_and_resize") {
    Value span = sub(in, one);
    Value cropped =
        add(mul(d.roiStart, span),
            div(mul(o, mul(sub(d.roiEnd, d.roiStart), span)), sub(out, one)));
    Value middle = mul(mul(half, add(d.roiStart, d.roiEnd)), span);
    x = arith::SelectOp::create(b, loc, outIsOne, middle, cropped);
    outside = arith::OrIOp::create(
        b, loc,
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                              f64Const(b, loc, 0.0)),
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, span));
  } else { // half_pixel
    x = sub(div(add(o, half), d.scale), half);
  }
  return {x, outside};
}

/// `i` clamped into [0, size - 1].
Value clampIndex(OpBuilder &b, Location loc, Value i, Value size) {
  Value last = arith::SubIOp::create(b, loc, size,
                                     arith::ConstantIndexOp::create(b, loc, 1));
  return arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, i, last),
                                arith::ConstantIndexOp::create(b, loc, 0));
}

Taps buildTaps(OpBuilder &b, Location loc, const ResizeConfig &c,
               const ResizedDim &d, Value x) {
  Taps taps;
  if (c.mode == Interpolation::Nearest) {
    Value r;
    if (c.nearestMode == "floor")
      r = math::FloorOp::create(b, loc, x);
    else if (c.nearestMode == "ceil")
      r = math::CeilOp::create(b, loc, x);
    else if (c.nearestMode == "round_prefer_ceil")
      r = math::FloorOp::create(
          b, loc, arith::AddFOp::create(b, loc, x, f64Const(b, loc, 0.5)));
    else // round_prefer_floor
      r = math::CeilOp::create(
          b, loc, arith::SubFOp::create(b, loc, x, f64Const(b, loc, 0.5)));
    taps.indices.push_back(clampIndex(b, loc, toIndex(b, loc, r), d.inSize));
    taps.weights.push_back(f64Const(b, loc, 1.0));
    return taps;
  }
  Value floor = math::FloorOp::create(b, loc, x);
  Value t = arith::SubFOp::create(b, loc, x, floor);
  Value base = toIndex(b, loc, floor);
  auto neighbour = [&](int64_t offset) {
    return arith::AddIOp::create(
        b, loc, base, arith::ConstantIndexOp::create(b, loc, offset));
  };
  if (c.mode == Interpolation::Linear) {
    // Edges repeat: neighbours are clamped into the input.
    Value one = f64Const(b, loc, 1.0);
    for (int64_t k = 0; k < 2; ++k)
      taps.indices.push_back(clampIndex(b, loc, neighbour(k), d.inSize));
    taps.weights = {arith::SubFOp::create(b, loc, one, t), t};
    return taps;
  }
  // Cubic convolution with coefficient A on the neighbours at distances
  // 1 + t, t, 1 - t and 2 - t.
  double a = c.cubicA;
  auto near = [&](Value s) { // |s| <= 1: ((A + 2) s - (A + 3)) s^2 + 1
    Value v = arith::SubFOp::create(
        b, loc, arith::MulFOp::create(b, loc, f64Const(b, loc, a + 2), s),
        f64Const(b, loc, a + 3));
    return arith::AddFOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, v, arith::MulFOp::create(b, loc, s, s)),
        f64Const(b, loc, 1.0));
  };
  auto far = [&](Value s) { // 1 < |s| < 2: ((A s - 5A) s + 8A) s - 4A
    Value v = arith::SubFOp::create(
        b, loc, arith::MulFOp::create(b, loc, f64Const(b, loc, a), s),
        f64Const(b, loc, 5 * a));
    v = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, v, s),
                              f64Const(b, loc, 8 * a));
    return arith::SubFOp::create(b, loc, arith::MulFOp::create(b, loc, v, s),
                                 f64Const(b, loc, 4 * a));
  };
  Value one = f64Const(b, loc, 1.0), two = f64Const(b, loc, 2.0);
  SmallVector<Value> weights = {far(arith::AddFOp::create(b, loc, t, one)),
                                near(t),
                                near(arith::SubFOp::create(b, loc, one, t)),
                                far(arith::SubFOp::create(b, loc, two, t))};
  Value total = f64Const(b, loc, 0.0);
  for (int64_t k = 0; k < 4; ++k) {
    Value i = neighbour(k - 1);
    if (c.excludeOutside) {
      Value inside = arith::AndIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, i,
                                arith::ConstantIndexOp::create(b, loc, 0)),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i,
                                d.inSize));
      weights[k] = arith::SelectOp::create(b, loc, inside, weights[k],
                                           f64Const(b, loc, 0.0));
      total = arith::AddFOp::create(b, loc, total, weights[k]);
    }
    taps.indices.push_back(clampIndex(b, loc, i, d.inSize));
  }
  if (c.excludeOutside)
    for (Value &w : weights)
      w = arith::DivFOp::create(b, loc, w, total);
  taps.weights = weights;
  return taps;
}

/// The `expected` entries of input `i`, a 1-D float (scales, roi) or int64
/// (sizes, as index values: readShapeEntries) tensor; floats as f64.
FailureOr<SmallVector<Value>> readEntries(NodeImporter &node, unsigned i,
                                          int64_t expected, bool asIndex) {
  Value value = node.getInput(i);
  if (!value)
    return failure();
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() != 1 || type.isDynamicDim(0) ||
      type.getDimSize(0) != expected) {
    node.emitError() << "input #" << i << " must have " << expected
                     << " entries, got " << type;
    return failure();
  }
  if (asIndex)
    return readShapeEntries(node, value);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<Value> entries;
  for (int64_t k = 0; k < expected; ++k) {
    Value e = tensor::ExtractOp::create(
        b, loc, value, ValueRange{arith::ConstantIndexOp::create(b, loc, k)});
    entries.push_back(
        isa<FloatType>(e.getType()) && !e.getType().isF64()
            ? arith::ExtFOp::create(b, loc, b.getF64Type(), e).getResult()
            : e);
  }
  return entries;
}

LogicalResult convertResize(NodeImporter &node) {
  Value input = node.getInput(0);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  if (!isa<FloatType>(elementType))
    return node.emitError()
           << "element type " << elementType << " is not supported by this op";
  int64_t rank = type.getRank();
  ResizeConfig config;
  std::string mode = node.getStringAttr("mode", "nearest");
  if (mode == "nearest")
    config.mode = Interpolation::Nearest;
  else if (mode == "linear")
    config.mode = Interpolation::Linear;
  else if (mode == "cubic")
    config.mode = Interpolation::Cubic;
  else
    return node.emitError() << "mode '" << mode << "' is not supported";
  config.coordinates =
      node.getStringAttr("coordinate_transformation_mode", "half_pixel");
  static const char *const modes[] = {
      "half_pixel",         "asymmetric",           "align_corners",
      "pytorch_half_pixel", "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  if (!llvm::is_contained(modes, config.coordinates))
    return node.emitError() << "coordinate_transformation_mode '"
                            << config.coordinates << "' is not supported";
  config.nearestMode = node.getStringAttr("nearest_mode", "round_prefer_floor");
  config.cubicA = node.getFloatAttr("cubic_coeff_a", -0.75f);
  config.excludeOutside = node.getIntAttr("exclude_outside", 0);
  config.extrapolation = node.getFloatAttr("extrapolation_value", 0.0f);

  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  bool hasSizes = node.hasInput(3);
  if (!hasSizes && !node.hasInput(2))
    return node.emitError() << "needs scales or sizes";
  FailureOr<SmallVector<Value>> given =
      readEntries(node, hasSizes ? 3 : 2, rank, /*asIndex=*/hasSizes);
  if (failed(given))
    return failure();
  SmallVector<Value> roi;
  if (config.coordinates == "tf_crop_and_resize") {
    if (!node.hasInput(1))
      return node.emitError() << "tf_crop_and_resize needs roi";
    FailureOr<SmallVector<Value>> entries =
        readEntries(node, 1, 2 * rank, /*asIndex=*/false);
    if (failed(entries))
      return failure();
    roi = *entries;
  }
  // Output sizes: the given sizes, or floor(in * scale); the scale of a
  // given size is out / in.
  SmallVector<ResizedDim> dims;
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes;
  std::optional<SmallVector<int64_t>> knownSizes =
      hasSizes ? node.getConstantInts(3) : std::nullopt;
  DenseElementsAttr knownScales =
      hasSizes ? nullptr : node.getConstantElements(2);
  for (int64_t d = 0; d < rank; ++d) {
    ResizedDim dim;
    dim.dim = d;
    dim.inSize = tensor::DimOp::create(b, loc, input, d);
    Value inF = toF64(b, loc, dim.inSize);
    if (hasSizes) {
      dim.outSize = (*given)[d];
      dim.scale =
          arith::DivFOp::create(b, loc, toF64(b, loc, dim.outSize), inF);
    } else {
      dim.scale = (*given)[d];
      dim.outSize =
          toIndex(b, loc,
                  math::FloorOp::create(
                      b, loc, arith::MulFOp::create(b, loc, inF, dim.scale)));
    }
    if (!roi.empty()) {
      dim.roiStart = roi[d];
      dim.roiEnd = roi[d + rank];
    }
    // Static where both the input size and the result are known.
    int64_t size = ShapedType::kDynamic;
    if (knownSizes)
      size = (*knownSizes)[d];
    else if (knownScales && !type.isDynamicDim(d))
      size = int64_t(
          std::floor(double(type.getDimSize(d)) *
                     knownScales.getValues<APFloat>()[d].convertToDouble()));
    shape.push_back(size);
    dim.identity = config.coordinates != "tf_crop_and_resize" &&
                   !type.isDynamicDim(d) && size == type.getDimSize(d);
    if (ShapedType::isDynamic(size)) {
      Value negative =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, dim.outSize,
                                arith::ConstantIndexOp::create(b, loc, 0));
      emitRuntimeCheck(b, loc, negative, RunError::ShapeMismatch);
      dynamicSizes.push_back(dim.outSize);
    }
    dims.push_back(dim);
  }
  Value output = buildFromCoordinates(
      b, loc, RankedTensorType::get(shape, elementType), dynamicSizes,
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
        SmallVector<Taps> taps;
        Value outside;
        for (const ResizedDim &d : dims) {
          if (d.identity) {
            taps.push_back({{at[d.dim]}, {f64Const(nb, nloc, 1.0)}});
            continue;
          }
          Value o = toF64(nb, nloc, at[d.dim]);
          auto [x, out] = inputCoordinate(nb, nloc, config, d, o);
          if (out)
            outside =
                outside
                    ? arith::OrIOp::create(nb, nloc, outside, out).getResult()
                    : out;
          taps.push_back(buildTaps(nb, nloc, config, d, x));
        }
        // Sum over every combination of the dimensions' taps.
        Value sum = f64Const(nb, nloc, 0.0);
        SmallVector<int64_t> pick(rank, 0);
        while (true) {
          SmallVector<Value> coords;
          Value weight = f64Const(nb, nloc, 1.0);
          for (int64_t d = 0; d < rank; ++d) {
            coords.push_back(taps[d].indices[pick[d]]);
            weight = arith::MulFOp::create(nb, nloc, weight,
                                           taps[d].weights[pick[d]]);
          }
          Value v = tensor::ExtractOp::create(nb, nloc, input, coords);
          Value wide = v.getType().isF64()
                           ? v
                           : arith::ExtFOp::create(nb, nloc, nb.getF64Type(), v)
                                 .getResult();
          sum = arith::AddFOp::create(
              nb, nloc, sum, arith::MulFOp::create(nb, nloc, weight, wide));
          int64_t d = rank - 1;
          while (d >= 0 && ++pick[d] == int64_t(taps[d].indices.size()))
            pick[d--] = 0;
          if (d < 0)
            break;
        }
        if (outside)
          sum = arith::SelectOp::create(
              nb, nloc, outside, f64Const(nb, nloc, config.extrapolation), sum);
        return elementType.isF64()
                   ? sum
                   : arith::TruncFOp::create(nb, nloc, elementType, sum)
                         .getResult();
      });
  RankedTensorType inferred = node.getInferredOutputType(0);
  if (inferred && inferred != output.getType() &&
      tensor::CastOp::areCastCompatible(output.getType(), inferred))
    output = tensor::CastOp::create(b, loc, inferred, output);
  node.setOutput(0, output);
  return success();
}

/// GridSample (opset 16, 4-D) as ONNX's reference computes it: each output
/// pixel samples the input at grid[n, h, w] = (x, y) in [-1, 1], mapped to
/// pixels (to their centres, or with align_corners to the corner pixels),
/// coordinates outside the borders clamped (border) or mirrored
/// (reflection) first, and taps outside the input reading 0 (zeros), the
/// edge (border) or their mirror image (reflection).
LogicalResult convertGridSample(NodeImporter &node) {
  Value input = node.getInput(0), grid = node.getInput(1);
  if (!input || !grid)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  auto gridType = cast<RankedTensorType>(grid.getType());
  Type et = type.getElementType();
  if (type.getRank() != 4 || gridType.getRank() != 4 ||
      gridType.getDimSize(3) != 2 || !isa<FloatType>(et) ||
      gridType.getElementType() != et)
    return node.emitError() << "expects a float N x C x H x W input and an "
                               "N x H' x W' x 2 grid of its type";
  std::string mode = node.getStringAttr("mode", "bilinear");
  std::string padding = node.getStringAttr("padding_mode", "zeros");
  if (mode != "bilinear" && mode != "nearest" && mode != "bicubic")
    return node.emitError() << "mode '" << mode << "' is not supported";
  if (padding != "zeros" && padding != "border" && padding != "reflection")
    return node.emitError()
           << "padding_mode '" << padding << "' is not supported";
  bool alignCorners = node.getIntAttr("align_corners", 0);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<int64_t> shape = {type.getDimSize(0), type.getDimSize(1),
                                gridType.getDimSize(1), gridType.getDimSize(2)};
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < 4; ++d)
    if (ShapedType::isDynamic(shape[d]))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, d < 2 ? input : grid,
                                                   d < 2 ? d : d - 1));
  emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, grid, 0),
                           tensor::DimOp::create(b, loc, input, 0),
                           RunError::ShapeMismatch);
  Value height = tensor::DimOp::create(b, loc, input, 2);
  Value width = tensor::DimOp::create(b, loc, input, 3);
  Value sampled = buildFromCoordinates(
      b, loc, RankedTensorType::get(shape, et), dynamicSizes,
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
        auto f = [&](double v) -> Value {
          return arith::ConstantOp::create(nb, nloc, et,
                                           nb.getFloatAttr(et, v));
        };
        auto toFloat = [&](Value index) -> Value {
          return arith::SIToFPOp::create(
              nb, nloc, et,
              arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), index));
        };
        auto lt = [&](Value a, Value c) -> Value {
          return arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OLT, a,
                                       c);
        };
        auto select = [&](Value cond, Value a, Value c) -> Value {
          return arith::SelectOp::create(nb, nloc, cond, a, c);
        };
        Value n = at[0], ch = at[1], oh = at[2], ow = at[3];
        auto gridAt = [&](int64_t k) -> Value {
          return tensor::ExtractOp::create(
              nb, nloc, grid,
              ValueRange{n, oh, ow,
                         arith::ConstantIndexOp::create(nb, nloc, k)});
        };
        Value sizes[2] = {toFloat(width), toFloat(height)};
        // Borders of the sampled range, per axis (x: width, y: height).
        Value lows[2], highs[2];
        for (int i = 0; i < 2; ++i) {
          lows[i] = f(alignCorners ? 0.0 : -0.5);
          highs[i] = arith::SubFOp::create(nb, nloc, sizes[i],
                                           f(alignCorners ? 1.0 : 0.5));
        }
        auto reflect = [&](Value x, Value lo, Value hi) -> Value {
          Value range = arith::SubFOp::create(nb, nloc, hi, lo);
          auto mirrored = [&](Value dx, Value near, Value far, bool below) {
            Value count = math::FloorOp::create(
                nb, nloc, arith::DivFOp::create(nb, nloc, dx, range));
            Value r = arith::SubFOp::create(
                nb, nloc, dx, arith::MulFOp::create(nb, nloc, count, range));
            Value odd = arith::TruncIOp::create(
                nb, nloc, nb.getI1Type(),
                arith::FPToSIOp::create(nb, nloc, nb.getI64Type(), count));
            Value towardsNear =
                below ? arith::AddFOp::create(nb, nloc, near, r).getResult()
                      : arith::SubFOp::create(nb, nloc, near, r).getResult();
            Value towardsFar =
                below ? arith::SubFOp::create(nb, nloc, far, r).getResult()
                      : arith::AddFOp::create(nb, nloc, far, r).getResult();
            return select(odd, towardsFar, towardsNear);
          };
          Value below =
              mirrored(arith::SubFOp::create(nb, nloc, lo, x), lo, hi, true);
          Value above =
              mirrored(arith::SubFOp::create(nb, nloc, x, hi), hi, lo, false);
          return select(lt(x, lo), below, select(lt(hi, x), above, x));
        };
        auto clampF = [&](Value x, Value lo, Value hi) -> Value {
          return arith::MinimumFOp::create(
              nb, nloc, arith::MaximumFOp::create(nb, nloc, x, lo), hi);
        };
        // The sampled coordinate along each axis, in pixels.
        Value coords[2];
        for (int i = 0; i < 2; ++i) {
          Value g = gridAt(i);
          Value x =
              alignCorners
                  ? arith::MulFOp::create(
                        nb, nloc,
                        arith::DivFOp::create(
                            nb, nloc, arith::AddFOp::create(nb, nloc, g, f(1)),
                            f(2)),
                        arith::SubFOp::create(nb, nloc, sizes[i], f(1)))
                        .getResult()
                  : arith::DivFOp::create(
                        nb, nloc,
                        arith::SubFOp::create(
                            nb, nloc,
                            arith::MulFOp::create(
                                nb, nloc,
                                arith::AddFOp::create(nb, nloc, g, f(1)),
                                sizes[i]),
                            f(1)),
                        f(2))
                        .getResult();
          if (mode == "nearest")
            x = math::RoundEvenOp::create(nb, nloc, x);
          Value outside =
              arith::OrIOp::create(nb, nloc, lt(x, lows[i]), lt(highs[i], x));
          if (padding == "border")
            x = select(outside,
                       clampF(x, f(0),
                              arith::SubFOp::create(nb, nloc, sizes[i], f(1))),
                       x);
          else if (padding == "reflection")
            x = select(outside, reflect(x, lows[i], highs[i]), x);
          coords[i] = x;
        }
        Value limits[2] = {width, height};
        // One tap at integer pixel offsets (as floats) along each axis.
        auto tap = [&](Value tx, Value ty) -> Value {
          Value pos[2] = {tx, ty};
          Value inside = arith::ConstantIntOp::create(nb, nloc, 1, 1);
          Value at[2];
          for (int i = 0; i < 2; ++i) {
            Value p = pos[i];
            if (padding == "border")
              p = clampF(p, f(0),
                         arith::SubFOp::create(nb, nloc, sizes[i], f(1)));
            else if (padding == "reflection")
              p = reflect(p, lows[i], highs[i]);
            Value index = arith::IndexCastOp::create(
                nb, nloc, nb.getIndexType(),
                arith::FPToSIOp::create(nb, nloc, nb.getI64Type(), p));
            Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
            inside = arith::AndIOp::create(
                nb, nloc, inside,
                arith::AndIOp::create(
                    nb, nloc,
                    arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sge,
                                          index, zero),
                    arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt,
                                          index, limits[i])));
            at[i] = arith::MaxSIOp::create(
                nb, nloc,
                arith::MinSIOp::create(
                    nb, nloc, index,
                    arith::SubIOp::create(
                        nb, nloc, limits[i],
                        arith::ConstantIndexOp::create(nb, nloc, 1))),
                zero);
          }
          Value v = tensor::ExtractOp::create(nb, nloc, input,
                                              ValueRange{n, ch, at[1], at[0]});
          return select(inside, v, f(0));
        };
        Value result;
        if (mode == "nearest") {
          result = tap(coords[0], coords[1]);
        } else {
          // Weights of the taps from floor(x) - 1 (bicubic) or floor(x).
          Value base[2], t[2];
          for (int i = 0; i < 2; ++i) {
            base[i] = math::FloorOp::create(nb, nloc, coords[i]);
            t[i] = arith::SubFOp::create(nb, nloc, coords[i], base[i]);
          }
          auto weights = [&](Value x) -> SmallVector<Value> {
            if (mode == "bilinear")
              return {arith::SubFOp::create(nb, nloc, f(1), x), x};
            // Keys' cubic convolution with A = -0.75.
            double a = -0.75;
            auto outer = [&](Value d) -> Value { // 1 < d < 2
              return arith::SubFOp::create(
                  nb, nloc,
                  arith::MulFOp::create(
                      nb, nloc,
                      arith::AddFOp::create(
                          nb, nloc,
                          arith::MulFOp::create(
                              nb, nloc,
                              arith::SubFOp::create(
                                  nb, nloc,
                                  arith::MulFOp::create(nb, nloc, f(a), d),
                                  f(5 * a)),
                              d),
                          f(8 * a)),
                      d),
                  f(4 * a));
            };
            auto inner = [&](Value d) -> Value { // d < 1
              return arith::AddFOp::create(
                  nb, nloc,
                  arith::MulFOp::create(
                      nb, nloc,
                      arith::MulFOp::create(
                          nb, nloc,
                          arith::SubFOp::create(
                              nb, nloc,
                              arith::MulFOp::create(nb, nloc, f(a + 2), d),
                              f(a + 3)),
                          d),
                      d),
                  f(1));
            };
            return {outer(arith::AddFOp::create(nb, nloc, x, f(1))), inner(x),
                    inner(arith::SubFOp::create(nb, nloc, f(1), x)),
                    outer(arith::SubFOp::create(nb, nloc, f(2), x))};
          };
          SmallVector<Value> wx = weights(t[0]), wy = weights(t[1]);
          int64_t first = mode == "bilinear" ? 0 : -1;
          result = f(0);
          for (size_t j = 0; j < wy.size(); ++j) {
            Value ty =
                arith::AddFOp::create(nb, nloc, base[1], f(first + int64_t(j)));
            Value row = f(0);
            for (size_t i = 0; i < wx.size(); ++i) {
              Value tx = arith::AddFOp::create(nb, nloc, base[0],
                                               f(first + int64_t(i)));
              row = arith::AddFOp::create(
                  nb, nloc, row,
                  arith::MulFOp::create(nb, nloc, wx[i], tap(tx, ty)));
            }
            result = arith::AddFOp::create(
                nb, nloc, result, arith::MulFOp::create(nb, nloc, wy[j], row));
          }
        }
        return result;
      });
  node.setOutput(0, sampled);
  return success();
}

/// RoiAlign (opset 16) as ONNX Runtime computes it: each output bin of a
/// region averages (or takes the largest weighted tap of) a grid of
/// bilinear samples, sampling_ratio per side or ceil(region / bins);
/// samples more than a pixel outside the input count as 0.
LogicalResult convertRoiAlign(NodeImporter &node) {
  Value input = node.getInput(0), rois = node.getInput(1),
        batchIndices = node.getInput(2);
  if (!input || !rois || !batchIndices)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  Type et = type.getElementType();
  auto roisType = cast<RankedTensorType>(rois.getType());
  if (type.getRank() != 4 || !isa<FloatType>(et) || roisType.getRank() != 2 ||
      roisType.getDimSize(1) != 4 || roisType.getElementType() != et ||
      cast<RankedTensorType>(batchIndices.getType()).getRank() != 1)
    return node.emitError() << "expects a float N x C x H x W input, rois "
                               "[R, 4] of its type and batch_indices [R]";
  std::string mode = node.getStringAttr("mode", "avg");
  std::string transform =
      node.getStringAttr("coordinate_transformation_mode", "half_pixel");
  if ((mode != "avg" && mode != "max") ||
      (transform != "half_pixel" && transform != "output_half_pixel"))
    return node.emitError() << "mode must be avg or max and "
                               "coordinate_transformation_mode half_pixel or "
                               "output_half_pixel";
  int64_t outH = node.getIntAttr("output_height", 1);
  int64_t outW = node.getIntAttr("output_width", 1);
  int64_t ratio = node.getIntAttr("sampling_ratio", 0);
  double spatialScale = node.getFloatAttr("spatial_scale", 1.0f);
  bool halfPixel = transform == "half_pixel";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<int64_t> shape = {roisType.getDimSize(0), type.getDimSize(1),
                                outH, outW};
  SmallVector<Value> dynamicSizes;
  if (ShapedType::isDynamic(shape[0]))
    dynamicSizes.push_back(tensor::DimOp::create(b, loc, rois, 0));
  if (ShapedType::isDynamic(shape[1]))
    dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, 1));
  emitRuntimeEqualityCheck(
      b, loc, tensor::DimOp::create(b, loc, batchIndices, 0),
      tensor::DimOp::create(b, loc, rois, 0), RunError::ShapeMismatch);
  Value height = tensor::DimOp::create(b, loc, input, 2);
  Value width = tensor::DimOp::create(b, loc, input, 3);
  Value images = tensor::DimOp::create(b, loc, input, 0);
  Value pooled = buildFromCoordinates(
      b, loc, RankedTensorType::get(shape, et), dynamicSizes,
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
        auto f = [&](OpBuilder &ob, Location oloc, double v) -> Value {
          return arith::ConstantOp::create(ob, oloc, et,
                                           ob.getFloatAttr(et, v));
        };
        auto idx = [&](OpBuilder &ob, Location oloc, int64_t v) -> Value {
          return arith::ConstantIndexOp::create(ob, oloc, v);
        };
        auto toFloat = [&](OpBuilder &ob, Location oloc, Value i) -> Value {
          return arith::SIToFPOp::create(
              ob, oloc, et,
              arith::IndexCastOp::create(ob, oloc, ob.getI64Type(), i));
        };
        Value r = at[0], ch = at[1], ph = at[2], pw = at[3];
        Value image = checkedIndex(
            nb, nloc,
            tensor::ExtractOp::create(nb, nloc, batchIndices, ValueRange{r}),
            images);
        auto corner = [&](int64_t k) -> Value {
          Value v = tensor::ExtractOp::create(nb, nloc, rois,
                                              ValueRange{r, idx(nb, nloc, k)});
          return arith::SubFOp::create(
              nb, nloc,
              arith::MulFOp::create(nb, nloc, v, f(nb, nloc, spatialScale)),
              f(nb, nloc, halfPixel ? 0.5 : 0.0));
        };
        Value startW = corner(0), startH = corner(1);
        Value roiW = arith::SubFOp::create(nb, nloc, corner(2), startW);
        Value roiH = arith::SubFOp::create(nb, nloc, corner(3), startH);
        if (!halfPixel) {
          roiW = arith::MaximumFOp::create(nb, nloc, roiW, f(nb, nloc, 1));
          roiH = arith::MaximumFOp::create(nb, nloc, roiH, f(nb, nloc, 1));
        }
        Value binH = arith::DivFOp::create(nb, nloc, roiH, f(nb, nloc, outH));
        Value binW = arith::DivFOp::create(nb, nloc, roiW, f(nb, nloc, outW));
        auto gridOf = [&](Value bin) -> Value {
          if (ratio > 0)
            return idx(nb, nloc, ratio);
          Value g = math::CeilOp::create(nb, nloc, bin);
          return arith::IndexCastOp::create(
              nb, nloc, nb.getIndexType(),
              arith::FPToSIOp::create(nb, nloc, nb.getI64Type(), g));
        };
        Value gridH = gridOf(binH), gridW = gridOf(binW);
        Value count =
            toFloat(nb, nloc,
                    arith::MaxSIOp::create(
                        nb, nloc, arith::MulIOp::create(nb, nloc, gridH, gridW),
                        idx(nb, nloc, 1)));
        Value hF = toFloat(nb, nloc, height), wF = toFloat(nb, nloc, width);
        // One bilinear sample at (y, x): its four weighted taps.
        auto sample = [&](OpBuilder &sb, Location sloc, Value y,
                          Value x) -> std::pair<Value, SmallVector<Value>> {
          Value outside = arith::OrIOp::create(
              sb, sloc,
              arith::OrIOp::create(
                  sb, sloc,
                  arith::CmpFOp::create(sb, sloc, arith::CmpFPredicate::OLT, y,
                                        f(sb, sloc, -1)),
                  arith::CmpFOp::create(sb, sloc, arith::CmpFPredicate::OGT, y,
                                        hF)),
              arith::OrIOp::create(
                  sb, sloc,
                  arith::CmpFOp::create(sb, sloc, arith::CmpFPredicate::OLT, x,
                                        f(sb, sloc, -1)),
                  arith::CmpFOp::create(sb, sloc, arith::CmpFPredicate::OGT, x,
                                        wF)));
          auto axis = [&](Value v, Value size) {
            v = arith::MaximumFOp::create(sb, sloc, v, f(sb, sloc, 0));
            Value low = arith::IndexCastOp::create(
                sb, sloc, sb.getIndexType(),
                arith::FPToSIOp::create(sb, sloc, sb.getI64Type(), v));
            Value last =
                arith::SubIOp::create(sb, sloc, size, idx(sb, sloc, 1));
            Value atEnd = arith::CmpIOp::create(
                sb, sloc, arith::CmpIPredicate::sge, low, last);
            low = arith::SelectOp::create(sb, sloc, atEnd, last, low);
            Value high = arith::SelectOp::create(
                sb, sloc, atEnd, last,
                arith::AddIOp::create(sb, sloc, low, idx(sb, sloc, 1)));
            v = arith::SelectOp::create(sb, sloc, atEnd, toFloat(sb, sloc, low),
                                        v);
            Value frac =
                arith::SubFOp::create(sb, sloc, v, toFloat(sb, sloc, low));
            return std::make_tuple(low, high, frac);
          };
          auto [yLow, yHigh, ly] = axis(y, height);
          auto [xLow, xHigh, lx] = axis(x, width);
          Value hy = arith::SubFOp::create(sb, sloc, f(sb, sloc, 1), ly);
          Value hx = arith::SubFOp::create(sb, sloc, f(sb, sloc, 1), lx);
          auto at = [&](Value yy, Value xx) -> Value {
            return tensor::ExtractOp::create(sb, sloc, input,
                                             ValueRange{image, ch, yy, xx});
          };
          SmallVector<Value> taps = {
              arith::MulFOp::create(sb, sloc,
                                    arith::MulFOp::create(sb, sloc, hy, hx),
                                    at(yLow, xLow)),
              arith::MulFOp::create(sb, sloc,
                                    arith::MulFOp::create(sb, sloc, hy, lx),
                                    at(yLow, xHigh)),
              arith::MulFOp::create(sb, sloc,
                                    arith::MulFOp::create(sb, sloc, ly, hx),
                                    at(yHigh, xLow)),
              arith::MulFOp::create(sb, sloc,
                                    arith::MulFOp::create(sb, sloc, ly, lx),
                                    at(yHigh, xHigh))};
          for (Value &t : taps)
            t = arith::SelectOp::create(sb, sloc, outside, f(sb, sloc, 0), t);
          return {outside, taps};
        };
        bool isMax = mode == "max";
        Value start = isMax ? f(nb, nloc, -INFINITY) : f(nb, nloc, 0);
        auto rowsLoop = scf::ForOp::create(
            nb, nloc, idx(nb, nloc, 0), gridH, idx(nb, nloc, 1),
            ValueRange{start},
            [&](OpBuilder &yb, Location yloc, Value iy, ValueRange acc) {
              // y = start + ph bin + (iy + 0.5) bin / grid.
              Value y = arith::AddFOp::create(
                  yb, yloc,
                  arith::AddFOp::create(
                      yb, yloc, startH,
                      arith::MulFOp::create(yb, yloc, toFloat(yb, yloc, ph),
                                            binH)),
                  arith::DivFOp::create(
                      yb, yloc,
                      arith::MulFOp::create(
                          yb, yloc,
                          arith::AddFOp::create(yb, yloc, toFloat(yb, yloc, iy),
                                                f(yb, yloc, 0.5)),
                          binH),
                      toFloat(yb, yloc, gridH)));
              auto colsLoop = scf::ForOp::create(
                  yb, yloc, idx(yb, yloc, 0), gridW, idx(yb, yloc, 1),
                  ValueRange{acc[0]},
                  [&](OpBuilder &xb, Location xloc, Value ix, ValueRange a) {
                    Value x = arith::AddFOp::create(
                        xb, xloc,
                        arith::AddFOp::create(
                            xb, xloc, startW,
                            arith::MulFOp::create(xb, xloc,
                                                  toFloat(xb, xloc, pw), binW)),
                        arith::DivFOp::create(
                            xb, xloc,
                            arith::MulFOp::create(
                                xb, xloc,
                                arith::AddFOp::create(xb, xloc,
                                                      toFloat(xb, xloc, ix),
                                                      f(xb, xloc, 0.5)),
                                binW),
                            toFloat(xb, xloc, gridW)));
                    auto [outside, taps] = sample(xb, xloc, y, x);
                    Value next = a[0];
                    if (isMax) {
                      for (Value t : taps)
                        next = arith::MaximumFOp::create(xb, xloc, next, t);
                    } else {
                      for (Value t : taps)
                        next = arith::AddFOp::create(xb, xloc, next, t);
                    }
                    scf::YieldOp::create(xb, xloc, next);
                  });
              scf::YieldOp::create(yb, yloc, colsLoop.getResult(0));
            });
        Value result = rowsLoop.getResult(0);
        if (!isMax)
          result = arith::DivFOp::create(nb, nloc, result, count);
        return result;
      });
  node.setOutput(0, pooled);
  return success();
}

} // namespace

void ::tern::registerResizeConverters(OpConverterRegistry &registry) {
  registry.add("RoiAlign", 16, 17, convertRoiAlign);
  registry.add("Resize", 13, 17, convertResize);
  registry.add("GridSample", 16, 17, convertGridSample);
}
