//===- EinsumOps.cpp - Einsum as one linalg.generic -----------------------===//
//
// Einsum's sums of products: every letter becomes a loop, the output's
// letters parallel and the others reductions, and each operand is read
// through the map of its letters. This covers the matmul-like forms
// exporters emit ("bhqd,bhkd->bhqk", "...ij,...jk", "i,i"), transposes,
// sums, and diagonals (a letter repeated within one operand reads both
// dimensions with one loop).
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <map>

using namespace mlir;
using namespace ::tern;

namespace {

/// One operand's (or the output's) subscripts: labels in order, where a
/// label is a letter, or a negative number for the ellipsis dimensions
/// (-1 the last of them, -2 the one before, ...).
using Subscripts = SmallVector<int>;

/// A term such as "b...ij" against an operand of `rank` dimensions.
FailureOr<Subscripts> parseTerm(NodeImporter &node, StringRef term,
                                int64_t rank, int64_t &ellipsisRank) {
  size_t ellipsis = term.find("...");
  StringRef before = term.substr(0, ellipsis);
  StringRef after =
      ellipsis == StringRef::npos ? StringRef() : term.substr(ellipsis + 3);
  for (char c : (before + after).str())
    if (!llvm::isAlpha(c)) {
      node.emitError() << "equation term '" << term << "' has '" << c
                       << "', which is not a letter";
      return failure();
    }
  int64_t letters = before.size() + after.size();
  int64_t dots = ellipsis == StringRef::npos ? 0 : rank - letters;
  if (dots < 0 || (ellipsis == StringRef::npos && letters != rank)) {
    node.emitError() << "equation term '" << term << "' does not fit rank "
                     << rank;
    return failure();
  }
  ellipsisRank = std::max(ellipsisRank, dots);
  Subscripts labels(before.begin(), before.end());
  for (int64_t d = dots; d > 0; --d)
    labels.push_back(-static_cast<int>(d));
  labels.append(after.begin(), after.end());
  return labels;
}

LogicalResult convertEinsum(NodeImporter &node) {
  const onnx::AttributeProto *attr = node.getAttribute("equation");
  if (!attr)
    return node.emitError() << "equation is required";
  std::string equation;
  for (char c : attr->s())
    if (!llvm::isSpace(c))
      equation += c;
  StringRef lhs = equation, rhs;
  bool explicitOutput = false;
  if (size_t arrow = lhs.find("->"); arrow != StringRef::npos) {
    rhs = lhs.substr(arrow + 2);
    lhs = lhs.substr(0, arrow);
    explicitOutput = true;
  }
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != node.getNumInputs())
    return node.emitError()
           << "the equation names " << terms.size() << " operands for "
           << node.getNumInputs() << " inputs";

  SmallVector<Value> operands;
  SmallVector<Subscripts> operandLabels;
  int64_t ellipsisRank = 0;
  for (auto [i, term] : llvm::enumerate(terms)) {
    Value operand = node.getInput(i);
    if (!operand)
      return failure();
    auto type = cast<RankedTensorType>(operand.getType());
    if (type.getElementType() !=
        cast<RankedTensorType>(node.getInput(0).getType()).getElementType())
      return node.emitError() << "operands have different element types";
    FailureOr<Subscripts> labels =
        parseTerm(node, term, type.getRank(), ellipsisRank);
    if (failed(labels))
      return failure();
    operands.push_back(operand);
    operandLabels.push_back(*labels);
  }
  Type elementType =
      cast<RankedTensorType>(operands[0].getType()).getElementType();
  if (!isa<FloatType>(elementType) && !elementType.isSignlessInteger())
    return node.emitError()
           << "element type " << elementType << " is not supported by this op";

  // The output: as written, or the ellipsis then the letters used once, in
  // alphabetical order.
  Subscripts outputLabels;
  if (explicitOutput) {
    int64_t outputEllipsis = 0;
    int64_t rank =
        ellipsisRank + llvm::count_if(rhs, [](char c) { return c != '.'; });
    FailureOr<Subscripts> labels = parseTerm(
        node, rhs, rhs.contains("...") ? rank : rhs.size(), outputEllipsis);
    if (failed(labels))
      return failure();
    outputLabels = *labels;
  } else {
    for (int64_t d = ellipsisRank; d > 0; --d)
      outputLabels.push_back(-static_cast<int>(d));
    std::map<int, int> uses;
    for (const Subscripts &labels : operandLabels)
      for (int label : labels)
        if (label > 0)
          ++uses[label];
    for (auto [label, count] : uses)
      if (count == 1)
        outputLabels.push_back(label);
  }

