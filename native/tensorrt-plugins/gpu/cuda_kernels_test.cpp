// CUDA kernels against the float64 references (fp32) and the CPU fp32 kernels (fp16), on fresh random inputs with
// NaN-poisoned outputs: odd sizes, tile borders (H, W not multiples of 32), channel counts not multiples of the
// block's channel group, several state sizes and long sequences that cross many chunks.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "device_buffer.h"
#include "neighborhood_attention_2d.h"
#include "neighborhood_attention_2d_cuda.h"
#include "neighborhood_attention_2d_reference.h"
#include "selective_scan_2d.h"
#include "selective_scan_2d_cuda.h"
#include "selective_scan_2d_reference.h"
#include "test_support.h"

namespace segman::test {
namespace {

struct Scan {
  SelectiveScan2DShape s;
  bool softplus;
  std::vector<float> u, delta, B, C, A, D, bias;
  // Without softplus the raw delta is the step, so it is drawn positive (with the bias below).
  Scan(const SelectiveScan2DShape& shape, Random& rng, bool delta_softplus = true)
      : s(shape), softplus(delta_softplus) {
    const size_t L = s.length();
    u = round_to_half(rng.normal(s.batch * s.channels * L));
    delta = round_to_half(softplus ? rng.uniform(s.batch * 4 * s.channels * L, -4.f, 2.f)
                                   : rng.uniform(s.batch * 4 * s.channels * L, 0.f, 1.5f));
    B = round_to_half(rng.normal(s.batch * 4 * s.state * L));
    C = round_to_half(rng.normal(s.batch * 4 * s.state * L));
    A = rng.uniform(4 * s.channels * s.state, -2.f, 1.f);
    for (float& a : A) a = -std::exp(a);
    D = rng.normal(4 * s.channels);
    bias = softplus ? rng.uniform(4 * s.channels, -1.f, 1.f) : rng.uniform(4 * s.channels, 0.f, 0.5f);
  }
  size_t size() const { return s.batch * s.channels * s.length(); }

  template <typename T>
  std::vector<float> run_cuda() const {
    auto convert = [](const std::vector<float>& x) {
      if constexpr (std::is_same_v<T, Half>) return to_half(x); else return x;
    };
    DeviceBuffer<T> du(convert(u)), dd(convert(delta)), dB(convert(B)), dC(convert(C)), y(size());
    DeviceBuffer<float> dA(A), dD(D), dbias(bias);
    DeviceBuffer<unsigned char> workspace(selective_scan_2d_cuda_workspace_size(s));
    const SelectiveScan2DInputs<T> in{du.get(), dd.get(), dB.get(), dC.get(),
                                      dA.get(), dD.get(), dbias.get(), softplus};
    check(selective_scan_2d_cuda<T>(s, in, y.get(), workspace.get(), nullptr), "selective_scan_2d_cuda");
    check(cudaDeviceSynchronize(), "selective_scan_2d_cuda (execution)");
    const std::vector<T> out = y.download();
    if constexpr (std::is_same_v<T, Half>) return to_float(out); else return out;
  }

  std::vector<double> reference() const {
    const auto u64 = to_double(u), d64 = to_double(delta), B64 = to_double(B), C64 = to_double(C), A64 = to_double(A),
               D64 = to_double(D), b64 = to_double(bias);
    std::vector<double> y(size());
    selective_scan_2d_reference(
        s, {u64.data(), d64.data(), B64.data(), C64.data(), A64.data(), D64.data(), b64.data(), softplus},
        y.data());
    return y;
  }

  std::vector<float> run_cpu() const {
    std::vector<float> y(size());
    selective_scan_2d_cpu<float>(
        s, {u.data(), delta.data(), B.data(), C.data(), A.data(), D.data(), bias.data(), softplus},
        y.data());
    return y;
  }
};

class CudaSelectiveScan2D : public ::testing::TestWithParam<SelectiveScan2DShape> {};

TEST_P(CudaSelectiveScan2D, Fp32MatchesFloat64Reference) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const Scan c(GetParam(), rng);
  EXPECT_TRUE(close_to(c.run_cuda<float>(), c.reference(), c.s.length() <= 4096 ? 1e-4 : 2e-4));
}

TEST_P(CudaSelectiveScan2D, Fp16MatchesCpuFp32Kernel) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const Scan c(GetParam(), rng);
  EXPECT_TRUE(close_to(c.run_cuda<Half>(), c.run_cpu(), 2e-2));
}

