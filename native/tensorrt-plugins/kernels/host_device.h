// Lets small index helpers be shared by the CPU and CUDA kernels.
#pragma once

#if defined(__CUDACC__)
#define SEGMAN_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define SEGMAN_HOST_DEVICE inline
#endif
