// NeighborhoodAttention2D on CUDA: one thread per query, online softmax over its K x K window, so neither the
// attention matrix nor the logits leave registers. Keys and values are read straight from global memory; threads
// of a block cover neighbouring queries, whose windows overlap, so the reads are served mostly by L1.
#include "cuda_support.cuh"
#include "neighborhood_attention_2d_cuda.h"

namespace segman {
namespace {

using cuda::load;
using cuda::store;

constexpr int kBlockW = 16, kBlockH = 8;

struct Geometry {
  int heads, height, width, dim, kernel, dilation;
};

// Reads dim values (dim <= DMAX) into registers; 16-byte loads when T is float and dim is a multiple of 4.
template <typename T, int DMAX>
__device__ __forceinline__ void load_row(const T* p, int dim, float (&x)[DMAX]) {
  if constexpr (sizeof(T) == 4 && DMAX % 4 == 0) {
    if ((dim & 3) == 0) {
      const float4* v = reinterpret_cast<const float4*>(p);
#pragma unroll
      for (int c = 0; c < DMAX; c += 4) {
        if (c < dim) {
          const float4 f = __ldg(v + c / 4);
          x[c] = f.x;
          x[c + 1] = f.y;
          x[c + 2] = f.z;
          x[c + 3] = f.w;
        }
      }
      return;
    }
  }
#pragma unroll
  for (int c = 0; c < DMAX; ++c) x[c] = c < dim ? load(p + c) : 0.f;
}

template <typename T, int DMAX>
__global__ void __launch_bounds__(kBlockW * kBlockH)
    attention_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                     const T* __restrict__ rpb, T* __restrict__ out, Geometry g) {
  const int j = blockIdx.x * kBlockW + threadIdx.x, i = blockIdx.y * kBlockH + threadIdx.y;
  if (i >= g.height || j >= g.width) return;
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
  for (int mi = 0; mi < g.kernel; ++mi) {
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
  const float inv = 1.f / sum;
  T* o = out + base + (1LL * i * g.width + j) * g.dim;
#pragma unroll
  for (int c = 0; c < DMAX; ++c) {
    if (c < g.dim) store(o + c, acc[c] * inv);
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
  const dim3 block(kBlockW, kBlockH);
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
    attention_kernel_wide<T><<<grid, block, 0, stream>>>(in.q, in.k, in.v, in.rpb, out, g);
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
