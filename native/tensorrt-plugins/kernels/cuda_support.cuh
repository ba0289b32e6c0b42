// Loads and stores shared by the CUDA kernels: T is float or Half (IEEE binary16 storage); math is always fp32.
#pragma once

#include <cuda_fp16.h>

#include "half.h"

namespace segman::cuda {

template <typename T>
__device__ __forceinline__ float load(const T* p);

template <>
__device__ __forceinline__ float load<float>(const float* p) {
  return __ldg(p);
}

template <>
__device__ __forceinline__ float load<Half>(const Half* p) {
  return __half2float(__ldg(reinterpret_cast<const __half*>(p)));
}

// Two packed halves (the lower 16 bits first) as floats, and back; for 4-, 8- and 16-byte half loads and stores.
__device__ __forceinline__ float2 unpack_halves(unsigned bits) {
  return make_float2(__half2float(__ushort_as_half(static_cast<unsigned short>(bits & 0xffffu))),
                     __half2float(__ushort_as_half(static_cast<unsigned short>(bits >> 16))));
}

// One conversion of both (cvt.rn.f16x2.f32 on sm_80+): each rounded to nearest even, as __float2half_rn would.
__device__ __forceinline__ unsigned pack_halves(float lo, float hi) {
  const __half2 pair = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<const unsigned*>(&pair);
}

__device__ __forceinline__ void store(float* p, float v) { *p = v; }
__device__ __forceinline__ void store(Half* p, float v) { *reinterpret_cast<__half*>(p) = __float2half_rn(v); }

}  // namespace segman::cuda
