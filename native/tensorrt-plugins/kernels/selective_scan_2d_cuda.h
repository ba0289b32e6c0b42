// CUDA entry points of SelectiveScan2D. All pointers are device pointers; T is float or Half.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

#include "selective_scan_2d.h"

namespace segman {

// Bytes of device scratch the launch needs (chunk summaries and carried states); 256-byte aligned.
size_t selective_scan_2d_cuda_workspace_size(const SelectiveScan2DShape& shape);

// Enqueues the fused scan on `stream`. Returns the first CUDA error (launch or argument), cudaSuccess otherwise.
template <typename T>
cudaError_t selective_scan_2d_cuda(const SelectiveScan2DShape& shape, const SelectiveScan2DInputs<T>& in, T* y,
                                   void* workspace, cudaStream_t stream);

}  // namespace segman
