#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "selective_scan_2d.h"
#include "selective_scan_2d_reference.h"
#include "test_support.h"

namespace segman::test {
namespace {

// Random inputs in the ranges SegMAN produces: A = -exp(A_logs) < 0, Δ raw around zero, Δ bias small.
struct ScanCase {
  SelectiveScan2DShape shape;
  std::vector<float> u, delta, B, C, A, D, bias;
  bool softplus = true;

  ScanCase(const SelectiveScan2DShape& s, Random& rng, float delta_lo = -4.f, float delta_hi = 2.f) : shape(s) {
    const size_t L = s.length(), K = kScanDirections;
    u = rng.normal(s.batch * s.channels * L);
    delta = rng.uniform(s.batch * K * s.channels * L, delta_lo, delta_hi);
    B = rng.normal(s.batch * K * s.state * L);
    C = rng.normal(s.batch * K * s.state * L);
    A = rng.uniform(K * s.channels * s.state, -2.f, 1.f);
    for (float& a : A) a = -std::exp(a);
    D = rng.normal(K * s.channels);
    bias = rng.uniform(K * s.channels, -1.f, 1.f);
  }

  size_t output_size() const { return shape.batch * shape.channels * shape.length(); }

  std::vector<double> reference() const {
    const auto u64 = to_double(u), d64 = to_double(delta), B64 = to_double(B), C64 = to_double(C),
               A64 = to_double(A), D64 = to_double(D), bias64 = to_double(bias);
    std::vector<double> y(output_size());
    selective_scan_2d_reference(shape, {u64.data(), d64.data(), B64.data(), C64.data(), A64.data(), D64.data(),
                                        bias64.data(), softplus},
                                y.data());
    return y;
  }

  std::vector<float> run_float() const {
    std::vector<float> y = poisoned(output_size());
    selective_scan_2d_cpu<float>(
        shape, {u.data(), delta.data(), B.data(), C.data(), A.data(), D.data(), bias.data(), softplus}, y.data());
    return y;
  }

  std::vector<float> run_per_channel() const {
    std::vector<float> y = poisoned(output_size());
    selective_scan_2d_cpu_per_channel(
        shape, {u.data(), delta.data(), B.data(), C.data(), A.data(), D.data(), bias.data(), softplus}, y.data());
    return y;
  }

  std::vector<float> run_half() const {
    const auto uh = to_half(u), dh = to_half(delta), Bh = to_half(B), Ch = to_half(C);
    std::vector<Half> y = poisoned_half(output_size());
    selective_scan_2d_cpu<Half>(
        shape, {uh.data(), dh.data(), Bh.data(), Ch.data(), A.data(), D.data(), bias.data(), softplus}, y.data());
    return to_float(y);
  }

  // Rounds the tensor inputs through fp16, as an fp16 model would feed them.
  void round_inputs_to_half() {
    u = round_to_half(u);
    delta = round_to_half(delta);
    B = round_to_half(B);
    C = round_to_half(C);
  }
};

class SelectiveScan2DShapes : public ::testing::TestWithParam<SelectiveScan2DShape> {};

TEST_P(SelectiveScan2DShapes, Fp32MatchesFloat64Reference) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const ScanCase c(GetParam(), rng);
  EXPECT_TRUE(close_to(c.run_float(), c.reference(), 1e-4));
}

TEST_P(SelectiveScan2DShapes, Fp16MatchesFp32KernelOnRoundedInputs) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  ScanCase c(GetParam(), rng);
  c.round_inputs_to_half();
  EXPECT_TRUE(close_to(c.run_half(), c.run_float(), 2e-2));
}

TEST_P(SelectiveScan2DShapes, ChannelBlocksMatchOneChannelAtATime) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const ScanCase c(GetParam(), rng);
  EXPECT_TRUE(close_to(c.run_float(), to_double(c.run_per_channel()), 1e-5));
}

// Odd sizes, single rows and columns, N > 1, and the longest sequence the tolerance is stated for (L = 4096).
INSTANTIATE_TEST_SUITE_P(
    OddSizesAndBorders, SelectiveScan2DShapes,
    ::testing::Values(SelectiveScan2DShape{1, 1, 1, 1, 1}, SelectiveScan2DShape{2, 3, 5, 7, 1},
                      SelectiveScan2DShape{1, 4, 1, 9, 2}, SelectiveScan2DShape{1, 2, 13, 1, 3},
                      SelectiveScan2DShape{2, 5, 17, 11, 16}, SelectiveScan2DShape{1, 3, 31, 33, 1},
                      SelectiveScan2DShape{1, 2, 64, 64, 1}, SelectiveScan2DShape{3, 7, 9, 300, 4},
                      // N = 1 with whole 16-channel blocks scanned together, and a remainder one at a time.
                      SelectiveScan2DShape{2, 32, 9, 13, 1}, SelectiveScan2DShape{1, 35, 7, 5, 1},
                      SelectiveScan2DShape{1, 48, 16, 33, 1}));

