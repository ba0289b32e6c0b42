#include "neighborhood_attention_2d.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

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

void attend_float(const NeighborhoodAttention2DShape& s, const NeighborhoodAttention2DInputs<float>& in, float* out) {
  const int H = static_cast<int>(s.height), W = static_cast<int>(s.width), K = static_cast<int>(s.kernel_size),
            dil = static_cast<int>(s.dilation);
  const int64_t dim = s.dim, KK = static_cast<int64_t>(K) * K, table = 2 * K - 1;
  // Window starts per axis, shared by all rows.
  std::vector<int> row_start(H), col_start(W);
  for (int i = 0; i < H; ++i) row_start[i] = window_start(i, H, K, dil);
  for (int j = 0; j < W; ++j) col_start[j] = window_start(j, W, K, dil);

  parallel_for(s.batch * s.heads * H, [&](int64_t unit) {
    const int i = static_cast<int>(unit % H);
    const int64_t plane = unit / H;  // b * heads + head
    const int64_t head = plane % s.heads;
    const float* q_plane = in.q + plane * H * W * dim;
    const float* k_plane = in.k + plane * H * W * dim;
    const float* v_plane = in.v + plane * H * W * dim;
    std::vector<float> logits(KK);
    std::vector<float> acc(dim);
    for (int j = 0; j < W; ++j) {
      const float* q = q_plane + (static_cast<int64_t>(i) * W + j) * dim;
      float max_logit = -std::numeric_limits<float>::max();
      for (int mi = 0; mi < K; ++mi) {
        const int ki = row_start[i] + mi * dil;
        for (int mj = 0; mj < K; ++mj) {
          const int kj = col_start[j] + mj * dil;
          const float* key = k_plane + (static_cast<int64_t>(ki) * W + kj) * dim;
          float dot = 0.f;
          for (int64_t c = 0; c < dim; ++c) dot += q[c] * key[c];
          if (in.rpb) {
            const int64_t bi = (ki - i) / dil + K - 1, bj = (kj - j) / dil + K - 1;
            dot += in.rpb[(head * table + bi) * table + bj];
          }
          logits[mi * K + mj] = dot;
          max_logit = std::max(max_logit, dot);
        }
      }
      float sum = 0.f;
      for (int64_t m = 0; m < KK; ++m) {
        logits[m] = std::exp(logits[m] - max_logit);
        sum += logits[m];
      }
      const float inv_sum = 1.f / sum;
      std::fill(acc.begin(), acc.end(), 0.f);
      for (int mi = 0; mi < K; ++mi) {
        const int ki = row_start[i] + mi * dil;
        for (int mj = 0; mj < K; ++mj) {
          const int kj = col_start[j] + mj * dil;
          const float* value = v_plane + (static_cast<int64_t>(ki) * W + kj) * dim;
          const float a = logits[mi * K + mj] * inv_sum;
          for (int64_t c = 0; c < dim; ++c) acc[c] += a * value[c];
        }
      }
      std::copy(acc.begin(), acc.end(), out + (plane * H * W + static_cast<int64_t>(i) * W + j) * dim);
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
