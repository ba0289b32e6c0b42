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

}  // namespace segman
