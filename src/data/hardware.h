// What machine a run used, for the provenance ledger (provenance.h): CPU
// model and core counts from /proc/cpuinfo, RAM from /proc/meminfo, GPUs
// from `nvidia-smi` when it is on PATH (none otherwise), and a measured
// single-precision GEMM peak to state MFU against.
// Detection never fails: what cannot be read is "unknown" / 0.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace minke::data {

struct GpuInfo {
  std::string name;
  uint64_t memory_bytes = 0;
  double power_limit_watts = 0;  // 0: unknown
};

struct HardwareInfo {
  std::string cpu_model = "unknown";
  int cpu_cores = 0;    // physical cores (distinct physical id / core id pairs)
  int cpu_threads = 0;  // logical CPUs online
  uint64_t ram_bytes = 0;
  std::vector<GpuInfo> gpus;   // empty: none found
  std::string os = "unknown";  // uname: sysname release machine
};

HardwareInfo DetectHardware();

// Parsers behind DetectHardware, exposed for tests.
void ParseCpuInfo(std::string_view cpuinfo, HardwareInfo* hw);
uint64_t ParseMemTotal(std::string_view meminfo);
// Lines of `nvidia-smi --query-gpu=name,memory.total,power.limit --format=csv,noheader,nounits`.
std::vector<GpuInfo> ParseNvidiaSmi(std::string_view csv);

// FLOP/s of kernels::Sgemm on n x n x n fp32 products, best of `repeats`
// timed runs after one warm-up, on the current thread setting: the "peak"
// a CPU run's MFU is stated against (what this machine's BLAS reaches, not
// a datasheet figure).
double MeasureGemmPeakFlops(int n = 1024, int repeats = 3);

}  // namespace minke::data
