// NeighborhoodAttention2D on tensor cores, fp16 and fp32. A block takes a tile of queries of one head, 8 rows of 8 or
// 16 columns, and copies the keys and values of the union of their windows (at most (K+7) x (K+7) or (K+7) x (K+15))
// into shared memory once. Each of its warps takes a 4x4 quarter of the tile: 16 queries, the rows of mma.sync's
// m16n8k16 tiles. The warp walks the union of its own queries' windows (at most (K+3)^2 keys) 16 keys at a time: the
// logits come out of the tensor cores in registers, keys outside a query's window are masked there and the bias added,
// an online softmax (fp32) rescales the running output, and the fp16 weights, already laid out as the next mma's A
// operand, multiply the values. Neither the logits nor the weights touch memory. Keys reach the tensor cores through
// ldmatrix, whose per-lane row addresses let each 16-key chunk be gathered from the block's region without copying. The
// chunk loop is lean: each key's slot is one word (its row's offset and its coordinates in the region), the bias is a
// template argument and read without a branch, and logits are kept in base-2 units (bias staged times log2 e). The
// queries go straight from memory into the warps' registers. (A loop a sixth shorter, each logit's mask one bit of a
// two-word slot, ran only 1.01-1.05x, and 0.87-0.96x where the larger slots cost a block an SM: blocks an SM, not the
// loop's issue, bound the kernel now.)
// Shared memory, not registers, sets how many blocks an SM holds, and wide tiles stage fewer keys per query (3.7
// instead of 5.1 at K 11). Measured on an H100 on SegMAN-T/B's maps, each step against the one before: one-word
// slots and unstaged queries (four square blocks an SM at K 11 and dim 32 instead of three) 1.12-1.44x on the K-11
// maps; wide tiles, where the keys are not split, 1.05-1.74x on ten of the eleven maps that take them (0.94x on the
// eleventh); rows without padding, swizzled (below; three wide blocks an SM at K 11 instead of two), 1.01-1.19x on
// them.
// Small maps split the keys (choose_form says where; a warp per 16 queries would leave most SMs a few warps):
// square blocks of 8 warps, two per quarter, each walking every other chunk; the second warp of a quarter hands its
// softmax state to the first through shared memory, which merges the two and stores.
// fp32 runs the same kernel on m16n8k8 TF32 products, each split in three (3xTF32: a = a_hi + a_lo, each part
// rounded to TF32, and a b = a_hi b_hi + a_hi b_lo + a_lo b_hi), which keeps the products to about fp32's accuracy
// (one TF32 product alone, as TensorRT's default TF32 mode would take, rounds each operand to 2^-11). Its staged rows
// are of floats, its 16-byte chunks hold 4 channels instead of 8, and the weights multiply values read from shared
// memory a channel at a time (ldmatrix cannot transpose 32-bit elements). Measured on an H100 on SegMAN-T/B's maps
// against the CUDA-core kernel fp32 took before: 1.7-4.1x.
// The CPU reference (neighborhood_attention_2d_reference.cpp) is the op's float64 definition; the CUDA tests compare
// this kernel with it and with the CUDA-core kernels (neighborhood_attention_2d.cu).
#include <atomic>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "cuda_support.cuh"
#include "device_limits.h"
#include "neighborhood_attention_2d_mma.h"

namespace segman {
namespace {

// A block's queries: 8 rows of 8 columns (square tiles) or of 16 (wide tiles). Tiles of 16x16 were tried and not
// kept (H100, SegMAN-T/B maps: 0.73-0.96x of wide tiles on the large maps, their 512 threads needing 93-101
// registers, one block an SM; capped for two blocks an SM, 0.85-1.01x).
constexpr int kTileRows = 8, kSquare = 8, kWide = 16;
constexpr int kQuarter = 4;   // queries per warp side
// Warps per block when the keys are whole: one per 4x4 quarter of the tile.
__host__ __device__ constexpr int warps_for(int cols) { return (kTileRows / kQuarter) * (cols / kQuarter); }
constexpr int kChunk = 16;    // keys per step: the k extent of one m16n8k16 product
constexpr int kMaxDim = 64;
// The longest map side taken: the bound from when slots packed absolute coordinates in 15 bits, kept (slots now
// hold region coordinates; the ints and the grid would take longer sides, but none is tested).
constexpr int kMaxSide = 16384;
constexpr int kMaxRegionSide = 254;      // region coordinates are bytes, and 255 marks slots past a union

// A chunk slot: the key's row offset in the staged keys and values in 16-byte units (high half) and its
// coordinates in the block's region, a byte each (region sides are at most K + kWide - 1 <= 254). Slots past a
// warp's union hold kNoKeySlot: region key 0, at coordinates outside every window.
using Slot = unsigned;

__host__ __device__ constexpr int smaller(int a, int b) { return a < b ? a : b; }

// Where the keys are whole and a row of DP elements is a power of two of 16-byte chunks (fp16 padded dims 16, 32,
// 64; fp32 8, 16, 32, 64), staged rows are DP elements, their chunks swizzled by the row's 128-byte line (rows of at
// most 128 bytes) or by the row itself (longer rows): chunk c of a row sits at chunk c ^ row_swizzle, so the rows of
// eight consecutive keys that ldmatrix reads together fall in distinct banks. Other rows (fp16 padded dim 48, fp32
// 24, 40, 48, 56: an even count of chunks not a power of two) and split keys keep rows of DP elements and one chunk of
// padding, an odd count. Measured on an H100 (fp16): swizzled rows 1.01-1.19x on the SegMAN-T/B maps that take wide
// tiles (more blocks an SM), 0.97-1.02x on the split ones (three more instructions a chunk, no more blocks).
__host__ __device__ constexpr bool power_of_two_chunks(int element_bytes, int dp) {
  const int chunks = dp * element_bytes / 16;
  return (chunks & (chunks - 1)) == 0;
}
__host__ __device__ constexpr bool swizzled(int element_bytes, int dp, int split) {
  return power_of_two_chunks(element_bytes, dp) && split == 1;
}
__host__ __device__ constexpr int row_elements_for(int element_bytes, int dp, int split) {
  return swizzled(element_bytes, dp, split) ? dp : dp + 16 / element_bytes;
}

// Shared-memory layout, computed the same way on the host and in the kernel.
struct Staging {
  int element_bytes; // 2 (fp16) or 4 (fp32)
  int row_elements;  // elements per staged key or value row (row_elements_for)
  int region_keys;   // capacity of the block's key region
  int warp_slots;    // capacity of a warp's chunk table (its union rounded up to whole chunks)
  int bias_floats;   // (2K - 1)^2 rounded up to 4
  int merge_floats;  // the second warps' softmax states where the keys are split: per lane, the output and 2 + 2
  int warps;         // quarters of the tile

