#include "model/mla.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/ops.h"
#include "model/linear.h"

namespace minke::model {

// DeepSeek's modeling code builds q_a_layernorm and kv_a_layernorm with the
// RMSNorm default eps, not config.rms_norm_eps.
constexpr double kLatentNormEps = 1e-6;

void MlaForward(const ModelConfig& c, const MlaWeights& w, const Rope& rope, const float* x, int64_t T,
                const int64_t* positions, float* out) {
  const int64_t H = c.num_attention_heads, dn = c.qk_nope_head_dim, dr = c.qk_rope_head_dim, dv = c.v_head_dim,
                dqk = dn + dr, R = c.kv_lora_rank;
  std::vector<float> cos, sin;
  RopeCosSin(rope, positions, T, &cos, &sin);

  // Queries [T, H, dqk], with RoPE on each head's last dr dims.
  std::vector<float> q(static_cast<size_t>(T * H * dqk));
  if (c.q_lora_rank > 0) {
    std::vector<float> cq(static_cast<size_t>(T * c.q_lora_rank));
    LinearForward(w.q_a_proj, x, T, cq.data());
    RmsNormForward(w.q_a_layernorm, cq.data(), T, c.q_lora_rank, kLatentNormEps, cq.data());
    LinearForward(w.q_b_proj, cq.data(), T, q.data());
  } else {
    LinearForward(w.q_proj, x, T, q.data());
  }
  kernels::ApplyRope(q.data() + dn, T, H, dr, H * dqk, dqk, cos.data(), sin.data(), rope.interleaved);

  // Latent c_kv [T, R] and the shared decoupled key k_pe [T, dr].
  std::vector<float> kv_a(static_cast<size_t>(T * (R + dr)));
  LinearForward(w.kv_a_proj_with_mqa, x, T, kv_a.data());
  kernels::ApplyRope(kv_a.data() + R, T, 1, dr, R + dr, 0, cos.data(), sin.data(), rope.interleaved);
  std::vector<float> c_kv(static_cast<size_t>(T * R));
  for (int64_t t = 0; t < T; ++t) std::memcpy(&c_kv[t * R], &kv_a[t * (R + dr)], R * sizeof(float));
  RmsNormForward(w.kv_a_layernorm, c_kv.data(), T, R, kLatentNormEps, c_kv.data());

  // Up-project to per-head [k_nope; v] [T, H, dn+dv]; keys [T, H, dqk].
  std::vector<float> kv(static_cast<size_t>(T * H * (dn + dv)));
  LinearForward(w.kv_b_proj, c_kv.data(), T, kv.data());
  std::vector<float> k(static_cast<size_t>(T * H * dqk));
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < H; ++h) {
      std::memcpy(&k[(t * H + h) * dqk], &kv[(t * H + h) * (dn + dv)], dn * sizeof(float));
      std::memcpy(&k[(t * H + h) * dqk + dn], &kv_a[t * (R + dr) + R], dr * sizeof(float));
    }

  // Causal attention per (head, block of queries): a query block only needs
  // the keys up to its last row, which skips the masked upper triangle.
  constexpr int64_t kBlock = 256;
  const int64_t n_blocks = (T + kBlock - 1) / kBlock;
  std::vector<float> o(static_cast<size_t>(T * H * dv));
#pragma omp parallel
  {
    std::vector<float> s(static_cast<size_t>(kBlock * T));
    std::vector<int64_t> valid(kBlock);
#pragma omp for schedule(dynamic)
    for (int64_t job = 0; job < H * n_blocks; ++job) {
      const int64_t h = job % H, i0 = (job / H) * kBlock, rows = std::min(kBlock, T - i0), keys = i0 + rows;
      for (int64_t r = 0; r < rows; ++r) valid[r] = i0 + r + 1;
      kernels::Sgemm(false, true, rows, keys, dqk, rope.softmax_scale, q.data() + i0 * H * dqk + h * dqk, H * dqk,
                     k.data() + h * dqk, H * dqk, 0.0f, s.data(), keys);
      kernels::SoftmaxRows(s.data(), rows, keys, valid.data());
      kernels::Sgemm(false, false, rows, dv, keys, 1.0f, s.data(), keys, kv.data() + h * (dn + dv) + dn, H * (dn + dv),
                     0.0f, o.data() + i0 * H * dv + h * dv, H * dv);
    }
  }
  LinearForward(w.o_proj, o.data(), T, out);
}

}  // namespace minke::model
