//===- ModelLibrary.cpp - Load a compiled model library -------------------===//

#include "tern/Runtime/ModelLibrary.h"

#include <dlfcn.h>

using namespace tern;

struct ModelLibrary::Api {
  decltype(&tern_model_create) create;
  decltype(&tern_model_destroy) destroy;
  decltype(&tern_model_num_inputs) numInputs;
  decltype(&tern_model_num_outputs) numOutputs;
  decltype(&tern_model_input_info) inputInfo;
  decltype(&tern_model_output_info) outputInfo;
  decltype(&tern_model_run) run;
  decltype(&tern_model_last_error) lastError;
};

template <typename Fn>
static bool lookup(void *handle, const char *name, Fn &fn, std::string &error) {
  fn = reinterpret_cast<Fn>(dlsym(handle, name));
  if (!fn)
    error = std::string("not a Tern model library: it does not export ") + name;
  return fn != nullptr;
}

std::unique_ptr<ModelLibrary> ModelLibrary::open(const std::string &path,
                                                 std::string &error) {
  // A path without a slash would make dlopen search the library path.
  std::string dlPath = path.find('/') == std::string::npos ? "./" + path : path;
  void *handle = dlopen(dlPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *message = dlerror();
    error = "cannot load '" + path + "': " + (message ? message : "unknown");
    return nullptr;
  }
  std::unique_ptr<ModelLibrary> library(new ModelLibrary());
  library->handle = handle;
  library->api = std::make_unique<Api>();
  Api &api = *library->api;
  if (!lookup(handle, "tern_model_create", api.create, error) ||
      !lookup(handle, "tern_model_destroy", api.destroy, error) ||
      !lookup(handle, "tern_model_num_inputs", api.numInputs, error) ||
      !lookup(handle, "tern_model_num_outputs", api.numOutputs, error) ||
      !lookup(handle, "tern_model_input_info", api.inputInfo, error) ||
      !lookup(handle, "tern_model_output_info", api.outputInfo, error) ||
      !lookup(handle, "tern_model_run", api.run, error) ||
      !lookup(handle, "tern_model_last_error", api.lastError, error))
    return nullptr;
  TernStatus status = api.create(&library->model);
  if (status != TERN_OK) {
    error = status == TERN_ERROR_ABI_MISMATCH
                ? "'" + path + "' was compiled for another model ABI version"
                : "cannot create a model instance from '" + path + "'";
    return nullptr;
  }
  return library;
}

ModelLibrary::~ModelLibrary() {
  if (model)
    api->destroy(model);
  if (handle)
    dlclose(handle);
}

size_t ModelLibrary::getNumInputs() const { return api->numInputs(model); }
size_t ModelLibrary::getNumOutputs() const { return api->numOutputs(model); }

const TernTensorInfo &ModelLibrary::getInputInfo(size_t i) const {
  return *api->inputInfo(model, i);
}

const TernTensorInfo &ModelLibrary::getOutputInfo(size_t i) const {
  return *api->outputInfo(model, i);
}

TernStatus ModelLibrary::run(const std::vector<TernTensor> &inputs,
                             std::vector<TernTensor> &outputs,
                             std::string &error) {
  outputs.assign(getNumOutputs(), TernTensor{});
  TernStatus status = api->run(model, inputs.data(), inputs.size(),
                               outputs.data(), outputs.size());
  if (status != TERN_OK)
    error = api->lastError(model);
  return status;
}