  // Loops: the output's labels, then the summed ones.
  SmallVector<int> loops(outputLabels);
  for (const Subscripts &labels : operandLabels)
    for (int label : labels)
      if (!llvm::is_contained(loops, label))
        loops.push_back(label);
  for (int label : outputLabels)
    if (llvm::count(outputLabels, label) != 1 ||
        llvm::none_of(operandLabels, [&](const Subscripts &labels) {
          return llvm::is_contained(labels, label);
        }))
      return node.emitError()
             << "output label '"
             << (label > 0 ? std::string(1, char(label)) : std::string("..."))
             << "' is repeated or not in any operand";

  // Each loop's size comes from an operand dimension that is not a
  // broadcast 1; ellipsis dimensions broadcast numpy-style.
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> loopSizes(loops.size(), 1);
  SmallVector<std::pair<Value, int64_t>> loopSource(loops.size(), {nullptr, 0});
  for (auto [operand, labels] : llvm::zip(operands, operandLabels)) {
    auto type = cast<RankedTensorType>(operand.getType());
    for (auto [d, label] : llvm::enumerate(labels)) {
      int64_t loop = llvm::find(loops, label) - loops.begin();
      int64_t size = type.getDimSize(d);
      if (size == 1 && label < 0)
        continue; // A broadcast ellipsis dimension.
      auto &source = loopSource[loop];
      if (!source.first || (ShapedType::isDynamic(loopSizes[loop]) &&
                            !ShapedType::isDynamic(size))) {
        loopSizes[loop] = size;
        source = {operand, static_cast<int64_t>(d)};
      } else if (!ShapedType::isDynamic(size) &&
                 !ShapedType::isDynamic(loopSizes[loop]) &&
                 size != loopSizes[loop]) {
        return node.emitError()
               << "label sizes differ: " << size << " and " << loopSizes[loop];
      }
    }
  }
  // Dynamic sizes that should agree are checked when the model runs.
  SmallVector<AffineMap> maps;
  for (auto [operand, labels] : llvm::zip(operands, operandLabels)) {
    auto type = cast<RankedTensorType>(operand.getType());
    SmallVector<AffineExpr> exprs;
    for (auto [d, label] : llvm::enumerate(labels)) {
      int64_t loop = llvm::find(loops, label) - loops.begin();
      bool broadcast =
          label < 0 && type.getDimSize(d) == 1 && loopSizes[loop] != 1;
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                : getAffineDimExpr(loop, ctx));
      auto [source, sourceDim] = loopSource[loop];
      if (!broadcast && source &&
          (source != operand || sourceDim != static_cast<int64_t>(d)) &&
          type.isDynamicDim(d))
        emitRuntimeEqualityCheck(
            b, loc, tensor::DimOp::create(b, loc, operand, d),
            tensor::DimOp::create(b, loc, source, sourceDim),
            RunError::ShapeMismatch);
    }
    maps.push_back(AffineMap::get(loops.size(), 0, exprs, ctx));
  }
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes;
  SmallVector<AffineExpr> outputExprs;
  for (size_t loop = 0; loop < outputLabels.size(); ++loop) {
    shape.push_back(loopSizes[loop]);
    outputExprs.push_back(getAffineDimExpr(loop, ctx));
    if (ShapedType::isDynamic(loopSizes[loop]))
      dynamicSizes.push_back(tensor::DimOp::create(
          b, loc, loopSource[loop].first, loopSource[loop].second));
  }
  maps.push_back(AffineMap::get(loops.size(), 0, outputExprs, ctx));
  SmallVector<utils::IteratorType> iterators(outputLabels.size(),
                                             utils::IteratorType::parallel);
  iterators.append(loops.size() - outputLabels.size(),
                   utils::IteratorType::reduction);

  Value empty =
      tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
  Value zero = arith::ConstantOp::create(b, loc, elementType,
                                         b.getZeroAttr(elementType));
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  bool isFloat = isa<FloatType>(elementType);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), operands, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value product = args[0];
        for (Value factor : args.drop_front().drop_back())
          product =
              isFloat
                  ? arith::MulFOp::create(nb, nloc, product, factor).getResult()
                  : arith::MulIOp::create(nb, nloc, product, factor)
                        .getResult();
        Value sum = isFloat
                        ? arith::AddFOp::create(nb, nloc, args.back(), product)
                              .getResult()
                        : arith::AddIOp::create(nb, nloc, args.back(), product)
                              .getResult();
        linalg::YieldOp::create(nb, nloc, sum);
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

} // namespace

void ::tern::registerEinsumConverters(OpConverterRegistry &registry) {
  registry.add("Einsum", 12, 17, convertEinsum);
}