// The softplus flag picks other kernels (it is their template argument).
TEST_P(CudaSelectiveScan2D, WithoutSoftplusMatchesFloat64ReferenceAndCpuKernel) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const Scan c(GetParam(), rng, false);
  EXPECT_TRUE(close_to(c.run_cuda<float>(), c.reference(), c.s.length() <= 4096 ? 1e-4 : 2e-4));
  EXPECT_TRUE(close_to(c.run_cuda<Half>(), c.run_cpu(), 2e-2));
}

INSTANTIATE_TEST_SUITE_P(
    TilesAndChunks, CudaSelectiveScan2D,
    ::testing::Values(SelectiveScan2DShape{1, 1, 1, 1, 1}, SelectiveScan2DShape{2, 3, 5, 7, 1},
                      SelectiveScan2DShape{1, 5, 1, 70, 2}, SelectiveScan2DShape{1, 2, 70, 1, 3},
                      SelectiveScan2DShape{2, 7, 33, 31, 1}, SelectiveScan2DShape{1, 6, 60, 64, 1},
                      SelectiveScan2DShape{1, 3, 45, 97, 5}, SelectiveScan2DShape{1, 2, 37, 29, 16},
                      SelectiveScan2DShape{1, 9, 130, 257, 1}, SelectiveScan2DShape{2, 33, 40, 72, 1},
                      // The whole map in one block's registers: 4 elements a thread (SegMAN's decoder map at
                      // 512x1024; one warp; eight warps), 8 a thread (a 32x64 map over two batches; six warps;
                      // a single run of 8 rows); the lean build's blocks of 512 and 1024 threads.
                      SelectiveScan2DShape{1, 40, 16, 32, 1}, SelectiveScan2DShape{2, 3, 8, 16, 1},
                      SelectiveScan2DShape{1, 5, 32, 32, 1}, SelectiveScan2DShape{2, 20, 32, 64, 1},
                      SelectiveScan2DShape{1, 6, 24, 64, 1}, SelectiveScan2DShape{1, 3, 8, 256, 1},
                      SelectiveScan2DShape{1, 6, 64, 64, 1}, SelectiveScan2DShape{1, 18, 64, 128, 1},
                      // Resident blocks whose last warp runs past the map: the demo model's maps at 320x640
                      // (stage 3, 200 threads of 4 elements; stage 2, 400 of 8; the decoder, 200 of 1), a 4x4 map
                      // (4 threads of 32) and a 7x9 one (63 of 1; {1, 1, 1, 1} and {2, 3, 5, 7} above too).
                      SelectiveScan2DShape{1, 144, 20, 40, 1}, SelectiveScan2DShape{1, 64, 40, 80, 1},
                      SelectiveScan2DShape{2, 144, 10, 20, 1}, SelectiveScan2DShape{3, 2, 4, 4, 1},
                      SelectiveScan2DShape{1, 3, 7, 9, 1},
                      // One block per map (at most 4 tiles; rows not in runs of 4): 4-row tiles with a partial
                      // last one, two column tiles with a partial last one and a partial 16-row tile, 8-row tiles
                      // of two columns a lane with a partial last one.
                      SelectiveScan2DShape{1, 40, 14, 32, 1}, SelectiveScan2DShape{1, 1100, 13, 62, 1},
                      SelectiveScan2DShape{1, 600, 14, 64, 1},
                      // Small maps of more tiles, or past a block's shared memory: the three launches.
                      SelectiveScan2DShape{1, 2, 12, 128, 1},
                      SelectiveScan2DShape{2, 20, 30, 64, 1}, SelectiveScan2DShape{1, 3, 21, 62, 1},
                      SelectiveScan2DShape{1, 18, 60, 128, 1},
                      SelectiveScan2DShape{1, 2, 300, 30, 1}, SelectiveScan2DShape{1, 4, 200, 100, 1},
                      // Widths that are multiples of 4 beyond one 128-column tile: the 4-columns-per-lane path
                      // over several column tiles, a partial last one (264 = 2 x 128 + 8) and several row tiles.
                      SelectiveScan2DShape{1, 3, 40, 264, 1}, SelectiveScan2DShape{2, 2, 19, 512, 1},
                      // Two columns per lane (even widths of 64-127 with channels enough for a wave of warps):
                      // 4-row tiles, the last one partial (SegMAN-T's 144x32x64 map at 512x1024 is resident), a
                      // partial second column tile over two batches ({2, 33, 40, 72}, above), and one block per map
                      // ({1, 600, 14, 64}, above).
                      SelectiveScan2DShape{1, 144, 30, 64, 1},
                      // SegMAN-B's decoder at 1024x2048 (on an H100, resident in two waves of the lean build),
                      // and a map of its size whose rows are not in runs of 8: one block per map, whose blocks fit
                      // an H100 at once only with the one-block kernel's capped registers.
                      SelectiveScan2DShape{1, 540, 32, 64, 1}, SelectiveScan2DShape{1, 540, 30, 64, 1},
                      // SegMAN-T's decoder at 1024x2048 (resident where the lean build's blocks all fit, else
                      // one block per map in 8-row tiles cut into 4-row tiles, eight warps a block), and a map that
                      // takes the latter with a last tile one row tall.
                      SelectiveScan2DShape{1, 384, 32, 64, 1}, SelectiveScan2DShape{1, 300, 29, 64, 1},
                      // SegMAN-B's stage 3 at 1024x2048 (on an H100, resident in three waves of the lean build),
                      // and a map of its size whose rows are not in runs of 8: four-column tiles of a map small
                      // enough for one block, which such tiles do not take (three launches).
                      SelectiveScan2DShape{1, 364, 64, 128, 1}, SelectiveScan2DShape{1, 364, 60, 128, 1},
                      // Large maps, one per tiling of the N = 1 three-launch path (most maps above take one block
                      // or 4-row tiles): 8-row tiles of 4 columns per lane over two batches, 16-row tiles of one
                      // column per lane (odd width), and 16-row tiles of 4 columns per lane. Their heights are not
                      // multiples of 8, which keeps them off the cluster build whatever its largest cluster.
                      SelectiveScan2DShape{2, 24, 252, 256, 1}, SelectiveScan2DShape{1, 21, 250, 255, 1},
                      SelectiveScan2DShape{1, 32, 252, 512, 1},
                      // Maps shared by the 2 blocks of a cluster (compute capability 9.0; elsewhere the tiled
                      // kernels): the demo model's stage 1 at 320x640 (800 threads a block) and a 96x96 map (576).
                      // Then maps that need clusters of 4, 8 and 16 blocks: the tiled kernels as built, the
                      // cluster build where SEGMAN_SCAN_CLUSTER_MAX_BLOCKS allows them (4 over two batches, 8 of
                      // 800 and of 1024 threads, 16 for SegMAN-T's stage 1 at 1024x2048 and a map of 3 channels).
                      SelectiveScan2DShape{1, 32, 80, 160, 1}, SelectiveScan2DShape{1, 5, 96, 96, 1},
                      SelectiveScan2DShape{2, 3, 128, 256, 1}, SelectiveScan2DShape{1, 2, 200, 256, 1},
                      SelectiveScan2DShape{2, 24, 256, 256, 1}, SelectiveScan2DShape{1, 32, 256, 512, 1},
                      SelectiveScan2DShape{1, 3, 256, 512, 1}));

