// NeighborhoodAttention2D on tensor cores (mma.sync, compute capability 8.0 or newer): fp16 products for fp16, split
// TF32 products (3xTF32, about fp32's accuracy) for fp32; the kernel neighborhood_attention_2d_cuda picks where it
// applies. Internal to the CUDA kernels. T is Half or float.
#pragma once

#include <cuda_runtime_api.h>

#include "device_limits.h"
#include "neighborhood_attention_2d.h"

namespace segman {

// Whether the kernel runs `shape` in T on a device of these limits (`device_limits`).
template <typename T>
bool neighborhood_attention_2d_mma_applies(const NeighborhoodAttention2DShape& shape, const DeviceLimits& limits);

// The kernel's form. kSquare: blocks of 8x8 queries. kWide: blocks of 8x16 queries (fewer staged keys per query;
// square where its shared memory does not fit). kSplit: square blocks in which two warps share each 16 queries' keys
// (for maps too small to fill the GPU; square where it does not fit). kAuto splits where the split grid fits in one
// wave of square blocks and takes wide tiles elsewhere; the others let the tests run every form on any map.
enum class TileForm { kAuto, kSquare, kWide, kSplit };

// Enqueues it on `device` (the current device, of `limits`); call only where neighborhood_attention_2d_mma_applies
// said yes. The limits come from the caller, which looked them up to ask that: one lookup per call, not two.
template <typename T>
cudaError_t neighborhood_attention_2d_mma(const NeighborhoodAttention2DShape& shape,
                                          const NeighborhoodAttention2DInputs<T>& in, T* out, cudaStream_t stream,
                                          int device, const DeviceLimits& limits, TileForm form);

}  // namespace segman
