#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "neighborhood_attention_2d.h"
#include "neighborhood_attention_2d_reference.h"
#include "test_support.h"

namespace segman::test {
namespace {

struct AttentionCase {
  NeighborhoodAttention2DShape shape;
  std::vector<float> q, k, v, rpb;
  bool with_bias;

  AttentionCase(const NeighborhoodAttention2DShape& s, bool bias, Random& rng) : shape(s), with_bias(bias) {
    const size_t n = size();
    q = rng.normal(n, 0.5f);
    k = rng.normal(n);
    v = rng.normal(n);
    const size_t table = 2 * s.kernel_size - 1;
    if (bias) rpb = rng.normal(s.heads * table * table);
  }

  size_t size() const { return shape.batch * shape.heads * shape.height * shape.width * shape.dim; }

  std::vector<double> reference() const {
    const auto q64 = to_double(q), k64 = to_double(k), v64 = to_double(v), rpb64 = to_double(rpb);
    std::vector<double> out(size());
    neighborhood_attention_2d_reference(shape, q64.data(), k64.data(), v64.data(), with_bias ? rpb64.data() : nullptr,
                                        out.data());
    return out;
  }

  std::vector<float> run_float() const {
    std::vector<float> out = poisoned(size());
    neighborhood_attention_2d_cpu<float>(shape, {q.data(), k.data(), v.data(), with_bias ? rpb.data() : nullptr},
                                         out.data());
    return out;
  }

  std::vector<float> run_half() const {
    const auto qh = to_half(q), kh = to_half(k), vh = to_half(v), rh = to_half(rpb);
    std::vector<Half> out = poisoned_half(size());
    neighborhood_attention_2d_cpu<Half>(shape, {qh.data(), kh.data(), vh.data(), with_bias ? rh.data() : nullptr},
                                        out.data());
    return to_float(out);
  }

  void round_inputs_to_half() {
    q = round_to_half(q);
    k = round_to_half(k);
    v = round_to_half(v);
    rpb = round_to_half(rpb);
  }
};

// (shape, with relative position bias)
class NeighborhoodAttention2DShapes
    : public ::testing::TestWithParam<std::tuple<NeighborhoodAttention2DShape, bool>> {};

TEST_P(NeighborhoodAttention2DShapes, Fp32MatchesFloat64Reference) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const AttentionCase c(std::get<0>(GetParam()), std::get<1>(GetParam()), rng);
  EXPECT_TRUE(close_to(c.run_float(), c.reference(), 1e-5));
}

TEST_P(NeighborhoodAttention2DShapes, Fp16MatchesFp32KernelOnRoundedInputs) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  AttentionCase c(std::get<0>(GetParam()), std::get<1>(GetParam()), rng);
  c.round_inputs_to_half();
  EXPECT_TRUE(close_to(c.run_half(), c.run_float(), 2e-2));
}

TEST_P(NeighborhoodAttention2DShapes, TiledPathMatchesOneQueryAtATime) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const AttentionCase c(std::get<0>(GetParam()), std::get<1>(GetParam()), rng);
  std::vector<float> per_query = poisoned(c.size());
  neighborhood_attention_2d_cpu_per_query(c.shape, {c.q.data(), c.k.data(), c.v.data(),
                                                    c.with_bias ? c.rpb.data() : nullptr},
                                          per_query.data());
  EXPECT_TRUE(close_to(c.run_float(), to_double(per_query), 1e-5));
}

