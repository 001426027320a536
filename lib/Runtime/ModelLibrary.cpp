//===- ModelLibrary.cpp - Load a compiled model library -------------------===//

#include "tern/Runtime/ModelLibrary.h"

#include <dlfcn.h>

using namespace tern;

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
  TernModelApi &api = library->api;
  if (!lookup(handle, "tern_model_create", api.create, error) ||
      !lookup(handle, "tern_model_destroy", api.destroy, error) ||
      !lookup(handle, "tern_model_num_inputs", api.num_inputs, error) ||
      !lookup(handle, "tern_model_num_outputs", api.num_outputs, error) ||
      !lookup(handle, "tern_model_input_info", api.input_info, error) ||
      !lookup(handle, "tern_model_output_info", api.output_info, error) ||
      !lookup(handle, "tern_model_run", api.run, error) ||
      !lookup(handle, "tern_model_last_error", api.last_error, error) ||
      !lookup(handle, "tern_model_set_num_threads", api.set_num_threads,
              error) ||
      !lookup(handle, "tern_model_create_error", api.create_error, error))
    return nullptr;
  TernStatus status = api.create(&library->model);
  if (status != TERN_OK) {
    error = "cannot create a model instance from '" + path +
            "': " + api.create_error();
    return nullptr;
  }
  return library;
}

ModelLibrary::~ModelLibrary() {
  if (model)
    api.destroy(model);
  if (handle)
    dlclose(handle);
}

size_t ModelLibrary::getNumInputs() const { return api.num_inputs(model); }
size_t ModelLibrary::getNumOutputs() const { return api.num_outputs(model); }

const TernTensorInfo &ModelLibrary::getInputInfo(size_t i) const {
  return *api.input_info(model, i);
}

const TernTensorInfo &ModelLibrary::getOutputInfo(size_t i) const {
  return *api.output_info(model, i);
}

TernStatus ModelLibrary::run(const std::vector<TernTensor> &inputs,
                             std::vector<TernTensor> &outputs,
                             std::string &error) {
  outputs.assign(getNumOutputs(), TernTensor{});
  TernStatus status = api.run(model, inputs.data(), inputs.size(),
                              outputs.data(), outputs.size());
  if (status != TERN_OK)
    error = api.last_error(model);
  return status;
}
