// Small helpers shared by the ONNX Runtime custom-op kernels: shape checks with messages that name the op and input.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "onnxruntime_cxx_api.h"

namespace segman::ort {

// The ONNX domain of every SegMan.Edge op (OPS.md).
inline constexpr const char* kDomain = "com.segman.edge";

// Where a kernel registration runs: ONNX Runtime's CPU or CUDA execution provider.
enum class Device { Cpu, Cuda };

inline const char* provider_name(Device device) {
  return device == Device::Cuda ? "CUDAExecutionProvider" : "CPUExecutionProvider";
}

// What every op registration shares: one element type T and one device, a kernel built from (info, device), and
// one output of type T. Each op adds its name and inputs.
template <typename Op, typename Kernel>
struct TypedOp : Ort::CustomOpBase<Op, Kernel> {
  TypedOp(ONNXTensorElementDataType type, Device device) : type_(type), device_(device) {}

  void* CreateKernel(const OrtApi& /*api*/, const OrtKernelInfo* info) const { return new Kernel(info, device_); }
  const char* GetExecutionProviderType() const { return provider_name(device_); }
  size_t GetOutputTypeCount() const { return 1; }
  ONNXTensorElementDataType GetOutputType(size_t /*index*/) const { return type_; }

 protected:
  ONNXTensorElementDataType type_;
  Device device_;
};

inline std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::ostringstream out;
  out << '(';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ')';
  return out.str();
}

[[noreturn]] inline void fail(const std::string& op, const std::string& message) {
  throw Ort::Exception(op + ": " + message, ORT_INVALID_ARGUMENT);
}

inline std::vector<int64_t> input_shape(const Ort::KernelContext& context, size_t index) {
  return context.GetInput(index).GetTensorTypeAndShapeInfo().GetShape();
}

inline void expect_shape(const std::string& op, const char* name, const std::vector<int64_t>& got,
                         const std::vector<int64_t>& want) {
  if (got != want) fail(op, std::string("input '") + name + "' must have shape " + shape_to_string(want) + ", got " +
                                shape_to_string(got));
}

inline void expect_rank(const std::string& op, const char* name, const std::vector<int64_t>& got, size_t rank) {
  if (got.size() != rank) fail(op, std::string("input '") + name + "' must have rank " + std::to_string(rank) +
                                       ", got shape " + shape_to_string(got));
}

}  // namespace segman::ort
