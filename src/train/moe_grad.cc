#include "train/moe_grad.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "kernels/cpu/gemm.h"
#include "model/router.h"
#include "train/params.h"
#include "train/phase_timer.h"

namespace minke::train {
namespace {

const float* F(const TensorView& v) { return static_cast<const float*>(v.data); }

void Scores(const model::ModelConfig& c, const float* logits, int64_t N, float* s) {
  const int64_t E = c.n_routed_experts;
  for (int64_t t = 0; t < N; ++t) {
    const float* l = logits + t * E;
    float* o = s + t * E;
    if (c.scoring_func == model::ScoringFunc::kSoftmax) {
      const float m = *std::max_element(l, l + E);
      double sum = 0.0;
      for (int64_t e = 0; e < E; ++e) sum += (o[e] = std::exp(l[e] - m));
      for (int64_t e = 0; e < E; ++e) o[e] = static_cast<float>(o[e] / sum);
    } else {
      for (int64_t e = 0; e < E; ++e) o[e] = 1.0f / (1.0f + std::exp(-l[e]));
    }
  }
}

// f_i of one sequence (rows t0..t0+T): E/(K T) * how often expert i was chosen.
std::vector<double> SelectionFraction(const model::ModelConfig& c, const int32_t* experts, int64_t T) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok;
  std::vector<double> f(E, 0.0);
  for (int64_t a = 0; a < T * K; ++a) f[experts[a]] += 1.0;
  for (double& v : f) v *= static_cast<double>(E) / (K * T);
  return f;
}

}  // namespace

void MoeTrainFwd(const model::ModelConfig& c, const model::MoeWeights& w, const float* x, int64_t B, int64_t T,
                 double alpha, MoeActs* a, float* out, int64_t* expert_load) {
  const int64_t N = B * T, D = c.hidden_size, E = c.n_routed_experts, K = c.num_experts_per_tok;
  std::optional<PhaseTimer> pt(std::in_place, kFwdRouter);
  Buffer<float> logits(static_cast<size_t>(N * E));
  // The router stays in full precision in every mode (V3 §3.3.1 keeps the gating module's precision).
  kernels::MatmulNT(x, F(w.gate), logits.data(), N, E, D);
  a->scores.resize(static_cast<size_t>(N * E));
  Scores(c, logits.data(), N, a->scores.data());
  a->experts.resize(static_cast<size_t>(N * K));
  a->weights.resize(static_cast<size_t>(N * K));
  model::Route(c, logits.data(), w.e_score_correction_bias.data ? F(w.e_score_correction_bias) : nullptr, N,
               a->experts.data(), a->weights.data());

  pt.emplace(kFwdExperts);
  a->assigned.assign(E, {});
  for (int64_t s = 0; s < N * K; ++s) a->assigned[a->experts[s]].push_back(s);
  if (expert_load)
    for (int64_t e = 0; e < E; ++e) expert_load[e] += static_cast<int64_t>(a->assigned[e].size());

  a->expert_acts.resize(E);
  a->slot_y.resize(static_cast<size_t>(N * K * D));
#pragma omp parallel for schedule(dynamic)
  for (int64_t e = 0; e < E; ++e) {
    const auto& rows = a->assigned[e];
    if (rows.empty()) continue;
    const int64_t m = static_cast<int64_t>(rows.size());
    Buffer<float> xe(static_cast<size_t>(m * D)), ye(static_cast<size_t>(m * D));
    for (int64_t i = 0; i < m; ++i) std::copy_n(x + (rows[i] / K) * D, D, &xe[i * D]);
    MlpFwd(w.experts[e], xe.data(), m, &a->expert_acts[e], ye.data());
    for (int64_t i = 0; i < m; ++i) std::copy_n(&ye[i * D], D, &a->slot_y[rows[i] * D]);
  }
  pt.emplace(kFwdShared);
  if (w.has_shared)
    MlpFwd(w.shared_experts, x, N, &a->shared, out);
  else
    std::fill(out, out + N * D, 0.0f);
  pt.emplace(kFwdExperts);
#pragma omp parallel for
  for (int64_t t = 0; t < N; ++t)
    for (int64_t k = 0; k < K; ++k) {
      const float wk = a->weights[t * K + k];
      const float* src = &a->slot_y[(t * K + k) * D];
      for (int64_t d = 0; d < D; ++d) out[t * D + d] += wk * src[d];
    }

  pt.emplace(kFwdRouter);
  a->balance_loss = 0.0;
  if (alpha > 0.0) {
    for (int64_t b = 0; b < B; ++b) {
      std::vector<double> f = SelectionFraction(c, &a->experts[b * T * K], T), P(E, 0.0);
      for (int64_t t = b * T; t < (b + 1) * T; ++t) {
        const float* s = &a->scores[t * E];
        double sum = 0.0;
        for (int64_t e = 0; e < E; ++e) sum += s[e];
        for (int64_t e = 0; e < E; ++e) P[e] += s[e] / sum / T;
      }
      for (int64_t e = 0; e < E; ++e) a->balance_loss += alpha * f[e] * P[e] / B;
    }
  }
}

