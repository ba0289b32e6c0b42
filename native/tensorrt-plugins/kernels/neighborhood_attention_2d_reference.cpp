#include "neighborhood_attention_2d_reference.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace segman {

namespace {

// NATTEN 0.17 get_window_start, restated per OPS.md with 64-bit integers.
int64_t reference_window_start(int64_t i, int64_t S, int64_t K, int64_t dil) {
  const int64_t r = K / 2;
  if (dil == 1) return std::clamp(i - r, int64_t{0}, S - K);
  if (i - r * dil < 0) return i % dil;
  if (i + r * dil >= S) {
    const int64_t a = (S / dil) * dil, b = S - a;
    return (i % dil < b) ? S - b + i % dil - 2 * r * dil : a + i % dil - K * dil;
  }
  return i - r * dil;
}

}  // namespace

void neighborhood_attention_2d_reference(const NeighborhoodAttention2DShape& s, const double* q, const double* k,
                                         const double* v, const double* rpb, double* out) {
  validate(s);
  const int64_t H = s.height, W = s.width, C = s.dim, K = s.kernel_size, dil = s.dilation, T = 2 * K - 1;
  std::vector<double> logits(K * K);
  for (int64_t plane = 0; plane < s.batch * s.heads; ++plane) {
    const int64_t head = plane % s.heads;
    const int64_t base = plane * H * W * C;
    for (int64_t i = 0; i < H; ++i) {
      for (int64_t j = 0; j < W; ++j) {
        const int64_t si = reference_window_start(i, H, K, dil), sj = reference_window_start(j, W, K, dil);
        for (int64_t mi = 0; mi < K; ++mi) {
          for (int64_t mj = 0; mj < K; ++mj) {
            const int64_t ki = si + mi * dil, kj = sj + mj * dil;
            double dot = 0.0;
            for (int64_t c = 0; c < C; ++c) dot += q[base + (i * W + j) * C + c] * k[base + (ki * W + kj) * C + c];
            if (rpb) dot += rpb[(head * T + (ki - i) / dil + K - 1) * T + (kj - j) / dil + K - 1];
            logits[mi * K + mj] = dot;
          }
        }
        const double max_logit = *std::max_element(logits.begin(), logits.end());
        double sum = 0.0;
        for (double& x : logits) sum += (x = std::exp(x - max_logit));
        for (int64_t c = 0; c < C; ++c) {
          double acc = 0.0;
          for (int64_t mi = 0; mi < K; ++mi) {
            for (int64_t mj = 0; mj < K; ++mj) {
              const int64_t ki = si + mi * dil, kj = sj + mj * dil;
              acc += logits[mi * K + mj] / sum * v[base + (ki * W + kj) * C + c];
            }
          }
          out[base + (i * W + j) * C + c] = acc;
        }
      }
    }
  }
}

}  // namespace segman
