//===- OpConverterRegistry.cpp - ONNX op converters by name and opset -----===//

#include "tern/Import/ONNX/OpConverterRegistry.h"

#include <algorithm>
#include <tuple>

using namespace ::tern;

static bool isDefaultDomain(llvm::StringRef domain) {
  return domain.empty() || domain == "ai.onnx";
}

static bool sameDomain(llvm::StringRef a, llvm::StringRef b) {
  return a == b || (isDefaultDomain(a) && isDefaultDomain(b));
}

const OpConverterRegistry &OpConverterRegistry::get() {
  static const OpConverterRegistry registry = [] {
    OpConverterRegistry r;
    registerAttentionConverters(r);
    registerCastConverters(r);
    registerConstantConverters(r);
    registerContribConverters(r);
    registerEinsumConverters(r);
    registerElementwiseConverters(r);
    registerLinearAlgebraConverters(r);
    registerLogicalConverters(r);
    registerMatMulConverters(r);
    registerConvPoolConverters(r);
    registerPositionalConverters(r);
    registerQuantConverters(r);
    registerRecurrentConverters(r);
    registerReductionConverters(r);
    registerResizeConverters(r);
    registerScanConverters(r);
    registerScatterConverters(r);
    registerSelectionConverters(r);
    registerSequenceConverters(r);
    registerShapeConverters(r);
    registerSignalConverters(r);
    registerTrainingConverters(r);
    std::sort(r.converters.begin(), r.converters.end(),
              [](const OpConverter &a, const OpConverter &b) {
                return std::tie(a.domain, a.opType, a.minOpset) <
                       std::tie(b.domain, b.opType, b.minOpset);
              });
    return r;
  }();
  return registry;
}

void OpConverterRegistry::add(llvm::StringRef opType, int64_t minOpset,
                              int64_t maxOpset, OpConverterFn convert,
                              llvm::StringRef domain) {
  converters.push_back(
      {domain.str(), opType.str(), minOpset, maxOpset, convert});
}

const OpConverter *OpConverterRegistry::lookup(llvm::StringRef domain,
                                               llvm::StringRef opType,
                                               int64_t opset) const {
  for (const OpConverter &c : converters)
    if (sameDomain(c.domain, domain) && c.opType == opType &&
        c.minOpset <= opset && opset <= c.maxOpset)
      return &c;
  return nullptr;
}

bool OpConverterRegistry::knowsOp(llvm::StringRef domain,
                                  llvm::StringRef opType) const {
  return llvm::any_of(converters, [&](const OpConverter &c) {
    return sameDomain(c.domain, domain) && c.opType == opType;
  });
}
