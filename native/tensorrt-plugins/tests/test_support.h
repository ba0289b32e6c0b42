// Helpers shared by the kernel tests: fresh random inputs (seed printed on failure), poisoned outputs, error norms.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "half.h"
#include "neighborhood_attention_2d.h"
#include "selective_scan_2d.h"

namespace segman {
// Readable parameter names in test output.
inline void PrintTo(const SelectiveScan2DShape& s, std::ostream* os) {
  *os << "B" << s.batch << "_D" << s.channels << "_" << s.height << "x" << s.width << "_N" << s.state;
}
inline void PrintTo(const NeighborhoodAttention2DShape& s, std::ostream* os) {
  *os << "B" << s.batch << "_h" << s.heads << "_" << s.height << "x" << s.width << "_c" << s.dim << "_K"
      << s.kernel_size << "_d" << s.dilation;
}
}  // namespace segman

namespace segman::test {

// A generator seeded freshly for every test; the seed is recorded so that a failure can be replayed.
class Random {
 public:
  Random() : seed_(std::random_device{}()), engine_(seed_) {
    ::testing::Test::RecordProperty("seed", std::to_string(seed_));
  }
  // For SCOPED_TRACE, so that a failure names the seed.
  std::string trace() const { return "random seed " + std::to_string(seed_); }

  std::vector<float> uniform(size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> x(n);
    for (float& v : x) v = dist(engine_);
    return x;
  }
  std::vector<float> normal(size_t n, float stddev = 1.f) {
    std::normal_distribution<float> dist(0.f, stddev);
    std::vector<float> x(n);
    for (float& v : x) v = dist(engine_);
    return x;
  }

 private:
  uint32_t seed_;
  std::mt19937 engine_;
};

inline std::vector<double> to_double(const std::vector<float>& x) { return {x.begin(), x.end()}; }

inline std::vector<Half> to_half(const std::vector<float>& x) {
  std::vector<Half> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = float_to_half(x[i]);
  return out;
}

inline std::vector<float> to_float(const std::vector<Half>& x) {
  std::vector<float> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = half_to_float(x[i]);
  return out;
}

// Rounds through fp16 so that fp32 and fp16 kernels see the same values.
inline std::vector<float> round_to_half(const std::vector<float>& x) { return to_float(to_half(x)); }

inline std::vector<float> poisoned(size_t n) { return std::vector<float>(n, std::nanf("")); }
inline std::vector<Half> poisoned_half(size_t n) { return std::vector<Half>(n, Half{0x7e00}); }

// max |got - want| <= tolerance * (1 + max |want|); every element must be finite (catches unwritten outputs).
template <typename Got, typename Want>
::testing::AssertionResult close_to(const std::vector<Got>& got, const std::vector<Want>& want, double tolerance) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << "size " << got.size() << " vs " << want.size();
  double max_ref = 0.0, max_err = 0.0;
  size_t worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = static_cast<double>(got[i]), w = static_cast<double>(want[i]);
    if (!std::isfinite(g)) return ::testing::AssertionFailure() << "element " << i << " is " << g;
    max_ref = std::max(max_ref, std::abs(w));
    if (std::abs(g - w) > max_err) {
      max_err = std::abs(g - w);
      worst = i;
    }
  }
  const double limit = tolerance * (1.0 + max_ref);
  if (max_err <= limit) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max abs error " << max_err << " at " << worst << " (got " << got[worst]
                                       << ", want " << want[worst] << ") exceeds " << limit;
}

}  // namespace segman::test
