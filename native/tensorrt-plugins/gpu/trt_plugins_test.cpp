// Drives the TensorRT plugins of libsegman_trt_plugins.so through their IPluginV3 interfaces only, as TensorRT
// would: creator lookup via getCreators, createPlugin from fields, the build capability (types, formats, shapes,
// workspace), the runtime capability (onShapeChange, enqueue on device buffers), serialisation fields and clone.
// No TensorRT library is needed: the plugins link nothing from it.
#include <NvInferRuntime.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "device_buffer.h"
#include "neighborhood_attention_2d.h"
#include "selective_scan_2d.h"
#include "test_support.h"

extern "C" nvinfer1::IPluginCreatorInterface* const* getCreators(int32_t& nbCreators);

namespace segman::test {
namespace {

using nvinfer1::DataType;
using nvinfer1::PluginCapabilityType;

nvinfer1::IPluginCreatorV3One* creator(const std::string& name) {
  int32_t count = 0;
  nvinfer1::IPluginCreatorInterface* const* list = getCreators(count);
  for (int32_t i = 0; i < count; ++i) {
    if (std::string(list[i]->getInterfaceInfo().kind) != "PLUGIN CREATOR_V3ONE") continue;
    auto* c = static_cast<nvinfer1::IPluginCreatorV3One*>(list[i]);
    if (name == c->getPluginName()) return c;
  }
  return nullptr;
}

struct PluginDeleter {
  void operator()(nvinfer1::IPluginV3* p) const { delete p; }
};
using PluginPtr = std::unique_ptr<nvinfer1::IPluginV3, PluginDeleter>;

nvinfer1::Dims dims(std::initializer_list<int64_t> values) {
  nvinfer1::Dims d{};
  d.nbDims = static_cast<int32_t>(values.size());
  int i = 0;
  for (int64_t v : values) d.d[i++] = v;
  return d;
}

nvinfer1::PluginTensorDesc desc(const nvinfer1::Dims& d, DataType type) {
  nvinfer1::PluginTensorDesc x{};
  x.dims = d;
  x.type = type;
  x.format = nvinfer1::TensorFormat::kLINEAR;
  x.scale = 1.f;
  return x;
}

nvinfer1::DynamicPluginTensorDesc dynamic(const nvinfer1::PluginTensorDesc& d) {
  nvinfer1::DynamicPluginTensorDesc x{};
  x.desc = d;
  x.min = x.max = x.opt = d.dims;
  return x;
}

// getOutputShapes only forwards expressions; the builder is never used.
struct UnusedExprBuilder : nvinfer1::IExprBuilder {};

void check_core(nvinfer1::IPluginV3& plugin, const char* name) {
  auto* core = static_cast<nvinfer1::IPluginV3OneCore*>(plugin.getCapabilityInterface(PluginCapabilityType::kCORE));
  ASSERT_NE(core, nullptr);
  EXPECT_STREQ(core->getPluginName(), name);
  EXPECT_STREQ(core->getPluginVersion(), "1");
  EXPECT_STREQ(core->getPluginNamespace(), "");
}

nvinfer1::IPluginV3OneBuild& build_of(nvinfer1::IPluginV3& p) {
  return *static_cast<nvinfer1::IPluginV3OneBuild*>(p.getCapabilityInterface(PluginCapabilityType::kBUILD));
}
nvinfer1::IPluginV3OneRuntime& runtime_of(nvinfer1::IPluginV3& p) {
  return *static_cast<nvinfer1::IPluginV3OneRuntime*>(p.getCapabilityInterface(PluginCapabilityType::kRUNTIME));
}

void check_forwards_shape_and_type(nvinfer1::IPluginV3OneBuild& build, int32_t nb_inputs) {
  EXPECT_EQ(build.getNbOutputs(), 1);
  std::vector<DataType> in_types(nb_inputs, DataType::kHALF);
  DataType out_type = DataType::kFLOAT;
  ASSERT_EQ(build.getOutputDataTypes(&out_type, 1, in_types.data(), nb_inputs), 0);
  EXPECT_EQ(out_type, DataType::kHALF);
  std::vector<nvinfer1::DimsExprs> inputs(nb_inputs);
  static int anchors[8];
  inputs[0].nbDims = 4;
  for (int i = 0; i < 4; ++i) inputs[0].d[i] = reinterpret_cast<const nvinfer1::IDimensionExpr*>(&anchors[i]);
  nvinfer1::DimsExprs out{};
  UnusedExprBuilder builder;
  ASSERT_EQ(build.getOutputShapes(inputs.data(), nb_inputs, nullptr, 0, &out, 1, builder), 0);
  ASSERT_EQ(out.nbDims, 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(out.d[i], inputs[0].d[i]);
}

TEST(TrtSelectiveScan2DPlugin, RunsThroughIPluginV3AndMatchesTheCpuKernel) {
  nvinfer1::IPluginCreatorV3One* c = creator("SelectiveScan2D");
  ASSERT_NE(c, nullptr);
  const int32_t softplus = 1;
  nvinfer1::PluginField field("delta_softplus", &softplus, nvinfer1::PluginFieldType::kINT32, 1);
  nvinfer1::PluginFieldCollection fc{1, &field};
  PluginPtr plugin(c->createPlugin("scan", &fc, nvinfer1::TensorRTPhase::kBUILD));
  ASSERT_NE(plugin, nullptr);
  check_core(*plugin, "SelectiveScan2D");
  auto& build = build_of(*plugin);
  check_forwards_shape_and_type(build, 7);

  Random rng;
  SCOPED_TRACE(rng.trace());
  const SelectiveScan2DShape s{2, 5, 37, 45, 1};
  const size_t L = s.length();
  const auto u = round_to_half(rng.normal(s.batch * s.channels * L));
  const auto delta = round_to_half(rng.uniform(s.batch * 4 * s.channels * L, -4.f, 2.f));
  const auto B = round_to_half(rng.normal(s.batch * 4 * L)), C = round_to_half(rng.normal(s.batch * 4 * L));
  auto A = rng.uniform(4 * s.channels, -2.f, 1.f);
  for (float& a : A) a = -std::exp(a);
  const auto D = rng.normal(4 * s.channels), bias = rng.uniform(4 * s.channels, -1.f, 1.f);

  for (DataType type : {DataType::kFLOAT, DataType::kHALF}) {
    std::vector<nvinfer1::PluginTensorDesc> in{
        desc(dims({s.batch, s.channels, s.height, s.width}), type),
        desc(dims({s.batch, 4, s.channels, s.height, s.width}), type),
        desc(dims({s.batch, 4, 1, s.height, s.width}), type),
        desc(dims({s.batch, 4, 1, s.height, s.width}), type),
        desc(dims({4 * s.channels, 1}), DataType::kFLOAT),
        desc(dims({4 * s.channels}), DataType::kFLOAT),
        desc(dims({4 * s.channels}), DataType::kFLOAT)};
    const nvinfer1::PluginTensorDesc out = desc(in[0].dims, type);
    std::vector<nvinfer1::DynamicPluginTensorDesc> dyn;
    for (const auto& d : in) dyn.push_back(dynamic(d));
    dyn.push_back(dynamic(out));
    for (int pos = 0; pos < 8; ++pos) EXPECT_TRUE(build.supportsFormatCombination(pos, dyn.data(), 7, 1)) << pos;
    auto wrong = dyn;
    wrong[4].desc.type = DataType::kHALF;  // A must stay fp32
    EXPECT_FALSE(build.supportsFormatCombination(4, wrong.data(), 7, 1));
    ASSERT_EQ(build.configurePlugin(dyn.data(), 7, &dyn[7], 1), 0);
    const size_t workspace_bytes = build.getWorkspaceSize(dyn.data(), 7, &dyn[7], 1);
    ASSERT_GT(workspace_bytes, 0u);

    // Serialise through the fields, recreate for the runtime phase, as an engine load does.
    const nvinfer1::PluginFieldCollection* saved = runtime_of(*plugin).getFieldsToSerialize();
    PluginPtr loaded(c->createPlugin("scan", saved, nvinfer1::TensorRTPhase::kRUNTIME));
    ASSERT_NE(loaded, nullptr);
    PluginPtr attached(runtime_of(*loaded).attachToContext(nullptr));
    ASSERT_NE(attached, nullptr);
    auto& runtime = runtime_of(*attached);
    ASSERT_EQ(runtime.onShapeChange(in.data(), 7, &out, 1), 0);

    const bool half = type == DataType::kHALF;
    DeviceBuffer<Half> hu(to_half(u)), hd(to_half(delta)), hB(to_half(B)), hC(to_half(C)), hy(u.size());
    DeviceBuffer<float> fu(u), fd(delta), fB(B), fC(C), fy(u.size()), dA(A), dD(D), dbias(bias);
    DeviceBuffer<unsigned char> workspace(workspace_bytes);
    const void* inputs[7] = {half ? (const void*)hu.get() : fu.get(), half ? (const void*)hd.get() : fd.get(),
                             half ? (const void*)hB.get() : fB.get(), half ? (const void*)hC.get() : fC.get(),
                             dA.get(), dD.get(), dbias.get()};
    void* outputs[1] = {half ? (void*)hy.get() : fy.get()};
    ASSERT_EQ(runtime.enqueue(in.data(), &out, inputs, outputs, workspace.get(), nullptr), 0);
    check(cudaDeviceSynchronize(), "enqueue");

    std::vector<float> want(u.size());
    selective_scan_2d_cpu<float>(s, {u.data(), delta.data(), B.data(), C.data(), A.data(), D.data(), bias.data(), true},
                                 want.data());
    const std::vector<float> got = half ? to_float(hy.download()) : fy.download();
    EXPECT_TRUE(close_to(got, want, half ? 2e-2 : 1e-4)) << (half ? "fp16" : "fp32");
  }
}

TEST(TrtNeighborhoodAttention2DPlugin, RunsThroughIPluginV3WithAndWithoutBias) {
  nvinfer1::IPluginCreatorV3One* c = creator("NeighborhoodAttention2D");
  ASSERT_NE(c, nullptr);
  nvinfer1::PluginFieldCollection empty{0, nullptr};
  EXPECT_EQ(c->createPlugin("na", &empty, nvinfer1::TensorRTPhase::kBUILD), nullptr);  // kernel_size is required
  const int64_t kernel = 7, dilation = 2;  // INT64 fields, as an ONNX parser may pass them
  nvinfer1::PluginField fields[2] = {{"kernel_size", &kernel, nvinfer1::PluginFieldType::kINT64, 1},
                                     {"dilation", &dilation, nvinfer1::PluginFieldType::kINT64, 1}};
  nvinfer1::PluginFieldCollection fc{2, fields};
  PluginPtr plugin(c->createPlugin("na", &fc, nvinfer1::TensorRTPhase::kBUILD));
  ASSERT_NE(plugin, nullptr);
  check_core(*plugin, "NeighborhoodAttention2D");

  Random rng;
  SCOPED_TRACE(rng.trace());
  const NeighborhoodAttention2DShape s{1, 3, 19, 23, 24, kernel, dilation};
  const size_t n = s.batch * s.heads * s.height * s.width * s.dim, table = 2 * kernel - 1;
  const auto q = round_to_half(rng.normal(n, 0.5f)), k = round_to_half(rng.normal(n)), v = round_to_half(rng.normal(n));
  const auto rpb = round_to_half(rng.normal(s.heads * table * table));

  for (int32_t nb_inputs : {3, 4}) {
    for (DataType type : {DataType::kFLOAT, DataType::kHALF}) {
      PluginPtr copy(plugin->clone());
      ASSERT_NE(copy, nullptr);
      auto& build = build_of(*copy);
      const auto qd = desc(dims({s.batch, s.heads, s.height, s.width, s.dim}), type);
      std::vector<nvinfer1::PluginTensorDesc> in{qd, qd, qd};
      if (nb_inputs == 4) in.push_back(desc(dims({s.heads, static_cast<int64_t>(table), static_cast<int64_t>(table)}), type));
      std::vector<nvinfer1::DynamicPluginTensorDesc> dyn;
      for (const auto& d : in) dyn.push_back(dynamic(d));
      dyn.push_back(dynamic(qd));
      for (int pos = 0; pos <= nb_inputs; ++pos) EXPECT_TRUE(build.supportsFormatCombination(pos, dyn.data(), nb_inputs, 1));
      ASSERT_EQ(build.configurePlugin(dyn.data(), nb_inputs, &dyn[nb_inputs], 1), 0);
      PluginPtr loaded(c->createPlugin("na", runtime_of(*copy).getFieldsToSerialize(), nvinfer1::TensorRTPhase::kRUNTIME));
      ASSERT_NE(loaded, nullptr);
      auto& runtime = runtime_of(*loaded);
      ASSERT_EQ(runtime.onShapeChange(in.data(), nb_inputs, &qd, 1), 0);

      const bool half = type == DataType::kHALF;
      DeviceBuffer<Half> hq(to_half(q)), hk(to_half(k)), hv(to_half(v)), hr(to_half(rpb)), ho(n);
      DeviceBuffer<float> fq(q), fk(k), fv(v), fr(rpb), fo(n);
      const void* inputs[4] = {half ? (const void*)hq.get() : fq.get(), half ? (const void*)hk.get() : fk.get(),
                               half ? (const void*)hv.get() : fv.get(), half ? (const void*)hr.get() : fr.get()};
      void* outputs[1] = {half ? (void*)ho.get() : fo.get()};
      ASSERT_EQ(runtime.enqueue(in.data(), &qd, inputs, outputs, nullptr, nullptr), 0);
      check(cudaDeviceSynchronize(), "enqueue");
      std::vector<float> want(n);
      neighborhood_attention_2d_cpu<float>(s, {q.data(), k.data(), v.data(), nb_inputs == 4 ? rpb.data() : nullptr},
                                           want.data());
      const std::vector<float> got = half ? to_float(ho.download()) : fo.download();
      EXPECT_TRUE(close_to(got, want, half ? 2e-2 : 1e-5)) << nb_inputs << " inputs, " << (half ? "fp16" : "fp32");
    }
  }
}

}  // namespace
}  // namespace segman::test
