// NeighborhoodAttention2D on CUDA cores: four threads per query (per pair of queries with dilation 1 and dim <= 32),
// online softmax over the K x K window, so neither the attention matrix nor the logits leave registers. Keys and
// values are read straight from global memory; threads of a block cover neighbouring queries, whose windows overlap,
// so the reads are served mostly by L1. Both types run on tensor cores where that kernel applies
// (neighborhood_attention_2d_mma.cu: fp16 products, or split TF32 ones for fp32) and here everywhere else.
#include "cuda_support.cuh"
#include "device_limits.h"
#include "neighborhood_attention_2d_cuda.h"
#include "neighborhood_attention_2d_mma.h"

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

// Online-softmax state of one query: running maximum, sum of weights and weighted value sum.
template <int DMAX>
struct SoftmaxState {
  float max = -3.0e38f, sum = 0.f, acc[DMAX];

  __device__ __forceinline__ SoftmaxState() {
#pragma unroll
    for (int c = 0; c < DMAX; ++c) acc[c] = 0.f;
  }

  // Folds a logit in and returns its weight under the (possibly raised) maximum.
  __device__ __forceinline__ float weigh(float logit) {
    if (logit > max) {  // rescale what was accumulated under the old maximum
      const float scale = __expf(max - logit);
      sum *= scale;
#pragma unroll
      for (int c = 0; c < DMAX; ++c) acc[c] *= scale;
      max = logit;
    }
    const float weight = __expf(logit - max);
    sum += weight;
    return weight;
  }

  __device__ __forceinline__ void accumulate(float weight, const float (&value)[DMAX]) {
#pragma unroll
    for (int c = 0; c < DMAX; ++c) acc[c] = fmaf(weight, value[c], acc[c]);
  }

  // Merges the states of the kParts consecutive lanes that share the query (every lane of the warp must call it).
  __device__ __forceinline__ void merge_parts() {
    float group_max = max;
#pragma unroll
    for (int offset = 1; offset < kParts; offset <<= 1) group_max = fmaxf(group_max, __shfl_xor_sync(0xffffffffu, group_max, offset));
    const float scale = __expf(max - group_max);
    sum *= scale;
#pragma unroll
    for (int offset = 1; offset < kParts; offset <<= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
#pragma unroll
    for (int c = 0; c < DMAX; ++c) {
      acc[c] *= scale;
#pragma unroll
      for (int offset = 1; offset < kParts; offset <<= 1) acc[c] += __shfl_xor_sync(0xffffffffu, acc[c], offset);
    }
  }

  // After merge_parts: the parts write alternate channels of the normalised output.
  template <typename T>
  __device__ __forceinline__ void store_output(T* o, int dim, int part) const {
    const float inv = 1.f / sum;
#pragma unroll
    for (int c = 0; c < DMAX; ++c) {
      if (c < dim && c % kParts == part) store(o + c, acc[c] * inv);
    }
  }
};

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

  float qv[DMAX], kv[DMAX];
  load_row<T, DMAX>(q + base + (1LL * i * g.width + j) * g.dim, g.dim, qv);
  SoftmaxState<DMAX> state;

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
      const float weight = state.weigh(logit);
      load_row<T, DMAX>(v + key, g.dim, kv);
      state.accumulate(weight, kv);
    }
  }
  state.merge_parts();
  if (active) state.store_output(out + base + (1LL * i * g.width + j) * g.dim, g.dim, part);
}

// Dilation 1, dim <= 32: four lanes share two vertically adjacent queries (i, i + 1). Their windows have the same
// columns and all rows but one in common, so each key and value row read serves both queries: half the loads per
// multiply-add of attention_kernel, and two independent dependency chains per lane.
template <typename T, int DMAX>
__global__ void __launch_bounds__(kBlockW * kBlockH * kParts)
    attention_pair_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                          const T* __restrict__ rpb, T* __restrict__ out, Geometry g) {
  const int part = threadIdx.x % kParts;
  const int j_raw = blockIdx.x * kBlockW + threadIdx.x / kParts;
  const int i_raw = (blockIdx.y * kBlockH + threadIdx.y) * 2;
  const bool active0 = i_raw < g.height && j_raw < g.width, active1 = i_raw + 1 < g.height && j_raw < g.width;
  const int j = min(j_raw, g.width - 1);  // inactive lanes still shuffle
  const int i0 = min(i_raw, g.height - 1), i1 = min(i_raw + 1, g.height - 1);
  const long long plane = blockIdx.z;
  const int head = static_cast<int>(plane % g.heads);
  const long long base = plane * g.height * g.width * g.dim;
  const int table = 2 * g.kernel - 1;

  float q0[DMAX], q1[DMAX], kv[DMAX];
  load_row<T, DMAX>(q + base + (1LL * i0 * g.width + j) * g.dim, g.dim, q0);
  load_row<T, DMAX>(q + base + (1LL * i1 * g.width + j) * g.dim, g.dim, q1);
  SoftmaxState<DMAX> s0, s1;

  const int si0 = window_start(i0, g.height, g.kernel, 1), si1 = window_start(i1, g.height, g.kernel, 1);
  const int sj = window_start(j, g.width, g.kernel, 1);
  const T* bias = rpb ? rpb + 1LL * head * table * table + (sj - j) + g.kernel - 1 : nullptr;
  // si1 is si0 or si0 + 1: the union of the two windows' rows is contiguous.
  for (int r = si0 + part; r < si1 + g.kernel; r += kParts) {
    const bool in0 = r < si0 + g.kernel, in1 = r >= si1;
    const T* bias0 = bias && in0 ? bias + (r - i0 + g.kernel - 1) * table : nullptr;
    const T* bias1 = bias && in1 ? bias + (r - i1 + g.kernel - 1) * table : nullptr;
    for (int mj = 0; mj < g.kernel; ++mj) {
      const long long key = base + (1LL * r * g.width + sj + mj) * g.dim;
      load_row<T, DMAX>(k + key, g.dim, kv);
      float logit0 = 0.f, logit1 = 0.f;
#pragma unroll
      for (int c = 0; c < DMAX; ++c) {
        logit0 = fmaf(q0[c], kv[c], logit0);
        logit1 = fmaf(q1[c], kv[c], logit1);
      }
      if (bias0) logit0 += load(bias0 + mj);  // null where the row is outside that query's window
      if (bias1) logit1 += load(bias1 + mj);
      const float weight0 = in0 ? s0.weigh(logit0) : 0.f;
      const float weight1 = in1 ? s1.weigh(logit1) : 0.f;
      load_row<T, DMAX>(v + key, g.dim, kv);
      s0.accumulate(weight0, kv);
      s1.accumulate(weight1, kv);
    }
  }
  s0.merge_parts();
  s1.merge_parts();
  if (active0) s0.store_output(out + base + (1LL * i0 * g.width + j) * g.dim, g.dim, part);
  if (active1) s1.store_output(out + base + (1LL * i1 * g.width + j) * g.dim, g.dim, part);
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
    SoftmaxState<kSlice> state;
    float value[kSlice];
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
        const float weight = state.weigh(logit);
#pragma unroll
        for (int c = 0; c < kSlice; ++c) value[c] = c0 + c < g.dim ? load(v + key + c0 + c) : 0.f;
        state.accumulate(weight, value);
      }
    }
    T* o = out + base + (1LL * i * g.width + j) * g.dim + c0;
