#include "selective_scan_2d_op.h"

#include <stdexcept>
#include <string>

#include "op_support.h"

#if SEGMAN_WITH_CUDA
#include "selective_scan_2d_cuda.h"
#endif

namespace segman::ort {

namespace {

constexpr const char* kOp = "SelectiveScan2D";

// Reads every input's shape and checks it against OPS.md; returns the kernel shape.
SelectiveScan2DShape read_shape(const Ort::KernelContext& context) {
  const auto u = input_shape(context, 0);
  expect_rank(kOp, "u", u, 4);
  const auto B = input_shape(context, 2);
  expect_rank(kOp, "B", B, 5);
  SelectiveScan2DShape s{u[0], u[1], u[2], u[3], B[2]};
  const int64_t K = kScanDirections;
  expect_shape(kOp, "delta", input_shape(context, 1), {s.batch, K, s.channels, s.height, s.width});
  expect_shape(kOp, "B", B, {s.batch, K, s.state, s.height, s.width});
  expect_shape(kOp, "C", input_shape(context, 3), {s.batch, K, s.state, s.height, s.width});
  expect_shape(kOp, "A", input_shape(context, 4), {K * s.channels, s.state});
  expect_shape(kOp, "D", input_shape(context, 5), {K * s.channels});
  expect_shape(kOp, "delta_bias", input_shape(context, 6), {K * s.channels});
  try {
    validate(s);
  } catch (const std::invalid_argument& e) {
    fail(kOp, e.what());
  }
  return s;
}

template <typename T>
SelectiveScan2DInputs<T> read_inputs(const Ort::KernelContext& context, bool softplus) {
  return {context.GetInput(0).GetTensorData<T>(),     context.GetInput(1).GetTensorData<T>(),
          context.GetInput(2).GetTensorData<T>(),     context.GetInput(3).GetTensorData<T>(),
          context.GetInput(4).GetTensorData<float>(), context.GetInput(5).GetTensorData<float>(),
          context.GetInput(6).GetTensorData<float>(), softplus};
}

template <typename T>
void run(const Ort::KernelContext& context, const SelectiveScan2DShape& shape, bool softplus, Device device) {
  const auto u = input_shape(context, 0);
  T* y = context.GetOutput(0, u).GetTensorMutableData<T>();
  if (shape.batch * shape.channels == 0) return;
  const SelectiveScan2DInputs<T> in = read_inputs<T>(context, softplus);
  if (device == Device::Cpu) {
    selective_scan_2d_cpu<T>(shape, in, y);
    return;
  }
#if SEGMAN_WITH_CUDA
  auto stream = static_cast<cudaStream_t>(context.GetGPUComputeStream());
  void* workspace = nullptr;
  const size_t bytes = selective_scan_2d_cuda_workspace_size(shape);
  cudaError_t status = cudaMallocAsync(&workspace, bytes, stream);
  if (status == cudaSuccess) {
    status = selective_scan_2d_cuda<T>(shape, in, y, workspace, stream);
    const cudaError_t freed = cudaFreeAsync(workspace, stream);
    if (status == cudaSuccess) status = freed;
  }
  if (status != cudaSuccess) {
    throw Ort::Exception(std::string(kOp) + ": CUDA error " + cudaGetErrorString(status), ORT_EP_FAIL);
  }
#else
  fail(kOp, "this build of libsegman_ops has no CUDA kernels");
#endif
}

}  // namespace

SelectiveScan2DKernel::SelectiveScan2DKernel(const OrtKernelInfo* info, Device device) : device_(device) {
  Ort::ConstKernelInfo kernel_info(info);
  int64_t softplus = 1;  // OPS.md default when the attribute is absent
  try {
    softplus = kernel_info.GetAttribute<int64_t>("delta_softplus");
  } catch (const Ort::Exception&) {
  }
  delta_softplus_ = softplus != 0;
}

void SelectiveScan2DKernel::Compute(OrtKernelContext* raw_context) {
  Ort::KernelContext context(raw_context);
  const SelectiveScan2DShape shape = read_shape(context);
  const auto type = context.GetInput(0).GetTensorTypeAndShapeInfo().GetElementType();
  try {
    if (type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16) {
      run<Half>(context, shape, delta_softplus_, device_);
    } else {
      run<float>(context, shape, delta_softplus_, device_);
    }
  } catch (const std::invalid_argument& e) {
    fail(kOp, e.what());
  }
}

}  // namespace segman::ort
