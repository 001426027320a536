//===- SignalOps.cpp - Windows and Fourier transforms ---------------------===//
//
// HannWindow, HammingWindow and BlackmanWindow: a window of a length given
// at run time, as sums of cosines of 2 pi n / N (N the length when
// periodic, else the length - 1). DFT and STFT: the discrete Fourier
// transform by its definition (a sum over the signal per frequency, the
// angle reduced modulo N exactly in integers), of real or complex
// signals.
//
//===----------------------------------------------------------------------===//

#include "../TensorConversion.h"
#include "RuntimeChecks.h"
#include "ShapeBuilders.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace ::tern;

namespace {

/// a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N).
LogicalResult convertWindow(NodeImporter &node, double a0, double a1,
                            double a2) {
  Value size = node.getInput(0);
  if (!size)
    return failure();
  auto sizeType = cast<RankedTensorType>(size.getType());
  if (sizeType.getNumElements() != 1 ||
      !sizeType.getElementType().isSignlessInteger())
    return node.emitError() << "size must be one integer";
  Type elementType = convertElementType(node.getIntAttr("output_datatype", 1),
                                        node.getBuilder().getContext());
  if (!elementType || !isa<FloatType>(elementType))
    return node.emitError() << "output_datatype must be a float type";
  bool periodic = node.getIntAttr("periodic", 1);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value length = readScalarIndex(b, loc, size);
  emitRuntimeCheck(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, length, zero),
      RunError::ShapeMismatch);
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, {length});
  auto type = RankedTensorType::get(shape, elementType);
  SmallVector<Value> dynamicSizes;
  if (ShapedType::isDynamic(shape[0]))
    dynamicSizes.push_back(length);
  // The denominator, in f64 (a symmetric window of one point is 1).
  Value n64 = arith::SIToFPOp::create(
      b, loc, b.getF64Type(),
      arith::IndexCastOp::create(b, loc, b.getI64Type(), length));
  Value denominator =
      periodic ? n64
               : arith::SubFOp::create(
                     b, loc, n64,
                     arith::ConstantOp::create(b, loc, b.getF64FloatAttr(1)))
                     .getResult();
  Value window = buildFromCoordinates(
      b, loc, type, dynamicSizes,
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
        auto f = [&](double v) -> Value {
          return arith::ConstantOp::create(nb, nloc, nb.getF64FloatAttr(v));
        };
        Value n = arith::SIToFPOp::create(
            nb, nloc, nb.getF64Type(),
            arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), at[0]));
        Value angle = arith::DivFOp::create(
            nb, nloc, arith::MulFOp::create(nb, nloc, f(2 * M_PI), n),
            denominator);
        Value v = arith::SubFOp::create(
            nb, nloc, f(a0),
            arith::MulFOp::create(nb, nloc, f(a1),
                                  math::CosOp::create(nb, nloc, angle)));
        if (a2 != 0)
          v = arith::AddFOp::create(
              nb, nloc, v,
              arith::MulFOp::create(
                  nb, nloc, f(a2),
                  math::CosOp::create(
                      nb, nloc, arith::MulFOp::create(nb, nloc, f(2), angle))));
        return arith::TruncFOp::create(nb, nloc, elementType, v);
      });
  node.setOutput(0, window);
  return success();
}

LogicalResult convertHannWindow(NodeImporter &node) {
  return convertWindow(node, 0.5, 0.5, 0);
}

LogicalResult convertHammingWindow(NodeImporter &node) {
  // ONNX's coefficients: 25/46 and 21/46.
  return convertWindow(node, 25.0 / 46.0, 21.0 / 46.0, 0);
}

LogicalResult convertBlackmanWindow(NodeImporter &node) {
  return convertWindow(node, 0.42, 0.5, 0.08);
}

/// The sample a transform reads: its real and imaginary parts (0 past the
/// signal).
using SampleFn = function_ref<std::pair<Value, Value>(
    OpBuilder &, Location, ArrayRef<Value> outAt, Value k)>;

