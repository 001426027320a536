//===- OpConverterRegistry.h - ONNX op converters by name and opset -*- C++
//-*-//
//
// Each ONNX op family registers its converters here by op type and opset
// range. The registry is the single source of truth for what the importer
// supports: `ternc --list-ops` and docs/ONNXOps.md are generated from it.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_IMPORT_ONNX_OPCONVERTERREGISTRY_H
#define TERN_IMPORT_ONNX_OPCONVERTERREGISTRY_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace tern {

class NodeImporter;

/// Converts one ONNX node: reads its inputs and attributes from the
/// `NodeImporter`, emits ops, and records its outputs.
using OpConverterFn = mlir::LogicalResult (*)(NodeImporter &node);

struct OpConverter {
  std::string domain; // "" is the default ONNX domain.
  std::string opType;
  int64_t minOpset;
  int64_t maxOpset;
  OpConverterFn convert;
};

class OpConverterRegistry {
public:
  /// The registry with every converter Tern ships.
  static const OpConverterRegistry &get();

  void add(llvm::StringRef opType, int64_t minOpset, int64_t maxOpset,
           OpConverterFn convert, llvm::StringRef domain = "");

  /// The converter for `opType` at `opset`, or null.
  const OpConverter *lookup(llvm::StringRef domain, llvm::StringRef opType,
                            int64_t opset) const;
  /// True when some converter handles `opType` at any opset.
  bool knowsOp(llvm::StringRef domain, llvm::StringRef opType) const;

  /// Every converter, sorted by domain, op type and opset.
  const std::vector<OpConverter> &getConverters() const { return converters; }

private:
  std::vector<OpConverter> converters;
};

// One function per op family, each in its own file under lib/Import/ONNX/Ops.
void registerAttentionConverters(OpConverterRegistry &registry);
void registerCastConverters(OpConverterRegistry &registry);
void registerConstantConverters(OpConverterRegistry &registry);
void registerContribConverters(OpConverterRegistry &registry);
void registerEinsumConverters(OpConverterRegistry &registry);
void registerElementwiseConverters(OpConverterRegistry &registry);
void registerLinearAlgebraConverters(OpConverterRegistry &registry);
void registerLogicalConverters(OpConverterRegistry &registry);
void registerMatMulConverters(OpConverterRegistry &registry);
void registerConvPoolConverters(OpConverterRegistry &registry);
void registerPositionalConverters(OpConverterRegistry &registry);
void registerQuantConverters(OpConverterRegistry &registry);
void registerRecurrentConverters(OpConverterRegistry &registry);
void registerReductionConverters(OpConverterRegistry &registry);
void registerResizeConverters(OpConverterRegistry &registry);
void registerScanConverters(OpConverterRegistry &registry);
void registerScatterConverters(OpConverterRegistry &registry);
void registerSelectionConverters(OpConverterRegistry &registry);
void registerSequenceConverters(OpConverterRegistry &registry);
void registerSignalConverters(OpConverterRegistry &registry);
void registerShapeConverters(OpConverterRegistry &registry);
void registerTrainingConverters(OpConverterRegistry &registry);

} // namespace tern

#endif // TERN_IMPORT_ONNX_OPCONVERTERREGISTRY_H
