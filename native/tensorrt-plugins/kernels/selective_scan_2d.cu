// SelectiveScan2D on CUDA, as a chunked scan in three launches:
//   1. summarise: every chunk's affine map h -> P*h + S;
//   2. carry: per (batch, direction, channel, state) the chunk maps are scanned in scan order, giving each chunk's
//      incoming state;
//   3. apply: every tile recomputes its chunks from their incoming states, sums the four directions and writes y once.
// N = 1 maps of at most 8192 elements (SegMAN's 16x32, 32x64 and 64x128 maps) whose sides split into runs of 4 (8
// past 1024 elements; any sides up to 256 elements) skip the plan: a block per channel holds the whole map in
// registers and scans each direction across the block (`resident_kernel`, all blocks at once; its lean build where
// they do not fit, in up to 3 waves). On devices with thread block clusters, maps of up to twice that whose sides
// are multiples of 8 (the demo model's 80x160 map) are held the same way by the 2 blocks of a cluster
// (`resident_cluster_kernel`).
// Two tilings share the plan otherwise:
// - N = 1 (SegMAN), `scalar_state`: one warp per tile of 16, 8 or 4 rows x 32*V columns of one channel, lane l
//   owning V adjacent columns, so every row of every input is one coalesced V-wide load per lane. A row segment is a
//   chunk of the row-major directions (each lane composes its V steps, then the warp scans the lanes with shuffles);
//   a column segment is a chunk of the column-major directions (each lane walks its columns down the rows). Warps
//   are independent and the inputs are read straight from memory; tiles are as tall as the map allows while still
//   giving about a wave of warps, since a warp's rows run one after another. Maps of at most 4 such tiles of one or
//   two columns per lane take a single launch instead (`map_kernel`; its register-capped build; or, cut into tiles
//   half as tall, `map_kernel_split`) where all their blocks fit on the GPU at once: a block per channel, a warp per
//   tile, the three phases separated by block barriers, the chunk maps and carries in shared memory.
// - N > 1: 32x32 tiles; rows scanned by a warp-wide parallel scan, columns by one lane per column; channels
//   are processed in groups sized to the L2 cache, so the second read of a group's inputs hits L2.
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "cuda_support.cuh"
#include "device_limits.h"
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
  int device = 0;
  DeviceLimits limits;
  cudaError_t status = cudaGetDevice(&device);
  if (status != cudaSuccess) return status;
  status = device_limits(device, &limits);
  if (status != cudaSuccess) return status;
  const int l2_bytes = limits.l2_bytes;
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


// ---------------------------------------------------------------- N = 1: one warp per Rows x 32V tile
namespace scalar_state {

constexpr int kWarps = 4;  // warps per block; warps do not cooperate
// Blocks of the apply kernel an SM must hold at once: caps its registers at 128 a thread. Left to itself the
// compiler took up to 138 with the softplus flag fixed at compile time, and an SM held three blocks.
constexpr int kApplyBlocksPerSM = 4;
// A warp walks the rows of its tile one after another, so a launch of few warps takes as long as one warp's rows.
// Maps that give fewer warps than this (about one wave at the apply kernel's occupancy on a 132-SM GPU) take
// shorter tiles (16, then 8, then 4 rows): more, shorter chunks. Measured on an H100: 16 to 8 rows took a
// 384x16x32 map from 74 to 42 us and made a 96x256x512 one 1.2x slower.
// The warps a map should give: about one wave for tiles of one column per lane; fewer, longer tiles of four
// columns per lane. Measured on an H100 (bench/native/kernel_sweep.sh, which builds variants with other values of
// these macros and times them side by side): four-column tiles with 1152 warps instead of 2048 ran SegMAN-B's
// 96x128x256, 160x64x128 and 364x64x128 maps 1.10-1.11x faster in fp32 (1.30x for the last in fp16) and SegMAN-T's
// 144x64x128 1.09x, the other maps within the noise of a second copy of the same build (0.95-1.05x); one-column
// tiles with 1024 warps made four maps 0.62-0.91x.
#ifndef SEGMAN_SCAN_WAVE_WARPS
#define SEGMAN_SCAN_WAVE_WARPS 2048
#endif
#ifndef SEGMAN_SCAN_WIDE_WAVE_WARPS
#define SEGMAN_SCAN_WIDE_WAVE_WARPS 1152
#endif
constexpr long long kWaveWarps = SEGMAN_SCAN_WAVE_WARPS, kWideWaveWarps = SEGMAN_SCAN_WIDE_WAVE_WARPS;
constexpr int kMaxRows = 16, kMinRows = 4;
// Rows the summarise and apply loops unroll, in their own kernels and in the one-block kernel. Measured on an H100
// (the sweep), 2 rows instead of 4 in the summarise kernel: 1.03-1.16x on the three-launch maps, except 0.85-0.87x on
// 540x32x64 (one column per lane, 16-row tiles), which keeps 4; in the one-block kernel, 0.93x. Unrolling 8 rows was
// 0.95-1.05x. The apply loop's 2 rows, 1 instead: 1.04-1.07x on the one-block 16x32 maps, 0.87-1.06x on the others;
// 4 instead: 0.54-1.14x (0.64x on 540x16x32, which then no longer fits in one wave).
#ifndef SEGMAN_SCAN_SUMMARISE_UNROLL
#define SEGMAN_SCAN_SUMMARISE_UNROLL 2
#endif
#ifndef SEGMAN_SCAN_MAP_SUMMARISE_UNROLL
#define SEGMAN_SCAN_MAP_SUMMARISE_UNROLL 4
#endif
#ifndef SEGMAN_SCAN_APPLY_UNROLL
#define SEGMAN_SCAN_APPLY_UNROLL 2
#endif
#ifndef SEGMAN_SCAN_MAP_APPLY_UNROLL
#define SEGMAN_SCAN_MAP_APPLY_UNROLL 1
#endif
constexpr int kApplyUnroll = SEGMAN_SCAN_APPLY_UNROLL, kMapApplyUnroll = SEGMAN_SCAN_MAP_APPLY_UNROLL;
template <int V, int Rows>
__host__ __device__ constexpr int summarise_unroll() {
  return V == 1 && Rows == 16 ? 4 : SEGMAN_SCAN_SUMMARISE_UNROLL;
}
constexpr int kMapSummariseUnroll = SEGMAN_SCAN_MAP_SUMMARISE_UNROLL;
// Columns per lane: 4 (one vector load per row) only where a row fills most of a warp's 128 columns; 2 where it
// fills most of 64 (the stage-3 and decoder 32x64 maps): a lane's pair of columns shares one step of the lane scans,
// which one column per lane pays for every element. Measured on an H100 (the sweep): SegMAN-T's 384x32x64 1.27x in
// fp16 (one block per map) and SegMAN-B's 540x32x64 1.09x in fp16 (three launches), the other maps 0.98-1.04x.
constexpr int kWideMinWidth = 128;
#ifndef SEGMAN_SCAN_PAIR_COLUMNS
#define SEGMAN_SCAN_PAIR_COLUMNS 1
#endif
#ifndef SEGMAN_SCAN_PAIR_WAVE_WARPS
#define SEGMAN_SCAN_PAIR_WAVE_WARPS 1152
#endif
constexpr bool kPairColumns = SEGMAN_SCAN_PAIR_COLUMNS;
constexpr int kPairMinWidth = 64;
constexpr long long kPairWaveWarps = SEGMAN_SCAN_PAIR_WAVE_WARPS;
// One-block maps (map_kernel): at most this many warps, one per tile, as the three-launch blocks. Measured on an
// H100, blocks of 8 and 16 tiles were 0.7-1.0x the three launches on 32x64 maps, blocks of 4 1.2-1.5x. Their
// dynamic shared memory stays within the 48 KiB a launch gets without opting in.
constexpr int kMaxMapWarps = kWarps;
// Blocks an SM must hold of the one-block kernel's second build, which a map takes where the first's blocks
// (registers left to the compiler) do not all fit on the GPU at once but these do: capped registers, but one wave
// instead of the three launches. Measured on an H100: SegMAN-B's 540x32x64 map in two-column tiles, 4 blocks an SM
// uncapped (115 registers), 5 capped (96): 1.19x faster in fp32, 1.20x in fp16. 0: no second build.
#ifndef SEGMAN_SCAN_MAP_CAPPED_BLOCKS
#define SEGMAN_SCAN_MAP_CAPPED_BLOCKS 5
#endif
constexpr int kMapCappedBlocks = SEGMAN_SCAN_MAP_CAPPED_BLOCKS;
// A one-block map of 8- or 16-row tiles is cut into tiles half as tall instead, twice the warps in blocks of up to
// kMapSplitWarps, where those blocks all fit at once with registers capped for kMapSplitBlocks blocks an SM: each
// warp's chain of rows is half as long, and an SM holds twice the warps to hide its loads' latency (Nsight Compute
// on SegMAN-T's 384x32x64 map: 18 % achieved occupancy, 58 % of the stalls waiting on loads). Measured on an H100:
// 384x32x64 1.23x in fp32 and 1.16x in fp16, SegMAN-B's 364x32x64 1.24x; capped for 4 blocks an SM (64 registers)
// instead of 3 (80), 1.08-1.14x. 0: never.
#ifndef SEGMAN_SCAN_MAP_SPLIT_BLOCKS
#define SEGMAN_SCAN_MAP_SPLIT_BLOCKS 3
#endif
constexpr int kMapSplitBlocks = SEGMAN_SCAN_MAP_SPLIT_BLOCKS;
constexpr int kMapSplitWarps = 2 * kMaxMapWarps;
constexpr size_t kMaxMapSharedBytes = 48 * 1024;
// One block per map only for tiles of one or two columns per lane. Four-column tiles in one block (16 rows tall on
// SegMAN-B's 364x64x128 map, the one map of the benchmark that took them: 152 registers, three blocks an SM) ran
// 1.22x slower in fp32 and 1.06x in fp16 than the same tiles in three launches on an H100.
constexpr int kMapMaxVec = 2;
constexpr unsigned kFull = 0xffffffffu;

// The kernels' view of the tiling. The tile height is their template argument `Rows`, not a field here: one more
// int in this kernel-argument struct changed the compiled schedule and made large fp32 maps up to 1.2x slower.
struct Grid {
  int batch, channels, height, width;
  int col_tiles, row_tiles;  // tiles along W (32*V columns) and along H (Rows rows)

