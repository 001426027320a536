//===- ShapeFolding.cpp - Shape computations folded at import -------------===//

#include "ShapeFolding.h"
#include "Ops/Signedness.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>

using namespace mlir;
using namespace ::tern;

namespace {

using Values = SmallVector<std::optional<int64_t>>;
using Affine = KnownInts::Affine;

/// Affine forms with more terms than this are forgotten: exporters' shape
/// arithmetic combines two or three sizes.
constexpr size_t kMaxAffineTerms = 4;

} // namespace

std::optional<Affine> tern::addScaled(Affine lhs, const Affine &rhs,
                                      int64_t factor) {
  lhs.constant += factor * rhs.constant;
  for (const Affine::Term &term : rhs.terms) {
    auto same = llvm::find_if(lhs.terms, [&](const Affine::Term &t) {
      return t.tensor == term.tensor && t.dim == term.dim;
    });
    if (same == lhs.terms.end())
      lhs.terms.push_back({term.tensor, term.dim, factor * term.coefficient});
    else
      same->coefficient += factor * term.coefficient;
  }
  llvm::erase_if(lhs.terms,
                 [](const Affine::Term &t) { return t.coefficient == 0; });
  if (lhs.terms.size() > kMaxAffineTerms)
    return std::nullopt;
  return lhs;
}

Value tern::buildSingleSize(OpBuilder &b, Location loc,
                            const std::optional<Affine> &form) {
  if (!form || form->constant != 0 || form->terms.size() != 1 ||
      form->terms[0].coefficient != 1)
    return nullptr;
  return tensor::DimOp::create(b, loc, form->terms[0].tensor,
                               form->terms[0].dim);
}