TEST(CudaSelectiveScan2D, IsDeterministic) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const Scan c({1, 12, 77, 95, 1}, rng);
  const auto first = c.run_cuda<float>(), second = c.run_cuda<float>();
  EXPECT_EQ(0, std::memcmp(first.data(), second.data(), first.size() * sizeof(float)));
}

// Calls queued back to back on one stream and one workspace, without a wait between them, as a model's ops run:
// each call's summaries overwrite the workspace whose carries the call before still reads, so no launch of a call
// may overlap the call before (what any overlap of the launches, such as programmatic dependent launch, must keep).
TEST(CudaSelectiveScan2D, BackToBackCallsSharingAWorkspaceMatchTheirReferences) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const SelectiveScan2DShape shape{1, 18, 60, 128, 1};  // the three-launch path
  std::vector<Scan> scans;
  for (int i = 0; i < 6; ++i) scans.emplace_back(shape, rng);
  DeviceBuffer<unsigned char> workspace(selective_scan_2d_cuda_workspace_size(shape));
  DeviceBuffer<float> dA(scans[0].A), dD(scans[0].D), dbias(scans[0].bias);
  std::vector<std::unique_ptr<DeviceBuffer<float>>> inputs, outputs;
  for (Scan& scan : scans) {
    scan.A = scans[0].A, scan.D = scans[0].D, scan.bias = scans[0].bias;  // the op's weights, shared
    for (const auto* x : {&scan.u, &scan.delta, &scan.B, &scan.C}) {
      inputs.push_back(std::make_unique<DeviceBuffer<float>>(*x));
    }
    outputs.push_back(std::make_unique<DeviceBuffer<float>>(scan.size()));
  }
  for (size_t i = 0; i < scans.size(); ++i) {
    const SelectiveScan2DInputs<float> in{inputs[4 * i]->get(), inputs[4 * i + 1]->get(), inputs[4 * i + 2]->get(),
                                          inputs[4 * i + 3]->get(), dA.get(), dD.get(), dbias.get(), true};
    check(selective_scan_2d_cuda<float>(shape, in, outputs[i]->get(), workspace.get(), nullptr),
          "selective_scan_2d_cuda");
  }
  check(cudaDeviceSynchronize(), "selective_scan_2d_cuda (execution)");
  for (size_t i = 0; i < scans.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(close_to(outputs[i]->download(), scans[i].reference(), 1e-4));
  }
}