  __host__ __device__ long long warps() const { return 1LL * batch * channels * row_tiles * col_tiles; }
  // Chains of one orientation: (batch, slot, channel); slot 0 runs forwards (k = 0, 1), slot 1 backwards (k = 2, 3).
  __host__ __device__ long long chains() const { return 2LL * batch * channels; }
  __host__ __device__ long long row_chain() const { return 1LL * height * col_tiles; }
  __host__ __device__ long long col_chain() const { return 1LL * width * row_tiles; }
  // Chunks are stored chain by chain in forward scan order: rows by (row, column tile), columns by (column, row tile).
  __host__ __device__ long long row_chunk(int b, int s, int d, int r, int ct) const {
    return ((2LL * b + s) * channels + d) * row_chain() + 1LL * r * col_tiles + ct;
  }
  __host__ __device__ long long col_chunk(int b, int s, int d, int c, int rt) const {
    return ((2LL * b + s) * channels + d) * col_chain() + 1LL * c * row_tiles + rt;
  }
};

// Where one channel's chunks lie in the summary and carry arrays: in the workspace, among every channel's
// (`chunks_of`), or in a block's shared memory, its channel alone (`block_chunks_of`).
struct Chunks {
  long long row, col;            // the channel's first row and column chunk of slot 0
  long long row_slot, col_slot;  // from slot 0 to slot 1
  int col_tiles, row_tiles;
  __device__ long long row_chunk(int s, int r, int ct) const { return row + s * row_slot + 1LL * r * col_tiles + ct; }
  __device__ long long col_chunk(int s, int c, int rt) const { return col + s * col_slot + 1LL * c * row_tiles + rt; }
};

__device__ __forceinline__ Chunks chunks_of(const Grid& g, int b, int d) {
  return Chunks{g.row_chunk(b, 0, d, 0, 0), g.col_chunk(b, 0, d, 0, 0), g.channels * g.row_chain(),
                g.channels * g.col_chain(), g.col_tiles, g.row_tiles};
}

__device__ __forceinline__ Chunks block_chunks_of(const Grid& g) {
  return Chunks{0, 0, g.row_chain(), g.col_chain(), g.col_tiles, g.row_tiles};
}

// How a map is cut: the grid, its tile height (the rows of a column chunk, the kernels' `Rows`), the columns per
// lane, and whether one block holds the whole map (`map_kernel`) or three launches share a workspace.
struct Tiling {
  Grid grid;
  int rows;
  int vec;
  bool one_block_per_map;
};

// The warps a map of `vec` columns per lane should give.
long long wave_warps(int vec) { return vec == 4 ? kWideWaveWarps : vec == 2 ? kPairWaveWarps : kWaveWarps; }

// The tiling for `vec` columns per lane: the longest tiles that still give a wave of warps.
Tiling make_grid_tiling(const SelectiveScan2DShape& s, int vec) {
  Tiling t{};
  t.vec = vec;
  Grid& g = t.grid;
  g.batch = static_cast<int>(s.batch);
  g.channels = static_cast<int>(s.channels);
  g.height = static_cast<int>(s.height);
  g.width = static_cast<int>(s.width);
  g.col_tiles = (g.width + 32 * vec - 1) / (32 * vec);
  for (t.rows = kMaxRows;; t.rows /= 2) {
    g.row_tiles = (g.height + t.rows - 1) / t.rows;
    if (t.rows == kMinRows || g.warps() >= wave_warps(vec)) break;
  }
  return t;
}

// Shared memory of a one-block map: the chunk maps (float2) and carries (float) of both slots of its row and
// column chains, then each warp's partial sums.
struct MapSharedLayout {
  long long row_chunks, col_chunks;  // both slots
  size_t bytes;
};

__host__ __device__ inline MapSharedLayout map_shared_layout(const Grid& g, int rows, int vec) {
  MapSharedLayout m{};
  m.row_chunks = 2 * g.row_chain();
  m.col_chunks = 2 * g.col_chain();
  m.bytes = static_cast<size_t>(m.row_chunks + m.col_chunks) * (sizeof(float2) + sizeof(float)) +
            static_cast<size_t>(g.row_tiles) * g.col_tiles * rows * vec * 32 * sizeof(float);
  return m;
}

// Whether the map's width allows tiles of `vec` columns per lane.
bool fits_columns(const SelectiveScan2DShape& s, int vec) {
  if (vec == 4) return s.width % 4 == 0 && s.width >= kWideMinWidth;
  if (vec == 2) return kPairColumns && s.width % 2 == 0 && s.width >= kPairMinWidth && s.width < kWideMinWidth;
  return true;
}

bool aligned(const void* p, size_t bytes) { return reinterpret_cast<std::uintptr_t>(p) % bytes == 0; }

// The tiling of make_grid_tiling, in one block per map where the map has at most kMaxMapWarps tiles of at most
// kMapMaxVec columns per lane and its shared memory fits: the same warps, without two of the launches and the
// workspace round trip. (Longer tiles than the wave rule gives, to fit a map in a block, were up to 2.2x slower on
// an H100.) Four (or two) columns per lane where the width and the tensors' alignment (`aligned_vec`: the widest
// loads every tensor allows) permit and the shortest such tiles still give a wave of warps; otherwise one column per
// lane, which gives four times the warps (on an H100, 1.14x faster on a 64x64x128 map, whose four-column tiles give
// 1024 warps at most).
Tiling make_tiling(const SelectiveScan2DShape& s, int aligned_vec) {
  Tiling t = make_grid_tiling(s, 1);
  for (int vec : {4, 2}) {
    if (vec > aligned_vec || !fits_columns(s, vec)) continue;
    const Tiling wider = make_grid_tiling(s, vec);
    if (wider.grid.warps() >= wave_warps(vec)) {
      t = wider;
      break;
    }
  }
  const Grid& g = t.grid;
  t.one_block_per_map = t.vec <= kMapMaxVec && 1LL * g.row_tiles * g.col_tiles <= kMaxMapWarps &&
                        map_shared_layout(g, t.rows, t.vec).bytes <= kMaxMapSharedBytes;
  return t;
}

template <typename T>
struct TileArgs {
  SelectiveScan2DInputs<T> in;
  T* y;
  Grid grid;
  float2* row_summary;  // (P, S) per row chunk
  float2* col_summary;  // (P, S) per column chunk
  float* row_carry;     // incoming state per row chunk
  float* col_carry;     // incoming state per column chunk
};

// Workspace layout; sized for either tiling, since the pointers' alignment picks one only at run time.
struct Workspace {
  float2* row_summary;
  float2* col_summary;
  float* row_carry;
  float* col_carry;
};

size_t workspace_bytes(const SelectiveScan2DShape& shape) {
  size_t chunks = 0;
  for (int vec : {1, 2, 4}) {
    if (!fits_columns(shape, vec)) continue;
    const Grid g = make_grid_tiling(shape, vec).grid;
    chunks = std::max(chunks, static_cast<size_t>(g.chains() * (g.row_chain() + g.col_chain())));
  }
  return align256(chunks * 3 * sizeof(float));
}

Workspace split_workspace(const Grid& g, void* base) {
  Workspace w{};
  w.row_summary = static_cast<float2*>(base);
  w.col_summary = w.row_summary + g.chains() * g.row_chain();
  w.row_carry = reinterpret_cast<float*>(w.col_summary + g.chains() * g.col_chain());
  w.col_carry = w.row_carry + g.chains() * g.row_chain();
  return w;
}

// V consecutive elements as floats; V = 4 is one 16-byte (float) or 8-byte (half) load, V = 2 one 8- or 4-byte.
template <int V, typename T>
__device__ __forceinline__ void load_vec(const T* p, float (&x)[V]) {
  static_assert(V == 1 || V == 2 || V == 4, "vector width 1, 2 or 4");
  if constexpr (V == 1) {
    x[0] = load(p);
  } else if constexpr (V == 2 && std::is_same_v<T, float>) {
    const float2 v = __ldg(reinterpret_cast<const float2*>(p));
    x[0] = v.x, x[1] = v.y;
  } else if constexpr (V == 2) {
    const float2 v = cuda::unpack_halves(__ldg(reinterpret_cast<const unsigned*>(p)));
    x[0] = v.x, x[1] = v.y;
  } else if constexpr (std::is_same_v<T, float>) {
    const float4 v = __ldg(reinterpret_cast<const float4*>(p));
    x[0] = v.x, x[1] = v.y, x[2] = v.z, x[3] = v.w;
  } else {
    const uint2 v = __ldg(reinterpret_cast<const uint2*>(p));
    const float2 lo = cuda::unpack_halves(v.x), hi = cuda::unpack_halves(v.y);
    x[0] = lo.x, x[1] = lo.y, x[2] = hi.x, x[3] = hi.y;
  }
}

template <int V, typename T>
__device__ __forceinline__ void store_vec(T* p, const float (&x)[V]) {
  if constexpr (V == 1) {
    store(p, x[0]);
  } else if constexpr (V == 2 && std::is_same_v<T, float>) {
    *reinterpret_cast<float2*>(p) = make_float2(x[0], x[1]);
  } else if constexpr (V == 2) {
    *reinterpret_cast<unsigned*>(p) = cuda::pack_halves(x[0], x[1]);
  } else if constexpr (std::is_same_v<T, float>) {
    *reinterpret_cast<float4*>(p) = make_float4(x[0], x[1], x[2], x[3]);
  } else {
    *reinterpret_cast<uint2*>(p) = make_uint2(cuda::pack_halves(x[0], x[1]), cuda::pack_halves(x[2], x[3]));
  }
}

// Per-direction parameters of one channel (row c = k*D + d of A, D and delta_bias).
struct Coef {
  float A, D, bias;
};

// Where a warp's tile lies and where this lane's columns start.
struct Tile {
  int b, d, rt, ct;
  int r0;        // first row of the tile
  int c0;        // this lane's first column
  int c;         // c0 clamped into the map, for loads
  bool columns;  // this lane's columns lie inside the map
};

template <int V, int Rows>
__device__ __forceinline__ Tile tile_of(const Grid& g, long long warp, int lane) {
  Tile t;
  t.ct = static_cast<int>(warp % g.col_tiles);
  warp /= g.col_tiles;
  t.rt = static_cast<int>(warp % g.row_tiles);
  warp /= g.row_tiles;
  t.d = static_cast<int>(warp % g.channels);
  t.b = static_cast<int>(warp / g.channels);
  t.r0 = t.rt * Rows;
  t.c0 = (t.ct * 32 + lane) * V;
  t.columns = t.c0 < g.width;  // the width is a multiple of V
  t.c = min(t.c0, g.width - V);
  return t;
}

// Decay a and input b of one step; the identity map when !live.
__device__ __forceinline__ void step(float raw_dt, float Bv, float u, const Coef& k, bool softplus_on, bool live,
                                     float& a, float& b) {
  float dt = raw_dt + k.bias;
  if (softplus_on) dt = softplus(dt);
  a = live ? __expf(dt * k.A) : 1.f;
  b = live ? dt * Bv * u : 0.f;
}

// Inclusive scan of affine maps across the warp, in lane order or in reverse lane order.
template <bool kReverse>
__device__ __forceinline__ void scan_lanes(float& P, float& S, int lane) {
#pragma unroll
  for (int offset = 1; offset < 32; offset <<= 1) {
    const float P_o = kReverse ? __shfl_down_sync(kFull, P, offset) : __shfl_up_sync(kFull, P, offset);
    const float S_o = kReverse ? __shfl_down_sync(kFull, S, offset) : __shfl_up_sync(kFull, S, offset);
    if (kReverse ? lane + offset < 32 : lane >= offset) {  // the other lane's map comes first
      S = P * S_o + S;
      P = P * P_o;
    }
  }
}

// The map of the lanes before this one in scan order (identity for the first lane), from the inclusive scan.
template <bool kReverse>
__device__ __forceinline__ void exclusive_lanes(float& P, float& S, int lane) {
  const float P_o = kReverse ? __shfl_down_sync(kFull, P, 1) : __shfl_up_sync(kFull, P, 1);
  const float S_o = kReverse ? __shfl_down_sync(kFull, S, 1) : __shfl_up_sync(kFull, S, 1);
  const bool first = kReverse ? lane == 31 : lane == 0;
  P = first ? 1.f : P_o;
  S = first ? 0.f : S_o;
}

template <typename T>
struct Planes {
  const T* u;
  const T* delta[kScanDirections];
  const T* B[kScanDirections];
  const T* C[kScanDirections];
  Coef coef[kScanDirections];
};

template <typename T>
__device__ __forceinline__ Planes<T> planes_of(const SelectiveScan2DInputs<T>& in, const Grid& g, const Tile& t) {
  const long long L = 1LL * g.height * g.width;
  Planes<T> pl;
  pl.u = in.u + (1LL * t.b * g.channels + t.d) * L;
#pragma unroll
  for (int k = 0; k < kScanDirections; ++k) {
    pl.delta[k] = in.delta + ((4LL * t.b + k) * g.channels + t.d) * L;
    pl.B[k] = in.B + (4LL * t.b + k) * L;
    pl.C[k] = in.C + (4LL * t.b + k) * L;
    const int c = k * g.channels + t.d;
    pl.coef[k] = Coef{in.A[c], in.D[c], in.delta_bias[c]};
  }
  return pl;
}

// Phase 1 of one warp's tile: the (P, S) map of every row chunk (k = 0, 2) and column chunk (k = 1, 3).
template <typename T, int V, int Rows, int Unroll>
__device__ __forceinline__ void summarise_tile(const Grid& g, const Tile& t, const Planes<T>& pl, bool sp,
                                               const Chunks& ch, float2* row_summary, float2* col_summary,
                                               int lane) {
  float P1[V], S1[V], P3[V], S3[V];
#pragma unroll
  for (int v = 0; v < V; ++v) P1[v] = 1.f, S1[v] = 0.f, P3[v] = 1.f, S3[v] = 0.f;

#pragma unroll(Unroll)
  for (int i = 0; i < Rows; ++i) {
    // Rows past the map use a clamped address and identity steps, so every iteration runs the same code.
    const int r = t.r0 + i;
    const bool row_live = r < g.height, live = row_live && t.columns;
    const long long p = 1LL * min(r, g.height - 1) * g.width + t.c;
    float u[V], a[kScanDirections][V], bx[kScanDirections][V];
    load_vec<V>(pl.u + p, u);
#pragma unroll
    for (int k = 0; k < kScanDirections; ++k) {
      float dt[V], Bv[V];
      load_vec<V>(pl.delta[k] + p, dt);
      load_vec<V>(pl.B[k] + p, Bv);
#pragma unroll
      for (int v = 0; v < V; ++v) step(dt[v], Bv[v], u[v], pl.coef[k], sp, live, a[k][v], bx[k][v]);
    }
    // Row chunk: this lane's V steps (forwards for k = 0, backwards for k = 2), then the lanes.
    float P0 = 1.f, S0 = 0.f, P2 = 1.f, S2 = 0.f;
#pragma unroll
    for (int v = 0; v < V; ++v) {
      S0 = a[0][v] * S0 + bx[0][v];
      P0 *= a[0][v];
      S2 = a[2][V - 1 - v] * S2 + bx[2][V - 1 - v];
      P2 *= a[2][V - 1 - v];
    }
    scan_lanes<false>(P0, S0, lane);
    scan_lanes<true>(P2, S2, lane);
    if (row_live && lane == 31) row_summary[ch.row_chunk(0, r, t.ct)] = make_float2(P0, S0);
    if (row_live && lane == 0) row_summary[ch.row_chunk(1, r, t.ct)] = make_float2(P2, S2);
    // Column chunks: k = 1 walks down; k = 3 walks up, so its map S3 = sum_i (prod_{j<i} a_j) b_i builds downwards.
#pragma unroll
    for (int v = 0; v < V; ++v) {
      S1[v] = a[1][v] * S1[v] + bx[1][v];
      P1[v] *= a[1][v];
      S3[v] += P3[v] * bx[3][v];
      P3[v] *= a[3][v];
    }
  }
  if (!t.columns) return;
#pragma unroll
  for (int v = 0; v < V; ++v) {
    col_summary[ch.col_chunk(0, t.c0 + v, t.rt)] = make_float2(P1[v], S1[v]);
    col_summary[ch.col_chunk(1, t.c0 + v, t.rt)] = make_float2(P3[v], S3[v]);
  }
}

template <typename T, int V, int Rows, bool kSoftplus>
__global__ void __launch_bounds__(kWarps * 32) summarise_kernel(TileArgs<T> args) {
  const Grid& g = args.grid;
  const int lane = threadIdx.x & 31;
  const long long warp = 1LL * blockIdx.x * kWarps + (threadIdx.x >> 5);
  if (warp >= g.warps()) return;  // whole warps leave together
  const Tile t = tile_of<V, Rows>(g, warp, lane);
  summarise_tile<T, V, Rows, summarise_unroll<V, Rows>()>(g, t, planes_of(args.in, g, t), kSoftplus,
                                                         chunks_of(g, t.b, t.d), args.row_summary,
                                                         args.col_summary, lane);
}

// Phase 2 of one chain of `n` chunk maps, stored in forward scan order: each thread composes a contiguous run of
// chunks, the runs are scanned, and each thread writes its chunks' incoming states.
__device__ __forceinline__ long long chain_at(long long s, long long n, bool reverse) {
  return reverse ? n - 1 - s : s;
}

struct ChunkRun {
  long long begin, end;
};

__device__ __forceinline__ ChunkRun run_of(long long n, int index, int count) {
  const long long per_thread = (n + count - 1) / count;
  const long long begin = min(n, index * per_thread);
  return ChunkRun{begin, min(n, begin + per_thread)};
}

__device__ __forceinline__ void compose_run(const float2* summary, long long n, bool reverse, ChunkRun run, float& P,
                                            float& S) {
  P = 1.f, S = 0.f;
#pragma unroll 4
  for (long long s = run.begin; s < run.end; ++s) {
    const float2 m = summary[chain_at(s, n, reverse)];
    S = m.x * S + m.y;
    P *= m.x;
  }
}

__device__ __forceinline__ void write_run(const float2* summary, float* carry, long long n, bool reverse,
                                          ChunkRun run, float h) {
#pragma unroll 4
  for (long long s = run.begin; s < run.end; ++s) {
    const long long at = chain_at(s, n, reverse);
    const float2 m = summary[at];
    carry[at] = h;
    h = m.x * h + m.y;
  }
}

// By one warp, without block barriers (the one-block kernel gives each chain its own warp).
__device__ __forceinline__ void carry_chain_warp(const float2* summary, float* carry, long long n, bool reverse,
                                                 int lane) {
  const ChunkRun run = run_of(n, lane, 32);
  float P, S;
  compose_run(summary, n, reverse, run, P, S);
  scan_lanes<false>(P, S, lane);
  exclusive_lanes<false>(P, S, lane);
  write_run(summary, carry, n, reverse, run, S);  // the chain starts from state 0
}

// One block per chain of the workspace. A long chain is taken in tiles of up to kCarryThreads x kCarryItems chunk
// maps: the block loads a tile with every load issued at once (consecutive threads, consecutive chunks), each thread
// composes a run of adjacent maps out of shared memory, the runs are scanned across the block, and the incoming
// states go back out the same coalesced way. Each thread used to walk its run straight from global memory, one
// dependent load after another: on an H100 that took 22.6 us of a 32x256x512 map's 138. A chain of at most
// kCarryDirectChunks is still walked that way (runs of at most 4): on the 32x64 maps of many channels, whose chains
// are 256-512 chunks long, the tiles' barriers and shared-memory round trips made the whole scan 0.93-0.95x.
constexpr int kCarryThreads = 256;
constexpr int kCarryItems = 8;
constexpr long long kCarryDirectChunks = 4 * kCarryThreads;
// A chain of at most 32 x kWarpChainItems chunks (the row chains of the 32x64 maps: 32 or 64) is a warp's, eight
// chains a block, instead of a block's of 256 threads mostly idle. Measured on an H100 (the sweep): 1.03-1.05x on the
// 144x32x64 and 540x32x64 maps against a block per chain; warps for chains of up to 256 chunks as well were
// 0.94-1.03x, and of up to 512 made the 144x32x64 map's carry launch 5.5 -> 10.6 us.
#ifndef SEGMAN_SCAN_WARP_CHAIN_ITEMS
#define SEGMAN_SCAN_WARP_CHAIN_ITEMS 2
#endif
constexpr int kWarpChainItems = SEGMAN_SCAN_WARP_CHAIN_ITEMS;
constexpr long long kWarpChainChunks = 32LL * kWarpChainItems;
constexpr int kCarryWarps = kCarryThreads / 32;

struct Chains {
  const float2* summary;
  float* carry;
  long long length;  // chunks per chain
};

// Shared-memory slot of tile element e: one float2 of padding every 16 keeps both the coalesced (element = i *
// threads + thread) and the run-wise (element = thread * items + i) accesses free of bank conflicts.
__host__ __device__ constexpr int carry_slot(int e) { return e + (e >> 4); }

// Maps a thread composes per tile for a chain of n: as many as a short chain needs, kCarryItems for a long one.
__host__ __device__ inline int carry_items(long long n) {
  const long long items = (n + kCarryThreads - 1) / kCarryThreads;
  return items < kCarryItems ? static_cast<int>(items) : kCarryItems;
}

// Shared memory for chains of n: a stage per warp, none for the direct walk, or a tile.
size_t carry_shared_bytes(long long n) {
  if (n <= kWarpChainChunks) return kCarryWarps * carry_slot(static_cast<int>(n)) * sizeof(float2);
  if (n <= kCarryDirectChunks) return 0;
  return carry_slot(carry_items(n) * kCarryThreads) * sizeof(float2);
}

// One warp's chain of at most kWarpChainChunks, staged in shared memory as the block's tiles are: coalesced loads,
// lane l composing chunks [l * items, (l + 1) * items), coalesced stores. (Each lane loading and storing its own run
// straight from memory was slower still.)
__device__ __forceinline__ void carry_chain_warp_staged(const float2* summary, float* carry, long long n, bool reverse,
                                                        int lane, float2* stage) {
  const int count = static_cast<int>(n), items = (count + 31) / 32;
#pragma unroll
  for (int i = 0; i < kWarpChainItems; ++i) {
    const int e = i * 32 + lane;
    if (e < count) stage[carry_slot(e)] = summary[chain_at(e, n, reverse)];
  }
  __syncwarp();
  const int first = lane * items;
  float P = 1.f, S = 0.f;
  for (int e = first; e < min(first + items, count); ++e) {
    const float2 q = stage[carry_slot(e)];
    S = q.x * S + q.y;
    P *= q.x;
  }
  scan_lanes<false>(P, S, lane);
  exclusive_lanes<false>(P, S, lane);
  float h = S;  // the chain starts from state 0; each chunk's incoming state replaces its P
  for (int e = first; e < min(first + items, count); ++e) {
    float2& q = stage[carry_slot(e)];
    const float2 map = q;
    q.x = h;
    h = map.x * h + map.y;
  }
  __syncwarp();
#pragma unroll
  for (int i = 0; i < kWarpChainItems; ++i) {
    const int e = i * 32 + lane;
    if (e < count) carry[chain_at(e, n, reverse)] = stage[carry_slot(e)].x;
  }
}

// Blocks the carry launch needs for `chains` chains of `n` chunks.
__host__ __device__ inline long long carry_blocks(long long chains, long long n) {
  return n <= kWarpChainChunks ? (chains + kCarryWarps - 1) / kCarryWarps : chains;
}

__global__ void __launch_bounds__(kCarryThreads) carry_kernel(Chains rows, Chains columns, int channels,
                                                              long long chains) {
  extern __shared__ float2 tile[];  // carry_shared_bytes: the warps' stages or the block's tile
  __shared__ float warp_P[kCarryWarps], warp_S[kCarryWarps];
  const Chains set = blockIdx.y == 0 ? rows : columns;
  const long long n = set.length;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (blockIdx.x >= carry_blocks(chains, n)) return;  // the other orientation needs more blocks
  if (n <= kWarpChainChunks) {
    const long long chain = 1LL * blockIdx.x * kCarryWarps + warp;  // (batch * 2 + slot) * channels + channel
    if (chain < chains) {
      carry_chain_warp_staged(set.summary + chain * n, set.carry + chain * n, n, (chain / channels) & 1, lane,
                              tile + warp * carry_slot(static_cast<int>(n)));
    }
    return;
  }
  const long long chain = blockIdx.x;
  const bool reverse = (chain / channels) & 1;
  const float2* summary = set.summary + chain * n;
  float* carry = set.carry + chain * n;

  if (n <= kCarryDirectChunks) {  // each thread's run straight from memory
    const ChunkRun run = run_of(n, threadIdx.x, kCarryThreads);
    float P, S;
    compose_run(summary, n, reverse, run, P, S);
    scan_lanes<false>(P, S, lane);
    if (lane == 31) warp_P[warp] = P, warp_S[warp] = S;
    __syncthreads();
    float h = 0.f;  // the state entering this thread's run: earlier warps, then earlier lanes
    for (int w = 0; w < warp; ++w) h = warp_P[w] * h + warp_S[w];
    exclusive_lanes<false>(P, S, lane);
    write_run(summary, carry, n, reverse, run, P * h + S);
    return;
  }
  const int items = carry_items(n);
  const int tile_size = items * kCarryThreads;
  float h = 0.f;  // the state entering the tile; the chain starts from 0
  for (long long base = 0; base < n; base += tile_size) {
    const int count = static_cast<int>(min(static_cast<long long>(tile_size), n - base));
    float2 m[kCarryItems];
#pragma unroll
    for (int i = 0; i < kCarryItems; ++i) {
      const int e = i * kCarryThreads + threadIdx.x;
      m[i] = i < items && e < count ? summary[chain_at(base + e, n, reverse)] : make_float2(1.f, 0.f);
    }
#pragma unroll
    for (int i = 0; i < kCarryItems; ++i) {
      if (i < items) tile[carry_slot(i * kCarryThreads + threadIdx.x)] = m[i];
    }
    __syncthreads();

    // This thread's run, then the runs before it: earlier warps, then earlier lanes.
    const int first = threadIdx.x * items;
    float P = 1.f, S = 0.f;
#pragma unroll
    for (int i = 0; i < kCarryItems; ++i) {
      if (i >= items) break;
      const float2 q = tile[carry_slot(first + i)];
      S = q.x * S + q.y;
      P *= q.x;
    }
    scan_lanes<false>(P, S, lane);
    if (lane == 31) warp_P[warp] = P, warp_S[warp] = S;
    __syncthreads();
    float entering_warp = h;
    for (int w = 0; w < warp; ++w) entering_warp = warp_P[w] * entering_warp + warp_S[w];
    for (int w = 0; w < kCarryWarps; ++w) h = warp_P[w] * h + warp_S[w];  // the state leaving the tile
    exclusive_lanes<false>(P, S, lane);
    float state = P * entering_warp + S;
    // Each element's incoming state replaces its P, which is no longer needed.
#pragma unroll
    for (int i = 0; i < kCarryItems; ++i) {
      if (i >= items) break;
      float2& q = tile[carry_slot(first + i)];
      const float2 map = q;
      q.x = state;
      state = map.x * state + map.y;
    }
    __syncthreads();
#pragma unroll
    for (int i = 0; i < kCarryItems; ++i) {
      const int e = i * kCarryThreads + threadIdx.x;
      if (i < items && e < count) carry[chain_at(base + e, n, reverse)] = tile[carry_slot(e)].x;
    }
    __syncthreads();  // the next tile reuses the shared memory
  }
}

// Phase 3 of one warp's tile: recompute every chunk from its incoming state and write y = (y0 + y2 + y1) + y3.
// Rows go down for k = 0, 1, 2, then up for k = 3. The partial sums wait in shared memory, each lane in its own
// slots: held in registers (rows fully unrolled) they took 255 registers and spilled.
template <typename T, int V, int Rows, int Unroll>
__device__ __forceinline__ void apply_tile(const Grid& g, const Tile& t, const Planes<T>& pl, bool sp,
                                           const Chunks& ch, const float* row_carry, const float* col_carry, T* y,
                                           float (&part)[Rows][V][32], int lane) {
  float h1[V], h3[V];
#pragma unroll
  for (int v = 0; v < V; ++v) {
    h1[v] = t.columns ? col_carry[ch.col_chunk(0, t.c0 + v, t.rt)] : 0.f;
    h3[v] = t.columns ? col_carry[ch.col_chunk(1, t.c0 + v, t.rt)] : 0.f;
  }

#pragma unroll(Unroll)
  for (int i = 0; i < Rows; ++i) {
    const int r = t.r0 + i;
    const bool row_live = r < g.height, live = row_live && t.columns;
    const long long p = 1LL * min(r, g.height - 1) * g.width + t.c;
    float u[V], a[3][V], bx[3][V], Cv[3][V], out[V];
    load_vec<V>(pl.u + p, u);
#pragma unroll
    for (int k = 0; k < 3; ++k) {
      float dt[V], Bv[V];
      load_vec<V>(pl.delta[k] + p, dt);
      load_vec<V>(pl.B[k] + p, Bv);
      load_vec<V>(pl.C[k] + p, Cv[k]);
#pragma unroll
      for (int v = 0; v < V; ++v) step(dt[v], Bv[v], u[v], pl.coef[k], sp, live, a[k][v], bx[k][v]);
    }
    const float carry0 = row_live ? row_carry[ch.row_chunk(0, r, t.ct)] : 0.f;
    const float carry2 = row_live ? row_carry[ch.row_chunk(1, r, t.ct)] : 0.f;
    // k = 0: the lanes before this one, then this lane's steps forwards.
    float P = 1.f, S = 0.f;
#pragma unroll
    for (int v = 0; v < V; ++v) S = a[0][v] * S + bx[0][v], P *= a[0][v];
    scan_lanes<false>(P, S, lane);
    exclusive_lanes<false>(P, S, lane);
    float y0[V], h = P * carry0 + S;
#pragma unroll
    for (int v = 0; v < V; ++v) {
      h = a[0][v] * h + bx[0][v];
      y0[v] = Cv[0][v] * h + pl.coef[0].D * u[v];
    }
    // k = 2: the lanes after this one, then this lane's steps backwards.
    P = 1.f, S = 0.f;
#pragma unroll
    for (int v = V - 1; v >= 0; --v) S = a[2][v] * S + bx[2][v], P *= a[2][v];
    scan_lanes<true>(P, S, lane);
    exclusive_lanes<true>(P, S, lane);
    h = P * carry2 + S;
#pragma unroll
    for (int v = V - 1; v >= 0; --v) {
      h = a[2][v] * h + bx[2][v];
      out[v] = y0[v] + (Cv[2][v] * h + pl.coef[2].D * u[v]);
    }
    // k = 1: down the columns.
#pragma unroll
    for (int v = 0; v < V; ++v) {
      h1[v] = a[1][v] * h1[v] + bx[1][v];
      part[i][v][lane] = out[v] + (Cv[1][v] * h1[v] + pl.coef[1].D * u[v]);
    }
  }

#pragma unroll(Unroll)
  for (int i = Rows - 1; i >= 0; --i) {
    const int r = t.r0 + i;
    const bool live = r < g.height && t.columns;
    const long long p = 1LL * min(r, g.height - 1) * g.width + t.c;
    float u[V], dt[V], Bv[V], Cv[V], out[V];
    load_vec<V>(pl.u + p, u);
    load_vec<V>(pl.delta[3] + p, dt);
    load_vec<V>(pl.B[3] + p, Bv);
    load_vec<V>(pl.C[3] + p, Cv);
#pragma unroll
    for (int v = 0; v < V; ++v) {
      float a, bx;
      step(dt[v], Bv[v], u[v], pl.coef[3], sp, live, a, bx);
      h3[v] = a * h3[v] + bx;
      out[v] = part[i][v][lane] + (Cv[v] * h3[v] + pl.coef[3].D * u[v]);
    }
    if (live) store_vec<V>(y + (1LL * t.b * g.channels + t.d) * g.height * g.width + p, out);
  }
}

template <typename T, int V, int Rows, bool kSoftplus>
__global__ void __launch_bounds__(kWarps * 32, kApplyBlocksPerSM) apply_kernel(TileArgs<T> args) {
  const Grid& g = args.grid;
  const int lane = threadIdx.x & 31;
  const long long warp = 1LL * blockIdx.x * kWarps + (threadIdx.x >> 5);
  if (warp >= g.warps()) return;
  const Tile t = tile_of<V, Rows>(g, warp, lane);
  __shared__ float partial[kWarps][Rows][V][32];
  apply_tile<T, V, Rows, kApplyUnroll>(g, t, planes_of(args.in, g, t), kSoftplus, chunks_of(g, t.b, t.d),
                         args.row_carry, args.col_carry, args.y, partial[threadIdx.x >> 5], lane);
}

// Small maps, one launch: a block per (batch, channel) holds the whole map, a warp per tile, and keeps the chunk
// maps and carries in shared memory: the three phases with block barriers between them instead of launches, and no
// workspace. On small maps the three launches and the workspace round trip were most of the time.
template <typename T, int V, int Rows, bool kSoftplus, int Warps>
__device__ __forceinline__ void map_block(const TileArgs<T>& args) {
  extern __shared__ float4 map_shared[];  // float4: 16-byte aligned
  const Grid& g = args.grid;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const MapSharedLayout m = map_shared_layout(g, Rows, V);
  float2* const row_summary = reinterpret_cast<float2*>(map_shared);
  float2* const col_summary = row_summary + m.row_chunks;
  float* const row_carry = reinterpret_cast<float*>(col_summary + m.col_chunks);
  float* const col_carry = row_carry + m.row_chunks;
  auto& partial = *reinterpret_cast<float(*)[Warps][Rows][V][32]>(col_carry + m.col_chunks);

  const int warps = g.row_tiles * g.col_tiles;
  const Tile t = tile_of<V, Rows>(g, 1LL * blockIdx.x * warps + warp, lane);
  const Planes<T> pl = planes_of(args.in, g, t);
  const Chunks ch = block_chunks_of(g);
  summarise_tile<T, V, Rows, kMapSummariseUnroll>(g, t, pl, kSoftplus, ch, row_summary, col_summary, lane);
  __syncthreads();
  // The four chains (rows, columns; forwards, backwards) side by side, a warp each.
  for (int c = warp; c < 4; c += warps) {
    const bool columns = c >= 2, reverse = c & 1;
    const long long n = columns ? g.col_chain() : g.row_chain();
    const long long slot = reverse ? n : 0;
    carry_chain_warp((columns ? col_summary : row_summary) + slot, (columns ? col_carry : row_carry) + slot, n,
                     reverse, lane);
  }
  __syncthreads();
  apply_tile<T, V, Rows, kMapApplyUnroll>(g, t, pl, kSoftplus, ch, row_carry, col_carry, args.y, partial[warp],
                                          lane);
}

template <typename T, int V, int Rows, bool kSoftplus>
__global__ void __launch_bounds__(kMaxMapWarps * 32) map_kernel(TileArgs<T> args) {
  map_block<T, V, Rows, kSoftplus, kMaxMapWarps>(args);
}

// The same with registers capped for kMapCappedBlocks blocks an SM. (A minimum of one block is not the same as no
// minimum: it took the 16x32 maps' kernel from 91 to 96 registers, the 32x64 maps' from 115 to 128, and made the
// 16x32 maps 1.16x slower on an H100.)
template <typename T, int V, int Rows, bool kSoftplus>
__global__ void __launch_bounds__(kMaxMapWarps * 32, kMapCappedBlocks > 1 ? kMapCappedBlocks : 1)
    map_kernel_capped(TileArgs<T> args) {
  map_block<T, V, Rows, kSoftplus, kMaxMapWarps>(args);
}

template <typename T, int V, int Rows, bool kSoftplus>
__global__ void __launch_bounds__(kMapSplitWarps * 32, kMapSplitBlocks > 1 ? kMapSplitBlocks : 1)
    map_kernel_split(TileArgs<T> args) {
  map_block<T, V, Rows, kSoftplus, kMapSplitWarps>(args);
}

// Launches a kernel of one block per map where its blocks fit on the GPU in at most `waves` waves: the rule of the
// one-block tiled kernels (one wave) and of the resident kernels. The first build that fits is launched; later tries
// then do nothing. A failed query or launch is kept in status().
class WaveLaunch {
 public:
  WaveLaunch() {
    status_ = cudaGetDevice(&device_);
    if (status_ == cudaSuccess) status_ = device_limits(device_, &limits_);
  }

