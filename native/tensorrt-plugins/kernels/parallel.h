// Deterministic parallel loop for the CPU kernels: every index is one independent unit of work that writes
// its own outputs, so the result does not depend on the number of threads or their schedule.
#pragma once

#include <cstdint>

namespace segman {

template <typename Body>
void parallel_for(int64_t count, Body&& body) {
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t i = 0; i < count; ++i) body(i);
#else
  for (int64_t i = 0; i < count; ++i) body(i);
#endif
}

}  // namespace segman
