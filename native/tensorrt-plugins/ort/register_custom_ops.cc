// Entry point of libsegman_ops.so: ONNX Runtime calls RegisterCustomOps when a session registers the library
// (SessionOptions.RegisterCustomOpLibrary). The ORT API comes from OrtApiBase; nothing links libonnxruntime.
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include "neighborhood_attention_2d_op.h"
#include "op_support.h"
#include "selective_scan_2d_op.h"

namespace {

using segman::ort::Device;
using segman::ort::NeighborhoodAttention2DOp;
using segman::ort::SelectiveScan2DOp;

// The ops and the domain must outlive every session that uses them, so they live as long as the library.
struct Registry {
  std::vector<std::unique_ptr<OrtCustomOp>> ops;
  Ort::CustomOpDomain domain{segman::ort::kDomain};

  Registry() {
    std::vector<Device> devices{Device::Cpu};
#if SEGMAN_WITH_CUDA
    devices.push_back(Device::Cuda);
#endif
    for (Device device : devices) {
      for (auto type : {ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16}) {
        ops.push_back(std::make_unique<SelectiveScan2DOp>(type, device));
        ops.push_back(std::make_unique<NeighborhoodAttention2DOp>(type, device));
      }
    }
    for (auto& op : ops) domain.Add(op.get());
  }
};

}  // namespace

extern "C" __attribute__((visibility("default"))) OrtStatus* ORT_API_CALL
RegisterCustomOps(OrtSessionOptions* options, const OrtApiBase* api_base) {
  const OrtApi* api = api_base->GetApi(ORT_API_VERSION);
  if (api == nullptr) {
    // The runtime is older than the headers this library was built with; version 1 of the API always exists.
    return api_base->GetApi(1)->CreateStatus(
        ORT_FAIL, "libsegman_ops was built for a newer ONNX Runtime than the one loading it; rebuild it");
  }
  Ort::InitApi(api);
  static std::once_flag once;
  static Registry* registry = nullptr;  // never freed: sessions may use the ops until the process ends
  try {
    std::call_once(once, [] { registry = new Registry(); });
    Ort::UnownedSessionOptions session_options(options);
    session_options.Add(registry->domain);
  } catch (const Ort::Exception& e) {
    return api->CreateStatus(e.GetOrtErrorCode(), e.what());
  } catch (const std::exception& e) {
    return api->CreateStatus(ORT_FAIL, e.what());
  }
  return nullptr;
}
