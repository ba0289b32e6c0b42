// Runs one-node ONNX graphs of both ops through ONNX Runtime with libsegman_ops.so registered the way the agent
// registers it, and compares with the float64 references (fp32) or the fp32 kernel (fp16).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "neighborhood_attention_2d.h"
#include "neighborhood_attention_2d_reference.h"
#include "onnxruntime_cxx_api.h"
#include "selective_scan_2d.h"
#include "selective_scan_2d_reference.h"
#include "test_support.h"

namespace segman::test {
namespace {

const std::string kModels = SEGMAN_TEST_MODELS_DIR;

Ort::Env& env() {
  static Ort::Env instance(ORT_LOGGING_LEVEL_WARNING, "segman-ops-test");
  return instance;
}

Ort::Session open(const std::string& model) {
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(2);
  options.RegisterCustomOpsLibrary(SEGMAN_OPS_LIBRARY);
  return Ort::Session(env(), (kModels + "/" + model).c_str(), options);
}

// Wraps host data as an ORT tensor (no copy); the vector must outlive the run.
template <typename T>
Ort::Value tensor(std::vector<T>& data, const std::vector<int64_t>& shape) {
  static const Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  const auto type = std::is_same_v<T, Half> ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  return Ort::Value::CreateTensor(cpu, data.data(), data.size() * sizeof(T), shape.data(), shape.size(), type);
}

template <typename T>
std::vector<float> run(Ort::Session& session, const std::vector<const char*>& names, std::vector<Ort::Value>& inputs) {
  const char* output_name = session.GetOutputNameAllocated(0, Ort::AllocatorWithDefaultOptions()).release();
  std::vector<Ort::Value> outputs =
      session.Run(Ort::RunOptions{nullptr}, names.data(), inputs.data(), inputs.size(), &output_name, 1);
  Ort::AllocatorWithDefaultOptions().Free(const_cast<char*>(output_name));
  const auto info = outputs[0].GetTensorTypeAndShapeInfo();
  const size_t n = info.GetElementCount();
  const T* data = outputs[0].GetTensorData<T>();
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<T, Half>) {
      out[i] = half_to_float(data[i]);
    } else {
      out[i] = data[i];
    }
  }
  return out;
}

struct ScanData {
  SelectiveScan2DShape s;
  std::vector<float> u, delta, B, C, A, D, bias;
  ScanData(const SelectiveScan2DShape& shape, Random& rng) : s(shape) {
    const size_t L = s.length(), K = 4;
    u = round_to_half(rng.normal(s.batch * s.channels * L));
    delta = round_to_half(rng.uniform(s.batch * K * s.channels * L, -4.f, 2.f));
    B = round_to_half(rng.normal(s.batch * K * s.state * L));
    C = round_to_half(rng.normal(s.batch * K * s.state * L));
    A = rng.uniform(K * s.channels * s.state, -2.f, 1.f);
    for (float& a : A) a = -std::exp(a);
    D = rng.normal(K * s.channels);
    bias = rng.uniform(K * s.channels, -1.f, 1.f);
  }
  std::vector<int64_t> map() const { return {s.batch, s.channels, s.height, s.width}; }
  std::vector<int64_t> per_direction(int64_t c) const { return {s.batch, 4, c, s.height, s.width}; }

  template <typename T>
  std::vector<float> run_session(const std::string& model) {
    Ort::Session session = open(model);
    auto cast = [](std::vector<float>& x) {
      if constexpr (std::is_same_v<T, Half>) return to_half(x); else return x;
    };
    std::vector<T> u_t = cast(u), d_t = cast(delta), B_t = cast(B), C_t = cast(C);
    std::vector<Ort::Value> inputs;
    inputs.push_back(tensor(u_t, map()));
    inputs.push_back(tensor(d_t, per_direction(s.channels)));
    inputs.push_back(tensor(B_t, per_direction(s.state)));
    inputs.push_back(tensor(C_t, per_direction(s.state)));
    inputs.push_back(tensor(A, {4 * s.channels, s.state}));
    inputs.push_back(tensor(D, {4 * s.channels}));
    inputs.push_back(tensor(bias, {4 * s.channels}));
    return run<T>(session, {"u", "delta", "B", "C", "A", "D", "delta_bias"}, inputs);
  }

  std::vector<double> reference(bool softplus) const {
    const auto u64 = to_double(u), d64 = to_double(delta), B64 = to_double(B), C64 = to_double(C),
               A64 = to_double(A), D64 = to_double(D), b64 = to_double(bias);
    std::vector<double> y(u.size());
    selective_scan_2d_reference(s, {u64.data(), d64.data(), B64.data(), C64.data(), A64.data(), D64.data(), b64.data(),
                                    softplus},
                                y.data());
    return y;
  }
};

TEST(OrtSelectiveScan2D, Fp32GraphMatchesReference) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  for (const auto& shape : {SelectiveScan2DShape{2, 3, 7, 5, 1}, SelectiveScan2DShape{1, 5, 16, 33, 2}}) {
    ScanData data(shape, rng);
    EXPECT_TRUE(close_to(data.run_session<float>("selective_scan_f32.onnx"), data.reference(true), 1e-4));
  }
}