  template <typename Kernel, typename Args>
  void try_launch(Kernel kernel, const Args& args, long long blocks, int threads, size_t bytes, int waves,
                  cudaStream_t stream) {
    int per_sm = 0;
    if (launched_ || status_ != cudaSuccess) return;
    status_ = blocks_per_sm(reinterpret_cast<const void*>(kernel), device_, threads, bytes, &per_sm);
    if (status_ != cudaSuccess || blocks > 1LL * per_sm * limits_.multiprocessors * waves) return;
    kernel<<<static_cast<unsigned>(blocks), threads, bytes, stream>>>(args);
    status_ = cudaGetLastError();
    launched_ = true;
  }

  // The same for `clusters` clusters of `cluster` blocks: where the device has clusters (compute capability 9.0 and
  // newer) and they take at most `waves` waves.
  template <typename Kernel, typename Args>
  void try_launch_clusters(Kernel kernel, const Args& args, long long clusters, int cluster, int threads,
                           size_t bytes, int waves, cudaStream_t stream) {
#if defined(CUDART_VERSION) && CUDART_VERSION >= 11080
    if (launched_ || status_ != cudaSuccess || limits_.major < 9) return;
    cudaLaunchAttribute dimension{};
    dimension.id = cudaLaunchAttributeClusterDimension;
    dimension.val.clusterDim.x = static_cast<unsigned>(cluster);
    dimension.val.clusterDim.y = 1;
    dimension.val.clusterDim.z = 1;
    cudaLaunchConfig_t config{};
    config.gridDim = dim3(static_cast<unsigned>(clusters * cluster));
    config.blockDim = dim3(static_cast<unsigned>(threads));
    config.dynamicSmemBytes = bytes;
    config.stream = stream;
    config.attrs = &dimension;
    config.numAttrs = 1;
    int active = 0;
    status_ = active_clusters(reinterpret_cast<const void*>(kernel), device_, config, &active);
    if (status_ != cudaSuccess || active == 0 || clusters > 1LL * active * waves) return;
    status_ = cudaLaunchKernelEx(&config, kernel, args);
    launched_ = true;
#else
    (void)kernel, (void)args, (void)clusters, (void)cluster, (void)threads, (void)bytes, (void)waves, (void)stream;
#endif
  }

