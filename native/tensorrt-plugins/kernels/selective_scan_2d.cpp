#include "selective_scan_2d.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "lanes.h"
#include "parallel.h"

namespace segman {

void validate(const SelectiveScan2DShape& s) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("SelectiveScan2D: " + what);
  };
  require(s.batch >= 0, "batch must be >= 0, got " + std::to_string(s.batch));
  require(s.channels >= 0, "channels D must be >= 0, got " + std::to_string(s.channels));
  require(s.height >= 1 && s.width >= 1,
          "H and W must be >= 1, got " + std::to_string(s.height) + "x" + std::to_string(s.width));
  require(s.state >= 1 && s.state <= kMaxScanState, "state size N must be in 1..16, got " + std::to_string(s.state));
  require(s.length() <= INT32_MAX, "H*W must fit in 32 bits");
}

namespace {

constexpr int64_t kChunk = 256;  // steps staged per pass; the scratch stays in L1

// Per-thread scratch for one chunk of one direction, laid out in scan order so the math loops vectorise.
struct ChunkScratch {
  std::array<float, kChunk> dt, u;
  std::vector<float> a, bu, c;  // [n * kChunk + t]
  explicit ChunkScratch(int64_t state) : a(state * kChunk), bu(state * kChunk), c(state * kChunk) {}
};

// Scan-order index tables, shared read-only by all threads: table[k][t] = p_k(t).
std::vector<int32_t> build_scan_tables(int64_t height, int64_t width) {
  const int64_t length = height * width;
  std::vector<int32_t> table(kScanDirections * length);
  for (int k = 0; k < kScanDirections; ++k) {
    for (int64_t t = 0; t < length; ++t) {
      table[k * length + t] = static_cast<int32_t>(scan_position(k, t, height, width));
    }
  }
  return table;
}

// One (batch, channel) plane: all four directions, summed into acc (length L) in direction order.
void scan_plane(const SelectiveScan2DShape& s, const SelectiveScan2DInputs<float>& in, const int32_t* tables,
                int64_t b, int64_t d, ChunkScratch& scratch, float* acc) {
  const int64_t L = s.length(), D = s.channels, N = s.state;
  const float* u = in.u + (b * D + d) * L;
  std::fill(acc, acc + L, 0.f);
  for (int k = 0; k < kScanDirections; ++k) {
    const int64_t c = k * D + d;
    const float* delta = in.delta + ((b * kScanDirections + k) * D + d) * L;
    const float* Bk = in.B + (b * kScanDirections + k) * N * L;
    const float* Ck = in.C + (b * kScanDirections + k) * N * L;
    const float* A = in.A + c * N;
    const float skip = in.D[c], bias = in.delta_bias[c];
    const int32_t* order = tables + k * L;
    float h[kMaxScanState] = {};
    for (int64_t t0 = 0; t0 < L; t0 += kChunk) {
      const int64_t n_steps = std::min(kChunk, L - t0);
      const int32_t* pos = order + t0;
      // Gather the chunk into scan order.
      for (int64_t t = 0; t < n_steps; ++t) {
        scratch.dt[t] = delta[pos[t]] + bias;
        scratch.u[t] = u[pos[t]];
      }
      for (int64_t n = 0; n < N; ++n) {
        for (int64_t t = 0; t < n_steps; ++t) {
          scratch.bu[n * kChunk + t] = Bk[n * L + pos[t]];
          scratch.c[n * kChunk + t] = Ck[n * L + pos[t]];
        }
      }
      // Elementwise math (vectorisable): softplus, decay, input term.
      if (in.delta_softplus) {
        for (int64_t t = 0; t < n_steps; ++t) {
          const float x = scratch.dt[t];
          const float sp = log1pf(expf(std::min(x, 20.f)));
          scratch.dt[t] = x <= 20.f ? sp : x;
        }
      }
      for (int64_t n = 0; n < N; ++n) {
        float* a = scratch.a.data() + n * kChunk;
        float* bu = scratch.bu.data() + n * kChunk;
        const float An = A[n];
        for (int64_t t = 0; t < n_steps; ++t) {
          a[t] = expf(scratch.dt[t] * An);
          bu[t] *= scratch.dt[t] * scratch.u[t];
        }
      }
      // The recurrence itself is sequential in t.
      for (int64_t t = 0; t < n_steps; ++t) {
        float y = skip * scratch.u[t];
        for (int64_t n = 0; n < N; ++n) {
          h[n] = scratch.a[n * kChunk + t] * h[n] + scratch.bu[n * kChunk + t];
          y += scratch.c[n * kChunk + t] * h[n];
        }
        acc[pos[t]] += y;
      }
    }
  }
}

// N = 1 (SegMAN's scans): kLanes channels scanned together, one per vector lane, so that the recurrence of each step
// is one vector FMA for all of them (one channel at a time waits on the FMA latency every step) and the shared B and C
// of a position are read once for the block.
// Per-thread position-major scratch ([position][lane]) for one block of channels.
struct BlockScratch {
  std::vector<float> decay, input, acc;  // exp(dt * A), dt * u * B, the sum of C * h over the directions
  std::array<float, kChunk> dt, a, bu;   // one channel's chunk in position order, before its transpose

