// TensorRT IPluginV3 "SelectiveScan2D" (version "1", namespace "") over the shared CUDA kernel.
#pragma once

#include "plugin_base.h"

namespace segman::trt {

class SelectiveScan2DPlugin final : public PluginBase<SelectiveScan2DPlugin> {
 public:
  static constexpr const char* kName = "SelectiveScan2D";
  explicit SelectiveScan2DPlugin(bool delta_softplus);
  SelectiveScan2DPlugin(const SelectiveScan2DPlugin& other);

  const char* getPluginName() const noexcept override { return kName; }
  int32_t configurePlugin(const nvinfer1::DynamicPluginTensorDesc* in, int32_t nbInputs,
                          const nvinfer1::DynamicPluginTensorDesc* out, int32_t nbOutputs) noexcept override;
  bool supportsFormatCombination(int32_t pos, const nvinfer1::DynamicPluginTensorDesc* inOut, int32_t nbInputs,
                                 int32_t nbOutputs) noexcept override;
  size_t getWorkspaceSize(const nvinfer1::DynamicPluginTensorDesc* inputs, int32_t nbInputs,
                          const nvinfer1::DynamicPluginTensorDesc* outputs, int32_t nbOutputs) const noexcept override;
  int32_t onShapeChange(const nvinfer1::PluginTensorDesc* in, int32_t nbInputs, const nvinfer1::PluginTensorDesc* out,
                        int32_t nbOutputs) noexcept override;
  int32_t enqueue(const nvinfer1::PluginTensorDesc* inputDesc, const nvinfer1::PluginTensorDesc* outputDesc,
                  const void* const* inputs, void* const* outputs, void* workspace, cudaStream_t stream) noexcept override;

 private:
  int32_t delta_softplus_;
};

class SelectiveScan2DCreator final : public CreatorBase<SelectiveScan2DPlugin> {
 public:
  SelectiveScan2DCreator();
  nvinfer1::IPluginV3* createPlugin(const char* name, const nvinfer1::PluginFieldCollection* fc,
                                    nvinfer1::TensorRTPhase phase) noexcept override;
};

}  // namespace segman::trt