  bool launched() const { return launched_; }
  cudaError_t status() const { return status_; }

 private:
  int device_ = 0;
  DeviceLimits limits_;
  cudaError_t status_ = cudaSuccess;
  bool launched_ = false;
};

// ---------------------------------------------------------------- N = 1, small maps: the whole map in registers
// A block per (batch, channel) whose threads hold every element of the map: thread t owns elements [t*I, t*I + I)
// of each scan order, I consecutive columns of one row for the row-major directions (k = 0, 2) and I consecutive
// rows of one column for the column-major ones (k = 1, 3). Every input is read once; each direction is one scan
// across the block (the thread's I steps, the warp's lanes, the block's warps) with no chunk recomputed. The
// column-major sums reach their row-major owners through shared memory. The tiled kernels walk a tile's rows one
// after another, which on the 16x32 and 32x64 maps was most of their time (on an H100, 384x16x32 2.08x and
// 144x32x64 2.42x faster this way).
// Two builds: the first issues every load before the first scan (one trip to memory; up to 256 threads a block);
// the lean one loads the row-major directions' inputs after the column-major scans, for 64 registers, where the
// first's blocks do not all fit on the GPU at once (on an H100: 384x32x64 and 364x32x64 2.2x faster than the tiled
// kernels, 64x64x128 1.35x; in up to three waves, below, the 540x32x64 and 64x128 maps too).
#ifndef SEGMAN_SCAN_RESIDENT_MAX_ELEMENTS
#define SEGMAN_SCAN_RESIDENT_MAX_ELEMENTS 8192
#endif
#ifndef SEGMAN_SCAN_RESIDENT_LEAN
#define SEGMAN_SCAN_RESIDENT_LEAN 1
#endif
#ifndef SEGMAN_SCAN_RESIDENT_LEAN_WAVES
#define SEGMAN_SCAN_RESIDENT_LEAN_WAVES 3
#endif
#ifndef SEGMAN_SCAN_RESIDENT_FOUR_ELEMENTS
#define SEGMAN_SCAN_RESIDENT_FOUR_ELEMENTS 1024
#endif
constexpr int kResidentMaxElements = SEGMAN_SCAN_RESIDENT_MAX_ELEMENTS;  // 0: never
constexpr bool kResidentLean = SEGMAN_SCAN_RESIDENT_LEAN;
// Waves of blocks the lean build may take (its blocks are independent, unlike the one-block tiled kernel's, whose
// second wave doubles the time). Measured on an H100 (the sweep), up to 3 waves instead of 1: SegMAN-B's 540x32x64
// (2 waves) 1.91x faster in fp32 and 2.07x in fp16, 364x64x128 (3 waves) 1.67x / 1.52x, 144x64x128 and 160x64x128
// (2 waves) 1.32-1.35x, the other maps unchanged.
constexpr int kResidentLeanWaves = SEGMAN_SCAN_RESIDENT_LEAN_WAVES;
constexpr int kResidentPreloadThreads = 256, kResidentLeanThreads = 1024;

// Elements a thread owns, in runs of I along rows and along columns; 0 where the map takes no resident kernel. 4 in
// maps of at most SEGMAN_SCAN_RESIDENT_FOUR_ELEMENTS whose sides are multiples of 4, 1 in maps of at most 256
// elements whose sides are not (the demo model's 10x20 decoder map), 8 in larger maps whose sides are multiples of 8.
// Measured on an H100 (the sweep), 4 up to 2048 elements (512 threads, the lean build) made 144x32x64 1.22x slower,
// and 384x32x64 and 364x32x64, whose blocks then no longer all fit, 2.1x.
__host__ __device__ constexpr int resident_items(long long height, long long width) {
  const long long elements = height * width;
  if (elements > kResidentMaxElements) return 0;
  if (elements <= SEGMAN_SCAN_RESIDENT_FOUR_ELEMENTS) {
    return height % 4 == 0 && width % 4 == 0 ? 4 : elements <= kResidentPreloadThreads ? 1 : 0;
  }
  return height % 8 == 0 && width % 8 == 0 ? 8 : 0;
}

// Threads of a resident block: one per I elements, in whole warps (threads of the last warp past the map carry
// identity maps).
__host__ __device__ constexpr int resident_threads(long long elements, int items) {
  return static_cast<int>((elements / items + 31) / 32 * 32);
}

// Whether a map can take a resident kernel (a build's blocks must also fit on the GPU in the waves try_resident
// allows): runs of I elements, and at most a block of threads.
bool fits_resident(const SelectiveScan2DShape& s) {
  const int items = resident_items(s.height, s.width);
  return items > 0 && resident_threads(s.height * s.width, items) <= kResidentLeanThreads;
}

// Thread block clusters (compute capability 9.0 and newer): the blocks of a cluster run at once and reach each
// other's shared memory. The host launches the cluster build only on such devices; elsewhere these compile to
// nothing.
// This block's rank in its cluster and the cluster's blocks.
__device__ __forceinline__ void cluster_place(unsigned& rank, unsigned& blocks) {
  rank = 0, blocks = 1;
#if __CUDA_ARCH__ >= 900
  asm volatile("mov.u32 %0, %%cluster_ctarank;\n\tmov.u32 %1, %%cluster_nctarank;" : "=r"(rank), "=r"(blocks));
#endif
}

// A barrier of every thread of the cluster; shared-memory writes before it, local or remote, are seen after it.
__device__ __forceinline__ void cluster_sync() {
#if __CUDA_ARCH__ >= 900
  asm volatile("barrier.cluster.arrive.aligned;\n\tbarrier.cluster.wait.aligned;" ::: "memory");
#endif
}

// Where `p`, an address in this block's shared memory, lies in the shared memory of the cluster's block `rank`.
template <typename P>
__device__ __forceinline__ P* in_block(P* p, unsigned rank) {
#if __CUDA_ARCH__ >= 900
  unsigned long long mapped;
  asm volatile("mapa.u64 %0, %1, %2;" : "=l"(mapped) : "l"(reinterpret_cast<unsigned long long>(p)), "r"(rank));
  return reinterpret_cast<P*>(mapped);
#else
  return p;
#endif
}

// One scan order's block maps, exchanged across a cluster whose blocks hold consecutive shares of it.
struct ClusterShares {
  float2* maps;  // this block's (forwards, backwards) maps in its shared memory, read by the other blocks
  unsigned rank = 0, blocks = 1;