  __host__ __device__ Staging(int element_bytes, int padded_dim, int kernel, int height, int width, int split,
                              int cols)
      : element_bytes(element_bytes),
        row_elements(row_elements_for(element_bytes, padded_dim, split)),
        region_keys(smaller(kernel + kTileRows - 1, height) * smaller(kernel + cols - 1, width)),
        warp_slots((smaller(kernel + kQuarter - 1, height) * smaller(kernel + kQuarter - 1, width) + kChunk - 1) /
                   kChunk * kChunk),
        bias_floats(((2 * kernel - 1) * (2 * kernel - 1) + 3) / 4 * 4),
        merge_floats(split > 1 ? warps_for(cols) * 32 * (padded_dim / 2 + 4) : 0),
        warps(warps_for(cols)) {}

  __host__ __device__ size_t keys_offset() const { return 0; }
  __host__ __device__ size_t rows_bytes() const { return 1ull * element_bytes * region_keys * row_elements; }
  __host__ __device__ size_t values_offset() const { return keys_offset() + rows_bytes(); }
  __host__ __device__ size_t bias_offset() const { return values_offset() + rows_bytes(); }
  __host__ __device__ size_t slots_offset() const { return bias_offset() + 4ull * bias_floats; }
  __host__ __device__ size_t slots_end() const { return slots_offset() + sizeof(Slot) * warps * warp_slots; }
  // The merge reuses the staged keys once every warp is past its chunks.
  __host__ __device__ size_t merge_offset() const { return keys_offset(); }
  __host__ __device__ size_t bytes() const {
    const size_t merge_end = merge_offset() + 4ull * merge_floats;
    return slots_end() > merge_end ? slots_end() : merge_end;
  }
};

struct Geometry {
  int heads, height, width, dim, kernel;
};

// mma.sync and ldmatrix exist from compute capability 8.0 (m16n8k16) and 7.5 (ldmatrix); older devices never
// launch the kernel, which compiles to a trap for them.
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
constexpr Slot kNoKeySlot = 0xffffu;
// The swizzle of the staged row of `row_bytes` at byte offset `offset` (0 where rows are not swizzled).
__device__ __forceinline__ int row_swizzle(bool swizzle, int row_bytes, int offset) {
  if (!swizzle) return 0;
  return row_bytes > 128 ? (offset / row_bytes) & 7 : (offset >> 7) & (row_bytes / 16 - 1);
}
constexpr float kMasked = -1.0e30f;      // logit of a masked key; finite, so a row masked so far stays NaN-free
constexpr float kLog2e = 1.4426950408889634f;

__device__ __forceinline__ Slot make_slot(int offset, int r, int c) {
  return static_cast<unsigned>(offset >> 4) << 16 | static_cast<unsigned>(r) << 8 | static_cast<unsigned>(c);
}
__device__ __forceinline__ int slot_offset(Slot s) { return static_cast<int>(s >> 16) << 4; }
__device__ __forceinline__ int slot_row(Slot s) { return static_cast<int>((s >> 8) & 0xffu); }
__device__ __forceinline__ int slot_col(Slot s) { return static_cast<int>(s & 0xffu); }

// Shared address of 16-byte chunk `chunk` of the staged row whose slot offset (its swizzle applied) is `row`.
template <bool kSwizzled>
__device__ __forceinline__ unsigned chunk_address(unsigned base, int row, int chunk) {
  if constexpr (kSwizzled) {
    return base + static_cast<unsigned>(row ^ (chunk << 4));
  } else {
    return base + static_cast<unsigned>(row + (chunk << 4));
  }
}

__device__ __forceinline__ unsigned shared_address(const void* p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

// Four 8x8 fp16 matrices; lane L gives the shared address of row L % 8 of matrix L / 8.
__device__ __forceinline__ void load_matrices(unsigned (&r)[4], unsigned row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(row));
}

// The same, each matrix transposed.
__device__ __forceinline__ void load_matrices_transposed(unsigned (&r)[4], unsigned row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(row));
}

// 2^x (the special-function unit's approximation, as __expf uses).
__device__ __forceinline__ float exp2_approx(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

// d += a (16x16, row-major fragments) * b (16x8, column-major fragments), fp32 accumulation.
__device__ __forceinline__ void mma(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  asm(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// x split for 3xTF32: the high part rounded to TF32 (nearest, ties away), the low part the exact rest (the tensor
// cores read its top 19 bits).
struct Tf32Pair {
  unsigned hi, lo;
};
__device__ __forceinline__ Tf32Pair split_tf32(float x) {
  unsigned hi;
  asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(hi) : "f"(x));
  return {hi, __float_as_uint(x - __uint_as_float(hi))};
}

// d += a (16x8, row-major fragments) * b (8x8, column-major fragments) in TF32, fp32 accumulation.
__device__ __forceinline__ void mma_tf32(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// The same to about fp32 accuracy, a already split, b (fp32 bit patterns) split here: the two small products into
// `small` first (d itself, or an accumulator of their own for two dependency chains instead of one), then the large.
__device__ __forceinline__ void mma_3xtf32(float (&d)[4], float (&small)[4], const unsigned (&a_hi)[4],
                                           const unsigned (&a_lo)[4], unsigned b0_bits, unsigned b1_bits) {
  const Tf32Pair b0 = split_tf32(__uint_as_float(b0_bits)), b1 = split_tf32(__uint_as_float(b1_bits));
  mma_tf32(small, a_lo, b0.hi, b1.hi);
  mma_tf32(small, a_hi, b0.lo, b1.lo);
  mma_tf32(d, a_hi, b0.hi, b1.hi);
}

#endif

// Conversions between the kernel's element type E (__half or float) and fp32.
template <typename E>
__device__ __forceinline__ float to_float(E x) {
  if constexpr (std::is_same_v<E, __half>) {
    return __half2float(x);
  } else {
    return x;
  }
}
template <typename E>
__device__ __forceinline__ E from_float(float x) {
  if constexpr (std::is_same_v<E, __half>) {
    return __float2half_rn(x);
  } else {
    return x;
  }
}

// Copies one key or value row of `dim` elements (E: __half or float) into shared memory, its 16-byte chunks
// swizzled by `swizzle`, and zeroes the padding up to DP.
template <typename E, int DP>
__device__ __forceinline__ void stage_row(const E* __restrict__ src, E* dst, int dim, int swizzle) {
  constexpr int kPerChunk = 16 / sizeof(E);
  const auto at = [&](int c) { return dst + ((((c / kPerChunk) ^ swizzle) * kPerChunk) | (c % kPerChunk)); };
  if (dim % kPerChunk == 0) {
#pragma unroll
    for (int c = 0; c < DP; c += kPerChunk) {
      *reinterpret_cast<uint4*>(at(c)) =
          c < dim ? __ldg(reinterpret_cast<const uint4*>(src + c)) : make_uint4(0u, 0u, 0u, 0u);
    }
  } else if (dim % (kPerChunk / 2) == 0) {
#pragma unroll
    for (int c = 0; c < DP; c += kPerChunk / 2) {
      *reinterpret_cast<uint2*>(at(c)) =
          c < dim ? __ldg(reinterpret_cast<const uint2*>(src + c)) : make_uint2(0u, 0u);
    }
  } else {
    for (int c = 0; c < DP; ++c) *at(c) = c < dim ? __ldg(src + c) : from_float<E>(0.f);
  }
}

// Copies a block's region of keys and values (rows x cols keys from `first`, map rows `map_row` elements apart) into
// shared memory, `stride` elements a key. Each region row is one contiguous run of cols * dim elements in memory, so
// consecutive threads copy consecutive words of it; a word (16, 8, 4 or 2 bytes, whichever divides dim) never
// straddles two keys.
template <typename Word, typename E>
__device__ __forceinline__ void stage_region_words(const E* __restrict__ k, const E* __restrict__ v, long long first,
                                                   long long map_row, int rows, int cols, int dim, E* keys, E* values,
                                                   int stride, int threads) {
  constexpr int kElements = sizeof(Word) / sizeof(E);
  const int row_words = cols * dim / kElements;
  for (int i = threadIdx.x; i < rows * row_words; i += threads) {
    const int r = i / row_words, h = (i - r * row_words) * kElements;
    const int key = r * cols + h / dim, c = h % dim;
    const long long src = first + r * map_row + h;
    *reinterpret_cast<Word*>(keys + key * stride + c) = __ldg(reinterpret_cast<const Word*>(k + src));
    *reinterpret_cast<Word*>(values + key * stride + c) = __ldg(reinterpret_cast<const Word*>(v + src));
  }
}

// The same with the widest word, then zeros in the keys' padding channels (dim to DP): the queries' are zero, but
// whatever the padding held could be a NaN, and 0 * NaN is NaN. The values' padding only reaches output channels past
// dim, which are not stored.
template <typename E, int DP>
__device__ __forceinline__ void stage_region(const E* __restrict__ k, const E* __restrict__ v, long long first,
                                             long long map_row, int rows, int cols, int dim, E* keys, E* values,
                                             int stride, int threads) {
  constexpr int kPerChunk = 16 / sizeof(E);
  if (dim % kPerChunk == 0) {
    stage_region_words<uint4>(k, v, first, map_row, rows, cols, dim, keys, values, stride, threads);
  } else if (dim % (kPerChunk / 2) == 0) {
    stage_region_words<uint2>(k, v, first, map_row, rows, cols, dim, keys, values, stride, threads);
  } else if (sizeof(E) == 4 || dim % 2 == 0) {
    stage_region_words<unsigned>(k, v, first, map_row, rows, cols, dim, keys, values, stride, threads);
  } else if constexpr (sizeof(E) == 2) {  // odd fp16 dims; an fp32 element is never smaller than a word
    stage_region_words<unsigned short>(k, v, first, map_row, rows, cols, dim, keys, values, stride, threads);
  }
  const int padding = DP - dim;
  for (int i = threadIdx.x; i < rows * cols * padding; i += threads) {
    keys[(i / padding) * stride + dim + i % padding] = from_float<E>(0.f);
  }
}

// E: __half (fp16 products) or float (3xTF32 products). DP: dim rounded up to the k extent of the logits' products
// (padded_dim: 16 in fp16, 8 in fp32). kBias: whether rpb is given. kSplit: warps per quarter (1, or 2 to split the
// keys). kCols: the tile's columns (kSquare or kWide).
template <typename E, int DP, bool kBias, int kSplit, int kCols>
__global__ void __launch_bounds__(32 * warps_for(kCols) * kSplit)
    attention_mma_kernel(const E* __restrict__ q, const E* __restrict__ k, const E* __restrict__ v,
                         const E* __restrict__ rpb, E* __restrict__ out, Geometry g) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  extern __shared__ __align__(16) unsigned char shared[];
  constexpr bool kHalf = std::is_same_v<E, __half>;
  constexpr int kWarps = warps_for(kCols), kThreads = 32 * kWarps * kSplit;
  constexpr bool kSwizzled = swizzled(sizeof(E), DP, kSplit);
  constexpr int kRowBytes = DP * static_cast<int>(sizeof(E));  // of a swizzled row
  // fp32 with split keys and dims up to 32: the two small products of each 3xTF32 product (and of a chunk's weighted
  // values) go to their own accumulators, halving the chains of dependent mma. Measured on an H100: 1.04-1.12x on
  // the eight SegMAN-T/B maps that run it; the same in every fp32 kernel was 0.94-1.03x on the other maps (wide
  // tiles, or padded dim 48 at up to 160 registers), and the logits' alone 0.96-1.02x.
  constexpr bool kTwoChains = !kHalf && kSplit > 1 && DP <= 32;
  const Staging staging(sizeof(E), DP, g.kernel, g.height, g.width, kSplit, kCols);
  const int stride = staging.row_elements;
  E* keys = reinterpret_cast<E*>(shared + staging.keys_offset());
  E* values = reinterpret_cast<E*>(shared + staging.values_offset());
  float* bias = reinterpret_cast<float*>(shared + staging.bias_offset());
  Slot* slots = reinterpret_cast<Slot*>(shared + staging.slots_offset());

  const int K = g.kernel, table = 2 * K - 1;
  const int tile_r = blockIdx.y * kTileRows, tile_c = blockIdx.x * kCols;
  const long long plane = blockIdx.z;
  const int head = static_cast<int>(plane % g.heads);
  const long long base = plane * g.height * g.width * g.dim;

  // The block's key region: the union of its (clamped) queries' windows.
  const int region_r = window_start(tile_r, g.height, K, 1), region_c = window_start(tile_c, g.width, K, 1);
  const int region_cols = window_start(min(tile_c + kCols, g.width) - 1, g.width, K, 1) + K - region_c;
  const int region_rows = window_start(min(tile_r + kTileRows, g.height) - 1, g.height, K, 1) + K - region_r;
  // How the region is copied was measured (H100, SegMAN shapes, fp16): row by row, coalesced, was 1.21x on padded
  // dim 48 (SegMAN-T's dim 36) and 0.87-1.02x on the other dims, where a key per thread copies 16-byte words and
  // zeros without the row-wise copy's per-word division. Rows that are not a power of two of chunks (fp16's padded dim
  // 48, and fp32's padded dims 24, 40, 48, 56) take the row-wise copy.
  if constexpr (!power_of_two_chunks(sizeof(E), DP)) {
    stage_region<E, DP>(k, v, base + (1LL * region_r * g.width + region_c) * g.dim, 1LL * g.width * g.dim, region_rows,
                     region_cols, g.dim, keys, values, stride, kThreads);
  } else {
    for (int key = threadIdx.x; key < region_rows * region_cols; key += kThreads) {
      const int kr = key / region_cols, kc = key - kr * region_cols;
      const long long src = base + (1LL * (region_r + kr) * g.width + region_c + kc) * g.dim;
      const int swizzle = row_swizzle(kSwizzled, kRowBytes, key * stride * static_cast<int>(sizeof(E)));
      stage_row<E, DP>(k + src, keys + key * stride, g.dim, swizzle);
      stage_row<E, DP>(v + src, values + key * stride, g.dim, swizzle);
    }
  }
  if constexpr (kBias) {
    for (int i = threadIdx.x; i < table * table; i += kThreads) {
      bias[i] = to_float(rpb[1LL * head * table * table + i]) * kLog2e;
    }
  }

  // The warp's quarter and the union of its queries' windows, listed chunk by chunk in slots (above).
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  // part: which of the quarter's warps (split keys); constants when the keys are whole, so that kernel's code is
  // the same as without the split.
  const int quarter = kSplit > 1 ? warp % kWarps : warp, part = kSplit > 1 ? warp / kWarps : 0;
  const int quarter_r = (quarter / (kCols / kQuarter)) * kQuarter;
  const int quarter_c = (quarter % (kCols / kQuarter)) * kQuarter;
  const int first_r = min(tile_r + quarter_r, g.height - 1), first_c = min(tile_c + quarter_c, g.width - 1);
  const int union_r = window_start(first_r, g.height, K, 1), union_c = window_start(first_c, g.width, K, 1);
  const int union_cols = window_start(min(first_c + kQuarter - 1, g.width - 1), g.width, K, 1) + K - union_c;
  const int union_keys =
      (window_start(min(first_r + kQuarter - 1, g.height - 1), g.height, K, 1) + K - union_r) * union_cols;
  const int chunks = (union_keys + kChunk - 1) / kChunk;
  Slot* warp_slots = slots + quarter * staging.warp_slots;
  for (int s = part * 32 + lane; s < chunks * kChunk; s += 32 * kSplit) {
    Slot slot = kNoKeySlot;
    if (s < union_keys) {
      const int kr = union_r + s / union_cols - region_r, kc = union_c + s % union_cols - region_c;
      const int offset = (kr * region_cols + kc) * stride * static_cast<int>(sizeof(E));
      slot = make_slot(offset ^ (row_swizzle(kSwizzled, kRowBytes, offset) << 4), kr, kc);
    }
    warp_slots[s] = slot;
  }

  // mma fragment coordinates: lane = 4 * group + pair; a lane holds rows `group` and `group + 8` of the 16
  // queries, and columns 2 * pair, 2 * pair + 1 of each 8-wide tile.
  const int group = lane / 4, pair = lane % 4;
  int window_r[2], window_c[2], bias_base[2], query_i[2], query_j[2];
#pragma unroll
  for (int a = 0; a < 2; ++a) {
    const int m = group + 8 * a;  // the warp's query m sits at (m / 4, m % 4) of its quarter
    query_i[a] = tile_r + quarter_r + m / kQuarter;
    query_j[a] = tile_c + quarter_c + m % kQuarter;
    const int qi = min(query_i[a], g.height - 1), qj = min(query_j[a], g.width - 1);
    window_r[a] = window_start(qi, g.height, K, 1);
    window_c[a] = window_start(qj, g.width, K, 1);
    bias_base[a] = (K - 1 - qi) * table + (K - 1 - qj);  // + key row * table + key column = the bias index
    // In region coordinates, as the slots hold them.
    window_r[a] -= region_r;
    window_c[a] -= region_c;
    bias_base[a] += region_r * table + region_c;
  }

  // The warp's 16 queries as A fragments, straight from memory: in fp16, register j of fragment kk holds query row
  // group + 8 (j % 2), channels 16 kk + 8 (j / 2) + 2 pair and the next; in fp32 (m16n8k8), query row
  // group + 8 (j % 2), channel 8 kk + 4 (j / 2) + pair, split into its TF32 high and low parts. Positions past the
  // map repeat its last row or column, channels past dim are zero.
  constexpr int kSteps = kHalf ? DP / 16 : DP / 8;  // k steps of the logits' products
  unsigned query_frag[kSteps][4];
  [[maybe_unused]] unsigned query_low[kHalf ? 1 : kSteps][4];
#pragma unroll
  for (int a = 0; a < 2; ++a) {
    const E* row = q + base + (1LL * min(query_i[a], g.height - 1) * g.width + min(query_j[a], g.width - 1)) * g.dim;
    if constexpr (kHalf) {
#pragma unroll
      for (int kk = 0; kk < kSteps; ++kk) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const int c = 16 * kk + 8 * h + 2 * pair;
          unsigned word = 0u;
          if ((g.dim & 1) == 0) {
            if (c < g.dim) word = __ldg(reinterpret_cast<const unsigned*>(row + c));
          } else {
            const unsigned short lo = c < g.dim ? __ldg(reinterpret_cast<const unsigned short*>(row + c)) : 0;
            const unsigned short hi = c + 1 < g.dim ? __ldg(reinterpret_cast<const unsigned short*>(row + c + 1)) : 0;
            word = static_cast<unsigned>(hi) << 16 | lo;
          }
          query_frag[kk][a + 2 * h] = word;
        }
      }
    } else {
#pragma unroll
      for (int kk = 0; kk < kSteps; ++kk) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const int c = 8 * kk + 4 * h + pair;
          const Tf32Pair x = split_tf32(c < g.dim ? __ldg(row + c) : 0.f);
          query_frag[kk][a + 2 * h] = x.hi;
          query_low[kk][a + 2 * h] = x.lo;
        }
      }
    }
  }
  __syncthreads();

  float output[DP / 8][4];
