#include "train/mla_grad.h"

#include <cstring>
#include <vector>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/ops_backward.h"
#include "train/layers.h"
#include "train/params.h"

namespace minke::train {
namespace {

// As model/mla.cc: the latent norms use the RMSNorm default eps.
constexpr float kLatentNormEps = 1e-6f;

const float* F(const TensorView& v) { return static_cast<const float*>(v.data); }

struct Dims {
  int64_t H, dn, dr, dv, dqk, R, Rq, D;
  explicit Dims(const model::ModelConfig& c)
      : H(c.num_attention_heads),
        dn(c.qk_nope_head_dim),
        dr(c.qk_rope_head_dim),
        dv(c.v_head_dim),
        dqk(c.qk_nope_head_dim + c.qk_rope_head_dim),
        R(c.kv_lora_rank),
        Rq(c.q_lora_rank),
        D(c.hidden_size) {}
};

// RoPE on rows of N = B*T tokens whose positions repeat 0..T-1: applies the
// [T]-row tables to each sequence in turn. `inverse` rotates backwards.
void RopeRows(float* x, int64_t B, int64_t T, int64_t n_vec, int64_t dim, int64_t stride_t, int64_t stride_h,
              const std::vector<float>& cos, const std::vector<float>& sin, bool inverse, bool interleaved) {
  std::vector<float> neg;
  const float* s = sin.data();
  if (inverse) {
    neg.resize(sin.size());
    for (size_t i = 0; i < sin.size(); ++i) neg[i] = -sin[i];
    s = neg.data();
  }
  for (int64_t b = 0; b < B; ++b)
    kernels::ApplyRope(x + b * T * stride_t, T, n_vec, dim, stride_t, stride_h, cos.data(), s, interleaved);
}

}  // namespace

void MlaTrainFwd(const model::ModelConfig& c, const model::MlaWeights& w, const model::Rope& rope, const float* x,
                 int64_t B, int64_t T, MlaActs* a, float* out) {
  const Dims d(c);
  const int64_t N = B * T, row = d.R + d.dr;
  std::vector<int64_t> positions(T);
  for (int64_t t = 0; t < T; ++t) positions[t] = t;
  model::RopeCosSin(rope, positions.data(), T, &a->cos, &a->sin);

  a->q.resize(static_cast<size_t>(N * d.H * d.dqk));
  if (d.Rq > 0) {
    a->cq.resize(static_cast<size_t>(N * d.Rq));
    a->cqn.resize(static_cast<size_t>(N * d.Rq));
    LinearFwd(F(w.q_a_proj.weight), x, N, d.D, d.Rq, a->cq.data());
    kernels::RmsNorm(a->cqn.data(), a->cq.data(), F(w.q_a_layernorm), N, d.Rq, kLatentNormEps);
    LinearFwd(F(w.q_b_proj.weight), a->cqn.data(), N, d.Rq, d.H * d.dqk, a->q.data());
  } else {
    LinearFwd(F(w.q_proj.weight), x, N, d.D, d.H * d.dqk, a->q.data());
  }
  RopeRows(a->q.data() + d.dn, B, T, d.H, d.dr, d.H * d.dqk, d.dqk, a->cos, a->sin, false, rope.interleaved);

  a->kva.resize(static_cast<size_t>(N * row));
  LinearFwd(F(w.kv_a_proj_with_mqa.weight), x, N, d.D, row, a->kva.data());
  a->ckv.resize(static_cast<size_t>(N * d.R));
  for (int64_t i = 0; i < N; ++i) std::memcpy(&a->ckv[i * d.R], &a->kva[i * row], d.R * sizeof(float));
  kernels::RmsNorm(a->ckv.data(), a->ckv.data(), F(w.kv_a_layernorm), N, d.R, kLatentNormEps);
  a->kv.resize(static_cast<size_t>(N * d.H * (d.dn + d.dv)));
  LinearFwd(F(w.kv_b_proj.weight), a->ckv.data(), N, d.R, d.H * (d.dn + d.dv), a->kv.data());

  // Keys: [k_nope; RoPE(k_pe)] per head, k_pe shared.
  std::vector<float> kpe(static_cast<size_t>(N * d.dr));
  for (int64_t i = 0; i < N; ++i) std::memcpy(&kpe[i * d.dr], &a->kva[i * row + d.R], d.dr * sizeof(float));
  RopeRows(kpe.data(), B, T, 1, d.dr, d.dr, 0, a->cos, a->sin, false, rope.interleaved);
  a->k.resize(static_cast<size_t>(N * d.H * d.dqk));
  for (int64_t i = 0; i < N; ++i)
    for (int64_t h = 0; h < d.H; ++h) {
      std::memcpy(&a->k[(i * d.H + h) * d.dqk], &a->kv[(i * d.H + h) * (d.dn + d.dv)], d.dn * sizeof(float));
      std::memcpy(&a->k[(i * d.H + h) * d.dqk + d.dn], &kpe[i * d.dr], d.dr * sizeof(float));
    }

  a->p.resize(static_cast<size_t>(B * d.H * T * T));
  a->o.resize(static_cast<size_t>(N * d.H * d.dv));
  std::vector<int64_t> valid(T);
  for (int64_t t = 0; t < T; ++t) valid[t] = t + 1;
#pragma omp parallel for schedule(dynamic)
  for (int64_t job = 0; job < B * d.H; ++job) {
    const int64_t b = job / d.H, h = job % d.H;
    float* p = &a->p[job * T * T];
    const int64_t qs = d.H * d.dqk, vs = d.H * (d.dn + d.dv);
    kernels::Sgemm(false, true, T, T, d.dqk, rope.softmax_scale, &a->q[b * T * qs + h * d.dqk], qs,
                   &a->k[b * T * qs + h * d.dqk], qs, 0.0f, p, T);
    kernels::SoftmaxRows(p, T, T, valid.data());
    kernels::Sgemm(false, false, T, d.dv, T, 1.0f, p, T, &a->kv[b * T * vs + h * (d.dn + d.dv) + d.dn], vs, 0.0f,
                   &a->o[b * T * d.H * d.dv + h * d.dv], d.H * d.dv);
  }
  LinearFwd(F(w.o_proj.weight), a->o.data(), N, d.H * d.dv, d.D, out);
}

void MlaTrainBwd(const model::ModelConfig& c, const model::MlaWeights& w, const model::MlaWeights& gw,
                 const model::Rope& rope, const float* x, int64_t B, int64_t T, const MlaActs& a, const float* dout,
                 float* dx) {
  const Dims d(c);
  const int64_t N = B * T, row = d.R + d.dr, qs = d.H * d.dqk, vs = d.H * (d.dn + d.dv);
  Buffer<float> d_o(static_cast<size_t>(N * d.H * d.dv));
  LinearBwd(F(w.o_proj.weight), a.o.data(), dout, N, d.H * d.dv, d.D, d_o.data(), false, Mut(gw.o_proj.weight));

  // Attention, per (sequence, head): each job writes its own slices.
  Buffer<float> dq(static_cast<size_t>(N * qs)), dk(static_cast<size_t>(N * qs)), dkv(static_cast<size_t>(N * vs));
  std::vector<int64_t> valid(T);
  for (int64_t t = 0; t < T; ++t) valid[t] = t + 1;
#pragma omp parallel
  {
    Buffer<float> dp(static_cast<size_t>(T * T));
#pragma omp for schedule(dynamic)
    for (int64_t job = 0; job < B * d.H; ++job) {
      const int64_t b = job / d.H, h = job % d.H;
      const float* p = &a.p[job * T * T];
      const float* g = &d_o[b * T * d.H * d.dv + h * d.dv];
      const float* v = &a.kv[b * T * vs + h * (d.dn + d.dv) + d.dn];
      // dP = dO v^T ; dv = P^T dO (into the v part of dkv).
      kernels::Sgemm(false, true, T, T, d.dv, 1.0f, g, d.H * d.dv, v, vs, 0.0f, dp.data(), T);
      kernels::Sgemm(true, false, T, d.dv, T, 1.0f, p, T, g, d.H * d.dv, 0.0f,
                     &dkv[b * T * vs + h * (d.dn + d.dv) + d.dn], vs);
      kernels::SoftmaxRowsBackward(p, dp.data(), T, T, valid.data());
      kernels::Sgemm(false, false, T, d.dqk, T, rope.softmax_scale, dp.data(), T, &a.k[b * T * qs + h * d.dqk], qs,
                     0.0f, &dq[b * T * qs + h * d.dqk], qs);
      kernels::Sgemm(true, false, T, d.dqk, T, rope.softmax_scale, dp.data(), T, &a.q[b * T * qs + h * d.dqk], qs, 0.0f,
                     &dk[b * T * qs + h * d.dqk], qs);
    }
  }

  // Keys: k_nope's gradient goes to kv, k_pe's (summed over heads) back through RoPE.
  Buffer<float> dkva(static_cast<size_t>(N * row));
#pragma omp parallel for
  for (int64_t i = 0; i < N; ++i) {
    float* r = &dkva[i * row + d.R];
    std::fill(r, r + d.dr, 0.0f);
    for (int64_t h = 0; h < d.H; ++h) {
      const float* src = &dk[(i * d.H + h) * d.dqk];
      std::memcpy(&dkv[i * vs + h * (d.dn + d.dv)], src, d.dn * sizeof(float));
      for (int64_t j = 0; j < d.dr; ++j) r[j] += src[d.dn + j];
    }
  }
  RopeRows(dkva.data() + d.R, B, T, 1, d.dr, row, 0, a.cos, a.sin, true, rope.interleaved);
  // c_kv = RMSNorm(kva[:R]); kv = c_kv W^UKV^T.
  Buffer<float> dckv(static_cast<size_t>(N * d.R));
  LinearBwd(F(w.kv_b_proj.weight), a.ckv.data(), dkv.data(), N, d.R, vs, dckv.data(), false, Mut(gw.kv_b_proj.weight));
  for (int64_t i = 0; i < N; ++i) std::memcpy(&dkva[i * row], &dckv[i * d.R], d.R * sizeof(float));
  kernels::RmsNormBackward(a.kva.data(), F(w.kv_a_layernorm), dkva.data(), N, d.R, row, kLatentNormEps, dkva.data(),
                           Mut(gw.kv_a_layernorm));
  LinearBwd(F(w.kv_a_proj_with_mqa.weight), x, dkva.data(), N, d.D, row, dx, false, Mut(gw.kv_a_proj_with_mqa.weight));

  // Queries.
  RopeRows(dq.data() + d.dn, B, T, d.H, d.dr, qs, d.dqk, a.cos, a.sin, true, rope.interleaved);
  if (d.Rq > 0) {
    Buffer<float> dcq(static_cast<size_t>(N * d.Rq));
    LinearBwd(F(w.q_b_proj.weight), a.cqn.data(), dq.data(), N, d.Rq, qs, dcq.data(), false, Mut(gw.q_b_proj.weight));
    kernels::RmsNormBackward(a.cq.data(), F(w.q_a_layernorm), dcq.data(), N, d.Rq, d.Rq, kLatentNormEps, dcq.data(),
                             Mut(gw.q_a_layernorm));
    LinearBwd(F(w.q_a_proj.weight), x, dcq.data(), N, d.D, d.Rq, dx, true, Mut(gw.q_a_proj.weight));
  } else {
    LinearBwd(F(w.q_proj.weight), x, dq.data(), N, d.D, qs, dx, true, Mut(gw.q_proj.weight));
  }
}

}  // namespace minke::train
