#include "data/hardware.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "kernels/cpu/gemm.h"

namespace minke::data {
namespace {

std::string Slurp(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Calls f(key, value) for each "key : value" line.
template <typename F>
void ForEachField(std::string_view text, F f) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    const size_t colon = line.find(':');
    f(Trim(line.substr(0, colon == std::string_view::npos ? line.size() : colon)),
      colon == std::string_view::npos ? std::string_view() : Trim(line.substr(colon + 1)));
    pos = nl + 1;
  }
}

bool OnPath(const char* exe) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':'))
    if (!dir.empty() && ::access((dir + "/" + exe).c_str(), X_OK) == 0) return true;
  return false;
}

}  // namespace

void ParseCpuInfo(std::string_view cpuinfo, HardwareInfo* hw) {
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical = "0";
  int processors = 0;
  ForEachField(cpuinfo, [&](std::string_view key, std::string_view value) {
    if (key == "processor") ++processors, physical = "0";
    if (key == "model name" && hw->cpu_model == "unknown") hw->cpu_model = std::string(value);
    if (key == "physical id") physical = std::string(value);
    if (key == "core id") cores.emplace(physical, std::string(value));
  });
  // Without core ids (some VMs, ARM) each logical CPU counts as a core.
  hw->cpu_cores = cores.empty() ? processors : static_cast<int>(cores.size());
  if (hw->cpu_threads == 0) hw->cpu_threads = processors;
}

uint64_t ParseMemTotal(std::string_view meminfo) {
  uint64_t kib = 0;
  ForEachField(meminfo, [&](std::string_view key, std::string_view value) {
    if (key == "MemTotal") kib = std::strtoull(std::string(value).c_str(), nullptr, 10);
  });
  return kib * 1024;
}

std::vector<GpuInfo> ParseNvidiaSmi(std::string_view csv) {
  std::vector<GpuInfo> gpus;
  std::stringstream ss{std::string(csv)};
  std::string line;
  while (std::getline(ss, line)) {
    std::vector<std::string> cols;
    std::stringstream ls(line);
    std::string col;
    while (std::getline(ls, col, ',')) cols.emplace_back(Trim(col));
    if (cols.empty() || cols[0].empty()) continue;
    GpuInfo g;
    g.name = cols[0];
    // Fields may be "[N/A]"; strtod then gives 0, which means unknown.
    if (cols.size() > 1) g.memory_bytes = static_cast<uint64_t>(std::strtod(cols[1].c_str(), nullptr) * 1048576.0);
    if (cols.size() > 2) g.power_limit_watts = std::strtod(cols[2].c_str(), nullptr);
    gpus.push_back(std::move(g));
  }
  return gpus;
}

HardwareInfo DetectHardware() {
  HardwareInfo hw;
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  hw.cpu_threads = online > 0 ? static_cast<int>(online) : 0;
  ParseCpuInfo(Slurp("/proc/cpuinfo"), &hw);
  hw.ram_bytes = ParseMemTotal(Slurp("/proc/meminfo"));
  struct utsname u;
  if (::uname(&u) == 0) hw.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
  if (OnPath("nvidia-smi")) {
    FILE* p =
        ::popen("nvidia-smi --query-gpu=name,memory.total,power.limit --format=csv,noheader,nounits 2>/dev/null", "r");
    if (p != nullptr) {
      std::string out;
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
      if (::pclose(p) == 0) hw.gpus = ParseNvidiaSmi(out);
    }
  }
  return hw;
}

double MeasureGemmPeakFlops(int n, int repeats) {
  std::vector<float> a(static_cast<size_t>(n) * n, 0.5f), b(a.size(), 0.25f), c(a.size());
  double best = 0;
  for (int r = 0; r <= repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    kernels::Sgemm(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r > 0 && s > 0) best = std::max(best, 2.0 * n * n * n / s);  // run 0 warms caches and threads
  }
  return best;
}

}  // namespace minke::data
