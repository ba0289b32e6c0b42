// Lets the benchmark build VMamba's selective_scan_cuda_oflex extension from a fetched copy with its forward kernel
// only: the extension's bindings also reference the backward kernel, which the benchmark never calls and which
// takes minutes to compile. Compiled together with the fetched selective_scan_oflex.cpp and selective_scan_core_fwd.cu.
#include <ATen/ATen.h>
#include <cuda_runtime.h>

#include <stdexcept>

#include "cusoflex/selective_scan_oflex.h"

template <int knrows, typename input_t, typename weight_t, typename output_t>
void selective_scan_bwd_cuda(SSMParamsBwd& /*params*/, cudaStream_t /*stream*/) {
  throw std::runtime_error("the benchmark build of selective_scan_cuda_oflex has no backward pass");
}

template void selective_scan_bwd_cuda<1, float, float, float>(SSMParamsBwd&, cudaStream_t);
template void selective_scan_bwd_cuda<1, at::Half, float, at::Half>(SSMParamsBwd&, cudaStream_t);
template void selective_scan_bwd_cuda<1, at::Half, float, float>(SSMParamsBwd&, cudaStream_t);
template void selective_scan_bwd_cuda<1, at::BFloat16, float, at::BFloat16>(SSMParamsBwd&, cudaStream_t);
template void selective_scan_bwd_cuda<1, at::BFloat16, float, float>(SSMParamsBwd&, cudaStream_t);