#pragma unroll
    for (int c = 0; c < kSlice; ++c) {
      if (c0 + c < g.dim) store(o + c, state.acc[c] / state.sum);
    }
  }
}

// Whether `shape` in T runs on the current device's tensor cores; *device and *limits are set to that device and its
// limits, *error where the device cannot be queried.
template <typename T>
bool tensor_cores_apply(const NeighborhoodAttention2DShape& shape, int* device, DeviceLimits* limits,
                        cudaError_t* error) {
  if ((*error = cudaGetDevice(device)) != cudaSuccess) return false;
  if ((*error = device_limits(*device, limits)) != cudaSuccess) return false;
  return neighborhood_attention_2d_mma_applies<T>(shape, *limits);
}

}  // namespace

template <typename T>
bool neighborhood_attention_2d_cuda_uses_tensor_cores(const NeighborhoodAttention2DShape& shape) {
  int device = 0;
  DeviceLimits limits;
  cudaError_t error = cudaSuccess;
  return tensor_cores_apply<T>(shape, &device, &limits, &error);
}

template bool neighborhood_attention_2d_cuda_uses_tensor_cores<float>(const NeighborhoodAttention2DShape&);
template bool neighborhood_attention_2d_cuda_uses_tensor_cores<Half>(const NeighborhoodAttention2DShape&);

template <typename T>
cudaError_t neighborhood_attention_2d_cuda(const NeighborhoodAttention2DShape& shape,
                                           const NeighborhoodAttention2DInputs<T>& in, T* out, cudaStream_t stream,
                                           AttentionKernels kernels) {
  validate(shape);
  if (shape.batch == 0 || shape.heads == 0) return cudaSuccess;
  if (kernels != AttentionKernels::kCudaCores) {
    int device = 0;
    DeviceLimits limits;
    cudaError_t error = cudaSuccess;
    if (tensor_cores_apply<T>(shape, &device, &limits, &error)) {
      const TileForm form = kernels == AttentionKernels::kTensorCoresWhole   ? TileForm::kSquare
                            : kernels == AttentionKernels::kTensorCoresWide  ? TileForm::kWide
                            : kernels == AttentionKernels::kTensorCoresSplit ? TileForm::kSplit
                                                                              : TileForm::kAuto;
      return neighborhood_attention_2d_mma<T>(shape, in, out, stream, device, limits, form);
    }
    if (error != cudaSuccess) return error;
  }
  const Geometry g{static_cast<int>(shape.heads), static_cast<int>(shape.height), static_cast<int>(shape.width),
                   static_cast<int>(shape.dim), static_cast<int>(shape.kernel_size), static_cast<int>(shape.dilation)};
  const dim3 block(kBlockW * kParts, kBlockH);
  const dim3 wide_block(kBlockW, kBlockH);
  const dim3 grid((g.width + kBlockW - 1) / kBlockW, (g.height + kBlockH - 1) / kBlockH,
                  static_cast<unsigned>(shape.batch * shape.heads));
  if (g.dilation == 1 && g.dim <= 32) {
    const dim3 pair_grid(grid.x, (g.height + 2 * kBlockH - 1) / (2 * kBlockH), grid.z);
    if (g.dim <= 16) {
      attention_pair_kernel<T, 16><<<pair_grid, block, 0, stream>>>(in.q, in.k, in.v, in.rpb, out, g);
    } else {
      attention_pair_kernel<T, 32><<<pair_grid, block, 0, stream>>>(in.q, in.k, in.v, in.rpb, out, g);
    }
  } else if (g.dim <= 16) {
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
                                                            cudaStream_t, AttentionKernels);
template cudaError_t neighborhood_attention_2d_cuda<Half>(const NeighborhoodAttention2DShape&,
                                                           const NeighborhoodAttention2DInputs<Half>&, Half*,
                                                           cudaStream_t, AttentionKernels);

}  // namespace segman
