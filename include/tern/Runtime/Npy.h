//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// Reading and writing the .npy format (versions 1 to 3, C order) for the
// runner and tests. Plain C++ with no LLVM dependency.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_RUNTIME_NPY_H
#define TERN_RUNTIME_NPY_H

#include "tern/Runtime/TernModel.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tern {

struct NpyArray {
  TernDType dtype = TERN_DTYPE_INVALID;
  std::vector<int64_t> shape;
  std::vector<char> data;

  int64_t numElements() const;
};

/// The .npy `descr` of `dtype` ("<f4", "|i1", ...), or "" for none.
std::string getNpyDescr(TernDType dtype);

/// Parses .npy bytes. Returns false and sets `error` for anything that is
/// not a little-endian, C-order array of a dtype Tern supports.
bool parseNpy(const std::string &bytes, NpyArray &array, std::string &error);
bool readNpyFile(const std::string &path, NpyArray &array, std::string &error);

/// Serializes a dense row-major array as .npy version 1.0; `dtype` must have
/// a .npy descr. `writeNpyFile` refuses dtypes without one.
std::string serializeNpy(TernDType dtype, const std::vector<int64_t> &shape,
                         const void *data);
bool writeNpyFile(const std::string &path, TernDType dtype,
                  const std::vector<int64_t> &shape, const void *data,
                  std::string &error);

} // namespace tern

#endif // TERN_RUNTIME_NPY_H