#pragma unroll
  for (int n = 0; n < DP / 8; ++n) output[n][0] = output[n][1] = output[n][2] = output[n][3] = 0.f;
  float row_max[2] = {kMasked, kMasked}, row_sum[2] = {0.f, 0.f};
  // Per-lane ldmatrix rows: keys as B of the logits (matrices: keys 0-7 dims lo, keys 0-7 dims hi, keys 8-15 ...;
  // in fp32 a matrix of 4 channels is exactly the B fragment register of one m16n8k8 product), values as B of the
  // output in fp16, transposed (keys 0-7 dims lo, keys 8-15 dims lo, keys 0-7 dims hi, ...).
  const int key_slot = (lane / 16) * 8 + lane % 8, value_slot = ((lane / 8) % 2) * 8 + lane % 8;
  const int key_chunk = (lane / 8) % 2, value_chunk = lane / 16;
  const unsigned keys_base = shared_address(keys), values_base = shared_address(values);

  for (int chunk = part; chunk < chunks; chunk += kSplit) {
    const Slot* chunk_slots = warp_slots + chunk * kChunk;
    float logit[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
    [[maybe_unused]] float logit_own_small[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
    [[maybe_unused]] float(&logit_small)[2][4] = kTwoChains ? logit_own_small : logit;  // fp32's small products
    {
      const int row = slot_offset(chunk_slots[key_slot]);
#pragma unroll
      for (int kk = 0; kk < kSteps; ++kk) {
        unsigned b[4];
        load_matrices(b, chunk_address<kSwizzled>(keys_base, row, 2 * kk + key_chunk));
        if constexpr (kHalf) {
          mma(logit[0], query_frag[kk], b[0], b[1]);
          mma(logit[1], query_frag[kk], b[2], b[3]);
        } else {
          mma_3xtf32(logit[0], logit_small[0], query_frag[kk], query_low[kk], b[0], b[1]);
          mma_3xtf32(logit[1], logit_small[1], query_frag[kk], query_low[kk], b[2], b[3]);
        }
      }
      if constexpr (kTwoChains) {
#pragma unroll
        for (int i = 0; i < 8; ++i) logit[i / 4][i % 4] += logit_own_small[i / 4][i % 4];
      }
    }
    // In base-2 units, mask keys outside each query's window and add the bias: logit[n][2a + e] is query row a,
    // key 8n + 2 pair + e. A masked key reads bias entry 0 and discards it, so the read never leaves the table.
    [[maybe_unused]] int value_row[2][2];  // fp32: the staged rows of those keys, for the weights' product
#pragma unroll
    for (int n = 0; n < 2; ++n) {
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const Slot slot = chunk_slots[8 * n + 2 * pair + e];
        const int kr = slot_row(slot), kc = slot_col(slot);
        if constexpr (!kHalf) value_row[n][e] = slot_offset(slot);
#pragma unroll
        for (int a = 0; a < 2; ++a) {
          const bool inside = static_cast<unsigned>(kr - window_r[a]) < static_cast<unsigned>(K) &&
                              static_cast<unsigned>(kc - window_c[a]) < static_cast<unsigned>(K);
          float x = logit[n][2 * a + e] * kLog2e;
          if constexpr (kBias) x += bias[inside ? kr * table + kc + bias_base[a] : 0];
          logit[n][2 * a + e] = inside ? x : kMasked;
        }
      }
    }
    // Online softmax per query row; the four lanes of a group share the row.
    float rescale[2];
#pragma unroll
    for (int a = 0; a < 2; ++a) {
      float m = fmaxf(fmaxf(logit[0][2 * a], logit[0][2 * a + 1]), fmaxf(logit[1][2 * a], logit[1][2 * a + 1]));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
      const float new_max = fmaxf(row_max[a], m);
      // While a row has seen only masked keys both maxima are kMasked and its weights are 1 (finite garbage); the
      // first key inside its window rescales them by 2^(kMasked - max) = 0.
      rescale[a] = exp2_approx(row_max[a] - new_max);
      row_max[a] = new_max;
      row_sum[a] *= rescale[a];
#pragma unroll
      for (int n = 0; n < 2; ++n) {
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const float w = exp2_approx(logit[n][2 * a + e] - new_max);
          row_sum[a] += w;
          logit[n][2 * a + e] = w;
        }
      }
    }
    // Once the maxima settle (rescale exactly 1 on every lane), most chunks skip rescaling the output.
    if (__any_sync(0xffffffffu, rescale[0] != 1.f || rescale[1] != 1.f)) {
#pragma unroll
      for (int n = 0; n < DP / 8; ++n) {
        output[n][0] *= rescale[0];
        output[n][1] *= rescale[0];
        output[n][2] *= rescale[1];
        output[n][3] *= rescale[1];
      }
    }
    if constexpr (kHalf) {
      // The weights as the A fragment of a 16x16 product (rows = queries, k = the chunk's keys; lo in the low half).
      const unsigned weights[4] = {
          cuda::pack_halves(logit[0][0], logit[0][1]), cuda::pack_halves(logit[0][2], logit[0][3]),
          cuda::pack_halves(logit[1][0], logit[1][1]), cuda::pack_halves(logit[1][2], logit[1][3])};
      const int row = slot_offset(chunk_slots[value_slot]);
#pragma unroll
      for (int n = 0; n < DP / 16; ++n) {
        unsigned b[4];
        load_matrices_transposed(b, chunk_address<kSwizzled>(values_base, row, 2 * n + value_chunk));
        mma(output[2 * n], weights, b[0], b[1]);
        mma(output[2 * n + 1], weights, b[2], b[3]);
      }
    } else {
      // Two m16n8k8 products, one per 8 keys. Their k order is the lane's own: k = pair takes key 8h + 2 pair and
      // k = pair + 4 key 8h + 2 pair + 1, the two weights the lane already holds, so the weights need no shuffle;
      // the values' B fragment (k = key, n = channel) follows the same order, read a channel at a time.
      const unsigned char* staged_values = reinterpret_cast<const unsigned char*>(values);
      [[maybe_unused]] float output_own_small[DP / 8][4] = {};
      float(&output_small)[DP / 8][4] = kTwoChains ? output_own_small : output;
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        unsigned weights_hi[4], weights_lo[4];
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const Tf32Pair w = split_tf32(logit[h][(j % 2) * 2 + j / 2]);  // k = pair + 4 (j / 2), row j % 2
          weights_hi[j] = w.hi;
          weights_lo[j] = w.lo;
        }
#pragma unroll
        for (int n = 0; n < DP / 8; ++n) {
          const int chunk_of = 2 * n + group / 4, within = 4 * (group % 4);  // channel 8 n + group
          const unsigned b0 = *reinterpret_cast<const unsigned*>(
              staged_values + (chunk_address<kSwizzled>(0u, value_row[h][0], chunk_of) + within));
          const unsigned b1 = *reinterpret_cast<const unsigned*>(
              staged_values + (chunk_address<kSwizzled>(0u, value_row[h][1], chunk_of) + within));
          mma_3xtf32(output[n], output_small[n], weights_hi, weights_lo, b0, b1);
        }
      }
      if constexpr (kTwoChains) {
#pragma unroll
        for (int n = 0; n < DP / 8; ++n) {
#pragma unroll
          for (int i = 0; i < 4; ++i) output[n][i] += output_own_small[n][i];
        }
      }
    }
  }

  if constexpr (kSplit > 1) {
    // The second warp of each quarter hands over its state; the first merges it (a part that saw only masked keys
    // of a row has maximum kMasked and weight 2^(kMasked - max) = 0 in the merge).
    float* state = reinterpret_cast<float*>(shared + staging.merge_offset()) + quarter * 32 * (DP / 2 + 4) + lane;
    __syncthreads();  // the state overwrites the staged keys
    if (part == 1) {
#pragma unroll
      for (int a = 0; a < 2; ++a) {
        state[32 * a] = row_max[a];
        state[32 * (2 + a)] = row_sum[a];
      }
#pragma unroll
      for (int n = 0; n < DP / 8; ++n) {
#pragma unroll
        for (int i = 0; i < 4; ++i) state[32 * (4 + 4 * n + i)] = output[n][i];
      }
    }
    __syncthreads();
    if (part == 1) return;
    float own[2], other[2];
#pragma unroll
    for (int a = 0; a < 2; ++a) {
      const float max = fmaxf(row_max[a], state[32 * a]);
      own[a] = exp2_approx(row_max[a] - max);
      other[a] = exp2_approx(state[32 * a] - max);
      row_sum[a] = row_sum[a] * own[a] + state[32 * (2 + a)] * other[a];
    }
#pragma unroll
    for (int n = 0; n < DP / 8; ++n) {
#pragma unroll
      for (int i = 0; i < 4; ++i) output[n][i] = output[n][i] * own[i / 2] + state[32 * (4 + 4 * n + i)] * other[i / 2];
    }
  }

  // Normalise and store: output[n][2a + e] is query row a, channel 8n + 2 pair + e.