  // Publishes this block's maps and returns the states entering it: forwards from the blocks before it, backwards
  // from the blocks after it (every scan starts from state 0).
  __device__ __forceinline__ float2 carry(const float2 (&block)[2]) const {
    if (threadIdx.x == 0) maps[0] = block[0], maps[1] = block[1];
    cluster_sync();
    float forwards = 0.f, backwards = 0.f;
    for (unsigned r = 0; r < rank; ++r) {
      const float2 m = in_block(maps, r)[0];
      forwards = m.x * forwards + m.y;
    }
    for (unsigned r = blocks - 1; r > rank; --r) {
      const float2 m = in_block(maps, r)[1];
      backwards = m.x * backwards + m.y;
    }
    return make_float2(forwards, backwards);
  }
};

// I consecutive elements in loads of up to four (one vector load each where I >= 4).
template <int I, typename T>
__device__ __forceinline__ void load_items(const T* p, float (&x)[I]) {
  constexpr int V = I < 4 ? I : 4;
#pragma unroll
  for (int v = 0; v < I; v += V) {
    float part[V];
    load_vec<V>(p + v, part);
#pragma unroll
    for (int j = 0; j < V; ++j) x[v + j] = part[j];
  }
}

template <int I, typename T>
__device__ __forceinline__ void store_items(T* p, const float (&x)[I]) {
  constexpr int V = I < 4 ? I : 4;
#pragma unroll
  for (int v = 0; v < I; v += V) {
    float part[V];
#pragma unroll
    for (int j = 0; j < V; ++j) part[j] = x[v + j];
    store_vec<V>(p + v, part);
  }
}

// A thread's I elements of one scan order: u, and delta, B and C of its forward and its backward direction.
template <int I>
struct OwnedInputs {
  float u[I], dt[2][I], B[2][I], C[2][I];
};

// Row-major directions (k = 0, 2): I consecutive columns of one row, from map position p; vector loads.
template <typename T, int I>
__device__ __forceinline__ void load_row_owned(const Planes<T>& pl, int p, OwnedInputs<I>& x) {
  load_items<I>(pl.u + p, x.u);
#pragma unroll
  for (int s = 0; s < 2; ++s) {
    load_items<I>(pl.delta[2 * s] + p, x.dt[s]);
    load_items<I>(pl.B[2 * s] + p, x.B[s]);
    load_items<I>(pl.C[2 * s] + p, x.C[s]);
  }
}

// Column-major directions (k = 1, 3): rows [r0, r0 + I) of one column; a warp's loads of one row cover whole
// 32-byte sectors (8 columns, or 16 in fp16).
template <typename T, int I>
__device__ __forceinline__ void load_column_owned(const Planes<T>& pl, int r0, int column, int width,
                                                  OwnedInputs<I>& x) {
#pragma unroll
  for (int i = 0; i < I; ++i) {
    const int q = (r0 + i) * width + column;
    x.u[i] = load(pl.u + q);
#pragma unroll
    for (int s = 0; s < 2; ++s) {
      x.dt[s][i] = load(pl.delta[2 * s + 1] + q);
      x.B[s][i] = load(pl.B[2 * s + 1] + q);
      x.C[s][i] = load(pl.C[2 * s + 1] + q);
    }
  }
}

// Turns this thread's maps of one forward and one backward direction into the maps of every element before its own
// in scan order (lower threads forwards, higher threads backwards). `totals` holds a float2 per warp and direction;
// every warp scans the warps' totals itself, so one barrier serves. kBlockMaps: also the whole block's map of each
// direction, in `block` (forwards, backwards), for the cluster build.
template <bool kBlockMaps = false>
__device__ __forceinline__ void block_exclusive(float& Pf, float& Sf, float& Pb, float& Sb, float2 (&totals)[2][32],
                                                int lane, int warp, int warps, float2 (*block)[2] = nullptr) {
  scan_lanes<false>(Pf, Sf, lane);
  scan_lanes<true>(Pb, Sb, lane);
  if (lane == 31) totals[0][warp] = make_float2(Pf, Sf);
  if (lane == 0) totals[1][warp] = make_float2(Pb, Sb);
  exclusive_lanes<false>(Pf, Sf, lane);
  exclusive_lanes<true>(Pb, Sb, lane);
  __syncthreads();
  float2 f = lane < warps ? totals[0][lane] : make_float2(1.f, 0.f);
  float2 b = lane < warps ? totals[1][lane] : make_float2(1.f, 0.f);
  scan_lanes<false>(f.x, f.y, lane);
  scan_lanes<true>(b.x, b.y, lane);
  if constexpr (kBlockMaps) {  // lanes past the warps hold identity maps, so the ends hold the block's
    (*block)[0] = make_float2(__shfl_sync(kFull, f.x, 31), __shfl_sync(kFull, f.y, 31));
    (*block)[1] = make_float2(__shfl_sync(kFull, b.x, 0), __shfl_sync(kFull, b.y, 0));
  }
  const float fP = __shfl_sync(kFull, f.x, max(warp - 1, 0)), fS = __shfl_sync(kFull, f.y, max(warp - 1, 0));
  const float bP = __shfl_sync(kFull, b.x, min(warp + 1, 31)), bS = __shfl_sync(kFull, b.y, min(warp + 1, 31));
  if (warp > 0) Sf = Pf * fS + Sf, Pf *= fP;  // the warps before come first
  if (warp + 1 < warps) Sb = Pb * bS + Sb, Pb *= bP;
}

// The forward (k) and backward (k + 2) directions of one scan order over the thread's I elements (coefficients
// `fwd` and `bwd`; identity steps where the thread owns none): y[i] += C h of both. kCluster: the block holds one
// share of the scan order and `cluster` carries in the states of the blocks before it (forwards) and after it
// (backwards).
template <int I, bool kSoftplus, bool kCluster = false>
__device__ __forceinline__ void scan_pair(const OwnedInputs<I>& x, const Coef& fwd, const Coef& bwd, bool owned,
                                          float2 (&totals)[2][32], int lane, int warp, int warps, float (&y)[I],
                                          const ClusterShares& cluster = {}) {
  float a[2][I], bx[2][I];
#pragma unroll
  for (int i = 0; i < I; ++i) {
    step(x.dt[0][i], x.B[0][i], x.u[i], fwd, kSoftplus, owned, a[0][i], bx[0][i]);
    step(x.dt[1][i], x.B[1][i], x.u[i], bwd, kSoftplus, owned, a[1][i], bx[1][i]);
  }
  float Pf = 1.f, Sf = 0.f, Pb = 1.f, Sb = 0.f;
#pragma unroll
  for (int i = 0; i < I; ++i) {
    Sf = a[0][i] * Sf + bx[0][i], Pf *= a[0][i];
    Sb = a[1][I - 1 - i] * Sb + bx[1][I - 1 - i], Pb *= a[1][I - 1 - i];
  }
  if constexpr (kCluster) {
    float2 block[2];
    block_exclusive<true>(Pf, Sf, Pb, Sb, totals, lane, warp, warps, &block);
    const float2 carried = cluster.carry(block);
    Sf = Pf * carried.x + Sf;  // the prefix maps applied to the states entering the block
    Sb = Pb * carried.y + Sb;
  } else {
    block_exclusive(Pf, Sf, Pb, Sb, totals, lane, warp, warps);
  }
  float h = Sf;  // every scan starts from h = 0, so the incoming state is the prefix map's S
#pragma unroll
  for (int i = 0; i < I; ++i) h = a[0][i] * h + bx[0][i], y[i] += x.C[0][i] * h;
  h = Sb;
#pragma unroll
  for (int i = I - 1; i >= 0; --i) h = a[1][i] * h + bx[1][i], y[i] += x.C[1][i] * h;
}

// kWholeWarps: every thread owns elements (the map's elements a multiple of 32 x I), which spares the lean build
// the ownership tests its 64 registers paid for (on an H100, 384x32x64 and 540x32x64 1.1-1.2x slower with them).
template <typename T, int I, bool kSoftplus, bool kPreload, bool kWholeWarps>
__device__ __forceinline__ void resident_block(const TileArgs<T>& args) {
  extern __shared__ float column_sums[];  // by map position
  __shared__ float2 totals[2][2][32];     // [columns, rows][forwards, backwards][warp]
  const Grid& g = args.grid;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  Tile t{};
  t.b = blockIdx.x / g.channels;
  t.d = blockIdx.x % g.channels;
  const Planes<T> pl = planes_of(args.in, g, t);
  const int elements = g.height * g.width;
  const int first = static_cast<int>(threadIdx.x) * I;
  const bool owned = kWholeWarps || first < elements;
  const int p = owned ? first : elements - I;          // row-major: columns [p % W, + I) of row p / W
  const int column = p / g.height, r0 = p % g.height;  // column-major: rows [r0, + I) of `column`

  // Preloading, the row-major inputs' loads go first: the other order made 144x32x64 1.18x slower on an H100.
  OwnedInputs<I> cols, rows;
  if constexpr (kPreload) load_row_owned<T, I>(pl, p, rows);
  load_column_owned<T, I>(pl, r0, column, g.width, cols);
  float y[I];
#pragma unroll
  for (int i = 0; i < I; ++i) y[i] = 0.f;
  scan_pair<I, kSoftplus>(cols, pl.coef[1], pl.coef[3], owned, totals[0], lane, warp, warps, y);
  if (owned) {
#pragma unroll
    for (int i = 0; i < I; ++i) column_sums[(r0 + i) * g.width + column] = y[i];
  }

  if constexpr (!kPreload) load_row_owned<T, I>(pl, p, rows);
  const float D = (pl.coef[0].D + pl.coef[2].D) + (pl.coef[1].D + pl.coef[3].D);
#pragma unroll
  for (int i = 0; i < I; ++i) y[i] = D * rows.u[i];
  // The barrier in this scan orders the column sums' writes before the reads below.
  scan_pair<I, kSoftplus>(rows, pl.coef[0], pl.coef[2], owned, totals[1], lane, warp, warps, y);
  if (!owned) return;
#pragma unroll
  for (int i = 0; i < I; ++i) y[i] += column_sums[p + i];
  store_items<I>(args.y + (1LL * t.b * g.channels + t.d) * elements + p, y);
}

// The cluster build of resident_block (the lean build's order of loads; every thread owns elements): the map is
// shared by the blocks of a cluster, block r holding elements [r*M, (r+1)*M) of each scan order (M = the map's
// elements / the cluster's blocks, whole warps of I). Each scan order's block maps cross the cluster in shared
// memory, and the column-major sums are written into the shared memory of the block that owns their row-major
// position. A separate function, not a flag of resident_block: with the flag, the compiler scheduled the lean
// build's prologue otherwise, 0.96-0.97x on an H100 on SegMAN's fp16 384x32x64 and 540x32x64 maps.
template <typename T, int I, bool kSoftplus>
__device__ __forceinline__ void resident_cluster_block(const TileArgs<T>& args) {
  extern __shared__ float column_sums[];  // by row-major position, from the block's first
  __shared__ float2 totals[2][2][32];     // [columns, rows][forwards, backwards][warp]
  __shared__ float2 block_maps[2][2];     // [columns, rows][forwards, backwards], read by the other blocks
  const Grid& g = args.grid;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  unsigned rank, blocks;
  cluster_place(rank, blocks);
  const ClusterShares column_order{block_maps[0], rank, blocks}, row_order{block_maps[1], rank, blocks};
  const unsigned map = blockIdx.x / blocks;  // (batch, channel)
  Tile t{};
  t.b = map / g.channels;
  t.d = map % g.channels;
  const Planes<T> pl = planes_of(args.in, g, t);
  const int elements = g.height * g.width, share = elements / static_cast<int>(blocks);
  const int base = static_cast<int>(rank) * share;
  const int p = base + static_cast<int>(threadIdx.x) * I;  // row-major: columns [p % W, + I) of row p / W
  const int column = p / g.height, r0 = p % g.height;      // column-major: rows [r0, + I) of `column`

  OwnedInputs<I> cols, rows;
  load_column_owned<T, I>(pl, r0, column, g.width, cols);
  float y[I];
#pragma unroll
  for (int i = 0; i < I; ++i) y[i] = 0.f;
  scan_pair<I, kSoftplus, true>(cols, pl.coef[1], pl.coef[3], true, totals[0], lane, warp, warps, y, column_order);
#pragma unroll
  for (int i = 0; i < I; ++i) {
    const int at = (r0 + i) * g.width + column;
    const int owner = at / share;
    in_block(column_sums, owner)[at - owner * share] = y[i];
  }

  load_row_owned<T, I>(pl, p, rows);
  const float D = (pl.coef[0].D + pl.coef[2].D) + (pl.coef[1].D + pl.coef[3].D);
#pragma unroll
  for (int i = 0; i < I; ++i) y[i] = D * rows.u[i];
  // The cluster barrier in this scan orders the column sums' writes before the reads below.
  scan_pair<I, kSoftplus, true>(rows, pl.coef[0], pl.coef[2], true, totals[1], lane, warp, warps, y, row_order);
#pragma unroll
  for (int i = 0; i < I; ++i) y[i] += column_sums[p - base + i];
  store_items<I>(args.y + (1LL * t.b * g.channels + t.d) * elements + p, y);
  cluster_sync();  // the other blocks may still be reading this block's maps
}

template <typename T, int I, bool kSoftplus, bool kWholeWarps>
__global__ void __launch_bounds__(kResidentPreloadThreads) resident_kernel(TileArgs<T> args) {
  resident_block<T, I, kSoftplus, true, kWholeWarps>(args);
}

template <typename T, int I, bool kSoftplus, bool kWholeWarps>
__global__ void __launch_bounds__(kResidentLeanThreads) resident_kernel_lean(TileArgs<T> args) {
  resident_block<T, I, kSoftplus, false, kWholeWarps>(args);
}

// The cluster build (compute capability 9.0 and newer; CUDA 11.8 and newer): a map of more elements than one resident
// block holds is shared by the 2 blocks of a cluster, each holding half, 8 elements a thread, with the lean build's
// register cap. Every input is still read once, which the tiled kernels' two passes cannot do. Measured on an H100
// (bench/native/run_gpu.sh and kernel_sweep.sh): the agent's demo model's 32x80x160 map (stage 1 at 320x640) 1.19x
// faster in fp32 and 1.22-1.25x in fp16 than the tiled kernels. Larger clusters lost: 4 to 16 blocks of up to 8192 elements, 0.29-0.74x on
// SegMAN's 128x256 and 256x512 maps (also with the column-major sums gathered by their owners instead of scattered,
// or with blocks of 4096 elements, two an SM); splitting maps that one block holds but that give fewer blocks than
// SMs (64x64x128, SEGMAN_SCAN_CLUSTER_MIN_BLOCKS=132), 1.01x.
#ifndef SEGMAN_SCAN_CLUSTER_MAX_BLOCKS
#define SEGMAN_SCAN_CLUSTER_MAX_BLOCKS 2
#endif
#ifndef SEGMAN_SCAN_CLUSTER_SHARE
#define SEGMAN_SCAN_CLUSTER_SHARE 8192
#endif
#ifndef SEGMAN_SCAN_CLUSTER_MIN_BLOCKS
#define SEGMAN_SCAN_CLUSTER_MIN_BLOCKS 0
#endif
#ifndef SEGMAN_SCAN_CLUSTER_WAVES
#define SEGMAN_SCAN_CLUSTER_WAVES 1024
#endif
#if defined(CUDART_VERSION) && CUDART_VERSION >= 11080
constexpr int kClusterMaxBlocks = SEGMAN_SCAN_CLUSTER_MAX_BLOCKS;  // 0: never
#else
constexpr int kClusterMaxBlocks = 0;
#endif
constexpr int kClusterShare = SEGMAN_SCAN_CLUSTER_SHARE, kClusterMinBlocks = SEGMAN_SCAN_CLUSTER_MIN_BLOCKS;
constexpr int kClusterWaves = SEGMAN_SCAN_CLUSTER_WAVES, kClusterItems = 8;
static_assert(kClusterShare <= kResidentLeanThreads * kClusterItems, "a share is at most one block of threads");

template <typename T, int I, bool kSoftplus>
__global__ void __launch_bounds__(kResidentLeanThreads) resident_cluster_kernel(TileArgs<T> args) {
#if __CUDA_ARCH__ >= 900
  resident_cluster_block<T, I, kSoftplus>(args);
#else
  __trap();
#endif
}

// Blocks of the cluster build a map takes: the fewest of 2, 4, 8 and 16 whose shares hold at most kClusterShare
// elements in whole warps of kClusterItems-element threads, and give at least kClusterMinBlocks blocks; 0 where
// none does, and for maps one resident block holds that give kClusterMinBlocks blocks without a cluster.
int cluster_blocks_of(const SelectiveScan2DShape& s) {
  const long long elements = s.height * s.width, maps = s.batch * s.channels;
  if (s.height % kClusterItems != 0 || s.width % kClusterItems != 0) return 0;
  if (elements <= kResidentMaxElements && maps >= kClusterMinBlocks) return 0;
  for (int blocks = 2; blocks <= kClusterMaxBlocks; blocks *= 2) {
    if (elements % (32LL * kClusterItems * blocks) != 0) return 0;
    if (elements / blocks <= kClusterShare && maps * blocks >= kClusterMinBlocks) return blocks;
  }
  return 0;
}

// Launches the cluster build in clusters of `blocks` where the device has clusters and they take at most
// kClusterWaves waves (`launched`); a failed query or launch returns its error.
template <typename T, bool kSoftplus>
cudaError_t try_cluster(const TileArgs<T>& args, int blocks, cudaStream_t stream, bool& launched) {
  const Grid& g = args.grid;
  const long long share = 1LL * g.height * g.width / blocks;
  WaveLaunch launch;
  launch.try_launch_clusters(resident_cluster_kernel<T, kClusterItems, kSoftplus>, args, 1LL * g.batch * g.channels,
                             blocks, static_cast<int>(share / kClusterItems), static_cast<size_t>(share) * sizeof(float),
                             kClusterWaves, stream);
  launched = launch.launched();
  return launch.status();
}

// Launches the preloading build where its blocks all fit on the GPU at once, else the lean one where its blocks
// take at most kResidentLeanWaves waves (`launched`); a failed query or launch returns its error.
template <typename T, int I, bool kSoftplus, bool kWholeWarps>
cudaError_t try_resident(const TileArgs<T>& args, cudaStream_t stream, bool& launched) {
  const Grid& g = args.grid;
  const int threads = resident_threads(1LL * g.height * g.width, I);
  const size_t bytes = static_cast<size_t>(g.height) * g.width * sizeof(float);
  const long long blocks = 1LL * g.batch * g.channels;
  WaveLaunch launch;
  if (threads <= kResidentPreloadThreads) {
    launch.try_launch(resident_kernel<T, I, kSoftplus, kWholeWarps>, args, blocks, threads, bytes, 1, stream);
  }
  if constexpr (kResidentLean && I > 1) {  // one element a thread: at most 256 threads, the preloading build's
    if (threads <= kResidentLeanThreads) {
      launch.try_launch(resident_kernel_lean<T, I, kSoftplus, kWholeWarps>, args, blocks, threads, bytes,
                        kResidentLeanWaves, stream);
    }
  }
  launched = launch.launched();
  return launch.status();
}

template <typename T, int I, bool kSoftplus>
cudaError_t try_resident(const TileArgs<T>& args, cudaStream_t stream, bool& launched) {
  if constexpr (I > 1) {
    if (1LL * args.grid.height * args.grid.width % (32 * I) == 0) {
      return try_resident<T, I, kSoftplus, true>(args, stream, launched);
    }
  }
  return try_resident<T, I, kSoftplus, false>(args, stream, launched);
}

template <typename T, bool kSoftplus>
cudaError_t launch_resident(const TileArgs<T>& args, int items, cudaStream_t stream, bool& launched) {
  switch (items) {
    case 1: return try_resident<T, 1, kSoftplus>(args, stream, launched);
    case 4: return try_resident<T, 4, kSoftplus>(args, stream, launched);
    default: return try_resident<T, 8, kSoftplus>(args, stream, launched);
  }
}

template <typename T, int V, int Rows, bool kSoftplus>
cudaError_t launch_chunked(const TileArgs<T>& args, cudaStream_t stream) {
  const Grid& g = args.grid;
  const long long blocks = (g.warps() + kWarps - 1) / kWarps;
  summarise_kernel<T, V, Rows, kSoftplus><<<static_cast<unsigned>(blocks), kWarps * 32, 0, stream>>>(args);
  cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) return status;
  const Chains rows{args.row_summary, args.row_carry, g.row_chain()};
  const Chains columns{args.col_summary, args.col_carry, g.col_chain()};
  const long long carry_grid =
      std::max(carry_blocks(g.chains(), g.row_chain()), carry_blocks(g.chains(), g.col_chain()));
  const size_t carry_bytes = std::max(carry_shared_bytes(g.row_chain()), carry_shared_bytes(g.col_chain()));
  carry_kernel<<<dim3(static_cast<unsigned>(carry_grid), 2), kCarryThreads, carry_bytes, stream>>>(
      rows, columns, g.channels, g.chains());
  status = cudaGetLastError();
  if (status != cudaSuccess) return status;
  apply_kernel<T, V, Rows, kSoftplus><<<static_cast<unsigned>(blocks), kWarps * 32, 0, stream>>>(args);
  return cudaGetLastError();
}

