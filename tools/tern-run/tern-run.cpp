//===- tern-run.cpp - Run a compiled Tern model ---------------------------===//
//
// tern-run model.so [--input NAME=x.npy ...] [--output-dir DIR] [--bench N]
//
// Inputs not given with --input are filled with seeded random values.
//
//===----------------------------------------------------------------------===//

#include "tern/Runtime/ModelLibrary.h"
#include "tern/Runtime/Npy.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

using namespace llvm;

namespace {

// Only tern-run's own options show in --help, not LLVM's.
cl::OptionCategory runCategory("tern-run options");

cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.so>"), cl::cat(runCategory));
cl::list<std::string> inputFiles("input", cl::desc("An input from a .npy file"),
                                 cl::value_desc("NAME=FILE.npy"),
                                 cl::cat(runCategory));
cl::list<std::string>
    dimValues("dim",
              cl::desc("Size of a named dynamic dimension for random inputs "
                       "(default 1)"),
              cl::value_desc("NAME=SIZE"), cl::cat(runCategory));
cl::opt<uint64_t> seed("seed", cl::desc("Seed of the random inputs"),
                       cl::init(0), cl::cat(runCategory));
cl::opt<std::string> outputDir("output-dir",
                               cl::desc("Write each output to "
                                        "DIR/<output name>.npy"),
                               cl::value_desc("DIR"), cl::cat(runCategory));
cl::opt<unsigned> benchRuns("bench",
                            cl::desc("Time N runs and print the median"),
                            cl::value_desc("N"), cl::init(0),
                            cl::cat(runCategory));

int fail(const Twine &message) {
  WithColor::error(errs(), "tern-run") << message << "\n";
  return 1;
}

/// splitmix64: a tiny generator whose stream is the same on every platform,
/// so a seed names the same inputs everywhere.
struct SeededRandom {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [-1, 1).
  double nextSigned() { return (next() >> 11) * 0x1.0p-52 - 1.0; }
};

bool fillRandom(tern::NpyArray &array, SeededRandom &random) {
  int64_t n = array.numElements();
  array.data.resize(n * tern_dtype_size(array.dtype));
  char *out = array.data.data();
  for (int64_t i = 0; i < n; ++i) {
    double v = random.nextSigned();
    switch (array.dtype) {
    case TERN_DTYPE_F32:
      reinterpret_cast<float *>(out)[i] = static_cast<float>(v);
      break;
    case TERN_DTYPE_F64:
      reinterpret_cast<double *>(out)[i] = v;
      break;
    case TERN_DTYPE_I8:
      reinterpret_cast<int8_t *>(out)[i] = static_cast<int8_t>(v * 127);
      break;
    case TERN_DTYPE_I32:
      reinterpret_cast<int32_t *>(out)[i] = static_cast<int32_t>(v * 100);
      break;
    case TERN_DTYPE_I64:
      reinterpret_cast<int64_t *>(out)[i] = static_cast<int64_t>(v * 100);
      break;
    case TERN_DTYPE_BOOL:
      reinterpret_cast<uint8_t *>(out)[i] = v >= 0;
      break;
    case TERN_DTYPE_U8:
      reinterpret_cast<uint8_t *>(out)[i] = static_cast<uint8_t>((v + 1) * 127);
      break;
    default:
      return false;
    }
  }
  return true;
}

void printSummary(const TernTensorInfo &info, const TernTensor &tensor) {
  outs() << info.name << ": " << tern_dtype_name(tensor.dtype) << "[";
  for (int32_t d = 0; d < tensor.rank; ++d)
    outs() << (d ? ", " : "") << tensor.shape[d];
  outs() << "]";
  if (tensor.dtype == TERN_DTYPE_F32) {
    const float *values = static_cast<const float *>(tensor.data);
    int64_t n = tern_tensor_num_elements(&tensor);
    double sum = 0, minValue = INFINITY, maxValue = -INFINITY;
    for (int64_t i = 0; i < n; ++i) {
      sum += values[i];
      minValue = std::min<double>(minValue, values[i]);
      maxValue = std::max<double>(maxValue, values[i]);
    }
    if (n > 0)
      outs() << format(" min %.6g max %.6g mean %.6g", minValue, maxValue,
                       sum / n);
  }
  outs() << "\n";
}

} // namespace

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(argc, argv, "Run a compiled Tern model\n");

  std::string error;
  std::unique_ptr<tern::ModelLibrary> model =
      tern::ModelLibrary::open(modelPath, error);
  if (!model)
    return fail(error);

  StringMap<std::string> givenInputs;
  for (const std::string &spec : inputFiles) {
    auto [name, file] = StringRef(spec).split('=');
    if (file.empty())
      return fail("--input expects NAME=FILE.npy, got '" + spec + "'");
    givenInputs[name] = file.str();
  }
  StringMap<int64_t> dims;
  for (const std::string &spec : dimValues) {
    auto [name, value] = StringRef(spec).split('=');
    int64_t size;
    if (value.getAsInteger(10, size) || size < 0)
      return fail("--dim expects NAME=SIZE, got '" + spec + "'");
    dims[name] = size;
  }

  SeededRandom random{seed};
  std::vector<tern::NpyArray> arrays(model->getNumInputs());
  std::vector<TernTensor> inputs(model->getNumInputs());
  for (size_t i = 0; i < model->getNumInputs(); ++i) {
    const TernTensorInfo &info = model->getInputInfo(i);
    tern::NpyArray &array = arrays[i];
    auto given = givenInputs.find(info.name);
    if (given != givenInputs.end()) {
      if (!tern::readNpyFile(given->second, array, error))
        return fail("input '" + Twine(info.name) + "': " + error);
      givenInputs.erase(given);
    } else {
      array.dtype = static_cast<TernDType>(info.dtype);
      for (int32_t d = 0; d < info.rank; ++d) {
        int64_t size = info.shape[d];
        if (size < 0) {
          const char *param = info.dim_params ? info.dim_params[d] : "";
          size = dims.lookup(param ? param : "");
          if (!dims.count(param ? param : ""))
            size = 1;
        }
        array.shape.push_back(size);
      }
      if (!fillRandom(array, random))
        return fail("input '" + Twine(info.name) +
                    "': cannot make random values of dtype " +
                    tern_dtype_name(info.dtype));
    }
    if (array.shape.size() > TERN_MAX_RANK)
      return fail("input '" + Twine(info.name) + "': rank is over the limit");
    TernTensor &tensor = inputs[i];
    tensor.data = array.data.data();
    tensor.dtype = array.dtype;
    tensor.rank = static_cast<int32_t>(array.shape.size());
    std::copy(array.shape.begin(), array.shape.end(), tensor.shape);
  }
  if (!givenInputs.empty())
    return fail("the model has no input named '" +
                givenInputs.begin()->first() + "'");

  std::vector<TernTensor> outputs;
  if (model->run(inputs, outputs, error) != TERN_OK)
    return fail(error);

  for (size_t i = 0; i < outputs.size(); ++i) {
    const TernTensorInfo &info = model->getOutputInfo(i);
    printSummary(info, outputs[i]);
    if (!outputDir.empty()) {
      if (std::error_code ec = sys::fs::create_directories(outputDir))
        return fail("cannot create '" + outputDir + "': " + ec.message());
      SmallString<256> path(outputDir);
      sys::path::append(path, std::string(info.name) + ".npy");
      std::vector<int64_t> shape(outputs[i].shape,
                                 outputs[i].shape + outputs[i].rank);
      if (!tern::writeNpyFile(std::string(path),
                              static_cast<TernDType>(outputs[i].dtype), shape,
                              outputs[i].data, error))
        return fail(error);
    }
  }
  for (TernTensor &t : outputs)
    tern_tensor_release(&t);

  if (benchRuns > 0) {
    std::vector<double> millis;
    for (unsigned r = 0; r < benchRuns; ++r) {
      auto start = std::chrono::steady_clock::now();
      if (model->run(inputs, outputs, error) != TERN_OK)
        return fail(error);
      auto end = std::chrono::steady_clock::now();
      millis.push_back(
          std::chrono::duration<double, std::milli>(end - start).count());
      for (TernTensor &t : outputs)
        tern_tensor_release(&t);
    }
    std::sort(millis.begin(), millis.end());
    double median =
        millis.size() % 2
            ? millis[millis.size() / 2]
            : (millis[millis.size() / 2 - 1] + millis[millis.size() / 2]) / 2;
    outs() << format("median latency: %.4f ms over %u runs (min %.4f, max "
                     "%.4f)\n",
                     median, benchRuns.getValue(), millis.front(),
                     millis.back());
  }
  return 0;
}
