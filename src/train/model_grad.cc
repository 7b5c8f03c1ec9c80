#include "train/model_grad.h"

#include <malloc.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/ops_backward.h"
#include "train/layers.h"
#include "train/mla_grad.h"
#include "train/moe_grad.h"
#include "train/phase_timer.h"

namespace minke::train {
namespace {

using model::BlockWeights;
using model::ModelConfig;

const float* F(const TensorView& v) { return static_cast<const float*>(v.data); }

struct BlockActs {
  Buffer<float> x_in, xn1, x_mid, xn2;
  MlaActs attn;
  MlpActs mlp;
  MoeActs moe;
};

// h [B*T, D] in: block input; out: block output.
void BlockFwd(const ModelConfig& c, const BlockWeights& w, const model::Rope& rope, int64_t B, int64_t T, double alpha,
              float* h, BlockActs* a, int64_t* load) {
  const int64_t N = B * T, D = c.hidden_size;
  const float eps = static_cast<float>(c.rms_norm_eps);
  a->x_in.resize(static_cast<size_t>(N * D));
  a->xn1.resize(static_cast<size_t>(N * D));
  a->x_mid.resize(static_cast<size_t>(N * D));
  a->xn2.resize(static_cast<size_t>(N * D));
  Buffer<float> tmp(static_cast<size_t>(N * D));
  std::copy_n(h, N * D, a->x_in.data());
  kernels::RmsNorm(a->xn1.data(), h, F(w.input_layernorm), N, D, eps);
  {
    PhaseTimer pt(kFwdAttn);
    MlaTrainFwd(c, w.attn, rope, a->xn1.data(), B, T, &a->attn, tmp.data());
  }
  for (int64_t i = 0; i < N * D; ++i) h[i] += tmp[i];
  std::copy_n(h, N * D, a->x_mid.data());
  kernels::RmsNorm(a->xn2.data(), h, F(w.post_attention_layernorm), N, D, eps);
  if (w.is_moe) {
    MoeTrainFwd(c, w.moe, a->xn2.data(), B, T, alpha, &a->moe, tmp.data(), load);
  } else {
    PhaseTimer pt(kFwdDense);
    MlpFwd(w.mlp, a->xn2.data(), N, &a->mlp, tmp.data());
  }
  for (int64_t i = 0; i < N * D; ++i) h[i] += tmp[i];
}

// dh [B*T, D] in: gradient of the block output; out: of the block input.
void BlockBwd(const ModelConfig& c, const BlockWeights& w, const BlockWeights& gw, const model::Rope& rope, int64_t B,
              int64_t T, double alpha, double balance_scale, const BlockActs& a, float* dh) {
  const int64_t N = B * T, D = c.hidden_size;
  const float eps = static_cast<float>(c.rms_norm_eps);
  Buffer<float> dn(static_cast<size_t>(N * D)), dx(static_cast<size_t>(N * D));
  if (w.is_moe) {
    MoeTrainBwd(c, w.moe, gw.moe, a.xn2.data(), B, T, alpha, balance_scale, a.moe, dh, dn.data());
  } else {
    PhaseTimer pt(kBwdDense);
    MlpBwd(w.mlp, gw.mlp, a.xn2.data(), N, a.mlp, dh, dn.data());
  }
  kernels::RmsNormBackward(a.x_mid.data(), F(w.post_attention_layernorm), dn.data(), N, D, D, eps, dx.data(),
                           Mut(gw.post_attention_layernorm));
  for (int64_t i = 0; i < N * D; ++i) dh[i] += dx[i];
  {
    PhaseTimer pt(kBwdAttn);
    MlaTrainBwd(c, w.attn, gw.attn, rope, a.xn1.data(), B, T, a.attn, dh, dn.data());
  }
  kernels::RmsNormBackward(a.x_in.data(), F(w.input_layernorm), dn.data(), N, D, D, eps, dx.data(),
                           Mut(gw.input_layernorm));
  for (int64_t i = 0; i < N * D; ++i) dh[i] += dx[i];
}

void Embed(const float* table, const std::vector<int32_t>& ids, int64_t D, float* out) {
  for (size_t i = 0; i < ids.size(); ++i) std::copy_n(table + static_cast<int64_t>(ids[i]) * D, D, out + i * D);
}

void EmbedBwd(float* gtable, const std::vector<int32_t>& ids, int64_t D, const float* dh) {
  for (size_t i = 0; i < ids.size(); ++i) {
    float* g = gtable + static_cast<int64_t>(ids[i]) * D;
    for (int64_t d = 0; d < D; ++d) g[d] += dh[i * D + d];
  }
}

// The output head on normed rows x [N, D]: returns the summed CE and, with
// `backward`, writes dx = d(scale * CE)/dx and accumulates dW.
double HeadLoss(const float* W, float* gW, const float* x, const std::vector<int32_t>& targets, int64_t D, int64_t V,
                bool backward, float scale, float* dx) {
  const int64_t N = static_cast<int64_t>(targets.size());
  Buffer<float> logits(static_cast<size_t>(N * V));
  double loss;
  {
    PhaseTimer pt(kFwdHead);
    // The output head keeps full precision in every mode (V3 §3.3.1).
    kernels::MatmulNT(x, W, logits.data(), N, V, D);
    loss = kernels::CrossEntropyForwardBackward(logits.data(), targets.data(), N, V, scale);
  }
  if (backward) {
    PhaseTimer pt(kBwdHead);
    kernels::Sgemm(false, false, N, D, V, 1.0f, logits.data(), V, W, D, 0.0f, dx, D);
    kernels::Sgemm(true, false, V, D, N, 1.0f, logits.data(), V, x, D, 1.0f, gW, D);
  }
  return loss;
}

struct MtpActs {
  std::vector<int32_t> ids, targets;
  Buffer<float> h_prev, e, en, hpn, cat, h_out, normed;
  BlockActs block;
};

}  // namespace

Status ForwardBackward(const ParamSet& p, const model::Rope& rope, const LossWeights& lw, const int32_t* tokens,
                       int64_t B, int64_t T, bool backward, float grad_scale, StepStats* st) {
  const ModelConfig& c = p.config();
  const model::ModelWeights& w = p.weights();
  const model::ModelWeights& g = p.grads();
  const int64_t N = B * T, D = c.hidden_size, V = c.vocab_size, L = c.num_hidden_layers;
  const float eps = static_cast<float>(c.rms_norm_eps);
  if (B <= 0 || T <= 0) return Status::Error("training batch must have B > 0 and T > 0");
  if (T > c.max_position_embeddings)
    return Status::Error("sequence length " + std::to_string(T) + " exceeds max_position_embeddings " +
                         std::to_string(c.max_position_embeddings));
  std::vector<int32_t> inputs(N), targets(N);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t <= T; ++t) {
      const int32_t id = tokens[b * (T + 1) + t];
      if (id < 0 || id >= V)
        return Status::Error("token id " + std::to_string(id) + " out of range for vocab_size " + std::to_string(V));
      if (t < T) inputs[b * T + t] = id;
      if (t > 0) targets[b * T + t - 1] = id;
    }
  const int n_mtp = static_cast<int>(w.mtp.size());
  const bool use_mtp = n_mtp > 0 && lw.mtp_lambda > 0.0 && T > n_mtp;

