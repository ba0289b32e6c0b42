// NeighborhoodAttention2D on CUDA: one thread per query, online softmax over its K x K window, so neither the
// attention matrix nor the logits leave registers. Keys and values are read straight from global memory; threads
// of a block cover neighbouring queries, whose windows overlap, so the reads are served mostly by L1.
#include "cuda_support.cuh"
#include "neighborhood_attention_2d_cuda.h"

namespace segman {
namespace {

using cuda::load;
using cuda::store;

constexpr int kBlockW = 16, kBlockH = 4;

struct Geometry {
  int heads, height, width, dim, kernel, dilation;
};

// Reads dim values (dim <= DMAX) into registers; 16-byte loads when T is float and dim is a multiple of 4, 16- or
// 8-byte loads when T is half and dim is a multiple of 8 or 4.
template <typename T, int DMAX>
__device__ __forceinline__ void load_row(const T* p, int dim, float (&x)[DMAX]) {
  if constexpr (sizeof(T) == 2 && DMAX % 8 == 0) {
    if ((dim & 7) == 0) {
      const uint4* v = reinterpret_cast<const uint4*>(p);
#pragma unroll
      for (int c = 0; c < DMAX; c += 8) {
        const uint4 f = c < dim ? __ldg(v + c / 8) : make_uint4(0u, 0u, 0u, 0u);
        const unsigned words[4] = {f.x, f.y, f.z, f.w};
#pragma unroll
        for (int w = 0; w < 4; ++w) {
          const float2 h = cuda::unpack_halves(words[w]);
          x[c + 2 * w] = h.x;
          x[c + 2 * w + 1] = h.y;
        }
      }
      return;
    }
    if ((dim & 3) == 0) {
      const uint2* v = reinterpret_cast<const uint2*>(p);
#pragma unroll
      for (int c = 0; c < DMAX; c += 4) {
        const uint2 f = c < dim ? __ldg(v + c / 4) : make_uint2(0u, 0u);
        const float2 lo = cuda::unpack_halves(f.x), hi = cuda::unpack_halves(f.y);
        x[c] = lo.x;
        x[c + 1] = lo.y;
        x[c + 2] = hi.x;
        x[c + 3] = hi.y;
      }
      return;
    }
  }
  if constexpr (sizeof(T) == 4 && DMAX % 4 == 0) {
    if ((dim & 3) == 0) {
      const float4* v = reinterpret_cast<const float4*>(p);
#pragma unroll
      for (int c = 0; c < DMAX; c += 4) {
        const float4 f = c < dim ? __ldg(v + c / 4) : make_float4(0.f, 0.f, 0.f, 0.f);
        x[c] = f.x;
        x[c + 1] = f.y;
        x[c + 2] = f.z;
        x[c + 3] = f.w;
      }
      return;
    }
  }
#pragma unroll
  for (int c = 0; c < DMAX; ++c) x[c] = c < dim ? load(p + c) : 0.f;
}

// Four threads share a query: thread `part` takes the window rows mi = part, part + 4, ...; their online-softmax
// states (max, sum, accumulator) are merged with warp shuffles at the end. Consecutive lanes hold one query.
constexpr int kParts = 4;

template <typename T, int DMAX>
__global__ void __launch_bounds__(kBlockW * kBlockH * kParts)
    attention_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                     const T* __restrict__ rpb, T* __restrict__ out, Geometry g) {
  const int part = threadIdx.x % kParts;
  const int j_raw = blockIdx.x * kBlockW + threadIdx.x / kParts, i_raw = blockIdx.y * kBlockH + threadIdx.y;
  const bool active = i_raw < g.height && j_raw < g.width;
  const int i = min(i_raw, g.height - 1), j = min(j_raw, g.width - 1);  // inactive threads still shuffle
  const long long plane = blockIdx.z;
  const int head = static_cast<int>(plane % g.heads);
  const long long base = plane * g.height * g.width * g.dim;
  const int table = 2 * g.kernel - 1;

  float qv[DMAX], acc[DMAX], kv[DMAX];
  load_row<T, DMAX>(q + base + (1LL * i * g.width + j) * g.dim, g.dim, qv);
#pragma unroll
  for (int c = 0; c < DMAX; ++c) acc[c] = 0.f;
  float running_max = -3.0e38f, sum = 0.f;

  const int si = window_start(i, g.height, g.kernel, g.dilation), sj = window_start(j, g.width, g.kernel, g.dilation);
  for (int mi = part; mi < g.kernel; mi += kParts) {
    const int ki = si + mi * g.dilation;
    const int bias_row = (ki - i) / g.dilation + g.kernel - 1;
    for (int mj = 0; mj < g.kernel; ++mj) {
      const int kj = sj + mj * g.dilation;
      const long long key = base + (1LL * ki * g.width + kj) * g.dim;
      load_row<T, DMAX>(k + key, g.dim, kv);
      float logit = 0.f;
#pragma unroll
      for (int c = 0; c < DMAX; ++c) logit = fmaf(qv[c], kv[c], logit);
      if (rpb) logit += load(rpb + (1LL * head * table + bias_row) * table + (kj - j) / g.dilation + g.kernel - 1);
      if (logit > running_max) {  // rescale what was accumulated under the old maximum
        const float scale = __expf(running_max - logit);
        sum *= scale;
#pragma unroll
        for (int c = 0; c < DMAX; ++c) acc[c] *= scale;
        running_max = logit;
      }
      const float weight = __expf(logit - running_max);
      sum += weight;
      load_row<T, DMAX>(v + key, g.dim, kv);
#pragma unroll
      for (int c = 0; c < DMAX; ++c) acc[c] = fmaf(weight, kv[c], acc[c]);
    }
  }
  // Merge the parts: common maximum, then sums of the rescaled states.
  float group_max = running_max;
#pragma unroll
  for (int offset = 1; offset < kParts; offset <<= 1) group_max = fmaxf(group_max, __shfl_xor_sync(0xffffffffu, group_max, offset));
  const float scale = __expf(running_max - group_max);
  sum *= scale;
#pragma unroll
  for (int offset = 1; offset < kParts; offset <<= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
#pragma unroll
  for (int c = 0; c < DMAX; ++c) {
    acc[c] *= scale;
#pragma unroll
    for (int offset = 1; offset < kParts; offset <<= 1) acc[c] += __shfl_xor_sync(0xffffffffu, acc[c], offset);
  }
  if (!active) return;
  const float inv = 1.f / sum;
  T* o = out + base + (1LL * i * g.width + j) * g.dim;
#pragma unroll
  for (int c = 0; c < DMAX; ++c) {
    if (c < g.dim && c % kParts == part) store(o + c, acc[c] * inv);  // the four parts write alternate channels
  }
}

// Any dim: the output is produced 32 channels at a time, recomputing the logits for each slice.
template <typename T>
__global__ void __launch_bounds__(kBlockW * kBlockH)
    attention_kernel_wide(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                          const T* __restrict__ rpb, T* __restrict__ out, Geometry g) {
  constexpr int kSlice = 32;
  const int j = blockIdx.x * kBlockW + threadIdx.x, i = blockIdx.y * kBlockH + threadIdx.y;
  if (i >= g.height || j >= g.width) return;
  const long long plane = blockIdx.z;
  const int head = static_cast<int>(plane % g.heads);
  const long long base = plane * g.height * g.width * g.dim;
  const int table = 2 * g.kernel - 1;
  const int si = window_start(i, g.height, g.kernel, g.dilation), sj = window_start(j, g.width, g.kernel, g.dilation);
  const T* qrow = q + base + (1LL * i * g.width + j) * g.dim;
  for (int c0 = 0; c0 < g.dim; c0 += kSlice) {
    float acc[kSlice];
#pragma unroll
    for (int c = 0; c < kSlice; ++c) acc[c] = 0.f;
    float running_max = -3.0e38f, sum = 0.f;
    for (int mi = 0; mi < g.kernel; ++mi) {
      const int ki = si + mi * g.dilation;
      for (int mj = 0; mj < g.kernel; ++mj) {
        const int kj = sj + mj * g.dilation;
        const long long key = base + (1LL * ki * g.width + kj) * g.dim;
        float logit = 0.f;
        for (int c = 0; c < g.dim; ++c) logit = fmaf(load(qrow + c), load(k + key + c), logit);
        if (rpb) {
          logit += load(rpb + (1LL * head * table + (ki - i) / g.dilation + g.kernel - 1) * table + (kj - j) / g.dilation +
                        g.kernel - 1);
        }
        if (logit > running_max) {
          const float scale = __expf(running_max - logit);
          sum *= scale;
#pragma unroll
          for (int c = 0; c < kSlice; ++c) acc[c] *= scale;
          running_max = logit;
        }
        const float weight = __expf(logit - running_max);
        sum += weight;
#pragma unroll
        for (int c = 0; c < kSlice; ++c) {
          if (c0 + c < g.dim) acc[c] = fmaf(weight, load(v + key + c0 + c), acc[c]);
        }
      }
    }
    T* o = out + base + (1LL * i * g.width + j) * g.dim + c0;
#pragma unroll
    for (int c = 0; c < kSlice; ++c) {
      if (c0 + c < g.dim) store(o + c, acc[c] / sum);
    }
  }
}

}  // namespace

template <typename T>
cudaError_t neighborhood_attention_2d_cuda(const NeighborhoodAttention2DShape& shape,
                                           const NeighborhoodAttention2DInputs<T>& in, T* out, cudaStream_t stream) {
  validate(shape);
  if (shape.batch == 0 || shape.heads == 0) return cudaSuccess;
  const Geometry g{static_cast<int>(shape.heads), static_cast<int>(shape.height), static_cast<int>(shape.width),
                   static_cast<int>(shape.dim), static_cast<int>(shape.kernel_size), static_cast<int>(shape.dilation)};
  const dim3 block(kBlockW * kParts, kBlockH);
  const dim3 wide_block(kBlockW, kBlockH);
  const dim3 grid((g.width + kBlockW - 1) / kBlockW, (g.height + kBlockH - 1) / kBlockH,
                  static_cast<unsigned>(shape.batch * shape.heads));
  if (g.dim <= 16) {
    attention_kernel<T, 16><<<grid, block, 0, stream>>>(in.q, in.k, in.v, in.rpb, out, g);
  } else if (g.dim <= 32) {
    attention_kernel<T, 32><<<grid, block, 0, stream>>>(in.q, in.k, in.v, in.rpb, out, g);
  } else if (g.dim <= 48) {
    attention_kernel<T, 48><<<grid, block, 0, stream>>>(in.q, in.k, in.v, in.rpb, out, g);
  } else if (g.dim <= 64) {
    attention_kernel<T, 64><<<grid, block, 0, stream>>>(in.q, in.k, in.v, in.rpb, out, g);
  } else {
    attention_kernel_wide<T><<<grid, wide_block, 0, stream>>>(in.q, in.k, in.v, in.rpb, out, g);
  }
  return cudaGetLastError();
}

template cudaError_t neighborhood_attention_2d_cuda<float>(const NeighborhoodAttention2DShape&,
                                                            const NeighborhoodAttention2DInputs<float>&, float*,
                                                            cudaStream_t);
template cudaError_t neighborhood_attention_2d_cuda<Half>(const NeighborhoodAttention2DShape&,
                                                           const NeighborhoodAttention2DInputs<Half>&, Half*,
                                                           cudaStream_t);

}  // namespace segman
