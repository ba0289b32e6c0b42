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
struct SelectiveScan2DOp : TypedOp<SelectiveScan2DOp, SelectiveScan2DKernel> {
  using TypedOp::TypedOp;

  const char* GetName() const { return "SelectiveScan2D"; }
  size_t GetInputTypeCount() const { return 7; }
  ONNXTensorElementDataType GetInputType(size_t index) const {
    return index < 4 ? type_ : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;  // u, delta, B, C are T; A, D, bias are float
  }
};

}  // namespace segman::ort
