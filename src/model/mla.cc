#include "model/mla.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/buffer.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/matmul_direct.h"
#include "kernels/cpu/ops.h"
#include "model/linear.h"

namespace minke::model {
namespace {

// DeepSeek's modeling code builds q_a_layernorm and kv_a_layernorm with the
// RMSNorm default eps, not config.rms_norm_eps.
constexpr double kLatentNormEps = 1e-6;

struct Dims {
  int64_t H, dn, dr, dv, dqk, R;
  explicit Dims(const ModelConfig& c)
      : H(c.num_attention_heads),
        dn(c.qk_nope_head_dim),
        dr(c.qk_rope_head_dim),
        dv(c.v_head_dim),
        dqk(c.qk_nope_head_dim + c.qk_rope_head_dim),
        R(c.kv_lora_rank) {}
};

// Expanded form for one segment: queries q [n, H, dqk] (row stride H*dqk),
// keys/values up-projected from the cache rows [0, start + n).
void AttendExpanded(const Dims& d, const MlaWeights& w, const Rope& rope, const AttnSegment& s, const float* q,
                    float* o) {
  const int64_t keys = s.start + s.n, row = d.R + d.dr;
  Buffer<float> c_kv(static_cast<size_t>(keys * d.R));
  for (int64_t j = 0; j < keys; ++j) std::memcpy(&c_kv[j * d.R], s.cache + j * row, d.R * sizeof(float));
  Buffer<float> kv(static_cast<size_t>(keys * d.H * (d.dn + d.dv)));  // per head [k_nope; v]
  LinearForward(w.kv_b_proj, c_kv.data(), keys, kv.data());
  Buffer<float> k(static_cast<size_t>(keys * d.H * d.dqk));  // per head [k_nope; k_pe]
  for (int64_t j = 0; j < keys; ++j)
    for (int64_t h = 0; h < d.H; ++h) {
      std::memcpy(&k[(j * d.H + h) * d.dqk], &kv[(j * d.H + h) * (d.dn + d.dv)], d.dn * sizeof(float));
      std::memcpy(&k[(j * d.H + h) * d.dqk + d.dn], s.cache + j * row + d.R, d.dr * sizeof(float));
    }
  // Per (head, block of queries): a block needs keys only up to its last row.
  constexpr int64_t kBlock = 256;
  const int64_t n_blocks = (s.n + kBlock - 1) / kBlock;
#pragma omp parallel
  {
    Buffer<float> p(static_cast<size_t>(std::min(kBlock, s.n) * keys));
    std::vector<int64_t> valid(kBlock);
#pragma omp for schedule(dynamic)
    for (int64_t job = 0; job < d.H * n_blocks; ++job) {
      const int64_t h = job % d.H, i0 = (job / d.H) * kBlock, rows = std::min(kBlock, s.n - i0);
      const int64_t nk = s.start + i0 + rows;
      for (int64_t r = 0; r < rows; ++r) valid[r] = s.start + i0 + r + 1;
      kernels::Sgemm(false, true, rows, nk, d.dqk, rope.softmax_scale, q + i0 * d.H * d.dqk + h * d.dqk, d.H * d.dqk,
                     k.data() + h * d.dqk, d.H * d.dqk, 0.0f, p.data(), nk);
      kernels::SoftmaxRows(p.data(), rows, nk, valid.data());
      kernels::Sgemm(false, false, rows, d.dv, nk, 1.0f, p.data(), nk, kv.data() + h * (d.dn + d.dv) + d.dn,
                     d.H * (d.dn + d.dv), 0.0f, o + i0 * d.H * d.dv + h * d.dv, d.H * d.dv);
    }
  }
}

// W^UKV = kv_b_proj's weight [H*(dn+dv), R] as the absorbed form reads it:
// in its stored precision when a kernel reads that directly (F32, BF16, F16:
// decode then moves 2 bytes per weight, not a float32 copy made per step),
// else dequantized once per call.
struct UkvWeight {
  DType dtype = DType::F32;
  const uint8_t* data = nullptr;
  size_t elem = 4;
  std::vector<float> f32;  // the dequantized copy, if any
};

UkvWeight AbsorbedWeight(const Linear& kv_b) {
  UkvWeight u;
  const DType dt = kv_b.weight.dtype;
  if (dt == DType::F32 || dt == DType::BF16 || dt == DType::F16) {
    u.dtype = dt;
    u.data = static_cast<const uint8_t*>(kv_b.weight.data);
    u.elem = DTypeBytes(dt, 1);
  } else {
    u.f32 = DequantizeLinear(kv_b);
    u.data = reinterpret_cast<const uint8_t*>(u.f32.data());
  }
  return u;
}

// Absorbed form for every absorbed segment (decode, the server's batch), run
// by all threads of one parallel region in three phases. Every head attends
// over the same latent cache rows (V2 §2.1.2), so the keys are split between
// the threads as in flash-decoding: each cache row is read by one thread.
//  1. heads split: q_lat[(i, h)] = [q_nope W^UK_h ; q_pe], matching the cache
//     rows [c_kv; k_pe]; W^UK_h = kv_b rows [h*(dn+dv), +dn).
//  2. keys split: each thread scores its rows for every query (i, h) and keeps
//     an unnormalised softmax: max m, sum l, o = sum_j p_j c_kv_j.
//  3. heads split: merge the partials into o_lat; o[i, h] = o_lat W^UV_h^T,
//     W^UV_h = kv_b rows [h*(dn+dv)+dn, +dv).
struct AbsorbedScratch {
  Buffer<float> q_lat;  // [(i, h), R + dr]
  Buffer<float> m, l;   // [thread, (i, h)]
  Buffer<float> o;      // [thread, (i, h), R]
};

void AbsorbedQuery(const Dims& d, const AttnSegment& s, const float* q, const UkvWeight& w, int64_t h0, int64_t h1,
                   float* q_lat) {
  const int64_t row = d.R + d.dr;
  for (int64_t i = 0; i < s.n; ++i)
    for (int64_t h = h0; h < h1; ++h) {
      const float* qi = q + i * d.H * d.dqk + h * d.dqk;
      float* ql = q_lat + (i * d.H + h) * row;
      kernels::CombineRows(w.dtype, w.data + h * (d.dn + d.dv) * d.R * w.elem, qi, d.dn, d.R, ql);
      std::memcpy(ql + d.R, qi + d.dn, d.dr * sizeof(float));
    }
}

// Thread t's partial over cache rows [k0, k1): m, l [rows], o [rows, R].
void AbsorbedPartial(const Dims& d, const Rope& rope, const AttnSegment& s, const float* q_lat, int64_t k0, int64_t k1,
                     float* m, float* l, float* o) {
  const int64_t row = d.R + d.dr, rows = s.n * d.H, nk = k1 - k0;
  if (nk <= 0) {
    std::fill(m, m + rows, -INFINITY);
    std::fill(l, l + rows, 0.0f);
    std::fill(o, o + rows * d.R, 0.0f);
    return;
  }
  Buffer<float> p(static_cast<size_t>(rows * nk));
  const float* c = s.cache + k0 * row;
  kernels::MatmulDirect(DType::F32, q_lat, c, p.data(), rows, nk, row);
  for (int64_t r = 0; r < rows; ++r) {
    float* pr = &p[r * nk];
    const int64_t valid = std::clamp<int64_t>(s.start + r / d.H + 1 - k0, 0, nk);  // causal
    l[r] = kernels::ExpShiftedRow(pr, valid, rope.softmax_scale, &m[r]);
    std::fill(pr + valid, pr + nk, 0.0f);
  }
  kernels::Sgemm(false, false, rows, d.R, nk, 1.0f, p.data(), nk, c, row, 0.0f, o, d.R);
}

// Merges the nt partials of heads [h0, h1) and applies W^UV.
void AbsorbedOutput(const Dims& d, const AttnSegment& s, const AbsorbedScratch& a, int64_t nt, const UkvWeight& w,
                    int64_t h0, int64_t h1, float* out) {
  const int64_t rows = s.n * d.H;
  Buffer<float> o_lat(static_cast<size_t>(s.n * d.R)), o_h(static_cast<size_t>(s.n * d.dv));
  for (int64_t h = h0; h < h1; ++h) {
    for (int64_t i = 0; i < s.n; ++i) {
      const int64_t r = i * d.H + h;
      float mx = -INFINITY, sum = 0;
      for (int64_t t = 0; t < nt; ++t) mx = std::max(mx, a.m[t * rows + r]);
      for (int64_t t = 0; t < nt; ++t) sum += a.l[t * rows + r] * std::exp(a.m[t * rows + r] - mx);
      float* ol = &o_lat[i * d.R];
      std::fill(ol, ol + d.R, 0.0f);
      for (int64_t t = 0; t < nt; ++t) {
        if (a.l[t * rows + r] == 0.0f) continue;
        const float wt = std::exp(a.m[t * rows + r] - mx) / sum;
        const float* ot = &a.o[(t * rows + r) * d.R];
        for (int64_t k = 0; k < d.R; ++k) ol[k] += wt * ot[k];
      }
    }
    const uint8_t* w_uv = w.data + (h * (d.dn + d.dv) + d.dn) * d.R * w.elem;
    kernels::MatmulDirect(w.dtype, o_lat.data(), w_uv, o_h.data(), s.n, d.dv, d.R);
    for (int64_t i = 0; i < s.n; ++i)
      std::memcpy(out + i * d.H * d.dv + h * d.dv, &o_h[i * d.dv], d.dv * sizeof(float));
  }
}

void AttendAbsorbed(const Dims& d, const Rope& rope, const std::vector<AttnSegment>& segments, const float* q,
                    const UkvWeight& w, float* o) {
  const int64_t row = d.R + d.dr, max_threads = omp_get_max_threads();
  std::vector<AbsorbedScratch> scratch(segments.size());
  for (size_t k = 0; k < segments.size(); ++k) {
    const int64_t rows = segments[k].n * d.H;
    if (segments[k].form != MlaForm::kAbsorbed || rows == 0) continue;
    scratch[k].q_lat = Buffer<float>(static_cast<size_t>(rows * row));
    scratch[k].m = Buffer<float>(static_cast<size_t>(max_threads * rows));
    scratch[k].l = Buffer<float>(static_cast<size_t>(max_threads * rows));
    scratch[k].o = Buffer<float>(static_cast<size_t>(max_threads * rows * d.R));
  }
  auto absorbed = [&](size_t k) { return segments[k].form == MlaForm::kAbsorbed && segments[k].n > 0; };
#pragma omp parallel
  {
    const int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t h0 = d.H * t / nt, h1 = d.H * (t + 1) / nt;
    for (size_t k = 0; k < segments.size(); ++k)
      if (absorbed(k))
        AbsorbedQuery(d, segments[k], q + segments[k].row0 * d.H * d.dqk, w, h0, h1, scratch[k].q_lat.data());
#pragma omp barrier
    for (size_t k = 0; k < segments.size(); ++k) {
      if (!absorbed(k)) continue;
      const AttnSegment& s = segments[k];
      const int64_t keys = s.start + s.n, rows = s.n * d.H;
      AbsorbedScratch& a = scratch[k];
      AbsorbedPartial(d, rope, s, a.q_lat.data(), keys * t / nt, keys * (t + 1) / nt, &a.m[t * rows], &a.l[t * rows],
                      &a.o[t * rows * d.R]);
    }
#pragma omp barrier
    for (size_t k = 0; k < segments.size(); ++k)
      if (absorbed(k)) AbsorbedOutput(d, segments[k], scratch[k], nt, w, h0, h1, o + segments[k].row0 * d.H * d.dv);
  }
}

}  // namespace

void MlaForward(const ModelConfig& c, const MlaWeights& w, const Rope& rope, const float* x, int64_t T,
                const std::vector<AttnSegment>& segments, float* out) {
  const Dims d(c);
  const int64_t row = d.R + d.dr;
  std::vector<int64_t> positions(T);
  for (const AttnSegment& s : segments)
    for (int64_t i = 0; i < s.n; ++i) positions[s.row0 + i] = s.start + i;
  std::vector<float> cos, sin;
  RopeCosSin(rope, positions.data(), T, &cos, &sin);

  // Both projections of x in one call (decode: one parallel region): the
  // query's down-projection (or whole projection) and [c_kv; k_pe].
  const bool q_lora = c.q_lora_rank > 0;
  Buffer<float> q(static_cast<size_t>(T * d.H * d.dqk)), kv_a(static_cast<size_t>(T * row)),
      cq(static_cast<size_t>(q_lora ? T * c.q_lora_rank : 0));
  LinearForwardMany({{q_lora ? &w.q_a_proj : &w.q_proj, x, T, q_lora ? cq.data() : q.data()},
                     {&w.kv_a_proj_with_mqa, x, T, kv_a.data()}});
  // Queries [T, H, dqk], with RoPE on each head's last dr dims.
  if (q_lora) {
    RmsNormForward(w.q_a_layernorm, cq.data(), T, c.q_lora_rank, kLatentNormEps, cq.data());
    LinearForward(w.q_b_proj, cq.data(), T, q.data());
  }
  kernels::ApplyRope(q.data() + d.dn, T, d.H, d.dr, d.H * d.dqk, d.dqk, cos.data(), sin.data(), rope.interleaved);

  // [c_kv; k_pe] rows: normalise the latent, rotate the key, append to each cache.
  kernels::ApplyRope(kv_a.data() + d.R, T, 1, d.dr, row, 0, cos.data(), sin.data(), rope.interleaved);
  std::vector<float> scratch;
  kernels::RmsNormStrided(kv_a.data(), T, d.R, row, AsF32(w.kv_a_layernorm, &scratch),
                          static_cast<float>(kLatentNormEps));
  for (const AttnSegment& s : segments)
    std::memcpy(s.cache + s.start * row, &kv_a[s.row0 * row], s.n * row * sizeof(float));

  bool any_absorbed = false;
  for (const AttnSegment& s : segments) any_absorbed |= s.form == MlaForm::kAbsorbed;
  const UkvWeight w_ukv = any_absorbed ? AbsorbedWeight(w.kv_b_proj) : UkvWeight{};

  Buffer<float> o(static_cast<size_t>(T * d.H * d.dv));
  if (any_absorbed) AttendAbsorbed(d, rope, segments, q.data(), w_ukv, o.data());
  for (const AttnSegment& s : segments)
    if (s.form == MlaForm::kExpanded && s.n > 0)
      AttendExpanded(d, w, rope, s, q.data() + s.row0 * d.H * d.dqk, o.data() + s.row0 * d.H * d.dv);
  LinearForward(w.o_proj, o.data(), T, out);
}

}  // namespace minke::model
