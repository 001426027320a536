//===- ConstantOps.cpp - Constant -----------------------------------------===//

#include "../TensorConversion.h"
#include "Signedness.h"
#include "tern/Import/ONNX/NodeImporter.h"
#include "tern/Import/ONNX/OpConverterRegistry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace ::tern;

namespace {

LogicalResult convertConstant(NodeImporter &node) {
  OpBuilder &b = node.getBuilder();
  const onnx::NodeProto &proto = node.getNode();
  if (proto.attribute_size() != 1)
    return node.emitError() << "expects exactly one value attribute";
  const onnx::AttributeProto &attr = proto.attribute(0);
  DenseElementsAttr value;
  auto f32Vector = [&](int64_t n) {
    return RankedTensorType::get({n}, b.getF32Type());
  };
  auto i64Vector = [&](int64_t n) {
    return RankedTensorType::get({n}, b.getI64Type());
  };
  if (attr.name() == "value") {
    llvm::Expected<DenseElementsAttr> tensor =
        convertTensorProto(attr.t(), b.getContext());
    if (!tensor)
      return node.emitError() << llvm::toString(tensor.takeError());
    value = *tensor;
  } else if (attr.name() == "value_float") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                   attr.f());
  } else if (attr.name() == "value_floats") {
    value = DenseElementsAttr::get(
        f32Vector(attr.floats_size()),
        ArrayRef<float>(attr.floats().data(), attr.floats_size()));
  } else if (attr.name() == "value_int") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                   static_cast<int64_t>(attr.i()));
  } else if (attr.name() == "value_ints") {
    SmallVector<int64_t> ints(attr.ints().begin(), attr.ints().end());
    value =
        DenseElementsAttr::get(i64Vector(ints.size()), ArrayRef<int64_t>(ints));
  } else {
    return node.emitError()
           << "value attribute '" << attr.name() << "' is not supported";
  }
  node.setOutput(0, buildConstantTensor(b, node.getLoc(), value));
  return success();
}

} // namespace

void ::tern::registerConstantConverters(OpConverterRegistry &registry) {
  registry.add("Constant", 9, 17, convertConstant);
}
