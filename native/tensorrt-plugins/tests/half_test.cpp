#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "half.h"
#include "test_support.h"

namespace segman::test {
namespace {

TEST(Half, EveryHalfRoundTripsThroughFloat) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const Half h{static_cast<uint16_t>(bits)};
    const float f = half_to_float_portable(h);
    if (std::isnan(f)) {  // F16C quiets signalling NaNs; only NaN-ness must agree
      ASSERT_TRUE(std::isnan(half_to_float(h))) << std::hex << bits;
      continue;
    }
    ASSERT_EQ(float_to_bits(f), float_to_bits(half_to_float(h))) << std::hex << bits;
    ASSERT_EQ(float_to_half_portable(f).bits, bits) << std::hex << bits;
  }
}

TEST(Half, KnownValues) {
  EXPECT_EQ(float_to_half(1.f).bits, 0x3c00);
  EXPECT_EQ(float_to_half(-2.f).bits, 0xc000);
  EXPECT_EQ(float_to_half(65504.f).bits, 0x7bff);
  EXPECT_EQ(float_to_half(65520.f).bits, 0x7c00);         // rounds past the largest half
  EXPECT_EQ(float_to_half(5.9604645e-8f).bits, 0x0001);   // smallest subnormal
  EXPECT_EQ(float_to_half(2.9802322e-8f).bits, 0x0000);   // half of it ties to even (zero)
  EXPECT_EQ(half_to_float(Half{0x3555}), 0.333251953125f);
}

TEST(Half, PortableRoundingMatchesTheHardwareOnRandomFloats) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  for (float scale : {1e-7f, 1e-5f, 1.f, 1e3f, 7e4f}) {
    for (float x : rng.normal(20000, scale)) {
      // Reference rounding: nearest half by exhaustive comparison with the two neighbours of the truncation.
      const Half h = float_to_half_portable(x);
      const double back = half_to_float_portable(h);
      const Half up{static_cast<uint16_t>(h.bits + 1)}, down{static_cast<uint16_t>(h.bits - 1)};
      if ((h.bits & 0x7fff) == 0x7c00) {
        ASSERT_GE(std::abs(x), 65520.f);
        continue;
      }
      const double err = std::abs(back - x);
      if ((up.bits & 0x7fff) < 0x7c00) ASSERT_LE(err, std::abs(double(half_to_float_portable(up)) - x)) << x;
      if ((h.bits & 0x7fff) != 0) ASSERT_LE(err, std::abs(double(half_to_float_portable(down)) - x)) << x;
      ASSERT_EQ(h.bits, float_to_half(x).bits) << x;
    }
  }
}

TEST(Half, BulkConversionsMatchScalarOnes) {
  Random rng;
  SCOPED_TRACE(rng.trace());
  const std::vector<float> x = rng.normal(1003, 100.f);  // not a multiple of the vector width
  std::vector<Half> h(x.size());
  float_to_half(x.data(), h.data(), x.size());
  std::vector<float> back(x.size());
  half_to_float(h.data(), back.data(), h.size());
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(h[i].bits, float_to_half(x[i]).bits);
    ASSERT_EQ(back[i], half_to_float(h[i]));
  }
}

}  // namespace
}  // namespace segman::test
