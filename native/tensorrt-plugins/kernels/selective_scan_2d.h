// SelectiveScan2D (OPS.md): 4-direction cross-scan, selective scan and cross-merge in one pass.
// Shapes: u (B,D,H,W), delta (B,4,D,H,W), B/C (B,4,N,H,W), A (4D,N), D and delta_bias (4D); y (B,D,H,W).
#pragma once

#include <math.h>

#include <cstdint>

#include "half.h"
#include "host_device.h"

namespace segman {

struct SelectiveScan2DShape {
  int64_t batch = 0;
  int64_t channels = 0;  // D
  int64_t height = 0;
  int64_t width = 0;
  int64_t state = 0;  // N, 1..16

  int64_t length() const { return height * width; }
};

// Throws std::invalid_argument naming the offending value when the shape breaks OPS.md's constraints.
void validate(const SelectiveScan2DShape& shape);

constexpr int kScanDirections = 4;
constexpr int kMaxScanState = 16;

// Map position (row-major index) visited at step t by direction k (OPS.md "Scan orders").
SEGMAN_HOST_DEVICE int64_t scan_position(int k, int64_t t, int64_t height, int64_t width) {
  const int64_t length = height * width;
  const int64_t s = (k >= 2) ? length - 1 - t : t;
  if ((k & 1) == 0) return s;  // row-major
  return (s % height) * width + s / height;  // column-major: s = j*H + i
}

// softplus with torch's threshold of 20, evaluated in fp32.
SEGMAN_HOST_DEVICE float softplus_threshold20(float x) { return x <= 20.f ? log1pf(expf(x)) : x; }

template <typename T>
struct SelectiveScan2DInputs {
  const T* u = nullptr;
  const T* delta = nullptr;
  const T* B = nullptr;
  const T* C = nullptr;
  const float* A = nullptr;
  const float* D = nullptr;
  const float* delta_bias = nullptr;
  bool delta_softplus = true;
};

// CPU kernel (multithreaded over batch x channel). T is float or Half; state and sums are fp32.
template <typename T>
void selective_scan_2d_cpu(const SelectiveScan2DShape& shape, const SelectiveScan2DInputs<T>& in, T* y);

// The same op one channel at a time, the path of N > 1 and of the channels left over after whole blocks of 16 (N = 1).
// Tests and the CPU benchmark compare it with the blocked path.
void selective_scan_2d_cpu_per_channel(const SelectiveScan2DShape& shape, const SelectiveScan2DInputs<float>& in,
                                       float* y);

}  // namespace segman
