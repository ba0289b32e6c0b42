// CUDA entry point of NeighborhoodAttention2D. All pointers are device pointers; T is float or Half.
#pragma once

#include <cuda_runtime_api.h>

#include "neighborhood_attention_2d.h"

namespace segman {

// Which kernels may run the op: kAuto takes the tensor-core kernel wherever it applies (see
// neighborhood_attention_2d_cuda_uses_tensor_cores), with two warps sharing each 16 queries' keys on maps too small
// to fill the GPU and blocks of 8x16 queries elsewhere; kCudaCores keeps to the CUDA-core kernels, which run every
// shape and type on every architecture. kTensorCoresWhole (8x8 queries a block), kTensorCoresWide (8x16) and
// kTensorCoresSplit (8x8, split keys) force one tensor-core form where tensor cores apply (CUDA cores elsewhere), so
// tests compare them all on any GPU.
enum class AttentionKernels { kAuto, kTensorCoresWhole, kTensorCoresWide, kTensorCoresSplit, kCudaCores };

// Enqueues the fused attention on `stream`. Returns the first CUDA error, cudaSuccess otherwise.
template <typename T>
cudaError_t neighborhood_attention_2d_cuda(const NeighborhoodAttention2DShape& shape,
                                           const NeighborhoodAttention2DInputs<T>& in, T* out, cudaStream_t stream,
                                           AttentionKernels kernels = AttentionKernels::kAuto);

// True when kAuto runs `shape` in T (float or Half) on the current device's tensor cores: compute capability 8.0 or
// newer, dilation 1, dim <= 64, and a block's keys and values fit the device's shared memory. fp16 runs fp16
// products; fp32 runs each product as three TF32 ones (3xTF32), to about fp32's accuracy.
template <typename T>
bool neighborhood_attention_2d_cuda_uses_tensor_cores(const NeighborhoodAttention2DShape& shape);

}  // namespace segman
