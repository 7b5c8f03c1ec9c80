#include "infer/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace minke::infer {

Status ValidateSampling(const SamplingParams& p) {
  auto bad = [](const std::string& what, float v) { return Status::Error(what + ", got " + std::to_string(v)); };
  if (!(p.temperature >= 0.0f) || !std::isfinite(p.temperature)) return bad("temperature must be >= 0", p.temperature);
  if (p.top_k < 0) return bad("top_k must be >= 0", static_cast<float>(p.top_k));
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) return bad("top_p must be in (0, 1]", p.top_p);
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) return bad("min_p must be in [0, 1]", p.min_p);
  if (!(p.repetition_penalty > 0.0f) || !std::isfinite(p.repetition_penalty))
    return bad("repetition_penalty must be > 0", p.repetition_penalty);
  if (!(std::fabs(p.presence_penalty) <= 2.0f)) return bad("presence_penalty must be in [-2, 2]", p.presence_penalty);
  if (!(std::fabs(p.frequency_penalty) <= 2.0f))
    return bad("frequency_penalty must be in [-2, 2]", p.frequency_penalty);
  return Status::Ok();
}

int32_t Sampler::Sample(const float* logits, int64_t vocab, const std::vector<int32_t>& history) {
  work_.assign(logits, logits + vocab);
  if (p_.repetition_penalty != 1.0f || p_.presence_penalty != 0.0f || p_.frequency_penalty != 0.0f) {
    std::unordered_map<int32_t, int> counts;
    for (int32_t t : history)
      if (t >= 0 && t < vocab) ++counts[t];
    for (const auto& [t, n] : counts) {
      float& l = work_[t];
      l = l > 0 ? l / p_.repetition_penalty : l * p_.repetition_penalty;
      l -= p_.presence_penalty + p_.frequency_penalty * static_cast<float>(n);
    }
  }
  for (float& l : work_)
    if (std::isnan(l)) l = -INFINITY;  // a NaN logit never wins
  auto argmax = [this] { return static_cast<int32_t>(std::max_element(work_.begin(), work_.end()) - work_.begin()); };
  if (p_.temperature < 1e-6f) return argmax();  // greedy (and no logit/temperature overflow)

  // Candidates sorted by logit (descending; ties to the lower id).
  ids_.resize(vocab);
  std::iota(ids_.begin(), ids_.end(), 0);
  int64_t n = vocab;
  auto by_logit = [this](int32_t a, int32_t b) { return work_[a] > work_[b] || (work_[a] == work_[b] && a < b); };
  if (p_.top_k > 0 && p_.top_k < vocab) {
    n = p_.top_k;
    std::partial_sort(ids_.begin(), ids_.begin() + n, ids_.end(), by_logit);
  } else {
    std::sort(ids_.begin(), ids_.end(), by_logit);
  }
  // Softmax at temperature over the candidates.
  std::vector<double> prob(n);
  const double top = static_cast<double>(work_[ids_[0]]) / p_.temperature;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += (prob[i] = std::exp(static_cast<double>(work_[ids_[i]]) / p_.temperature - top));
  for (double& q : prob) q /= sum;
  if (p_.top_p < 1.0f) {  // smallest prefix with mass >= top_p
    double cum = 0;
    for (int64_t i = 0; i < n; ++i) {
      cum += prob[i];
      if (cum >= p_.top_p) {
        n = i + 1;
        break;
      }
    }
  }
  if (p_.min_p > 0.0f) {  // drop tokens below min_p x the best probability
    int64_t keep = 1;
    while (keep < n && prob[keep] >= p_.min_p * prob[0]) ++keep;
    n = keep;
  }
  double mass = std::accumulate(prob.begin(), prob.begin() + n, 0.0);
  if (!(mass > 0) || !std::isfinite(mass)) return argmax();  // e.g. every logit -inf
  double u = std::uniform_real_distribution<double>(0.0, mass)(rng_);
  for (int64_t i = 0; i < n; ++i) {
    u -= prob[i];
    if (u < 0) return ids_[i];
  }
  return ids_[n - 1];
}

}  // namespace minke::infer