#pragma unroll
  for (int a = 0; a < 2; ++a) {
    float sum = row_sum[a];
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    if (query_i[a] >= g.height || query_j[a] >= g.width) continue;
    const float inv = 1.f / sum;
    E* o = out + base + (1LL * query_i[a] * g.width + query_j[a]) * g.dim;
#pragma unroll
    for (int n = 0; n < DP / 8; ++n) {
      const int c = 8 * n + 2 * pair;
      const float lo = output[n][2 * a] * inv, hi = output[n][2 * a + 1] * inv;
      if ((g.dim & 1) == 0 && c + 1 < g.dim) {
        if constexpr (kHalf) {
          *reinterpret_cast<__half2*>(o + c) = __floats2half2_rn(lo, hi);
        } else {
          *reinterpret_cast<float2*>(o + c) = make_float2(lo, hi);
        }
      } else {
        if (c < g.dim) o[c] = from_float<E>(lo);
        if (c + 1 < g.dim) o[c + 1] = from_float<E>(hi);
      }
    }
  }
#else
  __trap();  // the host launches this kernel only on compute capability 8.0 or newer
#endif
}

// The kernel's element type for the op's T.
template <typename T>
using Element = std::conditional_t<std::is_same_v<T, Half>, __half, float>;

// Lets attention_mma_kernel<E, DP, kBias, kSplit, kCols> take all the shared memory a block may opt in to on
// `device`, once per kernel and device (bit d = device d).
template <typename E, int DP, bool kBias, int kSplit, int kCols>
cudaError_t opt_in(int device) {
  static std::atomic<unsigned long long> opted_in{0};
  const unsigned long long bit = 1ull << (device % 64);
  if ((opted_in.load(std::memory_order_relaxed) & bit) != 0) return cudaSuccess;
  DeviceLimits limits;
  if (const cudaError_t e = device_limits(device, &limits); e != cudaSuccess) return e;
  if (const cudaError_t e = cudaFuncSetAttribute(attention_mma_kernel<E, DP, kBias, kSplit, kCols>,
                                                 cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                 limits.shared_memory_optin);
      e != cudaSuccess) {
    return e;
  }
  opted_in.fetch_or(bit, std::memory_order_relaxed);
  return cudaSuccess;
}

