// A C entry point to the CUDA kernels on raw device pointers, for the benchmark (Python, via ctypes) and for
// anything else that has its own tensors. dtype: 0 = float32, 1 = float16. Returns a cudaError_t value, or -1
// when the shape is invalid.
#include <cstdint>
#include <exception>

#include "neighborhood_attention_2d_cuda.h"
#include "selective_scan_2d_cuda.h"

using segman::Half;

extern "C" {

__attribute__((visibility("default"))) size_t segman_selective_scan_2d_workspace(int64_t batch, int64_t channels,
                                                                                int64_t height, int64_t width,
                                                                                int64_t state) {
  try {
    return segman::selective_scan_2d_cuda_workspace_size({batch, channels, height, width, state});
  } catch (const std::exception&) {
    return 0;
  }
}

__attribute__((visibility("default"))) int segman_selective_scan_2d(int dtype, int64_t batch, int64_t channels,
                                                                    int64_t height, int64_t width, int64_t state,
                                                                    const void* u, const void* delta, const void* B,
                                                                    const void* C, const float* A, const float* D,
                                                                    const float* delta_bias, int delta_softplus, void* y,
                                                                    void* workspace, void* stream) {
  try {
    const segman::SelectiveScan2DShape shape{batch, channels, height, width, state};
    const auto s = static_cast<cudaStream_t>(stream);
    if (dtype == 1) {
      const segman::SelectiveScan2DInputs<Half> in{static_cast<const Half*>(u), static_cast<const Half*>(delta),
                                                   static_cast<const Half*>(B), static_cast<const Half*>(C), A, D,
                                                   delta_bias, delta_softplus != 0};
      return segman::selective_scan_2d_cuda<Half>(shape, in, static_cast<Half*>(y), workspace, s);
    }
    const segman::SelectiveScan2DInputs<float> in{static_cast<const float*>(u), static_cast<const float*>(delta),
                                                  static_cast<const float*>(B), static_cast<const float*>(C), A, D,
                                                  delta_bias, delta_softplus != 0};
    return segman::selective_scan_2d_cuda<float>(shape, in, static_cast<float*>(y), workspace, s);
  } catch (const std::exception&) {
    return -1;
  }
}

__attribute__((visibility("default"))) int segman_neighborhood_attention_2d(int dtype, int64_t batch, int64_t heads,
                                                                            int64_t height, int64_t width, int64_t dim,
                                                                            int64_t kernel_size, int64_t dilation,
                                                                            const void* q, const void* k, const void* v,
                                                                            const void* rpb, void* out, void* stream) {
  try {
    const segman::NeighborhoodAttention2DShape shape{batch, heads, height, width, dim, kernel_size, dilation};
    const auto s = static_cast<cudaStream_t>(stream);
    if (dtype == 1) {
      const segman::NeighborhoodAttention2DInputs<Half> in{static_cast<const Half*>(q), static_cast<const Half*>(k),
                                                           static_cast<const Half*>(v), static_cast<const Half*>(rpb)};
      return segman::neighborhood_attention_2d_cuda<Half>(shape, in, static_cast<Half*>(out), s);
    }
    const segman::NeighborhoodAttention2DInputs<float> in{static_cast<const float*>(q), static_cast<const float*>(k),
                                                          static_cast<const float*>(v), static_cast<const float*>(rpb)};
    return segman::neighborhood_attention_2d_cuda<float>(shape, in, static_cast<float*>(out), s);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // extern "C"
