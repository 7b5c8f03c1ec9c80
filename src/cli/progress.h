// A one-line progress bar on stderr, redrawn in place:
//   " 42.0% [############..................] 1.8/4.3 MB  3.1 MB/s  ETA 0:01  <extra>"
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

namespace minke::cli {

inline std::string Clock(double s) {
  if (!(s >= 0) || s > 360000) return "--:--";
  char buf[32];
  const int t = static_cast<int>(s + 0.5);
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%d:%02d", t / 60, t % 60);
  return buf;
}

inline void DrawProgressBar(uint64_t done, uint64_t total, double seconds, const std::string& extra) {
  const double frac = total ? std::min(1.0, static_cast<double>(done) / total) : 1.0;
  const double mbps = seconds > 0 ? done / 1e6 / seconds : 0;
  const double eta = mbps > 0 ? (total - std::min(done, total)) / 1e6 / mbps : -1;
  char bar[31];
  const int filled = static_cast<int>(frac * 30);
  for (int i = 0; i < 30; ++i) bar[i] = i < filled ? '#' : '.';
  bar[30] = '\0';
  std::fprintf(stderr, "\r%5.1f%% [%s] %.1f/%.1f MB  %.1f MB/s  ETA %s  %s   ", 100 * frac, bar, done / 1e6,
               total / 1e6, mbps, Clock(eta).c_str(), extra.c_str());
  std::fflush(stderr);
}

}  // namespace minke::cli
