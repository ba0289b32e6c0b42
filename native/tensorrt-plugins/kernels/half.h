// IEEE binary16 storage type and float conversions for the CPU kernels.
// Uses F16C when the compiler targets it; otherwise an exact software conversion (round to nearest even).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace segman {

// Bit pattern of an IEEE half; a distinct type so that templates can tell it from an integer.
struct Half {
  uint16_t bits;
};
static_assert(sizeof(Half) == 2, "Half must be 2 bytes");

inline float bits_to_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline uint32_t float_to_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

// Exact software conversions; always available so that tests can check them against F16C.
inline float half_to_float_portable(Half h) {
  const uint32_t sign = static_cast<uint32_t>(h.bits & 0x8000u) << 16;
  const uint32_t exponent = (h.bits >> 10) & 0x1fu;
  uint32_t mantissa = h.bits & 0x3ffu;
  if (exponent == 0x1f) {  // inf or NaN
    return bits_to_float(sign | 0x7f800000u | (mantissa << 13));
  }
  if (exponent != 0) {  // normal
    return bits_to_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
  }
  if (mantissa == 0) {
    return bits_to_float(sign);
  }
  // Subnormal half: value = mantissa * 2^-24, exactly representable as a float.
  const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
  return sign ? -magnitude : magnitude;
}

inline Half float_to_half_portable(float f) {
  const uint32_t bits = float_to_bits(f);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or NaN (keep NaN quiet)
    return Half{static_cast<uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u))};
  }
  if (abs >= 0x477ff000u) {  // rounds to >= 65520: overflow to inf
    return Half{static_cast<uint16_t>(sign | 0x7c00u)};
  }
  if (abs < 0x38800000u) {  // below the smallest normal half: round on the 2^-24 grid
    const float magnitude = bits_to_float(abs);
    // Adding 0.5 (2^-1) moves the value to a float whose low mantissa bits are the half subnormal,
    // with the float unit's round-to-nearest-even doing the rounding.
    const uint32_t shifted = float_to_bits(magnitude + 0.5f) - float_to_bits(0.5f);
    return Half{static_cast<uint16_t>(sign | shifted)};
  }
  // Normal: rebias the exponent, round the 13 dropped bits to nearest even.
  const uint32_t odd = (abs >> 13) & 1u;
  const uint32_t rounded = abs + 0xfffu + odd;
  return Half{static_cast<uint16_t>(sign | ((rounded - 0x38000000u) >> 13))};
}

inline float half_to_float(Half h) {
#if defined(__F16C__)
  return _cvtsh_ss(h.bits);
#else
  return half_to_float_portable(h);
#endif
}

inline Half float_to_half(float f) {
#if defined(__F16C__)
  return Half{static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT))};
#else
  return float_to_half_portable(f);
#endif
}

// Bulk conversions used to stage fp16 tensors through the fp32 kernels.
inline void half_to_float(const Half* in, float* out, size_t n) {
  size_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(h));
  }
#endif
  for (; i < n; ++i) out[i] = half_to_float(in[i]);
}

inline void float_to_half(const float* in, Half* out, size_t n) {
  size_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
  }
#endif
  for (; i < n; ++i) out[i] = float_to_half(in[i]);
}

}  // namespace segman