void MoeTrainBwd(const model::ModelConfig& c, const model::MoeWeights& w, const model::MoeWeights& gw, const float* x,
                 int64_t B, int64_t T, double alpha, double balance_scale, const MoeActs& a, const float* dout,
                 float* dx) {
  const int64_t N = B * T, D = c.hidden_size, E = c.n_routed_experts, K = c.num_experts_per_tok;
  std::optional<PhaseTimer> pt(std::in_place, kBwdExperts);

  // Combine: out_t += w_tk y_tk  =>  dw_tk = <dout_t, y_tk>, dy_tk = w_tk dout_t.
  Buffer<float> dw(static_cast<size_t>(N * K)), dx_slot(static_cast<size_t>(N * K * D));
#pragma omp parallel for
  for (int64_t s = 0; s < N * K; ++s) {
    const float* g = dout + (s / K) * D;
    const float* y = &a.slot_y[s * D];
    double dot = 0.0;
    for (int64_t d = 0; d < D; ++d) dot += static_cast<double>(g[d]) * y[d];
    dw[s] = static_cast<float>(dot);
  }
#pragma omp parallel for schedule(dynamic)
  for (int64_t e = 0; e < E; ++e) {
    const auto& rows = a.assigned[e];
    if (rows.empty()) continue;
    const int64_t m = static_cast<int64_t>(rows.size());
    Buffer<float> xe(static_cast<size_t>(m * D)), dye(static_cast<size_t>(m * D)), dxe(static_cast<size_t>(m * D));
    for (int64_t i = 0; i < m; ++i) {
      const int64_t t = rows[i] / K;
      std::copy_n(x + t * D, D, &xe[i * D]);
      const float wk = a.weights[rows[i]];
      for (int64_t d = 0; d < D; ++d) dye[i * D + d] = wk * dout[t * D + d];
    }
    MlpBwd(w.experts[e], gw.experts[e], xe.data(), m, a.expert_acts[e], dye.data(), dxe.data());
    for (int64_t i = 0; i < m; ++i) std::copy_n(&dxe[i * D], D, &dx_slot[rows[i] * D]);
  }
  pt.emplace(kBwdShared);
  if (w.has_shared)
    MlpBwd(w.shared_experts, gw.shared_experts, x, N, a.shared, dout, dx);
  else
    std::fill(dx, dx + N * D, 0.0f);
  pt.emplace(kBwdExperts);
#pragma omp parallel for
  for (int64_t t = 0; t < N; ++t)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t d = 0; d < D; ++d) dx[t * D + d] += dx_slot[(t * K + k) * D + d];

  pt.emplace(kBwdRouter);
  // Router: combine-weight gradients back to the scores of the chosen experts.
  const bool normalise = c.norm_topk_prob && K > 1;
  const bool scale = c.model_type == model::ModelType::kDeepseekV3 || !normalise;
  const double rsf = scale ? c.routed_scaling_factor : 1.0;
  Buffer<float> dlogits(static_cast<size_t>(N * E));
  std::vector<std::vector<double>> f(B);
  if (alpha > 0.0)
    for (int64_t b = 0; b < B; ++b) f[b] = SelectionFraction(c, &a.experts[b * T * K], T);
#pragma omp parallel for
  for (int64_t t = 0; t < N; ++t) {
    const float* s = &a.scores[t * E];
    const int32_t* idx = &a.experts[t * K];
    std::vector<double> ds(E, 0.0);
    if (normalise) {
      // w_k = rsf * s_k / S:  ds_k = rsf * (dw_k / S - sum_j dw_j s_j / S^2).
      double S = 1e-20, dot = 0.0;
      for (int64_t k = 0; k < K; ++k) S += s[idx[k]];
      for (int64_t k = 0; k < K; ++k) dot += dw[t * K + k] * static_cast<double>(s[idx[k]]);
      for (int64_t k = 0; k < K; ++k) ds[idx[k]] += rsf * (dw[t * K + k] / S - dot / (S * S));
    } else {
      for (int64_t k = 0; k < K; ++k) ds[idx[k]] += rsf * dw[t * K + k];
    }
    if (alpha > 0.0) {
      // L = alpha/B sum_i f_i P_i, P_i = 1/T sum_t s_i / sum_j s_j.
      const std::vector<double>& fb = f[t / T];
      double sum = 0.0, gs = 0.0;
      for (int64_t e = 0; e < E; ++e) sum += s[e];
      const double g0 = balance_scale * alpha / (static_cast<double>(B) * T * sum);
      for (int64_t e = 0; e < E; ++e) gs += fb[e] * s[e] / sum;
      for (int64_t e = 0; e < E; ++e) ds[e] += g0 * (fb[e] - gs);
    }
    float* dl = &dlogits[t * E];
    if (c.scoring_func == model::ScoringFunc::kSoftmax) {
      double dot = 0.0;
      for (int64_t e = 0; e < E; ++e) dot += ds[e] * s[e];
      for (int64_t e = 0; e < E; ++e) dl[e] = static_cast<float>(s[e] * (ds[e] - dot));
    } else {
      for (int64_t e = 0; e < E; ++e) dl[e] = static_cast<float>(ds[e] * s[e] * (1.0 - s[e]));
    }
  }
  kernels::Sgemm(false, false, N, D, E, 1.0f, dlogits.data(), E, F(w.gate), D, 1.0f, dx, D);
  kernels::Sgemm(true, false, E, D, N, 1.0f, dlogits.data(), E, x, D, 1.0f, Mut(gw.gate), D);
}

}  // namespace minke::train