/// A spectrum of `type` ([..., bins at `freqDim`, ..., 2]): out[..., f, ...,
/// c] = part c of sum over k < length of sample(k) e^(-+2 pi i f k / n),
/// divided by n when `inverse`.
Value buildSpectrum(OpBuilder &b, Location loc, RankedTensorType type,
                    ValueRange dynamicSizes, int64_t freqDim, Value length,
                    Value n, bool inverse, SampleFn sample) {
  Type et = type.getElementType();
  int64_t rank = type.getRank();
  Value zero = arith::ConstantOp::create(b, loc, et, b.getZeroAttr(et));
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), et, dynamicSizes);
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  // The reduction's extent comes from a tensor of the signal's length.
  Value extent = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{ShapedType::kDynamic}, et, ValueRange{length});
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < rank; ++d)
    outExprs.push_back(b.getAffineDimExpr(d));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value nF = arith::SIToFPOp::create(
      b, loc, b.getF64Type(),
      arith::IndexCastOp::create(b, loc, b.getI64Type(), n));
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{extent}, ValueRange{init},
             ArrayRef<AffineMap>{
                 AffineMap::get(rank + 1, 0, b.getAffineDimExpr(rank), ctx),
                 AffineMap::get(rank + 1, 0, outExprs, ctx)},
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               SmallVector<Value> at;
               for (int64_t d = 0; d < rank; ++d)
                 at.push_back(linalg::IndexOp::create(nb, nloc, d));
               Value k = linalg::IndexOp::create(nb, nloc, rank);
               auto [re, im] = sample(nb, nloc, at, k);
               Type f64 = nb.getF64Type();
               Value phase = arith::RemUIOp::create(
                   nb, nloc, arith::MulIOp::create(nb, nloc, at[freqDim], k),
                   n);
               Value angle = arith::DivFOp::create(
                   nb, nloc,
                   arith::MulFOp::create(
                       nb, nloc,
                       arith::ConstantOp::create(nb, nloc,
                                                 nb.getF64FloatAttr(2 * M_PI)),
                       arith::SIToFPOp::create(
                           nb, nloc, f64,
                           arith::IndexCastOp::create(nb, nloc, nb.getI64Type(),
                                                      phase))),
                   nF);
               auto narrow = [&](Value v) -> Value {
                 return et.isF64() ? v
                                   : arith::TruncFOp::create(nb, nloc, et, v)
                                         .getResult();
               };
               Value cos = narrow(math::CosOp::create(nb, nloc, angle));
               Value sin = narrow(math::SinOp::create(nb, nloc, angle));
               if (!inverse)
                 sin = arith::NegFOp::create(nb, nloc, sin);
               // (re + i im)(cos + i sin)
               Value real = arith::SubFOp::create(
                   nb, nloc, arith::MulFOp::create(nb, nloc, re, cos),
                   arith::MulFOp::create(nb, nloc, im, sin));
               Value imag = arith::AddFOp::create(
                   nb, nloc, arith::MulFOp::create(nb, nloc, im, cos),
                   arith::MulFOp::create(nb, nloc, re, sin));
               Value isReal = arith::CmpIOp::create(
                   nb, nloc, arith::CmpIPredicate::eq, at[rank - 1],
                   arith::ConstantIndexOp::create(nb, nloc, 0));
               Value term =
                   arith::SelectOp::create(nb, nloc, isReal, real, imag);
               if (inverse)
                 term = arith::DivFOp::create(nb, nloc, term, narrow(nF));
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::AddFOp::create(nb, nloc, args[1], term).getResult());
             })
      .getResult(0);
}

/// Reads part `part` (0 real, 1 imaginary) of a signal whose last
/// dimension holds 1 (real) or 2 (complex) parts.
Value readPart(OpBuilder &b, Location loc, Value signal, SmallVector<Value> at,
               int64_t part) {
  auto type = cast<RankedTensorType>(signal.getType());
  Type et = type.getElementType();
  if (part == 1 && type.getDimSize(type.getRank() - 1) == 1)
    return arith::ConstantOp::create(b, loc, et, b.getZeroAttr(et));
  at.back() = arith::ConstantIndexOp::create(b, loc, part);
  return tensor::ExtractOp::create(b, loc, signal, at);
}

/// A scalar integer input as an index.
FailureOr<Value> readScalar(NodeImporter &node, unsigned i) {
  Value v = node.getInput(i);
  if (!v)
    return failure();
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getNumElements() != 1 ||
      !type.getElementType().isSignlessInteger()) {
    node.emitError() << "input " << i << " must be one integer";
    return failure();
  }
  return readScalarIndex(node.getBuilder(), node.getLoc(), v);
}

