//===- Npy.cpp - NumPy .npy files -----------------------------------------===//

#include "tern/Runtime/Npy.h"

#include <cstring>
#include <fstream>
#include <sstream>

using namespace tern;

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct DescrEntry {
  const char *descr;
  TernDType dtype;
};

constexpr DescrEntry kDescrs[] = {
    {"<f4", TERN_DTYPE_F32}, {"<f8", TERN_DTYPE_F64},  {"<f2", TERN_DTYPE_F16},
    {"|i1", TERN_DTYPE_I8},  {"<i2", TERN_DTYPE_I16},  {"<i4", TERN_DTYPE_I32},
    {"<i8", TERN_DTYPE_I64}, {"|b1", TERN_DTYPE_BOOL}, {"|u1", TERN_DTYPE_U8},
    {"<u2", TERN_DTYPE_U16}, {"<u4", TERN_DTYPE_U32},  {"<u8", TERN_DTYPE_U64},
};

/// The value of `'key': ...` in the header dict, up to the next top-level
/// comma or closing brace.
bool findValue(const std::string &header, const std::string &key,
               std::string &value) {
  size_t pos = header.find("'" + key + "'");
  if (pos == std::string::npos)
    return false;
  pos = header.find(':', pos);
  if (pos == std::string::npos)
    return false;
  ++pos;
  while (pos < header.size() && header[pos] == ' ')
    ++pos;
  size_t end = pos;
  if (pos < header.size() && header[pos] == '(') {
    end = header.find(')', pos);
    if (end == std::string::npos)
      return false;
    ++end;
  } else {
    while (end < header.size() && header[end] != ',' && header[end] != '}')
      ++end;
  }
  value = header.substr(pos, end - pos);
  return true;
}

} // namespace

int64_t NpyArray::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string tern::getNpyDescr(TernDType dtype) {
  for (const DescrEntry &entry : kDescrs)
    if (entry.dtype == dtype)
      return entry.descr;
  return "";
}

bool tern::parseNpy(const std::string &bytes, NpyArray &array,
                    std::string &error) {
  if (bytes.size() < kMagicSize + 4 ||
      std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerStart, headerLen;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (static_cast<unsigned char>(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      error = "truncated .npy header";
      return false;
    }
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = (headerLen << 8) | static_cast<unsigned char>(bytes[8 + i]);
    headerStart = 12;
  } else {
    error = "unsupported .npy version " + std::to_string(major);
    return false;
  }
  if (bytes.size() < headerStart + headerLen) {
    error = "truncated .npy header";
    return false;
  }
  std::string header = bytes.substr(headerStart, headerLen);

  std::string descr, fortran, shape;
  if (!findValue(header, "descr", descr) ||
      !findValue(header, "fortran_order", fortran) ||
      !findValue(header, "shape", shape)) {
    error = "malformed .npy header: " + header;
    return false;
  }
  if (fortran.rfind("False", 0) != 0) {
    error = "Fortran-order .npy arrays are not supported";
    return false;
  }
  // descr is quoted: '<f4'.
  if (descr.size() < 2) {
    error = "malformed .npy descr";
    return false;
  }
  descr = descr.substr(1, descr.size() - 2);
  array.dtype = TERN_DTYPE_INVALID;
  for (const DescrEntry &entry : kDescrs)
    if (descr == entry.descr)
      array.dtype = entry.dtype;
  if (array.dtype == TERN_DTYPE_INVALID) {
    error = "unsupported .npy dtype '" + descr + "'";
    return false;
  }

  array.shape.clear();
  std::string dims = shape.substr(1, shape.size() - 2);
  std::stringstream stream(dims);
  std::string item;
  while (std::getline(stream, item, ',')) {
    size_t first = item.find_first_not_of(' ');
    if (first == std::string::npos)
      continue;
    char *end = nullptr;
    long long dim = std::strtoll(item.c_str() + first, &end, 10);
    if (dim < 0 || (*end != '\0' && *end != ' ' && *end != 'L')) {
      error = "malformed .npy shape " + shape;
      return false;
    }
    array.shape.push_back(dim);
  }
  if (array.shape.size() > TERN_MAX_RANK) {
    error = "rank " + std::to_string(array.shape.size()) +
            " is over the limit of " + std::to_string(TERN_MAX_RANK);
    return false;
  }

  size_t expected =
      static_cast<size_t>(array.numElements()) * tern_dtype_size(array.dtype);
  size_t dataStart = headerStart + headerLen;
  if (bytes.size() - dataStart != expected) {
    error = "the .npy data holds " + std::to_string(bytes.size() - dataStart) +
            " bytes but its shape needs " + std::to_string(expected);
    return false;
  }
  array.data.assign(bytes.begin() + dataStart, bytes.end());
  return true;
}

bool tern::readNpyFile(const std::string &path, NpyArray &array,
                       std::string &error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = "cannot open '" + path + "'";
    return false;
  }
  std::stringstream contents;
  contents << file.rdbuf();
  if (!parseNpy(contents.str(), array, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

std::string tern::serializeNpy(TernDType dtype,
                               const std::vector<int64_t> &shape,
                               const void *data) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i)
    dims += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1)
    dims += ","; // A one-element Python tuple.
  std::string dict = "{'descr': '" + getNpyDescr(dtype) +
                     "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad so that the data starts on a 64-byte boundary, ending in '\n'.
  size_t total = kMagicSize + 4 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';

  std::string out(kMagic, kMagicSize);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  out += dict;
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  out.append(static_cast<const char *>(data),
             static_cast<size_t>(n) * tern_dtype_size(dtype));
  return out;
}

bool tern::writeNpyFile(const std::string &path, TernDType dtype,
                        const std::vector<int64_t> &shape, const void *data,
                        std::string &error) {
  if (getNpyDescr(dtype).empty()) {
    error = std::string("cannot write '") + path + "': .npy has no " +
            tern_dtype_name(dtype) + " dtype";
    return false;
  }
  std::ofstream file(path, std::ios::binary);
  std::string bytes = serializeNpy(dtype, shape, data);
  if (!file || !file.write(bytes.data(), bytes.size())) {
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}