bool fits(const Staging& staging, const DeviceLimits& limits) {
  return staging.bytes() <= static_cast<size_t>(limits.shared_memory_optin);
}

template <typename E>
Staging staging_for(int padded_dim, const Geometry& g, int split, int cols) {
  return Staging(sizeof(E), padded_dim, g.kernel, g.height, g.width, split, cols);
}

// The grid of tiles `cols` wide over the map's planes, and its blocks.
dim3 grid_for(const Geometry& g, long long planes, int cols) {
  return dim3((g.width + cols - 1) / cols, (g.height + kTileRows - 1) / kTileRows, static_cast<unsigned>(planes));
}
long long blocks_in(const dim3& grid) { return 1LL * grid.x * grid.y * grid.z; }

// Blocks of the <E, DP, kBias, kSplit, kCols> kernel that one SM of `device` holds at once on this map.
template <typename E, int DP, bool kBias, int kSplit, int kCols>
cudaError_t resident_blocks(const Geometry& g, int device, int* blocks) {
  if (const cudaError_t e = opt_in<E, DP, kBias, kSplit, kCols>(device); e != cudaSuccess) return e;
  return blocks_per_sm(reinterpret_cast<const void*>(attention_mma_kernel<E, DP, kBias, kSplit, kCols>), device,
                       32 * warps_for(kCols) * kSplit, staging_for<E>(DP, g, kSplit, kCols).bytes(), blocks);
}

