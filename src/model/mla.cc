#include "model/mla.h"

#include <omp.h>

#include <algorithm>
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

// Absorbed form, run by each thread of a parallel region for its block of
// heads [h0, h1) of one segment: attends over the latent cache directly.
// W^UK_h = kv_b rows [h*(dn+dv), +dn), W^UV_h = rows [h*(dn+dv)+dn, +dv).
// Every head reads the same cache rows (V2 §2.1.2: MLA's cache acts like one
// shared key/value), so the block's scores and latent outputs are one GEMM
// each over rows (h, i) rather than a GEMV per head.
void AttendAbsorbedHeads(const Dims& d, const Rope& rope, const AttnSegment& s, const float* q, const UkvWeight& w,
                         int64_t h0, int64_t h1, float* o) {
  const int64_t keys = s.start + s.n, row = d.R + d.dr, rows = (h1 - h0) * s.n;
  if (rows == 0) return;
  Buffer<float> q_lat(static_cast<size_t>(rows * row)), p(static_cast<size_t>(rows * keys)),
      o_lat(static_cast<size_t>(rows * d.R)), o_h(static_cast<size_t>(s.n * d.dv));
  std::vector<int64_t> valid(static_cast<size_t>(rows));
  // q_lat[(h, i)] = [q_nope W^UK_h ; q_pe], matching cache rows [c_kv; k_pe].
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t h = h0 + r / s.n, i = r % s.n;
    const float* qi = q + i * d.H * d.dqk + h * d.dqk;
    kernels::CombineRows(w.dtype, w.data + h * (d.dn + d.dv) * d.R * w.elem, qi, d.dn, d.R, &q_lat[r * row]);
    std::memcpy(&q_lat[r * row + d.R], qi + d.dn, d.dr * sizeof(float));
    valid[r] = s.start + i + 1;
  }
  kernels::Sgemm(false, true, rows, keys, row, rope.softmax_scale, q_lat.data(), row, s.cache, row, 0.0f, p.data(),
                 keys);
  kernels::SoftmaxRows(p.data(), rows, keys, valid.data());
  kernels::Sgemm(false, false, rows, d.R, keys, 1.0f, p.data(), keys, s.cache, row, 0.0f, o_lat.data(), d.R);
  // o[i, h] = o_lat[(h, i)] W^UV_h^T
  for (int64_t h = h0; h < h1; ++h) {
    const uint8_t* w_uv = w.data + (h * (d.dn + d.dv) + d.dn) * d.R * w.elem;
    kernels::MatmulDirect(w.dtype, &o_lat[(h - h0) * s.n * d.R], w_uv, o_h.data(), s.n, d.dv, d.R);
    for (int64_t i = 0; i < s.n; ++i) std::memcpy(o + i * d.H * d.dv + h * d.dv, &o_h[i * d.dv], d.dv * sizeof(float));
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

  // Queries [T, H, dqk], with RoPE on each head's last dr dims.
  Buffer<float> q(static_cast<size_t>(T * d.H * d.dqk));
  if (c.q_lora_rank > 0) {
    Buffer<float> cq(static_cast<size_t>(T * c.q_lora_rank));
    LinearForward(w.q_a_proj, x, T, cq.data());
    RmsNormForward(w.q_a_layernorm, cq.data(), T, c.q_lora_rank, kLatentNormEps, cq.data());
    LinearForward(w.q_b_proj, cq.data(), T, q.data());
  } else {
    LinearForward(w.q_proj, x, T, q.data());
  }
  kernels::ApplyRope(q.data() + d.dn, T, d.H, d.dr, d.H * d.dqk, d.dqk, cos.data(), sin.data(), rope.interleaved);

  // [c_kv; k_pe] rows: normalise the latent, rotate the key, append to each cache.
  Buffer<float> kv_a(static_cast<size_t>(T * row));
  LinearForward(w.kv_a_proj_with_mqa, x, T, kv_a.data());
  kernels::ApplyRope(kv_a.data() + d.R, T, 1, d.dr, row, 0, cos.data(), sin.data(), rope.interleaved);
  std::vector<float> kv_norm = ToF32(w.kv_a_layernorm);
  kernels::RmsNormStrided(kv_a.data(), T, d.R, row, kv_norm.data(), static_cast<float>(kLatentNormEps));
  for (const AttnSegment& s : segments)
    std::memcpy(s.cache + s.start * row, &kv_a[s.row0 * row], s.n * row * sizeof(float));

  bool any_absorbed = false;
  for (const AttnSegment& s : segments) any_absorbed |= s.form == MlaForm::kAbsorbed;
  const UkvWeight w_ukv = any_absorbed ? AbsorbedWeight(w.kv_b_proj) : UkvWeight{};

  Buffer<float> o(static_cast<size_t>(T * d.H * d.dv));
  // Absorbed segments (decode, the server's batch) in one parallel region:
  // each thread takes the same block of heads of every segment, so the work
  // splits evenly and no thread waits while another runs a small GEMM.
  if (any_absorbed) {
#pragma omp parallel
    {
      const int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
      for (const AttnSegment& s : segments)
        if (s.form == MlaForm::kAbsorbed && s.n > 0)
          AttendAbsorbedHeads(d, rope, s, q.data() + s.row0 * d.H * d.dqk, w_ukv, d.H * t / nt, d.H * (t + 1) / nt,
                              o.data() + s.row0 * d.H * d.dv);
    }
  }
  for (const AttnSegment& s : segments)
    if (s.form == MlaForm::kExpanded && s.n > 0)
      AttendExpanded(d, w, rope, s, q.data() + s.row0 * d.H * d.dqk, o.data() + s.row0 * d.H * d.dv);
  LinearForward(w.o_proj, o.data(), T, out);
}

}  // namespace minke::model
