#include "neighborhood_attention_2d.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "lanes.h"
#include "parallel.h"

namespace segman {

void validate(const NeighborhoodAttention2DShape& s) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("NeighborhoodAttention2D: " + what);
  };
  require(s.kernel_size >= 1 && s.kernel_size % 2 == 1,
          "kernel_size must be odd and >= 1, got " + std::to_string(s.kernel_size));
  require(s.dilation >= 1, "dilation must be >= 1, got " + std::to_string(s.dilation));
  require(s.batch >= 0 && s.heads >= 0, "batch and heads must be >= 0");
  require(s.dim >= 1, "dim must be >= 1, got " + std::to_string(s.dim));
  const int64_t span = s.kernel_size * s.dilation;
  require(s.height >= span && s.width >= span,
          "the map (" + std::to_string(s.height) + "x" + std::to_string(s.width) +
              ") must be at least kernel_size*dilation = " + std::to_string(span) + " on each side");
  require(s.height <= INT32_MAX && s.width <= INT32_MAX, "H and W must fit in 32 bits");
}

namespace {

// Queries handled together along a row: their windows start at consecutive columns wherever the window is not
// clamped, so with q, k and v stored channel-major ([plane][c][H][W]) every window offset and channel is one
// contiguous run of kTile values, and the loops below run across queries as vectors (no horizontal sums).
constexpr int kTile = static_cast<int>(kLanes);

// Distance between channels in the channel-major copies: the map's pixels plus one tile. Maps of a power-of-two size
// would otherwise put every channel of a key in the same L1 set, and the tile's loads over the channels would evict
// each other.
int64_t channel_pitch(int64_t pixels) { return pixels + kTile; }

struct Geometry {
  int H, W, K, dil;
  int64_t dim, KK, table;
  std::vector<int> row_start, col_start;
  std::vector<int> tile_starts;  // first columns of the tiles, the same for every row
  std::vector<char> in_tile;     // columns a tile computes; the others run one query at a time

