// The device constants the CUDA launches size themselves by, read once per device. Internal to the CUDA kernels.
#pragma once

#include <cuda_runtime_api.h>

namespace segman {

struct DeviceLimits {
  int major = 0;                  // compute capability
  int shared_memory_optin = 0;    // bytes of shared memory a block may opt in to
  int multiprocessors = 0;
  int l2_bytes = 0;
};

// The limits of `device`: queried from the runtime on the first call for that device, then kept, since launches on
// the hot path (every op of every frame) should not pay for attribute queries whose answers never change.
cudaError_t device_limits(int device, DeviceLimits* limits);

// Blocks of `kernel` that one SM of `device` holds at `threads` threads and `bytes` of dynamic shared memory: asked
// of the runtime once per kernel, device and launch shape (a model has a few), since the answer never changes. A
// caller that sets attributes on the kernel (more shared memory) sets them before the first call.
cudaError_t blocks_per_sm(const void* kernel, int device, int threads, size_t bytes, int* blocks);

#if defined(CUDART_VERSION) && CUDART_VERSION >= 11080
// Clusters of `kernel` that `device` holds at once when launched by `config` (its block size, dynamic shared memory
// and cluster dimension attribute; 0 where it holds none, or the runtime refuses the cluster size); asked once per
// kernel, device, block size, shared memory and cluster size, as above. Clusters of more than 8 blocks are allowed
// on the kernel first (the non-portable sizes).
cudaError_t active_clusters(const void* kernel, int device, const cudaLaunchConfig_t& config, int* clusters);
#endif

}  // namespace segman
