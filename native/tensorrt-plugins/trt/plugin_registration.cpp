// Exports of libsegman_trt_plugins.so.
//  - getCreators / setLoggerFinder: the entry points TensorRT 10's IPluginRegistry::loadLibrary (and trtexec
//    --dynamicPlugins) looks for.
//  - A load-time registrar: ONNX Runtime's TensorRT execution provider dlopen()s every library named in
//    trt_extra_plugin_lib_paths and expects the plugins to register themselves while loading. TensorRT is already
//    loaded then; its registry is found with dlsym, so the library has no link-time dependency on libnvinfer and
//    can be loaded (and tested) where only the CUDA runtime is installed.
#include <dlfcn.h>

#include <NvInferRuntime.h>

#include "neighborhood_attention_2d_plugin.h"
#include "selective_scan_2d_plugin.h"

namespace {

nvinfer1::IPluginCreatorInterface* const* creators(int32_t& count) {
  static segman::trt::SelectiveScan2DCreator scan;
  static segman::trt::NeighborhoodAttention2DCreator attention;
  static nvinfer1::IPluginCreatorInterface* const list[] = {&scan, &attention};
  count = 2;
  return list;
}

struct LoadTimeRegistrar {
  LoadTimeRegistrar() {
    for (const char* name : {"libnvinfer.so.10", "libnvinfer.so"}) {
      void* handle = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);  // only if the process has TensorRT loaded
      if (handle == nullptr) continue;
      using RegistryFn = nvinfer1::IPluginRegistry* (*)();
      auto registry_fn = reinterpret_cast<RegistryFn>(dlsym(handle, "getPluginRegistry"));
      if (registry_fn != nullptr && registry_fn() != nullptr) {
        int32_t count = 0;
        nvinfer1::IPluginCreatorInterface* const* list = creators(count);
        for (int32_t i = 0; i < count; ++i) registry_fn()->registerCreator(*list[i], segman::trt::kPluginNamespace);
      }
      dlclose(handle);
      return;
    }
  }
};

const LoadTimeRegistrar registrar;

}  // namespace

extern "C" __attribute__((visibility("default"))) nvinfer1::IPluginCreatorInterface* const* getCreators(
    int32_t& nbCreators) {
  return creators(nbCreators);
}

extern "C" __attribute__((visibility("default"))) void setLoggerFinder(nvinfer1::ILoggerFinder* /*finder*/) {
  // The plugins report failures through return codes; they do not log.
}