TEST(OrtSelectiveScan2D, SoftplusAttributeZeroSkipsSoftplus) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  ScanData data({1, 2, 9, 4, 1}, rng);
  for (float& d : data.delta) d = std::abs(d) + 0.01f;
  EXPECT_TRUE(close_to(data.run_session<float>("selective_scan_f32_no_softplus.onnx"), data.reference(false), 1e-4));
}

TEST(OrtSelectiveScan2D, Fp16GraphMatchesFp32Reference) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  ScanData data({1, 4, 11, 13, 1}, rng);
  EXPECT_TRUE(close_to(data.run_session<Half>("selective_scan_f16.onnx"), data.reference(true), 2e-2));
}

TEST(OrtSelectiveScan2D, MismatchedShapeIsReportedByName) {
  Random rng;
  ScanData data({1, 2, 4, 4, 1}, rng);
  data.delta.resize(data.delta.size() / 2);
  data.s.channels = 1;  // delta now has D = 1 while u keeps D = 2
  std::vector<float> u = data.u;
  Ort::Session session = open("selective_scan_f32.onnx");
  std::vector<Ort::Value> inputs;
  inputs.push_back(tensor(u, {1, 2, 4, 4}));
  inputs.push_back(tensor(data.delta, data.per_direction(1)));
  inputs.push_back(tensor(data.B, data.per_direction(1)));
  inputs.push_back(tensor(data.C, data.per_direction(1)));
  inputs.push_back(tensor(data.A, {8, 1}));
  inputs.push_back(tensor(data.D, {8}));
  inputs.push_back(tensor(data.bias, {8}));
  try {
    run<float>(session, {"u", "delta", "B", "C", "A", "D", "delta_bias"}, inputs);
    FAIL() << "expected an error";
  } catch (const Ort::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("SelectiveScan2D: input 'delta' must have shape (1, 4, 2, 4, 4)"),
              std::string::npos)
        << e.what();
  }
}

struct AttentionData {
  NeighborhoodAttention2DShape s;
  std::vector<float> q, k, v, rpb;
  AttentionData(const NeighborhoodAttention2DShape& shape, Random& rng) : s(shape) {
    const size_t n = s.batch * s.heads * s.height * s.width * s.dim, table = 2 * s.kernel_size - 1;
    q = round_to_half(rng.normal(n, 0.5f));
    k = round_to_half(rng.normal(n));
    v = round_to_half(rng.normal(n));
    rpb = round_to_half(rng.normal(s.heads * table * table));
  }
  template <typename T>
  std::vector<float> run_session(const std::string& model, bool bias) {
    Ort::Session session = open(model);
    auto cast = [](std::vector<float>& x) {
      if constexpr (std::is_same_v<T, Half>) return to_half(x); else return x;
    };
    std::vector<T> q_t = cast(q), k_t = cast(k), v_t = cast(v), r_t = cast(rpb);
    const std::vector<int64_t> shape{s.batch, s.heads, s.height, s.width, s.dim};
    const int64_t table = 2 * s.kernel_size - 1;
    std::vector<Ort::Value> inputs;
    inputs.push_back(tensor(q_t, shape));
    inputs.push_back(tensor(k_t, shape));
    inputs.push_back(tensor(v_t, shape));
    std::vector<const char*> names{"q", "k", "v"};
    if (bias) {
      inputs.push_back(tensor(r_t, {s.heads, table, table}));
      names.push_back("rpb");
    }
    return run<T>(session, names, inputs);
  }
  std::vector<double> reference(bool bias) const {
    const auto q64 = to_double(q), k64 = to_double(k), v64 = to_double(v), r64 = to_double(rpb);
    std::vector<double> out(q.size());
    neighborhood_attention_2d_reference(s, q64.data(), k64.data(), v64.data(), bias ? r64.data() : nullptr,
                                        out.data());
    return out;
  }
};

TEST(OrtNeighborhoodAttention2D, Fp32GraphWithBiasMatchesReference) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  AttentionData data({2, 3, 5, 9, 7, 3, 1}, rng);
  EXPECT_TRUE(close_to(data.run_session<float>("na_f32_k3_rpb.onnx", true), data.reference(true), 1e-5));
}

TEST(OrtNeighborhoodAttention2D, Fp32GraphWithDilationAndNoBiasMatchesReference) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  AttentionData data({1, 2, 13, 11, 6, 5, 2}, rng);
  EXPECT_TRUE(close_to(data.run_session<float>("na_f32_k5_d2.onnx", false), data.reference(false), 1e-5));
}

TEST(OrtNeighborhoodAttention2D, Fp16GraphMatchesReference) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  AttentionData data({1, 2, 9, 12, 24, 7, 1}, rng);
  EXPECT_TRUE(close_to(data.run_session<Half>("na_f16_k7_rpb.onnx", true), data.reference(true), 2e-2));
}

TEST(OrtNeighborhoodAttention2D, TooSmallMapIsRejectedWithAClearError) {
  Random rng;
  AttentionData small({1, 1, 4, 9, 4, 5, 2}, rng);
  try {
    small.run_session<float>("na_f32_k5_d2.onnx", false);
    FAIL() << "expected an error";
  } catch (const Ort::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("NeighborhoodAttention2D: the map (4x9) must be at least kernel_size*dilation"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace segman::test
