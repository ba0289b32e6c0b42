#include "neighborhood_attention_2d_op.h"

#include <stdexcept>
#include <string>

#if SEGMAN_WITH_CUDA
#include "neighborhood_attention_2d_cuda.h"
#endif

namespace segman::ort {

namespace {

constexpr const char* kOp = "NeighborhoodAttention2D";

// rpb is optional: absent when the node has fewer inputs or the input's name is empty.
bool has_bias(const Ort::KernelContext& context) {
  return context.GetInputCount() > 3 && static_cast<const OrtValue*>(context.GetInput(3)) != nullptr;
}

NeighborhoodAttention2DShape read_shape(const Ort::KernelContext& context, int64_t kernel_size, int64_t dilation) {
  const auto q = input_shape(context, 0);
  expect_rank(kOp, "q", q, 5);
  expect_shape(kOp, "k", input_shape(context, 1), q);
  expect_shape(kOp, "v", input_shape(context, 2), q);
  NeighborhoodAttention2DShape s{q[0], q[1], q[2], q[3], q[4], kernel_size, dilation};
  try {
    validate(s);
  } catch (const std::invalid_argument& e) {
    fail(kOp, e.what());
  }
  if (has_bias(context)) {
    const int64_t table = 2 * kernel_size - 1;
    expect_shape(kOp, "rpb", input_shape(context, 3), {s.heads, table, table});
  }
  return s;
}

template <typename T>
void run(const Ort::KernelContext& context, const NeighborhoodAttention2DShape& shape, Device device) {
  T* out = context.GetOutput(0, input_shape(context, 0)).GetTensorMutableData<T>();
  if (shape.batch * shape.heads == 0) return;
  const NeighborhoodAttention2DInputs<T> in{context.GetInput(0).GetTensorData<T>(),
                                            context.GetInput(1).GetTensorData<T>(),
                                            context.GetInput(2).GetTensorData<T>(),
                                            has_bias(context) ? context.GetInput(3).GetTensorData<T>() : nullptr};
  if (device == Device::Cpu) {
    neighborhood_attention_2d_cpu<T>(shape, in, out);
    return;
  }
#if SEGMAN_WITH_CUDA
  const cudaError_t status =
      neighborhood_attention_2d_cuda<T>(shape, in, out, static_cast<cudaStream_t>(context.GetGPUComputeStream()));
  if (status != cudaSuccess) {
    throw Ort::Exception(std::string(kOp) + ": CUDA error " + cudaGetErrorString(status), ORT_EP_FAIL);
  }
#else
  fail(kOp, "this build of libsegman_ops has no CUDA kernels");
#endif
}

}  // namespace

NeighborhoodAttention2DKernel::NeighborhoodAttention2DKernel(const OrtKernelInfo* info, Device device)
    : dilation_(1), device_(device) {
  Ort::ConstKernelInfo kernel_info(info);
  try {
    kernel_size_ = kernel_info.GetAttribute<int64_t>("kernel_size");
  } catch (const Ort::Exception&) {
    fail(kOp, "the attribute 'kernel_size' is required");
  }
  try {
    dilation_ = kernel_info.GetAttribute<int64_t>("dilation");
  } catch (const Ort::Exception&) {
    dilation_ = 1;  // OPS.md default
  }
}

void NeighborhoodAttention2DKernel::Compute(OrtKernelContext* raw_context) {
  Ort::KernelContext context(raw_context);
  const NeighborhoodAttention2DShape shape = read_shape(context, kernel_size_, dilation_);
  const auto type = context.GetInput(0).GetTensorTypeAndShapeInfo().GetElementType();
  try {
    if (type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16) {
      run<Half>(context, shape, device_);
    } else {
      run<float>(context, shape, device_);
    }
  } catch (const std::invalid_argument& e) {
    fail(kOp, e.what());
  }
}

}  // namespace segman::ort
