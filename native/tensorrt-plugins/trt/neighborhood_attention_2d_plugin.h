// TensorRT IPluginV3 "NeighborhoodAttention2D" (version "1", namespace "") over the shared CUDA kernel.
// Inputs q, k, v and the optional rpb (3 or 4 inputs).
#pragma once

#include <vector>

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
  const nvinfer1::PluginFieldCollection* getFieldsToSerialize() noexcept override;

 private:
  int32_t kernel_size_;
  int32_t dilation_;
  bool has_bias_ = false;  // rpb connected: learnt from the input count in configurePlugin/onShapeChange
  std::vector<nvinfer1::PluginField> fields_;
  nvinfer1::PluginFieldCollection collection_{};
};

class NeighborhoodAttention2DCreator final : public nvinfer1::IPluginCreatorV3One {
 public:
  NeighborhoodAttention2DCreator();
  nvinfer1::IPluginV3* createPlugin(const char* name, const nvinfer1::PluginFieldCollection* fc,
                                    nvinfer1::TensorRTPhase phase) noexcept override;
  const nvinfer1::PluginFieldCollection* getFieldNames() noexcept override { return &collection_; }
  const char* getPluginName() const noexcept override { return NeighborhoodAttention2DPlugin::kName; }
  const char* getPluginVersion() const noexcept override { return kPluginVersion; }
  const char* getPluginNamespace() const noexcept override { return kPluginNamespace; }

 private:
  std::vector<nvinfer1::PluginField> fields_;
  nvinfer1::PluginFieldCollection collection_{};
};

}  // namespace segman::trt
