#include "model/moe.h"

#include <algorithm>
#include <vector>

#include "core/buffer.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/ops.h"
#include "model/linear.h"
#include "model/router.h"

namespace minke::model {

void MlpForward(const MlpWeights& w, const float* x, int64_t T, float* out) {
  const int64_t I = w.gate_proj.out();
  Buffer<float> gate(static_cast<size_t>(T * I));
  // Checkpoints usually store up_proj right after gate_proj (safetensors
  // writers sort by name; minke's GGUF writes ffn_gate before ffn_up): then
  // [gate; up] is one [2I, D] matrix and one call, one pass over both.
  const TensorView &g = w.gate_proj.weight, &u = w.up_proj.weight;
  const bool adjacent = g.dtype == u.dtype && g.shape == u.shape && w.gate_proj.weight_scale_inv.data == nullptr &&
                        w.gate_proj.bias.data == nullptr && w.up_proj.bias.data == nullptr &&
                        static_cast<const char*>(u.data) == static_cast<const char*>(g.data) + g.nbytes();
  if (adjacent) {
    Linear gate_up;
    gate_up.weight = {g.dtype, {2 * I, g.shape[1]}, g.data};
    Buffer<float> gu(static_cast<size_t>(T * 2 * I));
    LinearForward(gate_up, x, T, gu.data());
    kernels::SiluMulStrided(gate.data(), gu.data(), gu.data() + I, T, I, 2 * I);
  } else {
    Buffer<float> up(static_cast<size_t>(T * I));
    LinearForward(w.gate_proj, x, T, gate.data());
    LinearForward(w.up_proj, x, T, up.data());
    kernels::SiluMul(gate.data(), gate.data(), up.data(), T, I);
  }
  LinearForward(w.down_proj, gate.data(), T, out);
}

void MoeForward(const ModelConfig& c, const MoeWeights& w, const float* x, int64_t T, float* out,
                int64_t* expert_load) {
  const int64_t D = c.hidden_size, E = c.n_routed_experts, K = c.num_experts_per_tok;

  // Route: router logits in fp32 (the gate is small and kept unquantized).
  Buffer<float> logits(static_cast<size_t>(T * E));
  Linear gate{w.gate, {}, {}};
  LinearForward(gate, x, T, logits.data());
  std::vector<float> bias;
  if (w.e_score_correction_bias.data != nullptr) bias = ToF32(w.e_score_correction_bias);
  std::vector<int32_t> experts(static_cast<size_t>(T * K));
  Buffer<float> weights(static_cast<size_t>(T * K));
  Route(c, logits.data(), bias.empty() ? nullptr : bias.data(), T, experts.data(), weights.data());

  // Group the (token, slot) assignments by expert.
  std::vector<std::vector<int64_t>> assigned(E);  // entries: t * K + k
  for (int64_t a = 0; a < T * K; ++a) assigned[experts[a]].push_back(a);
  if (expert_load)
    for (int64_t e = 0; e < E; ++e) expert_load[e] += static_cast<int64_t>(assigned[e].size());

  // Each active expert computes its tokens; results land in per-slot rows.
  // The loop runs over the active experts only: over all E, a thread racing
  // through empty iterations could grab most of the few active ones (decode:
  // top-k of E), leaving the other idle.
  std::vector<int64_t> active;
  for (int64_t e = 0; e < E; ++e)
    if (!assigned[e].empty()) active.push_back(e);
  Buffer<float> slot_out(static_cast<size_t>(T * K * D));
#pragma omp parallel for schedule(dynamic)
  for (size_t ai = 0; ai < active.size(); ++ai) {
    const int64_t e = active[ai];
    const auto& rows = assigned[e];
    const int64_t m = static_cast<int64_t>(rows.size());
    Buffer<float> xe(static_cast<size_t>(m * D)), ye(static_cast<size_t>(m * D));
    for (int64_t i = 0; i < m; ++i) std::copy_n(x + (rows[i] / K) * D, D, &xe[i * D]);
    MlpForward(w.experts[e], xe.data(), m, ye.data());
    for (int64_t i = 0; i < m; ++i) std::copy_n(&ye[i * D], D, &slot_out[rows[i] * D]);
  }

  if (w.has_shared) {
    MlpForward(w.shared_experts, x, T, out);
  } else {
    std::fill(out, out + T * D, 0.0f);
  }
#pragma omp parallel for if (T * K * D > 65536)
  for (int64_t t = 0; t < T; ++t)
    for (int64_t k = 0; k < K; ++k) {
      const float wk = weights[t * K + k];
      const float* src = &slot_out[(t * K + k) * D];
      float* dst = out + t * D;
      for (int64_t d = 0; d < D; ++d) dst[d] += wk * src[d];
    }
}

}  // namespace minke::model
