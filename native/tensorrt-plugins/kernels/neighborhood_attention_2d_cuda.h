// CUDA entry point of NeighborhoodAttention2D. All pointers are device pointers; T is float or Half.
#pragma once

#include <cuda_runtime_api.h>

#include "neighborhood_attention_2d.h"

namespace segman {

// Enqueues the fused attention on `stream`. Returns the first CUDA error, cudaSuccess otherwise.
template <typename T>
cudaError_t neighborhood_attention_2d_cuda(const NeighborhoodAttention2DShape& shape,
                                           const NeighborhoodAttention2DInputs<T>& in, T* out, cudaStream_t stream);

}  // namespace segman