struct Attention {
  NeighborhoodAttention2DShape s;
  bool bias;
  std::vector<float> q, k, v, rpb;
  Attention(const NeighborhoodAttention2DShape& shape, bool with_bias, Random& rng) : s(shape), bias(with_bias) {
    q = round_to_half(rng.normal(size(), 0.5f));
    k = round_to_half(rng.normal(size()));
    v = round_to_half(rng.normal(size()));
    const size_t t = 2 * s.kernel_size - 1;
    rpb = round_to_half(rng.normal(s.heads * t * t));
  }
  size_t size() const { return s.batch * s.heads * s.height * s.width * s.dim; }

  template <typename T>
  std::vector<float> run_cuda(AttentionKernels kernels = AttentionKernels::kAuto) const {
    auto convert = [](const std::vector<float>& x) {
      if constexpr (std::is_same_v<T, Half>) return to_half(x); else return x;
    };
    DeviceBuffer<T> dq(convert(q)), dk(convert(k)), dv(convert(v)), dr(convert(rpb)), out(size());
    const NeighborhoodAttention2DInputs<T> in{dq.get(), dk.get(), dv.get(), bias ? dr.get() : nullptr};
    check(neighborhood_attention_2d_cuda<T>(s, in, out.get(), nullptr, kernels), "neighborhood_attention_2d_cuda");
    check(cudaDeviceSynchronize(), "neighborhood_attention_2d_cuda (execution)");
    const std::vector<T> host = out.download();
    if constexpr (std::is_same_v<T, Half>) return to_float(host); else return host;
  }
  std::vector<double> reference() const {
    const auto q64 = to_double(q), k64 = to_double(k), v64 = to_double(v), r64 = to_double(rpb);
    std::vector<double> out(size());
    neighborhood_attention_2d_reference(s, q64.data(), k64.data(), v64.data(), bias ? r64.data() : nullptr, out.data());
    return out;
  }
  std::vector<float> run_cpu() const {
    std::vector<float> out(size());
    neighborhood_attention_2d_cpu<float>(s, {q.data(), k.data(), v.data(), bias ? rpb.data() : nullptr}, out.data());
    return out;
  }
};

class CudaNeighborhoodAttention2D
    : public ::testing::TestWithParam<std::tuple<NeighborhoodAttention2DShape, bool>> {};

// Every kernel choice in T against the float64 reference: kAuto, the tensor-core kernel with whole keys in square
// and wide tiles and with split keys (where tensor cores apply; CUDA cores elsewhere), and the CUDA-core kernels.
template <typename T>
void expect_every_kernel_close(const Attention& c, double tolerance) {
  const auto reference = c.reference();
  for (const auto kernels : {AttentionKernels::kAuto, AttentionKernels::kTensorCoresWhole,
                             AttentionKernels::kTensorCoresWide, AttentionKernels::kTensorCoresSplit,
                             AttentionKernels::kCudaCores}) {
    EXPECT_TRUE(close_to(c.run_cuda<T>(kernels), reference, tolerance)) << "kernels " << static_cast<int>(kernels);
  }
}

