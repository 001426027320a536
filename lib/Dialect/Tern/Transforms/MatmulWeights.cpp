//===- MatmulWeights.cpp - Float matmuls by constant weights --------------===//

#include "MatmulWeights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <limits>

using namespace mlir;
using namespace mlir::tern;

namespace {

bool isZeroFilled(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.value(), m_AnyZeroFloat());
  return matchPattern(init, m_AnyZeroFloat());
}

} // namespace

std::optional<MatmulWeight>
mlir::tern::findMatmulWeight(linalg::MatmulOp matmul, int64_t minElements) {
  if (matmul.hasUserDefinedMaps() || !matmul.hasPureTensorSemantics())
    return std::nullopt;
  Value lhs = matmul.getInputs()[0], rhs = matmul.getInputs()[1];
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  auto resultType = cast<RankedTensorType>(matmul.getResult(0).getType());
  Type elementType = resultType.getElementType();
  if (!isa<FloatType>(elementType) || lhsType.getElementType() != elementType ||
      rhsType.getElementType() != elementType || !rhsType.hasStaticShape())
    return std::nullopt;
  if (rhsType.getNumElements() < minElements)
    return std::nullopt;
  Value weightSource = rhs;
  bool isNK = false;
  if (auto transpose = rhs.getDefiningOp<linalg::TransposeOp>()) {
    if (transpose.getPermutation() == ArrayRef<int64_t>{1, 0}) {
      weightSource = transpose.getInput();
      isNK = true;
    }
  }
  ConstantEvaluator evaluator(std::numeric_limits<int64_t>::max());
  std::optional<ConstantTensor> tensor = evaluator.evaluate(weightSource);
  if (!tensor || !isa<FloatType>(tensor->type.getElementType()))
    return std::nullopt;
  return MatmulWeight{std::move(*tensor), rhsType.getDimSize(1),
                      rhsType.getDimSize(0), isNK};
}

Value mlir::tern::replaceMatmulWith(linalg::MatmulOp matmul, Value product) {
  OpBuilder b(matmul);
  Location loc = matmul.getLoc();
  Value rhs = matmul.getInputs()[1];
  Value init = matmul.getOutputs()[0];
  auto resultType = cast<RankedTensorType>(matmul.getResult(0).getType());
  if (!isZeroFilled(init)) {
    // linalg.matmul accumulates into its init; keep that sum.
    AffineMap identity = b.getMultiDimIdentityMap(2);
    product =
        linalg::GenericOp::create(
            b, loc, resultType, ValueRange{product}, ValueRange{init},
            ArrayRef<AffineMap>{identity, identity},
            SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
            [](OpBuilder &nb, Location nloc, ValueRange args) {
              Value sum = arith::AddFOp::create(nb, nloc, args[1], args[0]);
              linalg::YieldOp::create(nb, nloc, sum);
            })
            .getResult(0);
  }
  matmul.getResult(0).replaceAllUsesWith(product);
  matmul.erase();
  return rhs;
}

void mlir::tern::eraseDeadProducers(ArrayRef<Value> roots,
                                    SmallVectorImpl<Attribute> &released) {
  SmallVector<Operation *> worklist;
  for (Value root : roots)
    if (Operation *op = root ? root.getDefiningOp() : nullptr)
      worklist.push_back(op);
  llvm::SmallPtrSet<Operation *, 16> erased;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (erased.contains(op) || !op->use_empty() || !isMemoryEffectFree(op) ||
        op->getNumRegions() > 1)
      continue;
    Attribute attr;
    if (matchPattern(op->getResult(0), m_Constant(&attr)))
      released.push_back(attr);
    for (Value operand : op->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        worklist.push_back(producer);
    erased.insert(op);
    op->erase();
  }
}