/// The signal's checks: float, rank 3 or more, 1 or 2 parts last.
LogicalResult checkSignal(NodeImporter &node, Value signal) {
  auto type = cast<RankedTensorType>(signal.getType());
  int64_t rank = type.getRank();
  if (!isa<FloatType>(type.getElementType()) || rank < 2 ||
      (type.getDimSize(rank - 1) != 1 && type.getDimSize(rank - 1) != 2))
    return node.emitError()
           << "the signal must be float [..., 1 | 2], got " << type;
  return success();
}

/// DFT (opset 17) along `axis`, of dft_length points (the signal cut or
/// padded with zeros), onesided keeping n / 2 + 1 bins.
LogicalResult convertDFT(NodeImporter &node) {
  Value signal = node.getInput(0);
  if (!signal || failed(checkSignal(node, signal)))
    return failure();
  auto type = cast<RankedTensorType>(signal.getType());
  int64_t rank = type.getRank();
  int64_t axis = node.getIntAttr("axis", 1);
  if (axis < -rank || axis >= rank - 1)
    return node.emitError() << "axis " << axis << " is not a signal axis";
  if (axis < 0)
    axis += rank;
  bool inverse = node.getIntAttr("inverse", 0);
  bool onesided = node.getIntAttr("onesided", 0);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value signalLength = tensor::DimOp::create(b, loc, signal, axis);
  Value n = signalLength;
  if (node.hasInput(1)) {
    FailureOr<Value> length = readScalar(node, 1);
    if (failed(length))
      return failure();
    n = *length;
    emitRuntimeCheck(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, n,
                              arith::ConstantIndexOp::create(b, loc, 1)),
        RunError::ShapeMismatch);
  }
  Value bins =
      onesided ? arith::AddIOp::create(
                     b, loc,
                     arith::DivUIOp::create(
                         b, loc, n, arith::ConstantIndexOp::create(b, loc, 2)),
                     arith::ConstantIndexOp::create(b, loc, 1))
                     .getResult()
               : n;
  SmallVector<Value> sizes;
  for (int64_t d = 0; d + 1 < rank; ++d)
    sizes.push_back(d == axis
                        ? bins
                        : tensor::DimOp::create(b, loc, signal, d).getResult());
  sizes.push_back(arith::ConstantIndexOp::create(b, loc, 2));
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, sizes);
  shape.back() = 2;
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (ShapedType::isDynamic(shape[d]))
      dynamicSizes.push_back(sizes[d]);
  Value length = arith::MinSIOp::create(b, loc, n, signalLength);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  node.setOutput(
      0, buildSpectrum(
             b, loc, resultType, dynamicSizes, axis, length, n, inverse,
             [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at, Value k) {
               SmallVector<Value> from(at);
               from[axis] = k;
               return std::make_pair(readPart(nb, nloc, signal, from, 0),
                                     readPart(nb, nloc, signal, from, 1));
             }));
  return success();
}

/// STFT: frames of frame_length samples every frame_step (the window's
/// length without frame_length), each multiplied by the window and
/// transformed: [batch, frames, bins, 2], onesided by default.
LogicalResult convertSTFT(NodeImporter &node) {
  Value signal = node.getInput(0);
  if (!signal || failed(checkSignal(node, signal)))
    return failure();
  auto type = cast<RankedTensorType>(signal.getType());
  if (type.getRank() != 3)
    return node.emitError() << "the signal must be [batch, length, 1 | 2]";
  FailureOr<Value> step = readScalar(node, 1);
  if (failed(step))
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value window;
  if (node.hasInput(2)) {
    window = node.getInput(2);
    if (!window)
      return failure();
    if (cast<RankedTensorType>(window.getType()).getRank() != 1)
      return node.emitError() << "window must be 1-D";
  }
  Value frameLength;
  if (node.hasInput(3)) {
    FailureOr<Value> length = readScalar(node, 3);
    if (failed(length))
      return failure();
    frameLength = *length;
    if (window)
      emitRuntimeEqualityCheck(b, loc, tensor::DimOp::create(b, loc, window, 0),
                               frameLength, RunError::ShapeMismatch);
  } else if (window) {
    frameLength = tensor::DimOp::create(b, loc, window, 0);
  } else {
    return node.emitError() << "needs a window or a frame_length";
  }
  bool onesided = node.getIntAttr("onesided", 1);
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value signalLength = tensor::DimOp::create(b, loc, signal, 1);
  emitRuntimeCheck(
      b, loc,
      arith::OrIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, *step, c(1)),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, frameLength,
                                signalLength)),
      RunError::ShapeMismatch);
  Value frames = arith::AddIOp::create(
      b, loc,
      arith::DivUIOp::create(
          b, loc, arith::SubIOp::create(b, loc, signalLength, frameLength),
          *step),
      c(1));
  Value bins =
      onesided
          ? arith::AddIOp::create(
                b, loc, arith::DivUIOp::create(b, loc, frameLength, c(2)), c(1))
                .getResult()
          : frameLength;
  SmallVector<Value> sizes = {tensor::DimOp::create(b, loc, signal, 0), frames,
                              bins, c(2)};
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, sizes);
  shape.back() = 2;
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < 4; ++d)
    if (ShapedType::isDynamic(shape[d]))
      dynamicSizes.push_back(sizes[d]);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value stepValue = *step;
  node.setOutput(
      0, buildSpectrum(
             b, loc, resultType, dynamicSizes, 2, frameLength, frameLength,
             /*inverse=*/false,
             [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at, Value k) {
               Value t = arith::AddIOp::create(
                   nb, nloc, arith::MulIOp::create(nb, nloc, at[1], stepValue),
                   k);
               SmallVector<Value> from = {at[0], t, at[0]};
               Value re = readPart(nb, nloc, signal, from, 0);
               Value im = readPart(nb, nloc, signal, from, 1);
               if (window) {
                 Value w =
                     tensor::ExtractOp::create(nb, nloc, window, ValueRange{k});
                 re = arith::MulFOp::create(nb, nloc, re, w);
                 im = arith::MulFOp::create(nb, nloc, im, w);
               }
               return std::make_pair(re, im);
             }));
  return success();
}