namespace {

/// `lhs * rhs` where one of them is a constant.
std::optional<Affine> multiply(const Affine &lhs, const Affine &rhs) {
  if (!lhs.terms.empty() && !rhs.terms.empty())
    return std::nullopt;
  const Affine &constant = lhs.terms.empty() ? lhs : rhs;
  const Affine &other = lhs.terms.empty() ? rhs : lhs;
  return addScaled(Affine{}, other, constant.constant);
}

/// Records `form` as element `i` of `known`: a value when it has no terms.
void setAffine(KnownInts &known, size_t i, std::optional<Affine> form) {
  if (!form)
    return;
  if (form->terms.empty()) {
    known.values[i] = form->constant;
    return;
  }
  if (known.affine.size() <= i)
    known.affine.resize(i + 1);
  known.affine[i] = std::move(form);
}

/// ONNX's TensorProto.DataType codes of the integer types folded here.
std::optional<unsigned> integerWidthOfOnnxType(int64_t type) {
  switch (type) {
  case 3: // INT8
    return 8;
  case 5: // INT16
    return 16;
  case 6: // INT32
    return 32;
  case 7: // INT64
    return 64;
  case 9: // BOOL
    return 1;
  default:
    return std::nullopt;
  }
}

/// `v` as a `width`-bit signed integer (bool: 0 or 1), as a cast gives it.
int64_t wrapTo(int64_t v, unsigned width) {
  if (width == 1)
    return v != 0;
  if (width >= 64)
    return v;
  return APInt(64, v, /*isSigned=*/true).trunc(width).getSExtValue();
}

/// Records `known` as output 0: a constant when every element is known and
/// the output's element type (shape inference's, else `fallback`) is a
/// signless integer, else partial knowledge. Returns whether it made the
/// constant.
bool record(NodeImporter &node, KnownInts known, Type fallback) {
  Type elementType = fallback;
  if (RankedTensorType inferred = node.getInferredOutputType(0))
    elementType = inferred.getElementType();
  if (known.values.size() > size_t(NodeImporter::kMaxKnownInts) ||
      !elementType || !elementType.isSignlessInteger())
    return false;
  if (!known.isFullyKnown()) {
    node.setKnownInts(0, std::move(known));
    return false;
  }
  unsigned width = elementType.getIntOrFloatBitWidth();
  SmallVector<APInt> bits;
  for (std::optional<int64_t> v : known.values)
    bits.push_back(APInt(width, uint64_t(wrapTo(*v, width)),
                         /*isSigned=*/width > 1));
  auto type = RankedTensorType::get(known.shape, elementType);
  OpBuilder &b = node.getBuilder();
  node.setOutput(0, arith::ConstantOp::create(
                        b, node.getLoc(), DenseElementsAttr::get(type, bits)));
  return true;
}

/// The element type of input `i`, or null.
Type inputElementType(NodeImporter &node, unsigned i) {
  Value value = node.lookupInput(i);
  return value ? getElementTypeOrSelf(value.getType()) : nullptr;
}

/// Shape(x), with opset 15's start and end.
std::optional<KnownInts> foldShape(NodeImporter &node) {
  Value input = node.lookupInput(0);
  auto type = input ? dyn_cast<RankedTensorType>(input.getType()) : nullptr;
  if (!type)
    return std::nullopt;
  int64_t rank = type.getRank();
  auto clampAxis = [&](int64_t axis) {
    if (axis < 0)
      axis += rank;
    return std::clamp<int64_t>(axis, 0, rank);
  };
  int64_t start = clampAxis(node.getIntAttr("start", 0));
  int64_t end = clampAxis(node.getIntAttr("end", rank));
  KnownInts known;
  for (int64_t d = start; d < end; ++d) {
    known.values.push_back(type.isDynamicDim(d)
                               ? std::nullopt
                               : std::optional<int64_t>(type.getDimSize(d)));
    if (type.isDynamicDim(d))
      setAffine(known, known.values.size() - 1, Affine{0, {{input, d, 1}}});
  }
  known.shape = {int64_t(known.values.size())};
  return known;
}

/// Gather along axis 0 of a 1-D tensor with known indices.
std::optional<KnownInts> foldGather(NodeImporter &node) {
  std::optional<KnownInts> data = node.getKnownInts(0);
  std::optional<KnownInts> indices = node.getKnownInts(1);
  int64_t axis = node.getIntAttr("axis", 0);
  if (!data || !indices || data->shape.size() != 1 ||
      !indices->isFullyKnown() || (axis != 0 && axis != -1))
    return std::nullopt;
  int64_t n = data->shape[0];
  KnownInts known;
  known.shape = indices->shape;
  for (std::optional<int64_t> index : indices->values) {
    int64_t i = *index < 0 ? *index + n : *index;
    if (i < 0 || i >= n)
      return std::nullopt; // The converter reports it.
    known.append(*data, i);
  }
  return known;
}

/// The axes of Unsqueeze and Squeeze: input 1 (opset 13) or the attribute.
std::optional<SmallVector<int64_t>> axesOf(NodeImporter &node) {
  if (node.hasInput(1))
    return node.getConstantInts(1);
  return node.getIntsAttr("axes");
}

/// Unsqueeze of a scalar into a 1-element vector.
std::optional<KnownInts> foldUnsqueeze(NodeImporter &node) {
  std::optional<KnownInts> data = node.getKnownInts(0);
  std::optional<SmallVector<int64_t>> axes = axesOf(node);
  if (!data || !data->shape.empty() || !axes || axes->size() != 1 ||
      ((*axes)[0] != 0 && (*axes)[0] != -1))
    return std::nullopt;
  data->shape = {1};
  return data;
}

/// Squeeze of a 1-element vector into a scalar.
std::optional<KnownInts> foldSqueeze(NodeImporter &node) {
  std::optional<KnownInts> data = node.getKnownInts(0);
  if (!data || data->shape != SmallVector<int64_t>{1})
    return std::nullopt;
  std::optional<SmallVector<int64_t>> axes = axesOf(node);
  if (axes && !axes->empty() &&
      (axes->size() != 1 || ((*axes)[0] != 0 && (*axes)[0] != -1)))
    return std::nullopt;
  data->shape.clear();
  return data;
}

/// Concat along axis 0 of 1-D tensors.
std::optional<KnownInts> foldConcat(NodeImporter &node) {
  int64_t axis = node.getIntAttr("axis", 0);
  if (axis != 0 && axis != -1)
    return std::nullopt;
  KnownInts known;
  for (unsigned i = 0, e = node.getNumInputs(); i < e; ++i) {
    std::optional<KnownInts> part = node.getKnownInts(i);
    if (!part || part->shape.size() != 1)
      return std::nullopt;
    for (size_t j = 0; j < part->values.size(); ++j)
      known.append(*part, j);
  }
  known.shape = {int64_t(known.values.size())};
  return known;
}

/// Slice along axis 0 of a 1-D tensor with constant bounds.
std::optional<KnownInts> foldSlice(NodeImporter &node) {
  std::optional<KnownInts> data = node.getKnownInts(0);
  if (!data || data->shape.size() != 1)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> starts = node.getConstantInts(1);
  std::optional<SmallVector<int64_t>> ends = node.getConstantInts(2);
  if (!starts || !ends || starts->size() != 1 || ends->size() != 1)
    return std::nullopt;
  if (node.hasInput(3)) {
    std::optional<SmallVector<int64_t>> axes = node.getConstantInts(3);
    if (!axes || axes->size() != 1 || ((*axes)[0] != 0 && (*axes)[0] != -1))
      return std::nullopt;
  }
  int64_t step = 1;
  if (node.hasInput(4)) {
    std::optional<SmallVector<int64_t>> steps = node.getConstantInts(4);
    if (!steps || steps->size() != 1 || (*steps)[0] == 0)
      return std::nullopt;
    step = (*steps)[0];
  }
  // ONNX's clamping: negative bounds count from the end, then clamp to
  // [0, n] (stepping up) or [-1, n - 1] (stepping down).
  int64_t n = data->shape[0];
  auto bound = [&](int64_t v) {
    if (v < 0)
      v += n;
    return step > 0 ? std::clamp<int64_t>(v, 0, n)
                    : std::clamp<int64_t>(v, -1, n - 1);
  };
  int64_t start = bound((*starts)[0]), end = bound((*ends)[0]);
  KnownInts known;
  for (int64_t i = start; step > 0 ? i < end : i > end; i += step)
    known.append(*data, i);
  known.shape = {int64_t(known.values.size())};
  return known;
}

/// A cast between integer types.
std::optional<KnownInts> foldCast(NodeImporter &node) {
  std::optional<KnownInts> data = node.getKnownInts(0);
  std::optional<unsigned> width =
      integerWidthOfOnnxType(node.getIntAttr("to", 0));
  if (!data || !width)
    return std::nullopt;
  for (std::optional<int64_t> &v : data->values)
    if (v)
      v = wrapTo(*v, *width);
  // Sizes keep their values in 32 bits, not in fewer.
  if (*width < 32)
    data->affine.clear();
  return data;
}

/// Whether an affine form of sizes is never negative: sizes are not, so
/// neither is a sum of them with coefficients and a constant of zero or
/// more.
bool isNonNegative(const Affine &form) {
  return form.constant >= 0 &&
         llvm::all_of(form.terms, [](const Affine::Term &term) {
           return term.coefficient >= 0;
         });
}

/// Elementwise arithmetic or comparison of two known tensors, one of them
/// possibly a single element broadcast against the other. Unknown elements
/// stay unknown unless `combineAffine` combines their affine forms, or
/// `decide` decides the result from one side's affine form and the other
/// side's value (in either order); `combine` returns nothing where it
/// cannot fold (a zero divisor).
std::optional<KnownInts> foldBinary(
    NodeImporter &node,
    function_ref<std::optional<int64_t>(int64_t, int64_t)> combine,
    function_ref<std::optional<Affine>(const Affine &, const Affine &)>
        combineAffine = nullptr,
    function_ref<std::optional<int64_t>(const Affine &, int64_t)> decide =
        nullptr) {
  std::optional<KnownInts> lhs = node.getKnownInts(0);
  std::optional<KnownInts> rhs = node.getKnownInts(1);
  if (!lhs || !rhs)
    return std::nullopt;
  size_t n = std::max(lhs->values.size(), rhs->values.size());
  if ((lhs->values.size() != n && lhs->values.size() != 1) ||
      (rhs->values.size() != n && rhs->values.size() != 1))
    return std::nullopt;
  KnownInts known;
  known.shape =
      lhs->shape.size() >= rhs->shape.size() && lhs->values.size() == n
          ? lhs->shape
          : rhs->shape;
  for (size_t i = 0; i < n; ++i) {
    size_t l = lhs->values.size() == 1 ? 0 : i;
    size_t r = rhs->values.size() == 1 ? 0 : i;
    std::optional<int64_t> a = lhs->values[l];
    std::optional<int64_t> c = rhs->values[r];
    if (!a || !c) {
      std::optional<Affine> lhsForm = lhs->getAffine(l);
      std::optional<Affine> rhsForm = rhs->getAffine(r);
      std::optional<int64_t> decided;
      if (decide && lhsForm && c)
        decided = decide(*lhsForm, *c);
      else if (decide && rhsForm && a)
        decided = decide(*rhsForm, *a);
      known.values.push_back(decided);
      if (!decided && combineAffine && lhsForm && rhsForm)
        setAffine(known, i, combineAffine(*lhsForm, *rhsForm));
      continue;
    }
    std::optional<int64_t> v = combine(*a, *c);
    if (!v)
      return std::nullopt;
    known.values.push_back(v);
  }
  return known;
}

/// Where(condition, x, y) with a known condition.
std::optional<KnownInts> foldWhere(NodeImporter &node) {
  std::optional<KnownInts> condition = node.getKnownInts(0);
  std::optional<KnownInts> x = node.getKnownInts(1);
  std::optional<KnownInts> y = node.getKnownInts(2);
  if (!condition || !x || !y)
    return std::nullopt;
  size_t n =
      std::max({condition->values.size(), x->values.size(), y->values.size()});
  for (const KnownInts *part : {&*condition, &*x, &*y})
    if (part->values.size() != n && part->values.size() != 1)
      return std::nullopt;
  auto pick = [&](const KnownInts &k, size_t i) {
    return k.values[k.values.size() == 1 ? 0 : i];
  };
  KnownInts known;
  for (const KnownInts *part : {&*condition, &*x, &*y})
    if (part->values.size() == n && part->shape.size() >= known.shape.size())
      known.shape = part->shape;
  for (size_t i = 0; i < n; ++i) {
    std::optional<int64_t> c = pick(*condition, i);
    if (!c) {
      known.values.push_back(std::nullopt);
      continue;
    }
    // The chosen element, with its affine form where only that is known.
    const KnownInts &chosen = *c ? *x : *y;
    known.append(chosen, chosen.values.size() == 1 ? 0 : i);
  }
  return known;
}

/// Elementwise arithmetic of one known tensor (Neg, Abs). Affine forms
/// survive only a negation (`negates`).
std::optional<KnownInts> foldUnary(NodeImporter &node,
                                   function_ref<int64_t(int64_t)> apply,
                                   bool negates = false) {
  std::optional<KnownInts> known = node.getKnownInts(0);
  if (!known)
    return std::nullopt;
  for (std::optional<int64_t> &v : known->values)
    if (v)
      v = apply(*v);
  if (!negates)
    known->affine.clear();
  for (std::optional<Affine> &form : known->affine)
    if (form)
      form = addScaled(Affine{}, *form, -1);
  return known;
}

/// Size(x) of a statically shaped x.
std::optional<KnownInts> foldSize(NodeImporter &node) {
  Value input = node.lookupInput(0);
  auto type = input ? dyn_cast<RankedTensorType>(input.getType()) : nullptr;
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  return KnownInts{{}, {type.getNumElements()}};
}

/// ConstantOfShape of a known shape with an integer value (a vector of
/// ones or zeros exporters build shapes from).
std::optional<KnownInts> foldConstantOfShape(NodeImporter &node) {
  std::optional<KnownInts> shape = node.getKnownInts(0);
  const onnx::AttributeProto *attr = node.getAttribute("value");
  if (!shape || !shape->isFullyKnown() || !attr || !attr->has_t())
    return std::nullopt;
  const onnx::TensorProto &t = attr->t();
  int64_t value;
  if (t.data_type() == onnx::TensorProto::INT64 && t.int64_data_size() == 1)
    value = t.int64_data(0);
  else if (t.data_type() == onnx::TensorProto::INT64 &&
           t.raw_data().size() == 8)
    std::memcpy(&value, t.raw_data().data(), 8);
  else
    return std::nullopt;
  KnownInts known;
  int64_t count = 1;
  for (std::optional<int64_t> d : shape->values) {
    if (*d < 0 || *d > NodeImporter::kMaxKnownInts)
      return std::nullopt;
    known.shape.push_back(*d);
    count *= *d;
  }
  if (count > NodeImporter::kMaxKnownInts)
    return std::nullopt;
  known.values.assign(count, value);
  return known;
}

/// Range(start, limit, delta) of known integer scalars.
std::optional<KnownInts> foldRange(NodeImporter &node) {
  std::optional<int64_t> bounds[3];
  for (unsigned i = 0; i < 3; ++i) {
    std::optional<KnownInts> known = node.getKnownInts(i);
    if (!known || known->values.size() != 1 || !known->values[0])
      return std::nullopt;
    bounds[i] = known->values[0];
  }
  int64_t start = *bounds[0], limit = *bounds[1], delta = *bounds[2];
  if (delta == 0)
    return std::nullopt;
  int64_t count = std::max<int64_t>(
      0, (limit - start + delta + (delta > 0 ? -1 : 1)) / delta);
  if (count > NodeImporter::kMaxKnownInts)
    return std::nullopt;
  KnownInts known;
  known.shape = {count};
  for (int64_t i = 0; i < count; ++i)
    known.values.push_back(start + i * delta);
  return known;
}

/// Reshape of a known 1-D tensor to one dimension ([-1] or its length),
/// as torch flattens a shape it built: the same elements.
std::optional<KnownInts> foldFlatReshape(NodeImporter &node) {
  std::optional<KnownInts> input = node.getKnownInts(0);
  std::optional<SmallVector<int64_t>> target = node.getConstantInts(1);
  if (!input || !target || target->size() != 1 || input->shape.size() > 1)
    return std::nullopt;
  int64_t length = input->values.size();
  if ((*target)[0] != -1 && (*target)[0] != length)
    return std::nullopt;
  input->shape = {length};
  return input;
}

/// C's truncating division, as ONNX Runtime divides integers.
std::optional<int64_t> divide(int64_t a, int64_t b) {
  if (b == 0)
    return std::nullopt;
  return a / b;
}

} // namespace