// Warps an SM keeps busy with the <E, DP, kBias, kSplit, kCols> kernel on this map: as many as it holds at once, or
// fewer where the grid has fewer warps than that for each SM.
template <typename E, int DP, bool kBias, int kSplit, int kCols>
cudaError_t busy_warps_per_sm(const Geometry& g, long long planes, int device, const DeviceLimits& limits,
                              double* warps) {
  constexpr int kBlockWarps = warps_for(kCols) * kSplit;
  int blocks = 0;
  if (const cudaError_t e = resident_blocks<E, DP, kBias, kSplit, kCols>(g, device, &blocks); e != cudaSuccess) {
    return e;
  }
  const double per_sm =
      static_cast<double>(blocks_in(grid_for(g, planes, kCols))) * kBlockWarps / limits.multiprocessors;
  *warps = per_sm < blocks * kBlockWarps ? per_sm : blocks * kBlockWarps;
  return cudaSuccess;
}

// kAuto's choice. fp16: split keys where the split grid, twice the warps, still fits in one wave of square
// whole-key blocks; otherwise wide tiles. Measured on the H100: splitting a grid of 0.97 waves (640 blocks at 5 an
// SM) was 0.87x, grids of at most half a wave gained 1.13-1.63x; wide tiles were 1.05-1.74x on ten of the eleven
// SegMAN-T/B maps that do not split (fewer staged keys per query: 3.7 instead of 5.1 at K 11; 0.94x on SegMAN-B's
// 1024x2048 stage 4) and 0.77-0.93x on those that do.
// fp32: split keys where that keeps at least 1.5 times the warps of wide tiles busy on each SM (busy_warps_per_sm),
// otherwise wide tiles. fp32 blocks are twice the shared memory and 95-128 registers a thread, so a wide block at K
// 11 or at padded dim 48 is alone on its SM, and small grids leave SMs idle; split square blocks hold two. Measured on
// the H100 against wide tiles on the 16 SegMAN-T/B maps: split 1.05-1.52x on the ten this picks, 0.89-1.03x on the
// other six. SEGMAN_ATTENTION_FP32_FORM (a TileForm's number) overrides the choice, to sweep the forms.
template <typename E, int DP, bool kBias>
cudaError_t choose_form(const Geometry& g, long long planes, int device, const DeviceLimits& limits, TileForm* form) {
  *form = TileForm::kWide;
#ifdef SEGMAN_ATTENTION_FP32_FORM
  if constexpr (std::is_same_v<E, float>) {
    *form = static_cast<TileForm>(SEGMAN_ATTENTION_FP32_FORM);
    return cudaSuccess;
  }
#endif
  if (!fits(staging_for<E>(DP, g, 2, kSquare), limits)) return cudaSuccess;
  if constexpr (std::is_same_v<E, float>) {
    double split = 0, whole = 0;
    if (const cudaError_t e = busy_warps_per_sm<E, DP, kBias, 2, kSquare>(g, planes, device, limits, &split);
        e != cudaSuccess) {
      return e;
    }
    const cudaError_t e = fits(staging_for<E>(DP, g, 1, kWide), limits)
                              ? busy_warps_per_sm<E, DP, kBias, 1, kWide>(g, planes, device, limits, &whole)
                              : busy_warps_per_sm<E, DP, kBias, 1, kSquare>(g, planes, device, limits, &whole);
    if (e != cudaSuccess) return e;
    if (split >= 1.5 * whole) *form = TileForm::kSplit;
    return cudaSuccess;
  } else {
    int per_sm = 0;
    if (const cudaError_t e = resident_blocks<E, DP, kBias, 1, kSquare>(g, device, &per_sm); e != cudaSuccess) {
      return e;
    }
    const long long square_blocks = blocks_in(grid_for(g, planes, kSquare));
    if (2 * square_blocks <= 1LL * per_sm * limits.multiprocessors) *form = TileForm::kSplit;
    return cudaSuccess;
  }
}

