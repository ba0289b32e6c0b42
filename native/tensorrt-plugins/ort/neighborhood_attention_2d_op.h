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

struct NeighborhoodAttention2DOp : TypedOp<NeighborhoodAttention2DOp, NeighborhoodAttention2DKernel> {
  using TypedOp::TypedOp;

  const char* GetName() const { return "NeighborhoodAttention2D"; }
  size_t GetInputTypeCount() const { return 4; }
  ONNXTensorElementDataType GetInputType(size_t /*index*/) const { return type_; }
  OrtCustomOpInputOutputCharacteristic GetInputCharacteristic(size_t index) const {
    return index == 3 ? INPUT_OUTPUT_OPTIONAL : INPUT_OUTPUT_REQUIRED;  // rpb is optional
  }
};

}  // namespace segman::ort