bool tern::foldShapeComputation(NodeImporter &node) {
  const onnx::NodeProto &proto = node.getNode();
  if (!proto.domain().empty() && proto.domain() != "ai.onnx")
    return false;
  if (node.getNode().output_size() != 1)
    return false;
  StringRef op = proto.op_type();
  OpBuilder &b = node.getBuilder();
  Type i1 = b.getI1Type(), i64 = b.getI64Type();
  std::optional<KnownInts> known;
  Type fallback = inputElementType(node, 0);
  if (op == "Shape") {
    known = foldShape(node);
    fallback = i64;
  } else if (op == "Gather") {
    known = foldGather(node);
  } else if (op == "Unsqueeze") {
    known = foldUnsqueeze(node);
  } else if (op == "Squeeze") {
    known = foldSqueeze(node);
  } else if (op == "Concat") {
    known = foldConcat(node);
  } else if (op == "Slice") {
    known = foldSlice(node);
  } else if (op == "Identity") {
    known = node.getKnownInts(0);
  } else if (op == "Reshape") {
    known = foldFlatReshape(node);
  } else if (op == "Cast") {
    known = foldCast(node);
    if (std::optional<unsigned> width =
            integerWidthOfOnnxType(node.getIntAttr("to", 0)))
      fallback = b.getIntegerType(*width);
  } else if (op == "Add") {
    known = foldBinary(
        node, [](int64_t a, int64_t c) { return a + c; },
        [](const Affine &a, const Affine &c) { return addScaled(a, c, 1); });
  } else if (op == "Sub") {
    known = foldBinary(
        node, [](int64_t a, int64_t c) { return a - c; },
        [](const Affine &a, const Affine &c) { return addScaled(a, c, -1); });
  } else if (op == "Mul") {
    known = foldBinary(
        node, [](int64_t a, int64_t c) { return a * c; }, multiply);
  } else if (op == "Div") {
    known = foldBinary(node, divide);
  } else if (op == "Max") {
    known =
        foldBinary(node, [](int64_t a, int64_t c) { return std::max(a, c); });
  } else if (op == "Min") {
    known =
        foldBinary(node, [](int64_t a, int64_t c) { return std::min(a, c); });
  } else if (op == "Equal") {
    // A size never equals a negative value: torch's expand(..., -1) checks
    // every entry of a shape built from sizes against -1.
    known = foldBinary(
        node,
        [](int64_t a, int64_t c) -> std::optional<int64_t> { return a == c; },
        nullptr,
        [](const Affine &form, int64_t c) -> std::optional<int64_t> {
          if (c < 0 && isNonNegative(form))
            return 0;
          return std::nullopt;
        });
    fallback = i1;
  } else if (op == "Where") {
    known = foldWhere(node);
    fallback = inputElementType(node, 1);
  } else if (op == "Less" || op == "Greater") {
    bool less = op == "Less";
    known = foldBinary(node,
                       [less](int64_t a, int64_t c) -> std::optional<int64_t> {
                         return less ? a < c : a > c;
                       });
    // Comparisons of known floats are not shape arithmetic.
    if (Type t = inputElementType(node, 0); !t || !t.isSignlessInteger())
      return false;
    fallback = i1;
  } else if (op == "Neg") {
    known = foldUnary(
        node, [](int64_t a) { return -a; }, /*negates=*/true);
  } else if (op == "Abs") {
    known = foldUnary(node, [](int64_t a) { return a < 0 ? -a : a; });
  } else if (op == "Size") {
    known = foldSize(node);
    fallback = i64;
  } else if (op == "ConstantOfShape") {
    known = foldConstantOfShape(node);
    fallback = i64;
  } else if (op == "Range") {
    known = foldRange(node);
  }
  if (!known)
    return false;
  // Binary ops only fold integers: a float Mul of known-looking inputs is
  // not shape arithmetic.
  if (fallback && !fallback.isSignlessInteger())
    return false;
  return record(node, std::move(*known), fallback);
}