// fp32 on tensor cores multiplies in split TF32 (3xTF32), so it is held to the CUDA-core kernels' tolerance; one
// TF32 product alone rounds each operand to 2^-11, fifty times that. Every kernel choice, as for fp16 below.
TEST_P(CudaNeighborhoodAttention2D, Fp32MatchesFloat64Reference) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const Attention c(std::get<0>(GetParam()), std::get<1>(GetParam()), rng);
  expect_every_kernel_close<float>(c, 1e-5);
}

// fp16 takes the tensor-core kernel where it applies on this GPU (see TakesTensorCoresWhereTheyApply), the
// CUDA-core kernels elsewhere; the second test runs the CUDA-core kernels on every shape.
TEST_P(CudaNeighborhoodAttention2D, Fp16MatchesCpuFp32Kernel) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const Attention c(std::get<0>(GetParam()), std::get<1>(GetParam()), rng);
  EXPECT_TRUE(close_to(c.run_cuda<Half>(), c.run_cpu(), 2e-2));
}

TEST_P(CudaNeighborhoodAttention2D, Fp16OnCudaCoresMatchesCpuFp32Kernel) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const Attention c(std::get<0>(GetParam()), std::get<1>(GetParam()), rng);
  EXPECT_TRUE(close_to(c.run_cuda<Half>(AttentionKernels::kCudaCores), c.run_cpu(), 2e-2));
}

// Inputs are fp16 values, so the float64 reference is exact for them: what is left is the fp16 output's rounding and,
// on tensor cores, the weights rounded to fp16 before they multiply the values. Every kernel choice: the tensor-core
// kernel with whole keys in square and wide tiles and with split keys (each query's softmax merged from two warps),
// and the CUDA-core kernels.
TEST_P(CudaNeighborhoodAttention2D, Fp16MatchesFloat64Reference) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const Attention c(std::get<0>(GetParam()), std::get<1>(GetParam()), rng);
  expect_every_kernel_close<Half>(c, 2e-3);
}

// CUDA cores: dilation 1 with dim <= 32 takes the kernel that pairs rows (dims 3, 10, 16, 20, 24, 28, 32; scalar
// loads where dim is not a multiple of 4; odd heights leave the last pair half empty; 37x70 at K 11 spans several
// blocks with interior windows). Dims 36, 44 and 64, and the dilated dims 24 and 64, take the one-query kernel, 80
// the wide one.
// Tensor cores (dilation 1, dim <= 64): fp16 dims padded to 16, 32, 48 and 64, fp32 dims to every multiple of 8 up
// to 64 (dims 3, 10, 20, 28, 36, 44, 52, 64; fp32's 24, 40, 48 and 56 staged row by row, unswizzled); 16-byte, 8-byte
// and scalar staging (fp16 dims multiple of 8, of 4, neither; fp32 dims multiple of 4, of 2, neither); maps smaller
// than a block's 8x8 tile and maps of many tiles with clamped and interior windows; K 13 at dim 64 in fp32, the most
// shared memory the tests ask for (about 210 KB a block).
INSTANTIATE_TEST_SUITE_P(
    BordersDimsDilations, CudaNeighborhoodAttention2D,
    ::testing::Combine(::testing::Values(NeighborhoodAttention2DShape{1, 1, 1, 1, 3, 1, 1},
                                         NeighborhoodAttention2DShape{2, 3, 7, 9, 24, 7, 1},
                                         NeighborhoodAttention2DShape{1, 2, 11, 19, 32, 11, 1},
                                         NeighborhoodAttention2DShape{1, 4, 23, 17, 36, 9, 1},
                                         NeighborhoodAttention2DShape{1, 1, 10, 13, 64, 3, 2},
                                         NeighborhoodAttention2DShape{1, 2, 17, 16, 80, 5, 3},
                                         NeighborhoodAttention2DShape{2, 1, 40, 33, 28, 7, 1},
                                         NeighborhoodAttention2DShape{1, 1, 37, 70, 32, 11, 1},
                                         NeighborhoodAttention2DShape{1, 3, 26, 41, 16, 5, 1},
                                         NeighborhoodAttention2DShape{1, 2, 9, 12, 20, 9, 1},
                                         NeighborhoodAttention2DShape{1, 2, 19, 23, 64, 5, 1},
                                         NeighborhoodAttention2DShape{1, 1, 21, 18, 44, 7, 1},
                                         NeighborhoodAttention2DShape{1, 1, 13, 15, 10, 5, 1},
                                         NeighborhoodAttention2DShape{1, 2, 15, 14, 24, 3, 2},
                                         NeighborhoodAttention2DShape{1, 2, 5, 6, 8, 5, 1},
                                         NeighborhoodAttention2DShape{2, 3, 33, 47, 24, 11, 1},
                                         NeighborhoodAttention2DShape{1, 1, 41, 38, 64, 13, 1},
                                         NeighborhoodAttention2DShape{1, 2, 12, 21, 52, 5, 1}),
                       ::testing::Bool()));

