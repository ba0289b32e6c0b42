// Sixteen floats as one value for the CPU kernels: GCC and Clang lower it to the widest vectors the target has (one
// AVX-512 register, two AVX2 ones), which keeps a loop running across the lanes the kernel chose (neighbouring
// queries, or channels) rather than whatever the auto-vectoriser would pick.
#pragma once

#include <cstdint>
#include <cstring>

namespace segman {

constexpr int64_t kLanes = 16;
using Lanes = float __attribute__((vector_size(kLanes * sizeof(float))));

inline Lanes load_lanes(const float* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store_lanes(float* p, Lanes v) { std::memcpy(p, &v, sizeof v); }

}  // namespace segman
