// TensorRT IPluginV3 "NeighborhoodAttention2D" (version "1", namespace "") over the shared CUDA kernel.
// Inputs q, k, v and the optional rpb (3 or 4 inputs).
#pragma once

#include "plugin_base.h"

namespace segman::trt {

class NeighborhoodAttention2DPlugin final : public PluginBase<NeighborhoodAttention2DPlugin> {
 public:
  static constexpr const char* kName = "NeighborhoodAttention2D";
  NeighborhoodAttention2DPlugin(int32_t kernel_size, int32_t dilation);
  NeighborhoodAttention2DPlugin(const NeighborhoodAttention2DPlugin& other);

  const char* getPluginName() const noexcept override { return kName; }
  int32_t configurePlugin(const nvinfer1::DynamicPluginTensorDesc* in, int32_t nbInputs,
                          const nvinfer1::DynamicPluginTensorDesc* out, int32_t nbOutputs) noexcept override;
  bool supportsFormatCombination(int32_t pos, const nvinfer1::DynamicPluginTensorDesc* inOut, int32_t nbInputs,
                                 int32_t nbOutputs) noexcept override;
  int32_t onShapeChange(const nvinfer1::PluginTensorDesc* in, int32_t nbInputs, const nvinfer1::PluginTensorDesc* out,
                        int32_t nbOutputs) noexcept override;
  int32_t enqueue(const nvinfer1::PluginTensorDesc* inputDesc, const nvinfer1::PluginTensorDesc* outputDesc,
                  const void* const* inputs, void* const* outputs, void* workspace, cudaStream_t stream) noexcept override;

 private:
  int32_t kernel_size_;
  int32_t dilation_;
  bool has_bias_ = false;  // rpb connected: learnt from the input count in configurePlugin/onShapeChange
};

class NeighborhoodAttention2DCreator final : public CreatorBase<NeighborhoodAttention2DPlugin> {
 public:
  NeighborhoodAttention2DCreator();
  nvinfer1::IPluginV3* createPlugin(const char* name, const nvinfer1::PluginFieldCollection* fc,
                                    nvinfer1::TensorRTPhase phase) noexcept override;
};

}  // namespace segman::trt
