// ONNX Runtime custom op com.segman.edge::NeighborhoodAttention2D over the shared kernels (OPS.md).
#pragma once

#include "neighborhood_attention_2d.h"
#include "onnxruntime_cxx_api.h"
#include "op_support.h"

namespace segman::ort {

class NeighborhoodAttention2DKernel {
 public:
  NeighborhoodAttention2DKernel(const OrtKernelInfo* info, Device device);
  void Compute(OrtKernelContext* context);

 private:
  int64_t kernel_size_;
  int64_t dilation_;
  Device device_;
};

struct NeighborhoodAttention2DOp : Ort::CustomOpBase<NeighborhoodAttention2DOp, NeighborhoodAttention2DKernel> {
  NeighborhoodAttention2DOp(ONNXTensorElementDataType type, Device device) : type_(type), device_(device) {}

  void* CreateKernel(const OrtApi& /*api*/, const OrtKernelInfo* info) const {
    return new NeighborhoodAttention2DKernel(info, device_);
  }
  const char* GetName() const { return "NeighborhoodAttention2D"; }
  const char* GetExecutionProviderType() const { return provider_name(device_); }
  size_t GetInputTypeCount() const { return 4; }
  ONNXTensorElementDataType GetInputType(size_t /*index*/) const { return type_; }
  OrtCustomOpInputOutputCharacteristic GetInputCharacteristic(size_t index) const {
    return index == 3 ? INPUT_OUTPUT_OPTIONAL : INPUT_OUTPUT_REQUIRED;  // rpb is optional
  }
  size_t GetOutputTypeCount() const { return 1; }
  ONNXTensorElementDataType GetOutputType(size_t /*index*/) const { return type_; }

 private:
  ONNXTensorElementDataType type_;
  Device device_;
};

}  // namespace segman::ort
