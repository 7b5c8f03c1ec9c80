#include "train/optimizer.h"

#include <algorithm>
#include <cmath>

#include "train/params.h"

namespace minke::train {

AdamW::AdamW(const ParamSet& p, AdamWConfig cfg) : cfg_(cfg) {
  m_.assign(p.data().size(), 0.0f);
  v_.assign(p.data().size(), 0.0f);
  // Cut every trainable tensor into chunks of at most kChunk elements: one
  // parallel loop then covers all tensors (instead of a parallel region per
  // tensor, hundreds of them with per-expert weights), and the gradient
  // norm is summed per chunk, then over chunks in order, so its bits do not
  // depend on the thread count or schedule.
  constexpr int64_t kChunk = 1 << 15;
  for (const ParamEntry& e : p.entries()) {
    if (e.role == model::TensorRole::kScoreBias) continue;
    for (int64_t o = 0; o < e.numel; o += kChunk)
      ranges_.push_back({e.offset + o, std::min(kChunk, e.numel - o), e.shape.size() >= 2});
  }
}

double AdamW::Step(ParamSet* p, double lr) {
  const std::vector<float>& g = p->grad();
  std::vector<float>& w = p->data();
  const int64_t n_ranges = static_cast<int64_t>(ranges_.size());
  std::vector<double> partial(ranges_.size());
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < n_ranges; ++c) {
    // Eight running sums in a fixed order: one sum would be a chain of
    // dependent double adds (the compiler may not reorder them), which made
    // this pass 4x slower than memory allows.
    const Range& r = ranges_[c];
    const float* gr = g.data() + r.offset;
    double acc[8] = {};
    int64_t i = 0;
    for (; i + 8 <= r.numel; i += 8)
      for (int j = 0; j < 8; ++j) acc[j] += static_cast<double>(gr[i + j]) * gr[i + j];
    for (; i < r.numel; ++i) acc[0] += static_cast<double>(gr[i]) * gr[i];
    double ss = 0.0;
    for (double a : acc) ss += a;
    partial[c] = ss;
  }
  double ss = 0.0;
  for (double x : partial) ss += x;
  const double norm = std::sqrt(ss);
  // torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), clamped to 1.
  const float coef = cfg_.grad_clip > 0 ? static_cast<float>(std::fmin(1.0, cfg_.grad_clip / (norm + 1e-6))) : 1.0f;
  ++t_;
  const double bc1 = 1.0 - std::pow(cfg_.beta1, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(cfg_.beta2, static_cast<double>(t_));
  const float b1 = static_cast<float>(cfg_.beta1), b2 = static_cast<float>(cfg_.beta2);
  const float step = static_cast<float>(lr / bc1), sbc2 = static_cast<float>(std::sqrt(bc2));
  const float eps = static_cast<float>(cfg_.eps);
  const float decay_matrix = static_cast<float>(1.0 - lr * cfg_.weight_decay);
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < n_ranges; ++c) {
    const Range& r = ranges_[c];
    const float decay = r.decay ? decay_matrix : 1.0f;
    for (int64_t i = r.offset; i < r.offset + r.numel; ++i) {
      const float gi = g[i] * coef;  // clipped on the fly: writing it back would cost a pass over the grads
      w[i] *= decay;
      m_[i] = b1 * m_[i] + (1.0f - b1) * gi;
      v_[i] = b2 * v_[i] + (1.0f - b2) * gi * gi;
      w[i] -= step * m_[i] / (std::sqrt(v_[i]) / sbc2 + eps);
    }
  }
  return norm;
}

double LrSchedule::At(int64_t step) const {
  if (step < warmup_steps) return max_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  if (step < decay_start || total_steps <= decay_start) return max_lr;
  const double progress =
      std::fmin(1.0, static_cast<double>(step - decay_start) / static_cast<double>(total_steps - decay_start));
  return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + std::cos(M_PI * progress));
}

void UpdateCorrectionBias(ParamSet* p, const std::vector<std::vector<int64_t>>& load, double gamma) {
  size_t layer = 0;
  for (const model::BlockWeights& b : p->weights().layers) {
    if (!b.is_moe) continue;
    if (layer >= load.size() || b.moe.e_score_correction_bias.data == nullptr) {
      ++layer;
      continue;
    }
    const std::vector<int64_t>& l = load[layer++];
    double mean = 0.0;
    for (int64_t x : l) mean += static_cast<double>(x);
    mean /= static_cast<double>(l.size());
    float* bias = Mut(b.moe.e_score_correction_bias);
    for (size_t e = 0; e < l.size(); ++e) {
      const double err = mean - static_cast<double>(l[e]);
      bias[e] += static_cast<float>(gamma * ((err > 0) - (err < 0)));
    }
  }
}

double LoadImbalance(const std::vector<std::vector<int64_t>>& load) {
  if (load.empty()) return 1.0;
  double total = 0.0;
  for (const auto& l : load) {
    int64_t mx = 0, sum = 0;
    for (int64_t x : l) {
      mx = std::max(mx, x);
      sum += x;
    }
    total += sum > 0 ? static_cast<double>(mx) * static_cast<double>(l.size()) / static_cast<double>(sum) : 1.0;
  }
  return total / static_cast<double>(load.size());
}

}  // namespace minke::train
