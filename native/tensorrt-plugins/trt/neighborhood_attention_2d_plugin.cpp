#include "neighborhood_attention_2d_plugin.h"

#include <exception>

#include "neighborhood_attention_2d_cuda.h"

namespace segman::trt {

namespace {

bool valid_inputs(int32_t nbInputs) { return nbInputs == 3 || nbInputs == 4; }

bool shapes_match(const nvinfer1::PluginTensorDesc* in, int32_t nbInputs, int32_t kernel_size) {
  const nvinfer1::Dims& q = in[0].dims;
  if (q.nbDims != 5) return false;
  for (int32_t t = 1; t < 3; ++t) {
    if (in[t].dims.nbDims != 5) return false;
    for (int32_t i = 0; i < 5; ++i) {
      if (in[t].dims.d[i] != q.d[i]) return false;
    }
  }
  if (nbInputs == 4) {
    const nvinfer1::Dims& r = in[3].dims;
    const int64_t table = 2 * kernel_size - 1;
    if (r.nbDims != 3 || r.d[0] != q.d[1] || r.d[1] != table || r.d[2] != table) return false;
  }
  return true;
}

}  // namespace

NeighborhoodAttention2DPlugin::NeighborhoodAttention2DPlugin(int32_t kernel_size, int32_t dilation)
    : PluginBase({nvinfer1::PluginField("kernel_size", &kernel_size_, nvinfer1::PluginFieldType::kINT32, 1),
                  nvinfer1::PluginField("dilation", &dilation_, nvinfer1::PluginFieldType::kINT32, 1)}),
      kernel_size_(kernel_size),
      dilation_(dilation) {}

NeighborhoodAttention2DPlugin::NeighborhoodAttention2DPlugin(const NeighborhoodAttention2DPlugin& other)
    : NeighborhoodAttention2DPlugin(other.kernel_size_, other.dilation_) {
  has_bias_ = other.has_bias_;
}

int32_t NeighborhoodAttention2DPlugin::configurePlugin(const nvinfer1::DynamicPluginTensorDesc* /*in*/, int32_t nbInputs,
                                                       const nvinfer1::DynamicPluginTensorDesc* /*out*/,
                                                       int32_t nbOutputs) noexcept {
  if (!valid_inputs(nbInputs) || nbOutputs != 1) return -1;
  has_bias_ = nbInputs == 4;
  return 0;
}

bool NeighborhoodAttention2DPlugin::supportsFormatCombination(int32_t pos, const nvinfer1::DynamicPluginTensorDesc* inOut,
                                                              int32_t nbInputs, int32_t nbOutputs) noexcept {
  if (!valid_inputs(nbInputs) || nbOutputs != 1 || pos < 0 || pos > nbInputs) return false;
  const nvinfer1::PluginTensorDesc& desc = inOut[pos].desc;
  if (desc.format != nvinfer1::TensorFormat::kLINEAR) return false;
  return pos == 0 ? is_io_type(desc.type) : desc.type == inOut[0].desc.type;  // every tensor is T
}

int32_t NeighborhoodAttention2DPlugin::onShapeChange(const nvinfer1::PluginTensorDesc* in, int32_t nbInputs,
                                                     const nvinfer1::PluginTensorDesc* /*out*/,
                                                     int32_t nbOutputs) noexcept {
  if (!valid_inputs(nbInputs) || nbOutputs != 1 || !shapes_match(in, nbInputs, kernel_size_)) return -1;
  has_bias_ = nbInputs == 4;
  return 0;
}

int32_t NeighborhoodAttention2DPlugin::enqueue(const nvinfer1::PluginTensorDesc* inputDesc,
                                               const nvinfer1::PluginTensorDesc* /*outputDesc*/,
                                               const void* const* inputs, void* const* outputs, void* /*workspace*/,
                                               cudaStream_t stream) noexcept {
  try {
    // enqueue gets no input count: whether rpb is connected was recorded by configurePlugin/onShapeChange.
    const nvinfer1::Dims& q = inputDesc[0].dims;
    const NeighborhoodAttention2DShape shape{q.d[0], q.d[1], q.d[2], q.d[3], q.d[4], kernel_size_, dilation_};
    const void* rpb = has_bias_ ? inputs[3] : nullptr;
    cudaError_t status;
    if (inputDesc[0].type == nvinfer1::DataType::kHALF) {
      const NeighborhoodAttention2DInputs<Half> in{static_cast<const Half*>(inputs[0]), static_cast<const Half*>(inputs[1]),
                                                   static_cast<const Half*>(inputs[2]), static_cast<const Half*>(rpb)};
      status = neighborhood_attention_2d_cuda<Half>(shape, in, static_cast<Half*>(outputs[0]), stream);
    } else {
      const NeighborhoodAttention2DInputs<float> in{static_cast<const float*>(inputs[0]),
                                                    static_cast<const float*>(inputs[1]),
                                                    static_cast<const float*>(inputs[2]), static_cast<const float*>(rpb)};
      status = neighborhood_attention_2d_cuda<float>(shape, in, static_cast<float*>(outputs[0]), stream);
    }
    return status == cudaSuccess ? 0 : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

NeighborhoodAttention2DCreator::NeighborhoodAttention2DCreator()
    : CreatorBase({nvinfer1::PluginField("kernel_size", nullptr, nvinfer1::PluginFieldType::kINT32, 1),
                   nvinfer1::PluginField("dilation", nullptr, nvinfer1::PluginFieldType::kINT32, 1)}) {}

nvinfer1::IPluginV3* NeighborhoodAttention2DCreator::createPlugin(const char* /*name*/,
                                                                  const nvinfer1::PluginFieldCollection* fc,
                                                                  nvinfer1::TensorRTPhase /*phase*/) noexcept {
  try {
    int64_t kernel_size = 0, dilation = 1;
    if (!read_int_field(fc, "kernel_size", kernel_size)) return nullptr;  // required attribute
    read_int_field(fc, "dilation", dilation);
    if (kernel_size < 1 || kernel_size % 2 == 0 || dilation < 1) return nullptr;
    return new NeighborhoodAttention2DPlugin(static_cast<int32_t>(kernel_size), static_cast<int32_t>(dilation));
  } catch (...) {
    return nullptr;
  }
}

}  // namespace segman::trt