/// MelWeightMatrix: [dft_length / 2 + 1, num_mel_bins] triangular filters
/// between num_mel_bins + 2 points spaced evenly on the mel scale from
/// lower_edge_hertz (mel step: the range / (num_mel_bins + 2), as ONNX's
/// reference has it), each point's bin floor((dft_length + 1) hz /
/// sample_rate); a filter rises from its left point to its centre and
/// falls to its right one.
LogicalResult convertMelWeightMatrix(NodeImporter &node) {
  FailureOr<Value> melBins = readScalar(node, 0),
                   dftLength = readScalar(node, 1),
                   sampleRate = readScalar(node, 2);
  Value lowerInput = node.getInput(3), upperInput = node.getInput(4);
  if (failed(melBins) || failed(dftLength) || failed(sampleRate) ||
      !lowerInput || !upperInput)
    return failure();
  Type et = convertElementType(node.getIntAttr("output_datatype", 1),
                               node.getBuilder().getContext());
  if (!et || !isa<FloatType>(et))
    return node.emitError() << "output_datatype must be a float type";
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Type f64 = b.getF64Type();
  auto toF64 = [&](OpBuilder &nb, Location nloc, Value index) -> Value {
    return arith::SIToFPOp::create(
        nb, nloc, f64,
        arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), index));
  };
  auto readHertz = [&](Value v) -> Value {
    auto type = cast<RankedTensorType>(v.getType());
    Value x = tensor::ExtractOp::create(
        b, loc, v,
        SmallVector<Value>(type.getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0)));
    if (isa<FloatType>(x.getType()))
      return x.getType() == f64
                 ? x
                 : arith::ExtFOp::create(b, loc, f64, x).getResult();
    return arith::SIToFPOp::create(b, loc, f64, x);
  };
  auto f = [&](OpBuilder &nb, Location nloc, double v) -> Value {
    return arith::ConstantOp::create(nb, nloc, nb.getF64FloatAttr(v));
  };
  // hz -> mel: 2595 log10(1 + hz / 700).
  auto toMel = [&](Value hz) -> Value {
    return arith::MulFOp::create(
        b, loc, f(b, loc, 2595.0 / std::log(10.0)),
        math::LogOp::create(
            b, loc,
            arith::AddFOp::create(
                b, loc, f(b, loc, 1),
                arith::DivFOp::create(b, loc, hz, f(b, loc, 700)))));
  };
  Value lowMel = toMel(readHertz(lowerInput));
  Value highMel = toMel(readHertz(upperInput));
  Value points = arith::AddIOp::create(
      b, loc, *melBins, arith::ConstantIndexOp::create(b, loc, 2));
  Value melStep = arith::DivFOp::create(
      b, loc, arith::SubFOp::create(b, loc, highMel, lowMel),
      toF64(b, loc, points));
  Value bins = arith::AddIOp::create(
      b, loc,
      arith::DivUIOp::create(b, loc, *dftLength,
                             arith::ConstantIndexOp::create(b, loc, 2)),
      arith::ConstantIndexOp::create(b, loc, 1));
  SmallVector<Value> sizes = {bins, *melBins};
  SmallVector<int64_t> shape = staticSizesCheckedAtRunTime(node, sizes);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < 2; ++d)
    if (ShapedType::isDynamic(shape[d]))
      dynamicSizes.push_back(sizes[d]);
  Value scale =
      arith::AddFOp::create(b, loc, toF64(b, loc, *dftLength), f(b, loc, 1));
  Value rate = toF64(b, loc, *sampleRate);
  Value matrix = buildFromCoordinates(
      b, loc, RankedTensorType::get(shape, et), dynamicSizes,
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> at) -> Value {
        Value j = at[0], i = at[1];
        // The bin of mel point m, as a float holding a whole number.
        auto point = [&](int64_t offset) -> Value {
          Value m = toF64(nb, nloc,
                          arith::AddIOp::create(nb, nloc, i,
                                                arith::ConstantIndexOp::create(
                                                    nb, nloc, offset)));
          Value mel = arith::AddFOp::create(
              nb, nloc, arith::MulFOp::create(nb, nloc, m, melStep), lowMel);
          Value hz = arith::MulFOp::create(
              nb, nloc, f(nb, nloc, 700),
              arith::SubFOp::create(
                  nb, nloc,
                  math::ExpOp::create(
                      nb, nloc,
                      arith::MulFOp::create(
                          nb, nloc, mel, f(nb, nloc, std::log(10.0) / 2595))),
                  f(nb, nloc, 1)));
          return math::FloorOp::create(
              nb, nloc,
              arith::DivFOp::create(
                  nb, nloc, arith::MulFOp::create(nb, nloc, scale, hz), rate));
        };
        Value left = point(0), centre = point(1), right = point(2);
        Value x = toF64(nb, nloc, j);
        auto cmp = [&](arith::CmpFPredicate p, Value a, Value c) -> Value {
          return arith::CmpFOp::create(nb, nloc, p, a, c);
        };
        auto sel = [&](Value cond, Value a, Value c) -> Value {
          return arith::SelectOp::create(nb, nloc, cond, a, c);
        };
        Value zero = f(nb, nloc, 0), one = f(nb, nloc, 1);
        Value falling = arith::AndIOp::create(
            nb, nloc,
            arith::AndIOp::create(nb, nloc,
                                  cmp(arith::CmpFPredicate::OLT, centre, right),
                                  cmp(arith::CmpFPredicate::OGE, x, centre)),
            cmp(arith::CmpFPredicate::OLT, x, right));
        Value fallValue = arith::DivFOp::create(
            nb, nloc, arith::SubFOp::create(nb, nloc, right, x),
            arith::SubFOp::create(nb, nloc, right, centre));
        Value flat = cmp(arith::CmpFPredicate::OEQ, left, centre);
        Value rising = arith::AndIOp::create(
            nb, nloc, cmp(arith::CmpFPredicate::OGE, x, left),
            cmp(arith::CmpFPredicate::OLE, x, centre));
        Value riseValue = arith::DivFOp::create(
            nb, nloc, arith::SubFOp::create(nb, nloc, x, left),
            sel(flat, one, arith::SubFOp::create(nb, nloc, centre, left)));
        Value atCentre = cmp(arith::CmpFPredicate::OEQ, x, centre);
        Value v = sel(
            falling, fallValue,
            sel(flat, sel(atCentre, one, zero), sel(rising, riseValue, zero)));
        return et.isF64()
                   ? v
                   : arith::TruncFOp::create(nb, nloc, et, v).getResult();
      });
  node.setOutput(0, matrix);
  return success();
}

} // namespace

void ::tern::registerSignalConverters(OpConverterRegistry &registry) {
  registry.add("MelWeightMatrix", 17, 17, convertMelWeightMatrix);
  registry.add("DFT", 17, 17, convertDFT);
  registry.add("STFT", 17, 17, convertSTFT);
  registry.add("HannWindow", 17, 17, convertHannWindow);
  registry.add("HammingWindow", 17, 17, convertHammingWindow);
  registry.add("BlackmanWindow", 17, 17, convertBlackmanWindow);
}
