// What the two SegMan.Edge TensorRT plugins share: IPluginV3 capability plumbing, namespace "" and version "1"
// (OPS.md), one output with the type and shape of input 0, their attribute fields, and the creators' plumbing.
#pragma once

#include <NvInferRuntime.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace segman::trt {

inline constexpr const char* kPluginVersion = "1";
inline constexpr const char* kPluginNamespace = "";

// Integer attribute from plugin fields (the ONNX parser may pass ONNX INT attributes as INT32 or INT64).
inline bool read_int_field(const nvinfer1::PluginFieldCollection* fc, const char* name, int64_t& value) {
  if (fc == nullptr) return false;
  for (int32_t i = 0; i < fc->nbFields; ++i) {
    const nvinfer1::PluginField& f = fc->fields[i];
    if (f.name == nullptr || std::strcmp(f.name, name) != 0 || f.data == nullptr || f.length < 1) continue;
    if (f.type == nvinfer1::PluginFieldType::kINT32) {
      value = *static_cast<const int32_t*>(f.data);
      return true;
    }
    if (f.type == nvinfer1::PluginFieldType::kINT64) {
      value = *static_cast<const int64_t*>(f.data);
      return true;
    }
  }
  return false;
}

inline bool is_io_type(nvinfer1::DataType t) {
  return t == nvinfer1::DataType::kFLOAT || t == nvinfer1::DataType::kHALF;
}

// Plugin fields and the collection TensorRT reads them through. The collection points into the vector, so a list is
// never copied: a copied plugin builds its own from its own members.
class FieldList {
 public:
  explicit FieldList(std::vector<nvinfer1::PluginField> fields)
      : fields_(std::move(fields)), collection_{static_cast<int32_t>(fields_.size()), fields_.data()} {}
  FieldList(const FieldList&) = delete;
  FieldList& operator=(const FieldList&) = delete;

  const nvinfer1::PluginFieldCollection* collection() const noexcept { return &collection_; }

 private:
  std::vector<nvinfer1::PluginField> fields_;
  nvinfer1::PluginFieldCollection collection_;
};

// Derived holds its attributes and passes fields that point at them; its copy constructor must delegate to its value
// constructor (clone() copies through it).
template <typename Derived>
class PluginBase : public nvinfer1::IPluginV3,
                   public nvinfer1::IPluginV3OneCore,
                   public nvinfer1::IPluginV3OneBuild,
                   public nvinfer1::IPluginV3OneRuntime {
 public:
  explicit PluginBase(std::vector<nvinfer1::PluginField> fields) : fields_(std::move(fields)) {}

  nvinfer1::IPluginCapability* getCapabilityInterface(nvinfer1::PluginCapabilityType type) noexcept override {
    switch (type) {
      case nvinfer1::PluginCapabilityType::kCORE: return static_cast<nvinfer1::IPluginV3OneCore*>(this);
      case nvinfer1::PluginCapabilityType::kBUILD: return static_cast<nvinfer1::IPluginV3OneBuild*>(this);
      case nvinfer1::PluginCapabilityType::kRUNTIME: return static_cast<nvinfer1::IPluginV3OneRuntime*>(this);
    }
    return nullptr;
  }

  nvinfer1::IPluginV3* clone() noexcept override {
    try {
      return new Derived(static_cast<const Derived&>(*this));
    } catch (...) {
      return nullptr;
    }
  }

  const char* getPluginVersion() const noexcept override { return kPluginVersion; }
  const char* getPluginNamespace() const noexcept override { return kPluginNamespace; }

  int32_t getNbOutputs() const noexcept override { return 1; }

  int32_t getOutputDataTypes(nvinfer1::DataType* outputTypes, int32_t nbOutputs, const nvinfer1::DataType* inputTypes,
                             int32_t nbInputs) const noexcept override {
    if (nbOutputs != 1 || nbInputs < 1) return -1;
    outputTypes[0] = inputTypes[0];
    return 0;
  }

  int32_t getOutputShapes(const nvinfer1::DimsExprs* inputs, int32_t nbInputs, const nvinfer1::DimsExprs* /*shapeInputs*/,
                          int32_t /*nbShapeInputs*/, nvinfer1::DimsExprs* outputs, int32_t nbOutputs,
                          nvinfer1::IExprBuilder& /*exprBuilder*/) noexcept override {
    if (nbOutputs != 1 || nbInputs < 1) return -1;
    outputs[0] = inputs[0];  // y has u's shape; out has q's shape
    return 0;
  }

  nvinfer1::IPluginV3* attachToContext(nvinfer1::IPluginResourceContext* /*context*/) noexcept override {
    return clone();
  }

  const nvinfer1::PluginFieldCollection* getFieldsToSerialize() noexcept override { return fields_.collection(); }

 private:
  FieldList fields_;
};

// A creator names its plugin's fields (data null) and implements createPlugin.
template <typename Plugin>
class CreatorBase : public nvinfer1::IPluginCreatorV3One {
 public:
  explicit CreatorBase(std::vector<nvinfer1::PluginField> fields) : fields_(std::move(fields)) {}

  const nvinfer1::PluginFieldCollection* getFieldNames() noexcept override { return fields_.collection(); }
  const char* getPluginName() const noexcept override { return Plugin::kName; }
  const char* getPluginVersion() const noexcept override { return kPluginVersion; }
  const char* getPluginNamespace() const noexcept override { return kPluginNamespace; }

 private:
  FieldList fields_;
};

}  // namespace segman::trt
