#include "model/moe.h"

#include <algorithm>
#include <vector>

#include "core/buffer.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/ops.h"
#include "model/linear.h"
#include "model/router.h"

namespace minke::model {

namespace {

// One SwiGLU MLP on T rows in its two stages, gate|up then down, so the MoE
// can run a stage of all its experts as one LinearForwardMany.
class MlpRun {
 public:
  MlpRun(const MlpWeights& w, const float* x, int64_t T, float* out)
      : w_(w),
        x_(x),
        T_(T),
        I_(w.gate_proj.out()),
        out_(out),
        gu_(static_cast<size_t>(T * 2 * I_)),
        h_(static_cast<size_t>(T * I_)) {
    // Checkpoints usually store up_proj right after gate_proj (safetensors
    // writers sort by name; minke's GGUF writes ffn_gate before ffn_up): then
    // [gate; up] is one [2I, D] matrix and one product, one pass over both.
    const TensorView &g = w.gate_proj.weight, &u = w.up_proj.weight;
    adjacent_ = g.dtype == u.dtype && g.shape == u.shape && w.gate_proj.weight_scale_inv.data == nullptr &&
                w.gate_proj.bias.data == nullptr && w.up_proj.bias.data == nullptr &&
                static_cast<const char*>(u.data) == static_cast<const char*>(g.data) + g.nbytes();
    if (adjacent_) gate_up_.weight = {g.dtype, {2 * I_, g.shape[1]}, g.data};
  }

  // gate|up into gu_: [T, 2I] rows if adjacent, else gate [T, I] then up [T, I].
  void GateUp(std::vector<LinearCall>* calls) {
    if (adjacent_) {
      calls->push_back({&gate_up_, x_, T_, gu_.data()});
    } else {
      calls->push_back({&w_.gate_proj, x_, T_, gu_.data()});
      calls->push_back({&w_.up_proj, x_, T_, gu_.data() + T_ * I_});
    }
  }

  // h = silu(gate) * up, then down(h) into out.
  void Down(std::vector<LinearCall>* calls) {
    if (adjacent_)
      kernels::SiluMulStrided(h_.data(), gu_.data(), gu_.data() + I_, T_, I_, 2 * I_);
    else
      kernels::SiluMul(h_.data(), gu_.data(), gu_.data() + T_ * I_, T_, I_);
    calls->push_back({&w_.down_proj, h_.data(), T_, out_});
  }

 private:
  const MlpWeights& w_;
  const float* x_;
  int64_t T_, I_;
  float* out_;
  Buffer<float> gu_, h_;
  Linear gate_up_;
  bool adjacent_ = false;
};

}  // namespace

void MlpForward(const MlpWeights& w, const float* x, int64_t T, float* out) {
  MlpRun run(w, x, T, out);
  std::vector<LinearCall> calls;
  run.GateUp(&calls);
  LinearForwardMany(calls);
  calls.clear();
  run.Down(&calls);
  LinearForwardMany(calls);
}

void MoeForward(const ModelConfig& c, const MoeWeights& w, const float* x, int64_t T, float* out,
                int64_t* expert_load) {
  const int64_t D = c.hidden_size, E = c.n_routed_experts, K = c.num_experts_per_tok;

  // Route: router logits in fp32 (the gate is small and kept unquantized).
  Buffer<float> logits(static_cast<size_t>(T * E));
  Linear gate{w.gate, {}, {}};
  LinearForward(gate, x, T, logits.data());
  std::vector<float> scratch;
  const float* bias = w.e_score_correction_bias.data ? AsF32(w.e_score_correction_bias, &scratch) : nullptr;
  std::vector<int32_t> experts(static_cast<size_t>(T * K));
  Buffer<float> weights(static_cast<size_t>(T * K));
  Route(c, logits.data(), bias, T, experts.data(), weights.data());

  // Group the (token, slot) assignments by expert.
  std::vector<std::vector<int64_t>> assigned(E);  // entries: t * K + k
  for (int64_t a = 0; a < T * K; ++a) assigned[experts[a]].push_back(a);
  if (expert_load)
    for (int64_t e = 0; e < E; ++e) expert_load[e] += static_cast<int64_t>(assigned[e].size());

  // Each active expert computes its tokens; results land in per-slot rows.
  std::vector<int64_t> active;
  for (int64_t e = 0; e < E; ++e)
    if (!assigned[e].empty()) active.push_back(e);
  Buffer<float> slot_out(static_cast<size_t>(T * K * D));
  std::vector<Buffer<float>> xe(active.size()), ye(active.size());
  auto gather = [&](size_t ai) {
    const auto& rows = assigned[active[ai]];
    xe[ai].resize(rows.size() * D);
    ye[ai].resize(rows.size() * D);
    for (size_t i = 0; i < rows.size(); ++i) std::copy_n(x + (rows[i] / K) * D, D, &xe[ai][i * D]);
  };
  auto scatter = [&](size_t ai) {
    const auto& rows = assigned[active[ai]];
    for (size_t i = 0; i < rows.size(); ++i) std::copy_n(&ye[ai][i * D], D, &slot_out[rows[i] * D]);
  };
  if (T <= kMaxDirectRows) {
    // Decode: the weights are read directly, so each stage of every active
    // expert and the shared experts is one parallel region with the bytes
    // split evenly (a loop over 4-8 experts would split whole experts).
    std::vector<MlpRun> runs;
    runs.reserve(active.size() + 1);
    for (size_t ai = 0; ai < active.size(); ++ai) {
      gather(ai);
      runs.emplace_back(w.experts[active[ai]], xe[ai].data(), static_cast<int64_t>(assigned[active[ai]].size()),
                        ye[ai].data());
    }
    if (w.has_shared) runs.emplace_back(w.shared_experts, x, T, out);
    std::vector<LinearCall> calls;
    for (MlpRun& r : runs) r.GateUp(&calls);
    LinearForwardMany(calls);
    calls.clear();
    for (MlpRun& r : runs) r.Down(&calls);
    LinearForwardMany(calls);
    for (size_t ai = 0; ai < active.size(); ++ai) scatter(ai);
  } else {
    // Prefill: experts in parallel, each its own GEMM chain. The loop runs
    // over the active experts only: over all E, a thread racing through empty
    // iterations could grab most of the active ones, leaving the other idle.
#pragma omp parallel for schedule(dynamic)
    for (size_t ai = 0; ai < active.size(); ++ai) {
      gather(ai);
      MlpForward(w.experts[active[ai]], xe[ai].data(), static_cast<int64_t>(assigned[active[ai]].size()),
                 ye[ai].data());
      scatter(ai);
    }
    if (w.has_shared) MlpForward(w.shared_experts, x, T, out);
  }
  if (!w.has_shared) std::fill(out, out + T * D, 0.0f);
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
