// NeighborhoodAttention2D (OPS.md): each query attends to its K x K window (dilated, clamped at the borders),
// optional relative position bias, fp32 softmax; the attention matrix is never materialised.
// Shapes: q, k, v, out (B, heads, H, W, dim); rpb (heads, 2K-1, 2K-1).
#pragma once

#include <cstdint>

#include "half.h"
#include "host_device.h"

namespace segman {

struct NeighborhoodAttention2DShape {
  int64_t batch = 0;
  int64_t heads = 0;
  int64_t height = 0;
  int64_t width = 0;
  int64_t dim = 0;
  int64_t kernel_size = 0;  // K, odd
  int64_t dilation = 1;
};

// Throws std::invalid_argument with a clear message when the shape breaks OPS.md's constraints
// (odd K >= 1, dilation >= 1, H and W >= K * dilation, dim >= 1).
void validate(const NeighborhoodAttention2DShape& shape);

// First key index of query i's window along an axis of length S (NATTEN 0.17 get_window_start).
SEGMAN_HOST_DEVICE int window_start(int i, int S, int K, int dilation) {
  const int r = K / 2;
  if (dilation == 1) {
    const int start = i - r;
    return start < 0 ? 0 : (start > S - K ? S - K : start);
  }
  if (i - r * dilation < 0) return i % dilation;
  if (i + r * dilation >= S) {
    const int a = (S / dilation) * dilation;
    const int b = S - a;
    return (i % dilation < b) ? S - b + i % dilation - 2 * r * dilation : a + i % dilation - K * dilation;
  }
  return i - r * dilation;
}

template <typename T>
struct NeighborhoodAttention2DInputs {
  const T* q = nullptr;
  const T* k = nullptr;
  const T* v = nullptr;
  const T* rpb = nullptr;  // optional
};

// CPU kernel (multithreaded over batch x head x row). T is float or Half; logits, softmax and sums are fp32.
template <typename T>
void neighborhood_attention_2d_cpu(const NeighborhoodAttention2DShape& shape,
                                   const NeighborhoodAttention2DInputs<T>& in, T* out);

// The same op one query at a time for every window: the path the CPU kernel takes only for the clamped windows at the
// borders. Tests and the CPU benchmark compare it with the tiled path the kernel takes between them.
void neighborhood_attention_2d_cpu_per_query(const NeighborhoodAttention2DShape& shape,
                                             const NeighborhoodAttention2DInputs<float>& in, float* out);

}  // namespace segman
