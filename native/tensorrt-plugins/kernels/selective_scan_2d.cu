// SelectiveScan2D on CUDA: chunked scan over 32x32 tiles in three launches.
//   1. summarise: every tile row (directions 0/2) and tile column (directions 1/3) is one chunk of its direction's
//      scan; each chunk's affine map h -> P*h + S is computed (rows by a warp-wide parallel scan, columns by one
//      lane per column), so every load is coalesced.
//   2. carry: per (batch, direction, channel, state) the chunk maps are scanned in scan order, giving each chunk's
//      incoming state.
//   3. apply: every tile recomputes its chunks from their incoming states, sums the four directions in a fixed
//      order ((y0 + y2) + (y1 + y3)) and writes y once.
// Channels are processed in groups sized to the L2 cache, so the second read of a group's inputs hits L2.
#include <algorithm>

#include "cuda_support.cuh"
#include "selective_scan_2d_cuda.h"

namespace segman {
namespace {

using cuda::load;
using cuda::store;

constexpr int kTile = 32;
constexpr int kChannelsPerBlock = 4;  // each channel gets a row warp and a column warp

struct Layout {
  int batch, channels, height, width, state;
  int col_tiles, row_tiles;  // tiles along W and along H
  long long row_pieces() const { return 1LL * batch * 2 * channels * height * col_tiles; }
  long long col_pieces() const { return 1LL * batch * 2 * channels * width * row_tiles; }
  // Chunk index of (row r, column tile ct) for direction pair slot s (0: k=0, 1: k=2).
  __host__ __device__ long long row_piece(int b, int s, int d, int r, int ct) const {
    return ((((long long)b * 2 + s) * channels + d) * height + r) * col_tiles + ct;
  }
  // Chunk index of (column c, row tile rt) for slot s (0: k=1, 1: k=3).
  __host__ __device__ long long col_piece(int b, int s, int d, int c, int rt) const {
    return ((((long long)b * 2 + s) * channels + d) * width + c) * row_tiles + rt;
  }
};

template <typename T>
struct Args {
  SelectiveScan2DInputs<T> in;
  T* y;
  Layout layout;
  float* row_summary;  // [row piece][n][2] = (P, S)
  float* col_summary;  // [col piece][n][2]
  float* row_carry;    // [row piece][n]
  float* col_carry;    // [col piece][n]
  int first_channel, channel_count;
};

__device__ __forceinline__ float softplus(float x) { return x <= 20.f ? __logf(1.f + __expf(x)) : x; }

// Per-element decay a[n] and input b[n] of direction k at map position p (identity when !valid). p is always
// inside the map (callers clamp it), so the loads need no guard and the compiler can issue them ahead of the
// recurrence.
template <typename T, int NS>
__device__ __forceinline__ void step_terms(const Args<T>& args, int b, int k, int d, long long p, float u, bool valid,
                                           float (&a)[NS], float (&bx)[NS]) {
  const Layout& g = args.layout;
  const long long L = 1LL * g.height * g.width;
  const int c = k * g.channels + d;
  float dt = load(args.in.delta + ((1LL * b * 4 + k) * g.channels + d) * L + p) + args.in.delta_bias[c];
  if (args.in.delta_softplus) dt = softplus(dt);
#pragma unroll
  for (int n = 0; n < NS; ++n) {
    const bool live = valid && n < g.state;
    const float Bn = n < g.state ? load(args.in.B + ((1LL * b * 4 + k) * g.state + n) * L + p) : 0.f;
    a[n] = live ? __expf(dt * args.in.A[c * g.state + n]) : 1.f;
    bx[n] = live ? dt * Bn * u : 0.f;
  }
}

template <typename T, int NS>
__device__ __forceinline__ float output_term(const Args<T>& args, int b, int k, int d, long long p, float u,
                                             const float (&h)[NS]) {
  const Layout& g = args.layout;
  const long long L = 1LL * g.height * g.width;
  float y = args.in.D[k * g.channels + d] * u;
#pragma unroll
  for (int n = 0; n < NS; ++n) {
    if (n < g.state) y += load(args.in.C + ((1LL * b * 4 + k) * g.state + n) * L + p) * h[n];
  }
  return y;
}

// Inclusive warp scan of affine maps in lane order (forward) or reverse lane order.
template <int NS, bool kReverse>
__device__ __forceinline__ void warp_scan(float (&a)[NS], float (&b)[NS], int lane) {
#pragma unroll
  for (int offset = 1; offset < kTile; offset <<= 1) {
#pragma unroll
    for (int n = 0; n < NS; ++n) {
      const float a_o = kReverse ? __shfl_down_sync(0xffffffffu, a[n], offset) : __shfl_up_sync(0xffffffffu, a[n], offset);
      const float b_o = kReverse ? __shfl_down_sync(0xffffffffu, b[n], offset) : __shfl_up_sync(0xffffffffu, b[n], offset);
      const bool has = kReverse ? lane + offset < kTile : lane >= offset;
      if (has) {  // earlier chunk (a_o, b_o) then this one
        b[n] = a[n] * b_o + b[n];
        a[n] = a[n] * a_o;
      }
    }
  }
}

// Phases 1 (kApply = false) and 3 (kApply = true); one block per (tile, channel group, batch).
template <typename T, int NS, bool kApply>
__global__ void __launch_bounds__(kChannelsPerBlock * 2 * 32)
    tile_kernel(Args<T> args) {
  __shared__ float row_part[kChannelsPerBlock][kTile][kTile + 1];
  const Layout& g = args.layout;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int slot = warp >> 1;
  const bool columns = warp & 1;
  const int local_channel = blockIdx.y * kChannelsPerBlock + slot;
  const bool active = local_channel < args.channel_count;
  const int d = args.first_channel + local_channel;
  const int b = blockIdx.z;
  const int rt = blockIdx.x / g.col_tiles, ct = blockIdx.x % g.col_tiles;
  const int r0 = rt * kTile, c0 = ct * kTile;
  const int rows = min(kTile, g.height - r0), cols = min(kTile, g.width - c0);
  const long long L = 1LL * g.height * g.width;
  float y1[kTile];  // column warps: direction-1 outputs, kept for the reverse pass

  if (active && !columns) {
    // Row warp: lane = column of the tile; rows one after another, each scanned across the warp.
#pragma unroll 4
    for (int i = 0; i < rows; ++i) {
      const int r = r0 + i, c = min(c0 + lane, g.width - 1);
      const bool valid = lane < cols;
      const long long p = 1LL * r * g.width + c;
      const float u = load(args.in.u + (1LL * b * g.channels + d) * L + p);
      float a0[NS], b0[NS], a2[NS], b2[NS];
      step_terms<T, NS>(args, b, 0, d, p, u, valid, a0, b0);
      step_terms<T, NS>(args, b, 2, d, p, u, valid, a2, b2);
      warp_scan<NS, false>(a0, b0, lane);
      warp_scan<NS, true>(a2, b2, lane);
      const long long forward = g.row_piece(b, 0, d, r, ct), backward = g.row_piece(b, 1, d, r, ct);
      if (!kApply) {
#pragma unroll
        for (int n = 0; n < NS; ++n) {
          if (n >= g.state) continue;
          if (lane == kTile - 1) {
            args.row_summary[(forward * g.state + n) * 2] = a0[n];
            args.row_summary[(forward * g.state + n) * 2 + 1] = b0[n];
          }
          if (lane == 0) {
            args.row_summary[(backward * g.state + n) * 2] = a2[n];
            args.row_summary[(backward * g.state + n) * 2 + 1] = b2[n];
          }
        }
      } else {
        float h0[NS], h2[NS];
#pragma unroll
        for (int n = 0; n < NS; ++n) {
          const bool live = n < g.state;
          h0[n] = live ? b0[n] + a0[n] * args.row_carry[forward * g.state + n] : 0.f;
          h2[n] = live ? b2[n] + a2[n] * args.row_carry[backward * g.state + n] : 0.f;
        }
        if (valid) row_part[slot][i][lane] = output_term<T, NS>(args, b, 0, d, p, u, h0) + output_term<T, NS>(args, b, 2, d, p, u, h2);
      }
    }
  }

  if (active && columns) {
    // Column warp: lane = column; rows in order (direction 1), then in reverse (direction 3).
    const int c = min(c0 + lane, g.width - 1);
    const bool valid = lane < cols;
    const long long forward = g.col_piece(b, 0, d, c, rt), backward = g.col_piece(b, 1, d, c, rt);
    float h1[NS], h3[NS], P3[NS];
#pragma unroll
    for (int n = 0; n < NS; ++n) {
      const bool live = kApply && valid && n < g.state;
      h1[n] = live ? args.col_carry[forward * g.state + n] : 0.f;
      h3[n] = live ? args.col_carry[backward * g.state + n] : 0.f;
      P3[n] = 1.f;
    }
    float P1[NS];
#pragma unroll
    for (int n = 0; n < NS; ++n) P1[n] = 1.f;
    // Rows past the map's edge use clamped addresses and identity terms, so every iteration runs the same code
    // and the loads can be issued ahead of the recurrence.
#pragma unroll
    for (int i = 0; i < kTile; ++i) {
      const long long p = 1LL * min(r0 + i, g.height - 1) * g.width + c;
      const float u = load(args.in.u + (1LL * b * g.channels + d) * L + p);
      const bool live = valid && i < rows;
      float a1[NS], b1[NS];
      step_terms<T, NS>(args, b, 1, d, p, u, live, a1, b1);
#pragma unroll
      for (int n = 0; n < NS; ++n) {
        h1[n] = a1[n] * h1[n] + b1[n];
        P1[n] *= a1[n];
      }
      if constexpr (kApply) {
        y1[i] = output_term<T, NS>(args, b, 1, d, p, u, h1);
      } else {
        // Direction 3 runs this chunk backwards: S3 = sum_t (prod_{s<t} a_s) b_t, accumulated forwards.
        float a3[NS], b3[NS];
        step_terms<T, NS>(args, b, 3, d, p, u, live, a3, b3);
#pragma unroll
        for (int n = 0; n < NS; ++n) {
          h3[n] += P3[n] * b3[n];
          P3[n] *= a3[n];
        }
      }
    }
    if (!kApply && valid) {
#pragma unroll
      for (int n = 0; n < NS; ++n) {
        if (n >= g.state) continue;
        args.col_summary[(forward * g.state + n) * 2] = P1[n];
        args.col_summary[(forward * g.state + n) * 2 + 1] = h1[n];
        args.col_summary[(backward * g.state + n) * 2] = P3[n];
        args.col_summary[(backward * g.state + n) * 2 + 1] = h3[n];
      }
    }
  }

  if (!kApply) return;
  __syncthreads();  // row warps' (y0 + y2) are in shared memory

  if (active && columns) {
    const int c = min(c0 + lane, g.width - 1);
    const bool valid = lane < cols;
    float h3[NS];
    const long long backward = g.col_piece(b, 1, d, c, rt);
#pragma unroll
    for (int n = 0; n < NS; ++n) h3[n] = (valid && n < g.state) ? args.col_carry[backward * g.state + n] : 0.f;
#pragma unroll
    for (int i = kTile - 1; i >= 0; --i) {
      const long long p = 1LL * min(r0 + i, g.height - 1) * g.width + c;
      const float u = load(args.in.u + (1LL * b * g.channels + d) * L + p);
      const bool live = valid && i < rows;
      float a3[NS], b3[NS];
      step_terms<T, NS>(args, b, 3, d, p, u, live, a3, b3);
#pragma unroll
      for (int n = 0; n < NS; ++n) h3[n] = a3[n] * h3[n] + b3[n];
      const float y3 = output_term<T, NS>(args, b, 3, d, p, u, h3);
      if (live) store(args.y + (1LL * b * g.channels + d) * L + p, row_part[slot][i][lane] + (y1[i] + y3));
    }
  }
}

// Phase 2: one block per (batch, slot, channel, state, orientation) chain; scans the chunk maps in scan order.
constexpr int kCarryThreads = 256;

template <typename T>
__global__ void __launch_bounds__(kCarryThreads) carry_kernel(Args<T> args) {
  __shared__ float warp_a[kCarryThreads / 32], warp_b[kCarryThreads / 32];
  const Layout& g = args.layout;
  int chain = blockIdx.x;
  const int n = chain % g.state;
  chain /= g.state;
  const int local_channel = chain % args.channel_count;
  chain /= args.channel_count;
  const int slot = chain % 2;  // 0: forward scan order, 1: reverse
  chain /= 2;
  const bool columns = chain % 2;
  const int b = chain / 2;
  const int d = args.first_channel + local_channel;
  const long long first = columns ? g.col_piece(b, slot, d, 0, 0) : g.row_piece(b, slot, d, 0, 0);
  const long long count = columns ? 1LL * g.width * g.row_tiles : 1LL * g.height * g.col_tiles;
  const float* summary = columns ? args.col_summary : args.row_summary;
  float* carry = columns ? args.col_carry : args.row_carry;

  const long long per_thread = (count + kCarryThreads - 1) / kCarryThreads;
  const long long begin = threadIdx.x * per_thread, end = min(count, begin + per_thread);
  auto piece = [&](long long s) { return first + (slot == 0 ? s : count - 1 - s); };

  float agg_a = 1.f, agg_b = 0.f;  // this thread's chunks composed in scan order
  for (long long s = begin; s < end; ++s) {
    const long long idx = piece(s) * g.state + n;
    const float P = summary[idx * 2], S = summary[idx * 2 + 1];
    agg_b = P * agg_b + S;
    agg_a = P * agg_a;
  }
  // Exclusive scan of the per-thread maps across the block.
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  float inc_a = agg_a, inc_b = agg_b;
  for (int offset = 1; offset < 32; offset <<= 1) {
    const float a_o = __shfl_up_sync(0xffffffffu, inc_a, offset), b_o = __shfl_up_sync(0xffffffffu, inc_b, offset);
    if (lane >= offset) {
      inc_b = inc_a * b_o + inc_b;
      inc_a = inc_a * a_o;
    }
  }
  if (lane == 31) {
    warp_a[warp] = inc_a;
    warp_b[warp] = inc_b;
  }
  __syncthreads();
  float state = 0.f;  // incoming state of this thread's first chunk: earlier warps, then earlier lanes
  for (int w = 0; w < warp; ++w) state = warp_a[w] * state + warp_b[w];
  const float prev_a = __shfl_up_sync(0xffffffffu, inc_a, 1), prev_b = __shfl_up_sync(0xffffffffu, inc_b, 1);
  if (lane > 0) state = prev_a * state + prev_b;
  for (long long s = begin; s < end; ++s) {
    const long long idx = piece(s) * g.state + n;
    carry[idx] = state;
    state = summary[idx * 2] * state + summary[idx * 2 + 1];
  }
}

size_t align256(size_t bytes) { return (bytes + 255) / 256 * 256; }

Layout make_layout(const SelectiveScan2DShape& s) {
  Layout g{};
  g.batch = static_cast<int>(s.batch);
  g.channels = static_cast<int>(s.channels);
  g.height = static_cast<int>(s.height);
  g.width = static_cast<int>(s.width);
  g.state = static_cast<int>(s.state);
  g.col_tiles = (g.width + kTile - 1) / kTile;
  g.row_tiles = (g.height + kTile - 1) / kTile;
  return g;
}

template <typename T, int NS>
cudaError_t launch(Args<T> args, cudaStream_t stream) {
  const Layout& g = args.layout;
  int device = 0, l2_bytes = 0;
  cudaError_t status = cudaGetDevice(&device);
  if (status != cudaSuccess) return status;
  status = cudaDeviceGetAttribute(&l2_bytes, cudaDevAttrL2CacheSize, device);
  if (status != cudaSuccess) return status;
  // Channel groups small enough that phase 3 re-reads phase 1's inputs from L2; at most 8 groups.
  const size_t per_channel = 1ULL * g.height * g.width * 5 * sizeof(T);
  int group = static_cast<int>(std::max<size_t>(1, (static_cast<size_t>(l2_bytes) / 2) / per_channel));
  group = std::max(group, (g.channels + 7) / 8);
  group = std::min(group, g.channels);
  const int tiles = g.col_tiles * g.row_tiles;
  for (int first = 0; first < g.channels; first += group) {
    args.first_channel = first;
    args.channel_count = std::min(group, g.channels - first);
    const dim3 grid(tiles, (args.channel_count + kChannelsPerBlock - 1) / kChannelsPerBlock, g.batch);
    tile_kernel<T, NS, false><<<grid, kChannelsPerBlock * 64, 0, stream>>>(args);
    carry_kernel<T><<<g.batch * 2 * 2 * args.channel_count * g.state, kCarryThreads, 0, stream>>>(args);
    tile_kernel<T, NS, true><<<grid, kChannelsPerBlock * 64, 0, stream>>>(args);
    status = cudaGetLastError();
    if (status != cudaSuccess) return status;
  }
  return cudaSuccess;
}

}  // namespace

size_t selective_scan_2d_cuda_workspace_size(const SelectiveScan2DShape& shape) {
  const Layout g = make_layout(shape);
  const size_t pieces = static_cast<size_t>(g.row_pieces() + g.col_pieces());
  return align256(pieces * g.state * 3 * sizeof(float));
}

template <typename T>
cudaError_t selective_scan_2d_cuda(const SelectiveScan2DShape& shape, const SelectiveScan2DInputs<T>& in, T* y,
                                   void* workspace, cudaStream_t stream) {
  validate(shape);
  if (shape.batch == 0 || shape.channels == 0) return cudaSuccess;
  Args<T> args{};
  args.in = in;
  args.y = y;
  args.layout = make_layout(shape);
  const Layout& g = args.layout;
  float* base = static_cast<float*>(workspace);
  args.row_summary = base;
  args.col_summary = args.row_summary + g.row_pieces() * g.state * 2;
  args.row_carry = args.col_summary + g.col_pieces() * g.state * 2;
  args.col_carry = args.row_carry + g.row_pieces() * g.state;
  if (g.state == 1) return launch<T, 1>(args, stream);
  if (g.state <= 4) return launch<T, 4>(args, stream);
  return launch<T, 16>(args, stream);
}

template cudaError_t selective_scan_2d_cuda<float>(const SelectiveScan2DShape&, const SelectiveScan2DInputs<float>&,
                                                    float*, void*, cudaStream_t);
template cudaError_t selective_scan_2d_cuda<Half>(const SelectiveScan2DShape&, const SelectiveScan2DInputs<Half>&,
                                                   Half*, void*, cudaStream_t);

}  // namespace segman