// {batch, heads, H, W, dim, K, dilation}: maps exactly K*dilation wide, one more, non-square, odd dims,
// SegMAN's kernels 7/9/11, and dilations whose map sizes are not multiples of the dilation.
INSTANTIATE_TEST_SUITE_P(
    BordersAndDilations, NeighborhoodAttention2DShapes,
    ::testing::Combine(::testing::Values(NeighborhoodAttention2DShape{1, 1, 1, 1, 3, 1, 1},
                                         NeighborhoodAttention2DShape{2, 3, 3, 5, 7, 3, 1},
                                         NeighborhoodAttention2DShape{1, 2, 7, 8, 5, 7, 1},
                                         NeighborhoodAttention2DShape{1, 1, 12, 9, 24, 9, 1},
                                         NeighborhoodAttention2DShape{1, 2, 11, 17, 36, 11, 1},
                                         NeighborhoodAttention2DShape{2, 1, 10, 13, 4, 3, 2},
                                         NeighborhoodAttention2DShape{1, 2, 17, 16, 3, 5, 3},
                                         NeighborhoodAttention2DShape{1, 1, 14, 22, 9, 7, 2},
                                         // Wide enough for the 16-query tiles between clamped borders.
                                         NeighborhoodAttention2DShape{1, 1, 12, 40, 32, 11, 1},
                                         NeighborhoodAttention2DShape{2, 2, 8, 53, 7, 3, 1},
                                         NeighborhoodAttention2DShape{1, 3, 16, 61, 5, 5, 3},
                                         NeighborhoodAttention2DShape{1, 2, 20, 35, 36, 9, 2}),
                       ::testing::Bool()));

TEST(NeighborhoodAttention2D, ZeroQueryWithoutBiasIsTheWindowMean) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  AttentionCase c({1, 2, 6, 9, 5, 3, 1}, false, rng);
  std::fill(c.q.begin(), c.q.end(), 0.f);
  // The clamped 3x3 window of (i, j) on a 6x9 map, spelled out: starts at clamp(i-1, 0, S-3).
  std::vector<double> mean(c.size());
  const int H = 6, W = 9, C = 5;
  for (int plane = 0; plane < 2; ++plane) {
    for (int i = 0; i < H; ++i) {
      for (int j = 0; j < W; ++j) {
        const int si = std::min(std::max(i - 1, 0), H - 3), sj = std::min(std::max(j - 1, 0), W - 3);
        for (int ch = 0; ch < C; ++ch) {
          double sum = 0.0;
          for (int a = si; a < si + 3; ++a)
            for (int b = sj; b < sj + 3; ++b) sum += c.v[((plane * H + a) * W + b) * C + ch];
          mean[((plane * H + i) * W + j) * C + ch] = sum / 9.0;
        }
      }
    }
  }
  EXPECT_TRUE(close_to(c.run_float(), mean, 1e-5));
}

TEST(NeighborhoodAttention2D, WindowsStayInsideTheMapAndKeepTheQueryPhase) {
  for (int K : {1, 3, 5, 7}) {
    for (int dil : {1, 2, 3}) {
      for (int S = K * dil; S < K * dil + 8; ++S) {
        for (int i = 0; i < S; ++i) {
          const int start = window_start(i, S, K, dil);
          ASSERT_GE(start, 0) << "K=" << K << " dil=" << dil << " S=" << S << " i=" << i;
          ASSERT_LT(start + (K - 1) * dil, S) << "K=" << K << " dil=" << dil << " S=" << S << " i=" << i;
          ASSERT_EQ((start - i) % dil, 0) << "K=" << K << " dil=" << dil << " S=" << S << " i=" << i;
          const int offset = (start - i) / dil + K - 1;  // bias row of the first key
          ASSERT_GE(offset, 0);
          ASSERT_LE(offset + K - 1, 2 * K - 2);
        }
      }
    }
  }
}

TEST(NeighborhoodAttention2D, RejectsMapsSmallerThanTheWindowAndEvenKernels) {
  EXPECT_THROW(validate(NeighborhoodAttention2DShape{1, 1, 6, 7, 4, 7, 1}), std::invalid_argument);
  EXPECT_THROW(validate(NeighborhoodAttention2DShape{1, 1, 9, 9, 4, 5, 2}), std::invalid_argument);
  EXPECT_THROW(validate(NeighborhoodAttention2DShape{1, 1, 9, 9, 4, 4, 1}), std::invalid_argument);
  EXPECT_THROW(validate(NeighborhoodAttention2DShape{1, 1, 9, 9, 0, 3, 1}), std::invalid_argument);
  EXPECT_NO_THROW(validate(NeighborhoodAttention2DShape{1, 1, 10, 10, 4, 5, 2}));
}

}  // namespace
}  // namespace segman::test
