//===- ContribSchemas.h - Schemas of the com.microsoft ops ------*- C++ -*-===//

#ifndef TERN_LIB_IMPORT_ONNX_CONTRIBSCHEMAS_H
#define TERN_LIB_IMPORT_ONNX_CONTRIBSCHEMAS_H

namespace tern {

/// ONNX Runtime's contrib-op domain.
inline constexpr const char *kContribDomain = "com.microsoft";

/// Registers with libonnx the schemas of the contrib ops Tern converts
/// (MatMulNBits, SimplifiedLayerNormalization, also in the default domain
/// where ONNX Runtime puts it, the skip normalizations, RotaryEmbedding,
/// the attentions and the Gelu variants), so that its checker and shape
/// inference handle them.
/// Safe to call more than once.
void registerContribSchemas();

} // namespace tern

#endif // TERN_LIB_IMPORT_ONNX_CONTRIBSCHEMAS_H