// A block per map where all of them are resident at once, else the three launches: each block takes the latency of
// its whole map, so a second, partial wave doubles the time (on an H100, SegMAN-B's 540x32x64 map in blocks of
// two-column tiles: 61.8 us in 1.02 waves, 43.9 in three launches). The first build whose blocks all fit: tiles half
// as tall in blocks of twice the warps, the tiles as they are, the same with capped registers.
template <typename T, int V, int Rows, bool kSoftplus>
cudaError_t launch_map(const TileArgs<T>& args, cudaStream_t stream) {
  const long long blocks = 1LL * args.grid.batch * args.grid.channels;
  WaveLaunch launch;
  // Launches `kernel` over `a` if its block fits the thread and shared-memory limits and all blocks fit at once.
  const auto try_launch = [&](auto kernel, const TileArgs<T>& a, int rows, int max_threads) {
    const int threads = a.grid.row_tiles * a.grid.col_tiles * 32;
    const size_t bytes = map_shared_layout(a.grid, rows, V).bytes;
    if (threads <= max_threads && bytes <= kMaxMapSharedBytes) {
      launch.try_launch(kernel, a, blocks, threads, bytes, 1, stream);
    }
  };
  if constexpr (kMapSplitBlocks > 0 && Rows / 2 >= kMinRows) {
    TileArgs<T> split = args;
    split.grid.row_tiles = (args.grid.height + Rows / 2 - 1) / (Rows / 2);
    try_launch(map_kernel_split<T, V, Rows / 2, kSoftplus>, split, Rows / 2, kMapSplitWarps * 32);
  }
  try_launch(map_kernel<T, V, Rows, kSoftplus>, args, Rows, kMaxMapWarps * 32);
  if constexpr (kMapCappedBlocks > 1) {
    try_launch(map_kernel_capped<T, V, Rows, kSoftplus>, args, Rows, kMaxMapWarps * 32);
  }
  if (launch.launched() || launch.status() != cudaSuccess) return launch.status();
  return launch_chunked<T, V, Rows, kSoftplus>(args, stream);
}

