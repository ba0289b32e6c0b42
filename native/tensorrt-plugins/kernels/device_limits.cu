#include "device_limits.h"

#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>

namespace segman {

cudaError_t device_limits(int device, DeviceLimits* limits) {
  static std::mutex mutex;
  static std::unordered_map<int, DeviceLimits> known;
  std::lock_guard<std::mutex> lock(mutex);
  if (const auto found = known.find(device); found != known.end()) {
    *limits = found->second;
    return cudaSuccess;
  }
  DeviceLimits read;
  for (const auto& [value, attribute] : {std::pair{&read.major, cudaDevAttrComputeCapabilityMajor},
                                         std::pair{&read.shared_memory_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin},
                                         std::pair{&read.multiprocessors, cudaDevAttrMultiProcessorCount},
                                         std::pair{&read.l2_bytes, cudaDevAttrL2CacheSize}}) {
    if (const cudaError_t e = cudaDeviceGetAttribute(value, attribute, device); e != cudaSuccess) return e;
  }
  *limits = known[device] = read;
  return cudaSuccess;
}

cudaError_t blocks_per_sm(const void* kernel, int device, int threads, size_t bytes, int* blocks) {
  static std::mutex mutex;
  static std::map<std::tuple<const void*, int, int, size_t>, int> known;
  std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_tuple(kernel, device, threads, bytes);
  if (const auto found = known.find(key); found != known.end()) {
    *blocks = found->second;
    return cudaSuccess;
  }
  if (const cudaError_t e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks, kernel, threads, bytes);
      e != cudaSuccess) {
    return e;
  }
  known[key] = *blocks;
  return cudaSuccess;
}

#if defined(CUDART_VERSION) && CUDART_VERSION >= 11080
cudaError_t active_clusters(const void* kernel, int device, const cudaLaunchConfig_t& config, int* clusters) {
  unsigned cluster = 1;
  for (unsigned i = 0; i < config.numAttrs; ++i) {
    if (config.attrs[i].id == cudaLaunchAttributeClusterDimension) cluster = config.attrs[i].val.clusterDim.x;
  }
  static std::mutex mutex;
  static std::map<std::tuple<const void*, int, unsigned, size_t, unsigned>, int> known;
  std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_tuple(kernel, device, config.blockDim.x, config.dynamicSmemBytes, cluster);
  if (const auto found = known.find(key); found != known.end()) {
    *clusters = found->second;
    return cudaSuccess;
  }
  cudaError_t status = cluster > 8 ? cudaFuncSetAttribute(kernel, cudaFuncAttributeNonPortableClusterSizeAllowed, 1)
                                   : cudaSuccess;
  if (status == cudaSuccess) status = cudaOccupancyMaxActiveClusters(clusters, kernel, &config);
  if (status != cudaSuccess) {
    // A refused size is an answer, not a failure: the caller takes another kernel. The error is not sticky, so it
    // is cleared here rather than reported by the next launch's check.
    (void)cudaGetLastError();
    *clusters = 0;
  }
  known[key] = *clusters;
  return cudaSuccess;
}
#endif

}  // namespace segman
