// Metrics: the server's counters, gauges and histograms, rendered in the
// Prometheus text exposition format (version 0.0.4) for GET /metrics.
// Thread-safe: the engine thread and every HTTP thread record into it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace minke::serve {

// A cumulative histogram with fixed upper bounds (+Inf is implied).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
  void Observe(double v);
  // "name_bucket{le=...} n" lines, then _sum and _count.
  void Render(const std::string& name, const std::string& help, std::string* out) const;

 private:
  mutable std::mutex mu_;
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative); last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();

  void CountRequest(const std::string& endpoint, int status);
  std::atomic<uint64_t> prompt_tokens{0}, generation_tokens{0}, cancelled{0};
  std::atomic<int64_t> queue_depth{0}, running{0};  // gauges, set by the engine
  Histogram batch_size;                             // sequences per engine step
  Histogram step_seconds;                           // one Transformer::Step + sampling
  Histogram time_to_first_token_seconds;            // submit -> first token
  Histogram request_seconds;                        // submit -> finish

  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (endpoint, status) -> count
};

}  // namespace minke::serve
