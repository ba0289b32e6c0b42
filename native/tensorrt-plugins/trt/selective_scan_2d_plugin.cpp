#include "selective_scan_2d_plugin.h"

#include <exception>

#include "selective_scan_2d_cuda.h"

namespace segman::trt {

namespace {

constexpr int32_t kInputs = 7;  // u, delta, B, C, A, D, delta_bias

SelectiveScan2DShape shape_of(const nvinfer1::Dims& u, const nvinfer1::Dims& B) {
  return {u.d[0], u.d[1], u.d[2], u.d[3], B.d[2]};
}

bool shapes_match(const nvinfer1::PluginTensorDesc* in) {
  const nvinfer1::Dims &u = in[0].dims, &delta = in[1].dims, &B = in[2].dims, &C = in[3].dims, &A = in[4].dims;
  if (u.nbDims != 4 || delta.nbDims != 5 || B.nbDims != 5 || C.nbDims != 5 || A.nbDims != 2) return false;
  const int64_t batch = u.d[0], D = u.d[1], H = u.d[2], W = u.d[3], N = B.d[2];
  auto per_direction = [&](const nvinfer1::Dims& x, int64_t c) {
    return x.d[0] == batch && x.d[1] == 4 && x.d[2] == c && x.d[3] == H && x.d[4] == W;
  };
  return per_direction(delta, D) && per_direction(B, N) && per_direction(C, N) && A.d[0] == 4 * D && A.d[1] == N &&
         in[5].dims.nbDims == 1 && in[5].dims.d[0] == 4 * D && in[6].dims.nbDims == 1 && in[6].dims.d[0] == 4 * D &&
         N >= 1 && N <= kMaxScanState && H >= 1 && W >= 1;
}

}  // namespace

SelectiveScan2DPlugin::SelectiveScan2DPlugin(bool delta_softplus)
    : PluginBase({nvinfer1::PluginField("delta_softplus", &delta_softplus_, nvinfer1::PluginFieldType::kINT32, 1)}),
      delta_softplus_(delta_softplus ? 1 : 0) {}

SelectiveScan2DPlugin::SelectiveScan2DPlugin(const SelectiveScan2DPlugin& other)
    : SelectiveScan2DPlugin(other.delta_softplus_ != 0) {}

int32_t SelectiveScan2DPlugin::configurePlugin(const nvinfer1::DynamicPluginTensorDesc* /*in*/, int32_t nbInputs,
                                               const nvinfer1::DynamicPluginTensorDesc* /*out*/,
                                               int32_t nbOutputs) noexcept {
  return nbInputs == kInputs && nbOutputs == 1 ? 0 : -1;
}

bool SelectiveScan2DPlugin::supportsFormatCombination(int32_t pos, const nvinfer1::DynamicPluginTensorDesc* inOut,
                                                      int32_t nbInputs, int32_t nbOutputs) noexcept {
  if (nbInputs != kInputs || nbOutputs != 1 || pos < 0 || pos >= kInputs + 1) return false;
  const nvinfer1::PluginTensorDesc& desc = inOut[pos].desc;
  if (desc.format != nvinfer1::TensorFormat::kLINEAR) return false;
  if (pos >= 4 && pos <= 6) return desc.type == nvinfer1::DataType::kFLOAT;  // A, D, delta_bias
  if (pos == 0) return is_io_type(desc.type);
  return desc.type == inOut[0].desc.type;  // delta, B, C and y share u's type
}

size_t SelectiveScan2DPlugin::getWorkspaceSize(const nvinfer1::DynamicPluginTensorDesc* inputs, int32_t nbInputs,
                                               const nvinfer1::DynamicPluginTensorDesc* /*outputs*/,
                                               int32_t /*nbOutputs*/) const noexcept {
  if (nbInputs != kInputs) return 0;
  try {
    return selective_scan_2d_cuda_workspace_size(shape_of(inputs[0].max, inputs[2].max));
  } catch (const std::exception&) {
    return 0;
  }
}

int32_t SelectiveScan2DPlugin::onShapeChange(const nvinfer1::PluginTensorDesc* in, int32_t nbInputs,
                                             const nvinfer1::PluginTensorDesc* /*out*/, int32_t nbOutputs) noexcept {
  return nbInputs == kInputs && nbOutputs == 1 && shapes_match(in) ? 0 : -1;
}

int32_t SelectiveScan2DPlugin::enqueue(const nvinfer1::PluginTensorDesc* inputDesc,
                                       const nvinfer1::PluginTensorDesc* /*outputDesc*/, const void* const* inputs,
                                       void* const* outputs, void* workspace, cudaStream_t stream) noexcept {
  try {
    if (!shapes_match(inputDesc)) return -1;
    const SelectiveScan2DShape shape = shape_of(inputDesc[0].dims, inputDesc[2].dims);
    const auto* A = static_cast<const float*>(inputs[4]);
    const auto* D = static_cast<const float*>(inputs[5]);
    const auto* bias = static_cast<const float*>(inputs[6]);
    cudaError_t status;
    if (inputDesc[0].type == nvinfer1::DataType::kHALF) {
      const SelectiveScan2DInputs<Half> in{static_cast<const Half*>(inputs[0]), static_cast<const Half*>(inputs[1]),
                                           static_cast<const Half*>(inputs[2]), static_cast<const Half*>(inputs[3]),
                                           A, D, bias, delta_softplus_ != 0};
      status = selective_scan_2d_cuda<Half>(shape, in, static_cast<Half*>(outputs[0]), workspace, stream);
    } else {
      const SelectiveScan2DInputs<float> in{static_cast<const float*>(inputs[0]), static_cast<const float*>(inputs[1]),
                                            static_cast<const float*>(inputs[2]), static_cast<const float*>(inputs[3]),
                                            A, D, bias, delta_softplus_ != 0};
      status = selective_scan_2d_cuda<float>(shape, in, static_cast<float*>(outputs[0]), workspace, stream);
    }
    return status == cudaSuccess ? 0 : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

SelectiveScan2DCreator::SelectiveScan2DCreator()
    : CreatorBase({nvinfer1::PluginField("delta_softplus", nullptr, nvinfer1::PluginFieldType::kINT32, 1)}) {}

nvinfer1::IPluginV3* SelectiveScan2DCreator::createPlugin(const char* /*name*/, const nvinfer1::PluginFieldCollection* fc,
                                                          nvinfer1::TensorRTPhase /*phase*/) noexcept {
  try {
    int64_t softplus = 1;  // OPS.md default
    read_int_field(fc, "delta_softplus", softplus);
    return new SelectiveScan2DPlugin(softplus != 0);
  } catch (...) {
    return nullptr;
  }
}

}  // namespace segman::trt