  Geometry(const NeighborhoodAttention2DShape& s, bool tiles)
      : H(static_cast<int>(s.height)), W(static_cast<int>(s.width)), K(static_cast<int>(s.kernel_size)),
        dil(static_cast<int>(s.dilation)), dim(s.dim), KK(s.kernel_size * s.kernel_size),
        table(2 * s.kernel_size - 1), row_start(H), col_start(W), in_tile(W, 0) {
    for (int i = 0; i < H; ++i) row_start[i] = window_start(i, H, K, dil);
    for (int j = 0; j < W; ++j) col_start[j] = window_start(j, W, K, dil);
    // Tiles cover the unclamped columns [lo, hi]; the last one may overlap its neighbour (it recomputes the same
    // values) rather than leave the remainder to the one-query path.
    const int half = (K / 2) * dil, lo = half, hi = W - 1 - half;
    if (!tiles || hi - lo + 1 < kTile) return;
    for (int j = lo; j + kTile - 1 <= hi; j += kTile) tile_starts.push_back(j);
    if ((hi - lo + 1) % kTile != 0) tile_starts.push_back(hi - kTile + 1);
    for (int start : tile_starts) {
      for (int x = 0; x < kTile; ++x) {
        if (col_start[start + x] != start + x - half) throw std::logic_error("NeighborhoodAttention2D: clamped tile");
        in_tile[start + x] = 1;
      }
    }
  }
};

// One query, any window (the clamped ones at the borders): keys in the natural (pixel-major) layout.
void attend_query(const Geometry& g, const float* q_plane, const float* k_plane, const float* v_plane,
                  const float* rpb, int i, int j, float* logits, float* out) {
  const int64_t dim = g.dim;
  const float* q = q_plane + (static_cast<int64_t>(i) * g.W + j) * dim;
  float max_logit = -std::numeric_limits<float>::max();
  for (int mi = 0; mi < g.K; ++mi) {
    const int ki = g.row_start[i] + mi * g.dil;
    for (int mj = 0; mj < g.K; ++mj) {
      const int kj = g.col_start[j] + mj * g.dil;
      const float* key = k_plane + (static_cast<int64_t>(ki) * g.W + kj) * dim;
      float dot = 0.f;
      for (int64_t c = 0; c < dim; ++c) dot += q[c] * key[c];
      if (rpb) dot += rpb[((ki - i) / g.dil + g.K - 1) * g.table + (kj - j) / g.dil + g.K - 1];
      logits[mi * g.K + mj] = dot;
      max_logit = std::max(max_logit, dot);
    }
  }
  float sum = 0.f;
  for (int64_t m = 0; m < g.KK; ++m) {
    logits[m] = std::exp(logits[m] - max_logit);
    sum += logits[m];
  }
  const float inv_sum = 1.f / sum;
  std::fill(out, out + dim, 0.f);
  for (int mi = 0; mi < g.K; ++mi) {
    const int ki = g.row_start[i] + mi * g.dil;
    for (int mj = 0; mj < g.K; ++mj) {
      const int kj = g.col_start[j] + mj * g.dil;
      const float* value = v_plane + (static_cast<int64_t>(ki) * g.W + kj) * dim;
      const float a = logits[mi * g.K + mj] * inv_sum;
      for (int64_t c = 0; c < dim; ++c) out[c] += a * value[c];
    }
  }
}

// kTile queries (i, j0 .. j0+kTile-1) with unclamped windows; qt/kt/vt are the plane's channel-major copies.
// Four keys share each query load, and four channels each weight load, so that loads do not bound the FMAs.
void attend_tile(const Geometry& g, const float* qt, const float* kt, const float* vt, const float* rpb, int i,
                 int j0, float* logits, float* out_plane) {
  const int64_t pitch = channel_pitch(static_cast<int64_t>(g.H) * g.W), dim = g.dim;
  const int first_col = j0 - (g.K / 2) * g.dil, dil = g.dil;
  const float* q0 = qt + static_cast<int64_t>(i) * g.W + j0;
  Lanes max_logit = Lanes{} - std::numeric_limits<float>::max();
  for (int mi = 0; mi < g.K; ++mi) {
    const int ki = g.row_start[i] + mi * dil;
    const float* keys = kt + static_cast<int64_t>(ki) * g.W + first_col;
    // Unclamped windows: every query of the tile sees a key at the same offset, so one bias for all.
    const float* bias = rpb ? rpb + ((ki - i) / dil + g.K - 1) * g.table + (g.K - 1) - g.K / 2 : nullptr;
    auto finish = [&](int mj, Lanes dot) {
      if (bias) dot += bias[mj];
      store_lanes(logits + (mi * g.K + mj) * kTile, dot);
      max_logit = max_logit > dot ? max_logit : dot;
    };
    int mj = 0;
    for (; mj + 4 <= g.K; mj += 4) {
      Lanes d0{}, d1{}, d2{}, d3{};
      for (int64_t c = 0; c < dim; ++c) {
        const Lanes q = load_lanes(q0 + c * pitch);
        const float* k = keys + c * pitch + mj * dil;
        d0 += q * load_lanes(k);
        d1 += q * load_lanes(k + dil);
        d2 += q * load_lanes(k + 2 * dil);
        d3 += q * load_lanes(k + 3 * dil);
      }
      finish(mj, d0);
      finish(mj + 1, d1);
      finish(mj + 2, d2);
      finish(mj + 3, d3);
    }
    for (; mj < g.K; ++mj) {
      Lanes dot{};
      for (int64_t c = 0; c < dim; ++c) dot += load_lanes(q0 + c * pitch) * load_lanes(keys + c * pitch + mj * dil);
      finish(mj, dot);
    }
  }
  for (int64_t m = 0; m < g.KK; ++m) store_lanes(logits + m * kTile, load_lanes(logits + m * kTile) - max_logit);
  // One flat loop, so that the compiler's vector exp takes it.
  for (int64_t t = 0; t < g.KK * kTile; ++t) logits[t] = std::exp(logits[t]);
  Lanes sum{};
  for (int64_t m = 0; m < g.KK; ++m) sum += load_lanes(logits + m * kTile);
  const Lanes inv_sum = 1.f / sum;

  float* out0 = out_plane + (static_cast<int64_t>(i) * g.W + j0) * dim;
  float result[4][kTile];
  auto write = [&](int64_t c, int count) {
    for (int x = 0; x < kTile; ++x)
      for (int u = 0; u < count; ++u) out0[x * dim + c + u] = result[u][x];
  };
  int64_t c = 0;
  for (; c + 4 <= dim; c += 4) {
    Lanes a0{}, a1{}, a2{}, a3{};
    for (int mi = 0; mi < g.K; ++mi) {
      const float* v0 = vt + c * pitch + static_cast<int64_t>(g.row_start[i] + mi * dil) * g.W + first_col;
      const float* p = logits + mi * g.K * kTile;
      for (int mj = 0; mj < g.K; ++mj) {
        const Lanes w = load_lanes(p + mj * kTile);
        const float* v = v0 + mj * dil;
        a0 += w * load_lanes(v);
        a1 += w * load_lanes(v + pitch);
        a2 += w * load_lanes(v + 2 * pitch);
        a3 += w * load_lanes(v + 3 * pitch);
      }
    }
    store_lanes(result[0], a0 * inv_sum);
    store_lanes(result[1], a1 * inv_sum);
    store_lanes(result[2], a2 * inv_sum);
    store_lanes(result[3], a3 * inv_sum);
    write(c, 4);
  }
  for (; c < dim; ++c) {
    Lanes acc{};
    for (int mi = 0; mi < g.K; ++mi) {
      const float* v0 = vt + c * pitch + static_cast<int64_t>(g.row_start[i] + mi * dil) * g.W + first_col;
      const float* p = logits + mi * g.K * kTile;
      for (int mj = 0; mj < g.K; ++mj) acc += load_lanes(p + mj * kTile) * load_lanes(v0 + mj * dil);
    }
    store_lanes(result[0], acc * inv_sum);
    write(c, 1);
  }
}

// [planes][H*W][dim] -> [planes][dim][pitch], into `t` (resized: its capacity is kept from call to call).
void channel_major(const float* x, int64_t planes, int64_t pixels, int64_t dim, std::vector<float>& t) {
  const int64_t pitch = channel_pitch(pixels);
  t.resize(planes * dim * pitch);
  parallel_for(planes * dim, [&](int64_t unit) {
    const int64_t plane = unit / dim, c = unit % dim;
    const float* src = x + plane * pixels * dim + c;
    float* dst = t.data() + unit * pitch;
    for (int64_t p = 0; p < pixels; ++p) dst[p] = src[p * dim];
  });
}

void attend_float(const NeighborhoodAttention2DShape& s, const NeighborhoodAttention2DInputs<float>& in, float* out,
                  bool tiles = true) {
  const Geometry g(s, tiles);
  const int64_t planes = s.batch * s.heads, pixels = static_cast<int64_t>(g.H) * g.W, dim = s.dim;
  // Kept per calling thread: a model runs the same few shapes every frame, so the copies reuse their memory. The
  // references are what the worker threads below see (a thread_local named inside them would be their own).
  thread_local std::vector<float> q_copy, k_copy, v_copy;
  std::vector<float>& qt = q_copy;
  std::vector<float>& kt = k_copy;
  std::vector<float>& vt = v_copy;
  if (!g.tile_starts.empty()) {
    channel_major(in.q, planes, pixels, dim, qt);
    channel_major(in.k, planes, pixels, dim, kt);
    channel_major(in.v, planes, pixels, dim, vt);
  }

  parallel_for(planes * g.H, [&](int64_t unit) {
    const int i = static_cast<int>(unit % g.H);
    const int64_t plane = unit / g.H;
    const float* rpb = in.rpb ? in.rpb + (plane % s.heads) * g.table * g.table : nullptr;
    const int64_t offset = plane * pixels * dim, copy_offset = plane * dim * channel_pitch(pixels);
    std::vector<float> logits(g.KK * kTile);
    for (int j : g.tile_starts) {
      attend_tile(g, qt.data() + copy_offset, kt.data() + copy_offset, vt.data() + copy_offset, rpb, i, j,
                  logits.data(), out + offset);
    }
    for (int j = 0; j < g.W; ++j) {
      if (g.in_tile[j]) continue;
      attend_query(g, in.q + offset, in.k + offset, in.v + offset, rpb, i, j, logits.data(),
                   out + offset + (static_cast<int64_t>(i) * g.W + j) * dim);
    }
  });
}

std::vector<float> widen(const Half* x, int64_t n) {
  std::vector<float> out(n);
  half_to_float(x, out.data(), n);
  return out;
}

}  // namespace