template <typename T, int V, int Rows, bool kSoftplus>
cudaError_t launch(const TileArgs<T>& args, bool one_block_per_map, cudaStream_t stream) {
  if constexpr (V <= kMapMaxVec) {
    if (one_block_per_map) return launch_map<T, V, Rows, kSoftplus>(args, stream);
  }
  return launch_chunked<T, V, Rows, kSoftplus>(args, stream);
}

// The softplus flag as a template argument: read at run time inside the step loops, it cost large fp16 maps up to
// 1.3x on an H100.
template <typename T, int V, int Rows>
cudaError_t launch(const TileArgs<T>& args, bool one_block_per_map, cudaStream_t stream) {
  return args.in.delta_softplus ? launch<T, V, Rows, true>(args, one_block_per_map, stream)
                                : launch<T, V, Rows, false>(args, one_block_per_map, stream);
}

template <typename T, int V>
cudaError_t launch(const TileArgs<T>& args, const Tiling& tiling, cudaStream_t stream) {
  switch (tiling.rows) {
    case 16: return launch<T, V, 16>(args, tiling.one_block_per_map, stream);
    case 8: return launch<T, V, 8>(args, tiling.one_block_per_map, stream);
    default: return launch<T, V, kMinRows>(args, tiling.one_block_per_map, stream);
  }
}