TEST(SelectiveScan2D, WithoutSoftplusMatchesReference) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  ScanCase c({2, 3, 7, 5, 2}, rng, 0.01f, 1.5f);  // Δ stays positive without the softplus
  c.softplus = false;
  EXPECT_TRUE(close_to(c.run_float(), c.reference(), 1e-4));
}

TEST(SelectiveScan2D, LargeDeltaDoesNotOverflowInFp16) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  ScanCase c({1, 4, 6, 9, 1}, rng, 18.f, 29.f);  // Δ + bias up to 30: past softplus' threshold
  c.round_inputs_to_half();
  const std::vector<double> want = c.reference();
  EXPECT_TRUE(close_to(c.run_float(), want, 1e-4));
  EXPECT_TRUE(close_to(c.run_half(), want, 2e-2));
}

TEST(SelectiveScan2D, SingleDirectionTermsMatchSumOfFourDirections) {
  // With D = 0 and C = 0 except in one direction, y is that direction's scan alone: checks the scan orders
  // (row-major, column-major, both reversed) independently of the merge.
  Random rng;
  SCOPED_TRACE(rng.trace());
  const SelectiveScan2DShape s{1, 2, 5, 3, 1};
  std::vector<double> sum(2 * 15, 0.0);
  ScanCase full(s, rng);
  for (float& d : full.D) d = 0.f;
  for (int k = 0; k < kScanDirections; ++k) {
    ScanCase one = full;
    for (size_t i = 0; i < one.C.size(); ++i) {
      if (static_cast<int>(i / (s.state * s.length())) % kScanDirections != k) one.C[i] = 0.f;
    }
    const std::vector<float> y = one.run_float();
    for (size_t i = 0; i < y.size(); ++i) sum[i] += y[i];
  }
  EXPECT_TRUE(close_to(full.run_float(), sum, 1e-5));
  EXPECT_TRUE(close_to(full.run_float(), full.reference(), 1e-4));
}

TEST(SelectiveScan2D, RowMajorDirectionIsAPlainRecurrence) {
  // Hand-computed case: one pixel row, N = 1, no softplus; direction 0 only.
  const SelectiveScan2DShape s{1, 1, 1, 3, 1};
  const std::vector<float> u{1.f, 2.f, 3.f};
  const std::vector<float> delta{0.5f, 0.5f, 0.5f, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const std::vector<float> B(12, 1.f);
  std::vector<float> C(12, 0.f);
  C[0] = C[1] = C[2] = 1.f;
  const std::vector<float> A{-1.f, -1.f, -1.f, -1.f}, D(4, 0.f), bias(4, 0.f);
  std::vector<float> y(3);
  selective_scan_2d_cpu<float>(s, {u.data(), delta.data(), B.data(), C.data(), A.data(), D.data(), bias.data(), false},
                               y.data());
  const double a = std::exp(-0.5);
  const double h0 = 0.5, h1 = a * h0 + 1.0, h2 = a * h1 + 1.5;
  EXPECT_NEAR(y[0], h0, 1e-6);
  EXPECT_NEAR(y[1], h1, 1e-6);
  EXPECT_NEAR(y[2], h2, 1e-6);
}

TEST(SelectiveScan2D, IsDeterministic) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const ScanCase c({2, 9, 23, 19, 1}, rng);
  const std::vector<float> first = c.run_float(), second = c.run_float();
  EXPECT_EQ(0, std::memcmp(first.data(), second.data(), first.size() * sizeof(float)));
}

TEST(SelectiveScan2D, RejectsInvalidShapes) {
  EXPECT_THROW(validate(SelectiveScan2DShape{1, 1, 4, 4, 0}), std::invalid_argument);
  EXPECT_THROW(validate(SelectiveScan2DShape{1, 1, 4, 4, 17}), std::invalid_argument);
  EXPECT_THROW(validate(SelectiveScan2DShape{1, 1, 0, 4, 1}), std::invalid_argument);
  EXPECT_NO_THROW(validate(SelectiveScan2DShape{0, 1, 4, 4, 1}));
}

}  // namespace
}  // namespace segman::test
