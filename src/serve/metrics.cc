#include "serve/metrics.h"

#include <cstdio>

namespace minke::serve {
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Latency buckets from 1 ms to 2 min, roughly x2.5 apart.
std::vector<double> LatencyBounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
}

}  // namespace

void Histogram::Observe(double v) {
  std::lock_guard<std::mutex> l(mu_);
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::Render(const std::string& name, const std::string& help, std::string* out) const {
  std::lock_guard<std::mutex> l(mu_);
  *out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cum = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cum += counts_[i];
    *out += name + "_bucket{le=\"" + Num(bounds_[i]) + "\"} " + std::to_string(cum) + "\n";
  }
  *out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
  *out += name + "_sum " + Num(sum_) + "\n" + name + "_count " + std::to_string(count_) + "\n";
}

Metrics::Metrics()
    : batch_size({1, 2, 4, 8, 16, 32, 64, 128, 256}),
      step_seconds(LatencyBounds()),
      time_to_first_token_seconds(LatencyBounds()),
      request_seconds(LatencyBounds()) {}

void Metrics::CountRequest(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> l(mu_);
  ++requests_[{endpoint, status}];
}

std::string Metrics::Render() const {
  std::string out;
  out += "# HELP minke_requests_total HTTP requests by endpoint and status code.\n";
  out += "# TYPE minke_requests_total counter\n";
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [key, n] : requests_)
      out += "minke_requests_total{endpoint=\"" + key.first + "\",code=\"" + std::to_string(key.second) + "\"} " +
             std::to_string(n) + "\n";
  }
  auto scalar = [&](const char* name, const char* type, const char* help, double v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " + Num(v) +
           "\n";
  };
  scalar("minke_prompt_tokens_total", "counter", "Prompt tokens prefilled.", static_cast<double>(prompt_tokens));
  scalar("minke_generation_tokens_total", "counter", "Tokens generated.", static_cast<double>(generation_tokens));
  scalar("minke_cancelled_total", "counter", "Requests whose client went away before the end.",
         static_cast<double>(cancelled));
  scalar("minke_queue_depth", "gauge", "Requests waiting for a batch slot.", static_cast<double>(queue_depth));
  scalar("minke_running_sequences", "gauge", "Sequences in the running batch.", static_cast<double>(running));
  batch_size.Render("minke_batch_size", "Sequences per engine step.", &out);
  step_seconds.Render("minke_step_seconds", "Duration of one engine step (forward + sampling).", &out);
  time_to_first_token_seconds.Render("minke_time_to_first_token_seconds", "From submission to the first token.", &out);
  request_seconds.Render("minke_request_seconds", "From submission to the end of generation.", &out);
  return out;
}

}  // namespace minke::serve