// Each output is written by one lane from staged keys and values; a race in the staging would show as runs that
// differ. SegMAN-T's stage-3 shape at 1024x2048 (dim 36, padded to 48) with a bias: a faster variant of the
// tensor-core kernel that was tried differed from run to run exactly there.
template <typename T>
void expect_deterministic() {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const Attention c({1, 4, 64, 128, 36, 9, 1}, true, rng);
  for (const auto kernels : {AttentionKernels::kTensorCoresWhole, AttentionKernels::kTensorCoresWide,
                             AttentionKernels::kTensorCoresSplit}) {
    const auto first = c.run_cuda<T>(kernels);
    for (int run = 0; run < 3; ++run) {
      const auto again = c.run_cuda<T>(kernels);
      ASSERT_EQ(0, std::memcmp(first.data(), again.data(), first.size() * sizeof(float)))
          << "run " << run
          << (kernels == AttentionKernels::kTensorCoresSplit  ? ", split keys"
              : kernels == AttentionKernels::kTensorCoresWide ? ", wide tiles"
                                                              : ", whole keys");
    }
  }
}

TEST(CudaNeighborhoodAttention2DKernels, Fp16IsDeterministic) { expect_deterministic<Half>(); }
TEST(CudaNeighborhoodAttention2DKernels, Fp32IsDeterministic) { expect_deterministic<float>(); }

TEST(CudaNeighborhoodAttention2DKernels, TakesTensorCoresWhereTheyApply) {
  int device = 0, major = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), "cudaDeviceGetAttribute");
  // SegMAN-T's and SegMAN-B's attention at 1024x2048 (heads, map, dim, K).
  for (const auto& shape : {NeighborhoodAttention2DShape{1, 1, 256, 512, 32, 11, 1},
                            NeighborhoodAttention2DShape{1, 4, 64, 128, 36, 9, 1},
                            NeighborhoodAttention2DShape{1, 8, 32, 64, 24, 7, 1},
                            NeighborhoodAttention2DShape{1, 8, 128, 256, 20, 9, 1},
                            NeighborhoodAttention2DShape{1, 13, 64, 128, 28, 7, 1}}) {
    EXPECT_EQ(major >= 8, neighborhood_attention_2d_cuda_uses_tensor_cores<Half>(shape))
        << "fp16, dim " << shape.dim << ", K " << shape.kernel_size;
    EXPECT_EQ(major >= 8, neighborhood_attention_2d_cuda_uses_tensor_cores<float>(shape))
        << "fp32, dim " << shape.dim << ", K " << shape.kernel_size;
  }
  for (const auto& shape : {NeighborhoodAttention2DShape{1, 1, 40, 40, 32, 7, 2},    // dilated
                            NeighborhoodAttention2DShape{1, 1, 40, 40, 80, 7, 1}}) {  // dim above 64
    EXPECT_FALSE(neighborhood_attention_2d_cuda_uses_tensor_cores<Half>(shape));
    EXPECT_FALSE(neighborhood_attention_2d_cuda_uses_tensor_cores<float>(shape));
  }
}

}  // namespace
}  // namespace segman::test