template <>
void neighborhood_attention_2d_cpu<float>(const NeighborhoodAttention2DShape& s,
                                          const NeighborhoodAttention2DInputs<float>& in, float* out) {
  validate(s);
  attend_float(s, in, out);
}

void neighborhood_attention_2d_cpu_per_query(const NeighborhoodAttention2DShape& s,
                                             const NeighborhoodAttention2DInputs<float>& in, float* out) {
  validate(s);
  attend_float(s, in, out, false);
}

template <>
void neighborhood_attention_2d_cpu<Half>(const NeighborhoodAttention2DShape& s,
                                         const NeighborhoodAttention2DInputs<Half>& in, Half* out) {
  validate(s);
  // fp16 tensors are widened once and run through the fp32 kernel; the result is rounded to fp16 once.
  const int64_t n = s.batch * s.heads * s.height * s.width * s.dim;
  const int64_t table = 2 * s.kernel_size - 1;
  const std::vector<float> q = widen(in.q, n), k = widen(in.k, n), v = widen(in.v, n);
  const std::vector<float> rpb = in.rpb ? widen(in.rpb, s.heads * table * table) : std::vector<float>();
  std::vector<float> wide_out(n);
  attend_float(s, {q.data(), k.data(), v.data(), in.rpb ? rpb.data() : nullptr}, wide_out.data());
  float_to_half(wide_out.data(), out, n);
}

}  // namespace segman
