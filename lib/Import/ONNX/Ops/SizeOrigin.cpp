//===- SizeOrigin.cpp - Which dynamic sizes are the same size -------------===//

#include "SizeOrigin.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

using namespace mlir;

namespace tern {

namespace {

/// Origins of the kinds never compare equal across kinds (a static size
/// has no source and its size as `dim`).
constexpr int64_t kSymbolOrigin = -1;
constexpr int64_t kIndexOrigin = -2;

} // namespace

SmallVector<SizeOrigin> getSizeOrigins(const NodeImporter &node, Value tensor,
                                       int64_t dim) {
  // ONNX shape inference names some sizes anew (unk__N) that the ops
  // before them tie to a named one, so every name on the way counts.
  SmallVector<SizeOrigin> origins;
  while (true) {
    // A tensor.dim on the way may read a static size.
    auto type = cast<RankedTensorType>(tensor.getType());
    if (!type.isDynamicDim(dim)) {
      origins.push_back({nullptr, type.getDimSize(dim)});
      return origins;
    }
    if (StringAttr symbol = node.getDimSymbol(tensor, dim))
      origins.push_back({symbol.getAsOpaquePointer(), kSymbolOrigin});
    Operation *op = tensor.getDefiningOp();
    // The size an op gives a result dimension, as an index value.
    Value size;
    if (auto empty = dyn_cast_if_present<tensor::EmptyOp>(op)) {
      size = empty.getDynamicSize(dim);
    } else if (auto dps =
                   dyn_cast_if_present<DestinationStyleOpInterface>(op)) {
      // linalg ops: a result has its init's sizes.
      tensor = dps.getTiedOpOperand(cast<OpResult>(tensor))->get();
      continue;
    } else if (auto cast = dyn_cast_if_present<tensor::CastOp>(op)) {
      if (cast.getSource().getType().isDynamicDim(dim)) {
        tensor = cast.getSource();
        continue;
      }
    } else if (auto expand = dyn_cast_if_present<tensor::ExpandShapeOp>(op)) {
      size = dyn_cast<Value>(expand.getMixedOutputShape()[dim]);
    } else if (auto collapse =
                   dyn_cast_if_present<tensor::CollapseShapeOp>(op)) {
      // A group of one dynamic dimension and 1s keeps that dimension.
      ReassociationIndices group = collapse.getReassociationIndices()[dim];
      RankedTensorType sourceType = collapse.getSrcType();
      auto dynamic = llvm::make_filter_range(
          group, [&](int64_t d) { return sourceType.getDimSize(d) != 1; });
      if (llvm::range_size(dynamic) == 1) {
        tensor = collapse.getSrc();
        dim = *dynamic.begin();
        continue;
      }
    } else if (auto reshape = dyn_cast_if_present<tensor::ReshapeOp>(op)) {
      // A reshape to sizes listed one by one (buildReshape).
      if (auto elements =
              reshape.getShape().getDefiningOp<tensor::FromElementsOp>())
        size = elements.getElements()[dim];
    }
    if (!size) {
      origins.push_back({tensor.getAsOpaquePointer(), dim});
      return origins;
    }
    if (auto cast = size.getDefiningOp<arith::IndexCastOp>())
      size = cast.getIn();
    auto dimOp = size.getDefiningOp<tensor::DimOp>();
    std::optional<int64_t> index =
        dimOp ? dimOp.getConstantIndex() : std::nullopt;
    if (!index) {
      origins.push_back({size.getAsOpaquePointer(), kIndexOrigin});
      return origins;
    }
    tensor = dimOp.getSource();
    dim = *index;
  }
}

SizeRelation relateSizes(const NodeImporter &node, Value lhs, int64_t lhsDim,
                         Value rhs, int64_t rhsDim) {
  SmallVector<SizeOrigin> lhsOrigins = getSizeOrigins(node, lhs, lhsDim);
  SizeRelation relation = SizeRelation::Unrelated;
  for (const SizeOrigin &origin : getSizeOrigins(node, rhs, rhsDim)) {
    if (!llvm::is_contained(lhsOrigins, origin))
      continue;
    if (origin.dim != kSymbolOrigin)
      return SizeRelation::Same;
    relation = SizeRelation::SameByName;
  }
  return relation;
}

} // namespace tern
