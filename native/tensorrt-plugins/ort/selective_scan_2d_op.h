// ONNX Runtime custom op com.segman.edge::SelectiveScan2D over the shared kernels (OPS.md).
#pragma once

#include "onnxruntime_cxx_api.h"
#include "op_support.h"
#include "selective_scan_2d.h"

namespace segman::ort {

class SelectiveScan2DKernel {
 public:
  SelectiveScan2DKernel(const OrtKernelInfo* info, Device device);
  void Compute(OrtKernelContext* context);

 private:
  bool delta_softplus_;
  Device device_;
};

// One registration per element type T (float, float16) and device.
struct SelectiveScan2DOp : Ort::CustomOpBase<SelectiveScan2DOp, SelectiveScan2DKernel> {
  SelectiveScan2DOp(ONNXTensorElementDataType type, Device device) : type_(type), device_(device) {}

  void* CreateKernel(const OrtApi& /*api*/, const OrtKernelInfo* info) const {
    return new SelectiveScan2DKernel(info, device_);
  }
  const char* GetName() const { return "SelectiveScan2D"; }
  const char* GetExecutionProviderType() const { return provider_name(device_); }
  size_t GetInputTypeCount() const { return 7; }
  ONNXTensorElementDataType GetInputType(size_t index) const {
    return index < 4 ? type_ : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;  // u, delta, B, C are T; A, D, bias are float
  }
  size_t GetOutputTypeCount() const { return 1; }
  ONNXTensorElementDataType GetOutputType(size_t /*index*/) const { return type_; }

 private:
  ONNXTensorElementDataType type_;
  Device device_;
};

}  // namespace segman::ort
