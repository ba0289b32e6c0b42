// NeighborhoodAttention2D in fp16 on tensor cores (mma.sync, compute capability 8.0 or newer), the kernel that
// neighborhood_attention_2d_cuda picks for fp16 where it applies. Internal to the CUDA kernels.
#pragma once

#include <cuda_runtime_api.h>

#include "device_limits.h"
#include "neighborhood_attention_2d.h"

namespace segman {

// Whether the kernel runs `shape` on a device of these limits (`device_limits`).
bool neighborhood_attention_2d_mma_applies(const NeighborhoodAttention2DShape& shape, const DeviceLimits& limits);

// Whether two warps share each 16 queries' keys (for maps too small to fill the GPU): kAuto splits where the grid is
// at most half a wave of blocks; kNever and kAlways let the tests run both kernels on any map.
enum class KeySplit { kAuto, kNever, kAlways };

// Enqueues it on `device` (the current device, of `limits`); call only where neighborhood_attention_2d_mma_applies
// said yes. The limits come from the caller, which looked them up to ask that: one lookup per call, not two.
cudaError_t neighborhood_attention_2d_mma(const NeighborhoodAttention2DShape& shape,
                                          const NeighborhoodAttention2DInputs<Half>& in, Half* out,
                                          cudaStream_t stream, int device, const DeviceLimits& limits, KeySplit split);

}  // namespace segman
