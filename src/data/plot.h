// `minke plot`: a training run's metrics.jsonl drawn as one self-contained
// SVG (no scripts, fonts or external files) with three panels against step:
// train and val loss, learning rate, and expert-load imbalance.
//
// metrics.jsonl holds one JSON object per line, as the trainer writes them:
//   {"step": 10, "tokens": 20480, "loss": 5.1, "lr": 3e-4, "val_loss": 5.3,
//    "expert_load_imbalance": 1.4, "tokens_per_s": 12000, "grad_norm": 0.9}
// "step" (a non-negative integer) is required; every other field is
// optional (NaN when absent; val_loss is typically on some lines only), and
// unknown fields are ignored so the trainer can log more. A value that is
// present must be a number or null. Blank lines are skipped.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace minke::data {

struct MetricsRow {
  int64_t step = 0;
  double tokens = NAN, loss = NAN, lr = NAN, val_loss = NAN, expert_load_imbalance = NAN, tokens_per_s = NAN,
         grad_norm = NAN;
};

// Errors name the file and line: "run/metrics.jsonl:7: malformed JSON: ...".
Result<std::vector<MetricsRow>> ParseMetrics(std::string_view text, const std::string& where);

// The SVG document (UTF-8 text). Rows need not be sorted; panels with no
// values say so instead of drawing empty axes.
std::string RenderMetricsSvg(const std::vector<MetricsRow>& rows, const std::string& title);

// Axis ticks: about `target` round numbers (1, 2 or 5 x 10^k apart) covering [lo, hi].
std::vector<double> NiceTicks(double lo, double hi, int target = 5);

}  // namespace minke::data