template <typename E, int DP, bool kBias, int kSplit, int kCols>
cudaError_t launch(const Geometry& g, long long planes, const E* q, const E* k, const E* v, const E* rpb, E* out,
                   cudaStream_t stream, int device) {
  if (const cudaError_t e = opt_in<E, DP, kBias, kSplit, kCols>(device); e != cudaSuccess) return e;
  const size_t bytes = staging_for<E>(DP, g, kSplit, kCols).bytes();
  attention_mma_kernel<E, DP, kBias, kSplit, kCols>
      <<<grid_for(g, planes, kCols), 32 * warps_for(kCols) * kSplit, bytes, stream>>>(q, k, v, rpb, out, g);
  return cudaGetLastError();
}

template <typename E, int DP, bool kBias>
cudaError_t launch(const NeighborhoodAttention2DShape& shape, const E* q, const E* k, const E* v, const E* rpb,
                   E* out, cudaStream_t stream, int device, const DeviceLimits& limits, TileForm form) {
  const Geometry g{static_cast<int>(shape.heads), static_cast<int>(shape.height), static_cast<int>(shape.width),
                   static_cast<int>(shape.dim), static_cast<int>(shape.kernel_size)};
  const long long planes = shape.batch * shape.heads;
  if (form == TileForm::kAuto) {
    if (const cudaError_t e = choose_form<E, DP, kBias>(g, planes, device, limits, &form); e != cudaSuccess) return e;
  }
  // A form whose shared memory does not fit runs as square tiles with whole keys, which always fit (the kernel
  // applies only then).
  if (form == TileForm::kSplit && fits(staging_for<E>(DP, g, 2, kSquare), limits)) {
    return launch<E, DP, kBias, 2, kSquare>(g, planes, q, k, v, rpb, out, stream, device);
  }
  if (form == TileForm::kWide && fits(staging_for<E>(DP, g, 1, kWide), limits)) {
    return launch<E, DP, kBias, 1, kWide>(g, planes, q, k, v, rpb, out, stream, device);
  }
  return launch<E, DP, kBias, 1, kSquare>(g, planes, q, k, v, rpb, out, stream, device);
}

