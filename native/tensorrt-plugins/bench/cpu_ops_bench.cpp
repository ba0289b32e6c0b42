// CPU benchmark of the two ops on the shapes of the demo model (SegMAN T-slim4 at 256x512), run in one process:
// neighborhood attention through the kernel's tiled path against the same kernel one query at a time (every window
// through the path of the border windows), and the selective scan's 16-channel blocks against one channel at a time.
// Prints milliseconds per call, the ratio, and the time per frame (each shape weighted by how many times the model
// runs it).
//   build/segman_cpu_bench [repetitions]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "neighborhood_attention_2d.h"
#include "selective_scan_2d.h"

namespace {

std::vector<float> normal(size_t n, std::mt19937& rng, float scale = 1.f) {
  std::normal_distribution<float> dist(0.f, scale);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

// Median of `repetitions` timed calls after one untimed call.
template <typename Call>
double median_ms(int repetitions, Call&& call) {
  call();
  std::vector<double> times;
  for (int r = 0; r < repetitions; ++r) {
    const auto start = std::chrono::steady_clock::now();
    call();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

struct AttentionCase {
  const char* stage;
  segman::NeighborhoodAttention2DShape shape;
  int per_frame;  // calls per frame in the model
};

struct ScanCase {
  const char* stage;
  segman::SelectiveScan2DShape shape;
  int per_frame;
};

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 15;
  std::mt19937 rng(7);
  const AttentionCase attention[] = {{"stage 1", {1, 1, 64, 128, 32, 11, 1}, 2},
                                     {"stage 2", {1, 2, 32, 64, 32, 9, 1}, 2},
                                     {"stage 3", {1, 4, 16, 32, 36, 9, 1}, 4},
                                     {"stage 4", {1, 8, 8, 16, 24, 7, 1}, 2}};
  const ScanCase scans[] = {{"stage 1", {1, 32, 64, 128, 1}, 2},
                            {"stage 2", {1, 64, 32, 64, 1}, 2},
                            {"stage 3", {1, 144, 16, 32, 1}, 4},
                            {"decoder", {1, 144, 8, 16, 1}, 1}};

  std::printf("| op | map | one at a time ms | tiled/blocked ms | ratio | calls/frame |\n|---|---|---:|---:|---:|---:|\n");
  double frame_per_query = 0, frame_tiled = 0;
  for (const AttentionCase& c : attention) {
    const auto& s = c.shape;
    const size_t n = s.batch * s.heads * s.height * s.width * s.dim;
    const size_t table = 2 * s.kernel_size - 1;
    const auto q = normal(n, rng, 0.5f), k = normal(n, rng), v = normal(n, rng),
               rpb = normal(s.heads * table * table, rng);
    const segman::NeighborhoodAttention2DInputs<float> in{q.data(), k.data(), v.data(), rpb.data()};
    std::vector<float> out(n);
    const double per_query =
        median_ms(repetitions, [&] { segman::neighborhood_attention_2d_cpu_per_query(s, in, out.data()); });
    const double tiled = median_ms(repetitions, [&] { segman::neighborhood_attention_2d_cpu<float>(s, in, out.data()); });
    frame_per_query += per_query * c.per_frame;
    frame_tiled += tiled * c.per_frame;
    std::printf("| NA %s | %ldx%ldx%ldx%ld K%ld | %.2f | %.2f | %.2fx | %d |\n", c.stage, static_cast<long>(s.heads),
                static_cast<long>(s.height), static_cast<long>(s.width), static_cast<long>(s.dim),
                static_cast<long>(s.kernel_size), per_query, tiled, per_query / tiled, c.per_frame);
  }
  double frame_scan = 0, frame_scan_per_channel = 0;
  for (const ScanCase& c : scans) {
    const auto& s = c.shape;
    const size_t L = s.length(), D = s.channels, N = s.state;
    const auto u = normal(D * L, rng), delta = normal(4 * D * L, rng, 0.5f), B = normal(4 * N * L, rng),
               C = normal(4 * N * L, rng), D_skip = normal(4 * D, rng), bias = normal(4 * D, rng, 0.1f);
    std::vector<float> A = normal(4 * D * N, rng);
    for (float& a : A) a = -std::abs(a) - 0.1f;
    const segman::SelectiveScan2DInputs<float> in{u.data(),      delta.data(), B.data(), C.data(), A.data(),
                                                  D_skip.data(), bias.data(),  true};
    std::vector<float> y(D * L);
    const double per_channel =
        median_ms(repetitions, [&] { segman::selective_scan_2d_cpu_per_channel(s, in, y.data()); });
    const double blocked = median_ms(repetitions, [&] { segman::selective_scan_2d_cpu<float>(s, in, y.data()); });
    frame_scan_per_channel += per_channel * c.per_frame;
    frame_scan += blocked * c.per_frame;
    std::printf("| scan %s | %ldx%ldx%ld N%ld | %.2f | %.2f | %.2fx | %d |\n", c.stage, static_cast<long>(s.channels),
                static_cast<long>(s.height), static_cast<long>(s.width), static_cast<long>(s.state), per_channel,
                blocked, per_channel / blocked, c.per_frame);
  }
  std::printf("\nper frame: neighborhood attention %.1f ms tiled vs %.1f ms one query at a time (%.2fx); "
              "selective scan %.1f ms in blocks vs %.1f ms one channel at a time (%.2fx)\n",
              frame_tiled, frame_per_query, frame_per_query / frame_tiled, frame_scan, frame_scan_per_channel,
              frame_scan_per_channel / frame_scan);
  return 0;
}