  // Kept per thread across calls; maps of another size only resize (capacity stays once grown).
  void fit(int64_t length) {
    for (auto* v : {&decay, &input, &acc}) v->resize(length * kLanes);
  }
};

void scan_block(const SelectiveScan2DShape& s, const SelectiveScan2DInputs<float>& in, const int32_t* tables,
                int64_t b, int64_t d0, BlockScratch& scratch, float* y) {
  const int64_t L = s.length(), D = s.channels;
  std::fill(scratch.acc.begin(), scratch.acc.end(), 0.f);
  for (int k = 0; k < kScanDirections; ++k) {
    const float* Bk = in.B + (b * kScanDirections + k) * L;
    const float* Ck = in.C + (b * kScanDirections + k) * L;
    // Elementwise terms per channel, computed along contiguous positions (vectorised), stored position-major.
    for (int64_t lane = 0; lane < kLanes; ++lane) {
      const int64_t d = d0 + lane, c = k * D + d;
      const float* delta = in.delta + ((b * kScanDirections + k) * D + d) * L;
      const float* u = in.u + (b * D + d) * L;
      const float A = in.A[c], bias = in.delta_bias[c];
      for (int64_t p0 = 0; p0 < L; p0 += kChunk) {
        const int64_t n = std::min(kChunk, L - p0);
        for (int64_t t = 0; t < n; ++t) {
          const float x = delta[p0 + t] + bias;
          scratch.dt[t] = in.delta_softplus ? (x <= 20.f ? log1pf(expf(std::min(x, 20.f))) : x) : x;
        }
        for (int64_t t = 0; t < n; ++t) {
          scratch.a[t] = expf(scratch.dt[t] * A);
          scratch.bu[t] = scratch.dt[t] * u[p0 + t] * Bk[p0 + t];
        }
        for (int64_t t = 0; t < n; ++t) {
          scratch.decay[(p0 + t) * kLanes + lane] = scratch.a[t];
          scratch.input[(p0 + t) * kLanes + lane] = scratch.bu[t];
        }
      }
    }
    // The recurrence, in this direction's order, all lanes at once.
    const int32_t* order = tables + k * L;
    Lanes h{};
    for (int64_t t = 0; t < L; ++t) {
      const int64_t p = order[t];
      h = load_lanes(&scratch.decay[p * kLanes]) * h + load_lanes(&scratch.input[p * kLanes]);
      store_lanes(&scratch.acc[p * kLanes], load_lanes(&scratch.acc[p * kLanes]) + Ck[p] * h);
    }
  }
  // Back to channel-major, with the skip term of the four directions.
  for (int64_t lane = 0; lane < kLanes; ++lane) {
    const int64_t d = d0 + lane;
    const float* u = in.u + (b * D + d) * L;
    float skip = 0.f;
    for (int k = 0; k < kScanDirections; ++k) skip += in.D[k * D + d];
    float* out = y + (b * D + d) * L;
    for (int64_t p = 0; p < L; ++p) out[p] = scratch.acc[p * kLanes + lane] + skip * u[p];
  }
}

void scan_float(const SelectiveScan2DShape& s, const SelectiveScan2DInputs<float>& in, float* y, bool blocks_of_lanes = true) {
  const std::vector<int32_t> tables = build_scan_tables(s.height, s.width);
  const int64_t L = s.length();
  // With one state, whole blocks of kLanes channels go together; the rest (and N > 1) one channel at a time.
  const int64_t blocks = blocks_of_lanes && s.state == 1 ? s.channels / kLanes : 0, single = s.channels - blocks * kLanes;
  parallel_for(s.batch * (blocks + single), [&](int64_t unit) {
    const int64_t b = unit / (blocks + single), index = unit % (blocks + single);
    if (index < blocks) {
      thread_local BlockScratch scratch;
      scratch.fit(L);
      scan_block(s, in, tables.data(), b, index * kLanes, scratch, y);
      return;
    }
    thread_local std::vector<float> acc;
    acc.resize(L);
    ChunkScratch scratch(s.state);
    const int64_t d = blocks * kLanes + (index - blocks);
    scan_plane(s, in, tables.data(), b, d, scratch, acc.data());
    std::copy(acc.begin(), acc.end(), y + (b * s.channels + d) * L);
  });
}

std::vector<float> widen(const Half* x, int64_t n) {
  std::vector<float> out(n);
  half_to_float(x, out.data(), n);
  return out;
}

}  // namespace

template <>
void selective_scan_2d_cpu<float>(const SelectiveScan2DShape& s, const SelectiveScan2DInputs<float>& in, float* y) {
  validate(s);
  scan_float(s, in, y);
}

void selective_scan_2d_cpu_per_channel(const SelectiveScan2DShape& s, const SelectiveScan2DInputs<float>& in, float* y) {
  validate(s);
  scan_float(s, in, y, false);
}

template <>
void selective_scan_2d_cpu<Half>(const SelectiveScan2DShape& s, const SelectiveScan2DInputs<Half>& in, Half* y) {
  validate(s);
  // fp16 tensors are widened once and run through the fp32 kernel; the result is rounded to fp16 once.
  const int64_t L = s.length(), K = kScanDirections;
  const std::vector<float> u = widen(in.u, s.batch * s.channels * L);
  const std::vector<float> delta = widen(in.delta, s.batch * K * s.channels * L);
  const std::vector<float> B = widen(in.B, s.batch * K * s.state * L);
  const std::vector<float> C = widen(in.C, s.batch * K * s.state * L);
  SelectiveScan2DInputs<float> wide{u.data(), delta.data(), B.data(), C.data(), in.A, in.D, in.delta_bias,
                                    in.delta_softplus};
  std::vector<float> out(s.batch * s.channels * L);
  scan_float(s, wide, out.data());
  float_to_half(out.data(), y, out.size());
}

}  // namespace segman