// dim rounded up to the k extent of the logits' products: 16 channels in fp16, 8 in TF32 (dim 36 stages and
// multiplies 40 channels in fp32, not 48).
int padded_dim(int64_t dim, size_t element_bytes) {
  const int step = element_bytes == 2 ? 16 : 8;
  return static_cast<int>((dim + step - 1) / step * step);
}

template <typename E, bool kBias>
cudaError_t launch_for_dim(const NeighborhoodAttention2DShape& shape, const E* q, const E* k, const E* v,
                           const E* rpb, E* out, cudaStream_t stream, int device, const DeviceLimits& limits,
                           TileForm form) {
  const auto run = [&](auto dp) {
    return launch<E, decltype(dp)::value, kBias>(shape, q, k, v, rpb, out, stream, device, limits, form);
  };
  if constexpr (std::is_same_v<E, __half>) {
    switch (padded_dim(shape.dim, sizeof(E))) {
      case 16: return run(std::integral_constant<int, 16>{});
      case 32: return run(std::integral_constant<int, 32>{});
      case 48: return run(std::integral_constant<int, 48>{});
      default: return run(std::integral_constant<int, 64>{});
    }
  } else {
    switch (padded_dim(shape.dim, sizeof(E))) {
      case 8: return run(std::integral_constant<int, 8>{});
      case 16: return run(std::integral_constant<int, 16>{});
      case 24: return run(std::integral_constant<int, 24>{});
      case 32: return run(std::integral_constant<int, 32>{});
      case 40: return run(std::integral_constant<int, 40>{});
      case 48: return run(std::integral_constant<int, 48>{});
      case 56: return run(std::integral_constant<int, 56>{});
      default: return run(std::integral_constant<int, 64>{});
    }
  }
}

}  // namespace

template <typename T>
bool neighborhood_attention_2d_mma_applies(const NeighborhoodAttention2DShape& shape, const DeviceLimits& limits) {
  if (shape.dilation != 1 || shape.dim > kMaxDim || shape.height > kMaxSide || shape.width > kMaxSide ||
      shape.kernel_size + kWide - 1 > kMaxRegionSide) {
    return false;
  }
  const Staging staging(sizeof(T), padded_dim(shape.dim, sizeof(T)), static_cast<int>(shape.kernel_size),
                        static_cast<int>(shape.height), static_cast<int>(shape.width), 1, kSquare);
  return limits.major >= 8 && fits(staging, limits);
}

template <typename T>
cudaError_t neighborhood_attention_2d_mma(const NeighborhoodAttention2DShape& shape,
                                          const NeighborhoodAttention2DInputs<T>& in, T* out, cudaStream_t stream,
                                          int device, const DeviceLimits& limits, TileForm form) {
  using E = Element<T>;
  const auto e = [](const T* p) { return reinterpret_cast<const E*>(p); };
  return in.rpb ? launch_for_dim<E, true>(shape, e(in.q), e(in.k), e(in.v), e(in.rpb), reinterpret_cast<E*>(out),
                                          stream, device, limits, form)
                : launch_for_dim<E, false>(shape, e(in.q), e(in.k), e(in.v), nullptr, reinterpret_cast<E*>(out),
                                           stream, device, limits, form);
}

template bool neighborhood_attention_2d_mma_applies<Half>(const NeighborhoodAttention2DShape&, const DeviceLimits&);
template bool neighborhood_attention_2d_mma_applies<float>(const NeighborhoodAttention2DShape&, const DeviceLimits&);
template cudaError_t neighborhood_attention_2d_mma<Half>(const NeighborhoodAttention2DShape&,
                                                         const NeighborhoodAttention2DInputs<Half>&, Half*,
                                                         cudaStream_t, int, const DeviceLimits&, TileForm);
template cudaError_t neighborhood_attention_2d_mma<float>(const NeighborhoodAttention2DShape&,
                                                          const NeighborhoodAttention2DInputs<float>&, float*,
                                                          cudaStream_t, int, const DeviceLimits&, TileForm);

}  // namespace segman