  *st = StepStats{};
  st->tokens = N;
  std::vector<BlockActs> acts(L);
  Buffer<float> h(static_cast<size_t>(N * D));
  Buffer<float> hn(static_cast<size_t>(N * D)), dhn(static_cast<size_t>(N * D));
  {
    PhaseTimer pt(kFwdBlocks);
    Embed(F(w.embed_tokens), inputs, D, h.data());
    for (int64_t l = 0; l < L; ++l) {
      int64_t* load = nullptr;
      if (w.layers[l].is_moe) {
        st->expert_load.emplace_back(c.n_routed_experts, 0);
        load = st->expert_load.back().data();
      }
      BlockFwd(c, w.layers[l], rope, B, T, lw.balance_alpha, h.data(), &acts[l], load);
      st->balance += acts[l].moe.balance_loss * w.layers[l].is_moe;
    }
    kernels::RmsNorm(hn.data(), h.data(), F(w.norm), N, D, eps);
  }
  const float ce_scale = grad_scale / static_cast<float>(N);
  st->ce =
      HeadLoss(F(w.lm_head.weight), Mut(g.lm_head.weight), hn.data(), targets, D, V, backward, ce_scale, dhn.data()) /
      N;

  // MTP module k: rows i < T-k of each sequence, input h^{k-1}_i and token
  // i+k, target token i+k+1 (V3 §2.2, eq. 21-25).
  std::vector<MtpActs> mtp(use_mtp ? n_mtp : 0);
  for (int k = 1; k <= static_cast<int>(mtp.size()); ++k) {
    MtpActs& m = mtp[k - 1];
    const model::MtpWeights& mw = w.mtp[k - 1];
    const int64_t n = T - k, Nk = B * n, prev_len = T - k + 1;  // rows per sequence here / in h^{k-1}
    const float* prev = k == 1 ? hn.data() : mtp[k - 2].h_out.data();
    m.h_prev.resize(static_cast<size_t>(Nk * D));
    for (int64_t b = 0; b < B; ++b) {
      std::copy_n(prev + b * prev_len * D, n * D, &m.h_prev[b * n * D]);
      for (int64_t i = 0; i < n; ++i) {
        m.ids.push_back(tokens[b * (T + 1) + i + k]);
        m.targets.push_back(tokens[b * (T + 1) + i + k + 1]);
      }
    }
    m.e.resize(static_cast<size_t>(Nk * D));
    m.en.resize(static_cast<size_t>(Nk * D));
    m.hpn.resize(static_cast<size_t>(Nk * D));
    m.cat.resize(static_cast<size_t>(Nk * 2 * D));
    m.h_out.resize(static_cast<size_t>(Nk * D));
    m.normed.resize(static_cast<size_t>(Nk * D));
    Embed(F(mw.embed_tokens), m.ids, D, m.e.data());
    kernels::RmsNorm(m.en.data(), m.e.data(), F(mw.enorm), Nk, D, eps);
    kernels::RmsNorm(m.hpn.data(), m.h_prev.data(), F(mw.hnorm), Nk, D, eps);
    for (int64_t i = 0; i < Nk; ++i) {
      std::copy_n(&m.en[i * D], D, &m.cat[i * 2 * D]);
      std::copy_n(&m.hpn[i * D], D, &m.cat[i * 2 * D + D]);
    }
    LinearFwd(F(mw.eh_proj.weight), m.cat.data(), Nk, 2 * D, D, m.h_out.data());
    BlockFwd(c, mw.block, rope, B, n, lw.balance_alpha, m.h_out.data(), &m.block, nullptr);
    st->balance += m.block.moe.balance_loss * mw.block.is_moe;
    kernels::RmsNorm(m.normed.data(), m.h_out.data(), F(mw.shared_head_norm), Nk, D, eps);
  }
  // MTP heads, and backward through the modules from the deepest down.
  Buffer<float> dprev;
  st->mtp_ce.assign(mtp.size(), 0.0);
  for (int k = static_cast<int>(mtp.size()); k >= 1; --k) {
    MtpActs& m = mtp[k - 1];
    const model::MtpWeights& mw = w.mtp[k - 1];
    const model::MtpWeights& gm = g.mtp[k - 1];
    const int64_t n = T - k, Nk = B * n;
    const float scale = grad_scale * static_cast<float>(lw.mtp_lambda / mtp.size()) / static_cast<float>(Nk);
    Buffer<float> dnormed(static_cast<size_t>(Nk * D)), dh(static_cast<size_t>(Nk * D));
    st->mtp_ce[k - 1] = HeadLoss(F(mw.shared_head_head.weight), Mut(gm.shared_head_head.weight), m.normed.data(),
                                 m.targets, D, V, backward, scale, dnormed.data()) /
                        Nk;
    if (!backward) continue;
    kernels::RmsNormBackward(m.h_out.data(), F(mw.shared_head_norm), dnormed.data(), Nk, D, D, eps, dh.data(),
                             Mut(gm.shared_head_norm));
    if (k < static_cast<int>(mtp.size()))  // h^k also feeds module k+1
      for (int64_t i = 0; i < Nk * D; ++i) dh[i] += dprev[i];
    BlockBwd(c, mw.block, gm.block, rope, B, n, lw.balance_alpha, grad_scale, m.block, dh.data());
    Buffer<float> dcat(static_cast<size_t>(Nk * 2 * D));
    LinearBwd(F(mw.eh_proj.weight), m.cat.data(), dh.data(), Nk, 2 * D, D, dcat.data(), false, Mut(gm.eh_proj.weight));
    Buffer<float> den(static_cast<size_t>(Nk * D)), dhp(static_cast<size_t>(Nk * D));
    for (int64_t i = 0; i < Nk; ++i) {
      std::copy_n(&dcat[i * 2 * D], D, &den[i * D]);
      std::copy_n(&dcat[i * 2 * D + D], D, &dhp[i * D]);
    }
    kernels::RmsNormBackward(m.e.data(), F(mw.enorm), den.data(), Nk, D, D, eps, den.data(), Mut(gm.enorm));
    EmbedBwd(Mut(gm.embed_tokens), m.ids, D, den.data());
    kernels::RmsNormBackward(m.h_prev.data(), F(mw.hnorm), dhp.data(), Nk, D, D, eps, dhp.data(), Mut(gm.hnorm));
    // Scatter into the gradient of h^{k-1} (rows per sequence: T-k+1, or T for the main model).
    const int64_t prev_len = T - k + 1;
    Buffer<float> next(static_cast<size_t>(B * prev_len * D));
    std::fill(next.begin(), next.end(), 0.0f);
    for (int64_t b = 0; b < B; ++b) std::copy_n(&dhp[b * n * D], n * D, &next[b * prev_len * D]);
    dprev = std::move(next);
  }
  for (size_t k = 0; k < st->mtp_ce.size(); ++k) st->loss += lw.mtp_lambda / st->mtp_ce.size() * st->mtp_ce[k];
  st->loss += st->ce + st->balance;
  if (!backward) return Status::Ok();
  PhaseTimer pt(kBwdBlocks);

  if (!mtp.empty())
    for (int64_t i = 0; i < N * D; ++i) dhn[i] += dprev[i];
  Buffer<float> dh(static_cast<size_t>(N * D));
  kernels::RmsNormBackward(h.data(), F(w.norm), dhn.data(), N, D, D, eps, dh.data(), Mut(g.norm));
  // h was overwritten block by block; each block kept its own input.
  for (int64_t l = L - 1; l >= 0; --l)
    BlockBwd(c, w.layers[l], g.layers[l], rope, B, T, lw.balance_alpha, grad_scale, acts[l], dh.data());
  EmbedBwd(Mut(g.embed_tokens), inputs, D, dh.data());
  return Status::Ok();
}

void KeepFreedMemoryForReuse() {
#ifdef M_MMAP_THRESHOLD
  mallopt(M_MMAP_THRESHOLD, 1 << 30);  // blocks below 1 GiB come from the heap
  mallopt(M_TRIM_THRESHOLD, 1 << 30);  // and the heap is not trimmed back below 1 GiB free
#endif
}

}  // namespace minke::train