template <typename T>
cudaError_t run(const SelectiveScan2DShape& shape, const SelectiveScan2DInputs<T>& in, T* y, void* workspace,
                cudaStream_t stream) {
  // V-wide loads need every tensor to start on a V-element boundary (rows then do too: the width is a multiple of V).
  const auto all_aligned = [&](int vec) {
    const size_t bytes = vec * sizeof(T);
    return aligned(in.u, bytes) && aligned(in.delta, bytes) && aligned(in.B, bytes) && aligned(in.C, bytes) &&
           aligned(y, bytes);
  };
  TileArgs<T> args{};
  args.in = in;
  args.y = y;
  const int items = resident_items(shape.height, shape.width);
  args.grid = Grid{static_cast<int>(shape.batch), static_cast<int>(shape.channels), static_cast<int>(shape.height),
                   static_cast<int>(shape.width), 0, 0};
  if (const int blocks = cluster_blocks_of(shape); blocks > 0 && all_aligned(4)) {
    bool launched = false;
    const cudaError_t status = in.delta_softplus ? try_cluster<T, true>(args, blocks, stream, launched)
                                                 : try_cluster<T, false>(args, blocks, stream, launched);
    if (launched || status != cudaSuccess) return status;
  }
  if (fits_resident(shape) && all_aligned(std::min(items, 4))) {
    bool launched = false;
    const cudaError_t status = in.delta_softplus ? launch_resident<T, true>(args, items, stream, launched)
                                                 : launch_resident<T, false>(args, items, stream, launched);
    if (launched || status != cudaSuccess) return status;
  }
  const Tiling tiling = make_tiling(shape, all_aligned(4) ? 4 : all_aligned(2) ? 2 : 1);
  args.grid = tiling.grid;
  // Given to one-block maps too: their launch falls back to the three launches where the blocks exceed a wave.
  const Workspace w = split_workspace(args.grid, workspace);
  args.row_summary = w.row_summary;
  args.col_summary = w.col_summary;
  args.row_carry = w.row_carry;
  args.col_carry = w.col_carry;
  switch (tiling.vec) {
    case 4: return launch<T, 4>(args, tiling, stream);
    case 2: return launch<T, 2>(args, tiling, stream);
    default: return launch<T, 1>(args, tiling, stream);
  }
}

}  // namespace scalar_state

}  // namespace

size_t selective_scan_2d_cuda_workspace_size(const SelectiveScan2DShape& shape) {
  if (shape.state == 1) return scalar_state::workspace_bytes(shape);
  const Layout g = make_layout(shape);
  const size_t pieces = static_cast<size_t>(g.row_pieces() + g.col_pieces());
  return align256(pieces * g.state * 3 * sizeof(float));
}

template <typename T>
cudaError_t selective_scan_2d_cuda(const SelectiveScan2DShape& shape, const SelectiveScan2DInputs<T>& in, T* y,
                                   void* workspace, cudaStream_t stream) {
  validate(shape);
  if (shape.batch == 0 || shape.channels == 0) return cudaSuccess;
  if (shape.state == 1) return scalar_state::run(shape, in, y, workspace, stream);
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
