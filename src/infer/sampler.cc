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

namespace {

// The first index of the largest value; a NaN never wins (it compares false).
int32_t Argmax(const float* x, int64_t n) {
  int64_t best = 0;
  float v = -INFINITY;
  for (int64_t i = 0; i < n; ++i)
    if (x[i] > v) {
      v = x[i];
      best = i;
    }
  return static_cast<int32_t>(best);
}

}  // namespace

int32_t Sampler::Sample(const float* logits, int64_t vocab, const std::vector<int32_t>& history) {
  const bool greedy = p_.temperature < 1e-6f;  // (and no logit/temperature overflow)
  const bool penalties = p_.repetition_penalty != 1.0f || p_.presence_penalty != 0.0f || p_.frequency_penalty != 0.0f;
  if (greedy && !penalties) return Argmax(logits, vocab);  // one pass, no copy: runs once per decoded token
  work_.assign(logits, logits + vocab);
  if (penalties) {
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
  auto argmax = [this] { return Argmax(work_.data(), static_cast<int64_t>(work_.size())); };
  if (greedy) return argmax();

  // Probabilities at temperature relative to the best token (exp(0) = 1), in
  // id order: nothing here needs the vocabulary sorted.
  const int32_t best = argmax();
  const double top = static_cast<double>(work_[best]) / p_.temperature;
  if (!std::isfinite(top)) return best;  // every logit -inf, or an infinite one
  const float inv_t = 1.0f / p_.temperature, top_f = static_cast<float>(top);
  prob_.resize(vocab);
  for (int64_t i = 0; i < vocab; ++i) prob_[i] = std::exp(work_[i] * inv_t - top_f);

  // Nothing truncated: draw from the whole distribution in id order, no
  // ordering needed (the common API default: temperature alone).
  if (!(p_.top_k > 0 && p_.top_k < vocab) && p_.top_p >= 1.0f && p_.min_p <= 0.0f) {
    double total = 0;
    for (int64_t i = 0; i < vocab; ++i) total += prob_[i];
    if (!(total > 0) || !std::isfinite(total)) return best;
    double u = std::uniform_real_distribution<double>(0.0, total)(rng_);
    int32_t last = best;
    for (int64_t i = 0; i < vocab; ++i) {
      if (prob_[i] <= 0.0f) continue;
      last = static_cast<int32_t>(i);
      u -= prob_[i];
      if (u < 0) return last;
    }
    return last;  // rounding left u >= 0: the last token with mass
  }

  // Candidates in descending order of logit (ties to the lower id), sorted
  // lazily: top-p, min-p and the draw walk from the front and usually stop
  // within the first few dozen, so only that prefix is ever sorted (a full
  // sort per token cost milliseconds at a 100k vocabulary).
  ids_.resize(vocab);
  std::iota(ids_.begin(), ids_.end(), 0);
  auto by_logit = [this](int32_t a, int32_t b) { return work_[a] > work_[b] || (work_[a] == work_[b] && a < b); };
  int64_t limit = vocab, sorted = 0;
  if (p_.top_k > 0 && p_.top_k < vocab) {
    limit = p_.top_k;
    std::partial_sort(ids_.begin(), ids_.begin() + limit, ids_.end(), by_logit);
    sorted = limit;
  }
  auto ensure_sorted = [&](int64_t need) {  // ids_[0, need) in order
    if (need <= sorted) return;
    need = std::min(limit, std::max({need, 2 * sorted, int64_t{64}}));
    if (need < limit) std::nth_element(ids_.begin() + sorted, ids_.begin() + need, ids_.begin() + limit, by_logit);
    std::sort(ids_.begin() + sorted, ids_.begin() + need, by_logit);
    sorted = need;
  };
  auto prob_at = [&](int64_t i) {
    ensure_sorted(i + 1);
    return static_cast<double>(prob_[ids_[i]]);
  };
  double total = 0;
  for (int64_t i = 0; i < limit; ++i) total += prob_[limit < vocab ? ids_[i] : i];

  int64_t n = limit;
  if (p_.top_p < 1.0f) {  // smallest prefix with mass >= top_p
    double cum = 0;
    for (int64_t i = 0; i < limit; ++i) {
      cum += prob_at(i);
      if (cum >= p_.top_p * total) {
        n = i + 1;
        break;
      }
    }
  }
  if (p_.min_p > 0.0f) {  // drop tokens below min_p x the best probability (which is 1 here)
    int64_t keep = 1;
    while (keep < n && prob_at(keep) >= p_.min_p) ++keep;
    n = keep;
  }
  double mass = total;
  if (n < limit) {
    mass = 0;
    for (int64_t i = 0; i < n; ++i) mass += prob_at(i);
  }
  if (!(mass > 0) || !std::isfinite(mass)) return best;
  double u = std::uniform_real_distribution<double>(0.0, mass)(rng_);
  for (int64_t i = 0; i < n; ++i) {
    u -= prob_at(i);
    if (u < 0) return ids_[i];
  }
  ensure_sorted(n);
  return ids_[n - 1];
}

}  // namespace minke::infer
