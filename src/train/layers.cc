#include "train/layers.h"

#include <algorithm>
#include <cmath>

#include "core/dtype.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/ops_backward.h"
#include "train/params.h"

namespace minke::train {
namespace {

Precision g_precision = Precision::kF32;

// FP8 E4M3 fake-quantization of a [rows, cols] matrix in tiles of
// tile_r x tile_c: scale = amax / 448 per tile, x -> fp8(x / scale) * scale.
void Fp8RoundTiles(float* x, int64_t rows, int64_t cols, int64_t tile_r, int64_t tile_c) {
  const int64_t nr = (rows + tile_r - 1) / tile_r, nc = (cols + tile_c - 1) / tile_c;
#pragma omp parallel for if (rows * cols > 65536)
  for (int64_t job = 0; job < nr * nc; ++job) {
    const int64_t r0 = (job / nc) * tile_r, c0 = (job % nc) * tile_c;
    const int64_t r1 = std::min(rows, r0 + tile_r), c1 = std::min(cols, c0 + tile_c);
    float amax = 0.0f;
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t c = c0; c < c1; ++c) amax = std::fmax(amax, std::fabs(x[r * cols + c]));
    if (amax == 0.0f) continue;
    const float s = amax / 448.0f;
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t c = c0; c < c1; ++c) x[r * cols + c] = Fp8E4M3ToF32(F32ToFp8E4M3(x[r * cols + c] / s)) * s;
  }
}

// A GEMM operand as the chosen precision sees it: `src` itself in FP32 mode,
// else a rounded copy in *tmp. Activations tile 1x128 along K, weights 128x128.
const float* Round(const float* src, int64_t rows, int64_t cols, bool is_weight, std::vector<float>* tmp) {
  if (g_precision == Precision::kF32) return src;
  tmp->assign(src, src + rows * cols);
  if (g_precision == Precision::kBF16) {
    for (float& v : *tmp) v = Bf16ToF32(F32ToBf16(v));
  } else {
    Fp8RoundTiles(tmp->data(), rows, cols, is_weight ? 128 : 1, 128);
  }
  return tmp->data();
}

}  // namespace

void SetGemmPrecision(Precision p) { g_precision = p; }
Precision GemmPrecision() { return g_precision; }

void LinearFwd(const float* W, const float* x, int64_t N, int64_t in, int64_t out, float* y) {
  std::vector<float> tw, tx;
  const float* w = Round(W, out, in, true, &tw);
  const float* xx = Round(x, N, in, false, &tx);
  kernels::MatmulNT(xx, w, y, N, out, in);
}

void LinearBwd(const float* W, const float* x, const float* dy, int64_t N, int64_t in, int64_t out, float* dx,
               bool accumulate_dx, float* dW) {
  // V3 §3.3.1 runs Dgrad and Wgrad in FP8 too; the output gradient is
  // quantized like an activation (1x128 tiles along the reduced dimension
  // of each GEMM; here along `out` for Dgrad, an approximation for Wgrad).
  std::vector<float> tw, tx, tdy;
  const float* w = Round(W, out, in, true, &tw);
  const float* xx = Round(x, N, in, false, &tx);
  const float* g = Round(dy, N, out, false, &tdy);
  if (dx) kernels::Sgemm(false, false, N, in, out, 1.0f, g, out, w, in, accumulate_dx ? 1.0f : 0.0f, dx, in);
  kernels::Sgemm(true, false, out, in, N, 1.0f, g, out, xx, in, 1.0f, dW, in);
}

// gate_proj and up_proj sit next to each other in a ParamSet ([I, D] each,
// in layout order), so together they are one [2I, D] matrix and one GEMM
// gives [g | u] per row: half the GEMM calls, and wider ones, for the small
// per-expert MLPs. FP8 rounds weights in 128x128 tiles, so the fused matrix
// is only used when no tile straddles the two.
static bool GateUpAdjacent(const model::MlpWeights& w, int64_t I, int64_t D) {
  const float* g = static_cast<const float*>(w.gate_proj.weight.data);
  const float* u = static_cast<const float*>(w.up_proj.weight.data);
  return u == g + I * D && (g_precision != Precision::kFP8 || I % 128 == 0);
}

void MlpFwd(const model::MlpWeights& w, const float* x, int64_t m, MlpActs* acts, float* y) {
  const int64_t I = w.gate_proj.out(), D = w.gate_proj.in();
  acts->gu.resize(static_cast<size_t>(m * 2 * I));
  acts->a.resize(static_cast<size_t>(m * I));
  float* gu = acts->gu.data();
  if (GateUpAdjacent(w, I, D)) {
    LinearFwd(static_cast<const float*>(w.gate_proj.weight.data), x, m, D, 2 * I, gu);
  } else {
    std::vector<float> g(static_cast<size_t>(m * I)), u(static_cast<size_t>(m * I));
    LinearFwd(static_cast<const float*>(w.gate_proj.weight.data), x, m, D, I, g.data());
    LinearFwd(static_cast<const float*>(w.up_proj.weight.data), x, m, D, I, u.data());
    for (int64_t r = 0; r < m; ++r) {
      std::copy_n(&g[r * I], I, gu + r * 2 * I);
      std::copy_n(&u[r * I], I, gu + r * 2 * I + I);
    }
  }
  kernels::SiluMulStrided(acts->a.data(), gu, gu + I, m, I, 2 * I);
  LinearFwd(static_cast<const float*>(w.down_proj.weight.data), acts->a.data(), m, I, D, y);
}

void MlpBwd(const model::MlpWeights& w, const model::MlpWeights& gw, const float* x, int64_t m, const MlpActs& acts,
            const float* dy, float* dx) {
  const int64_t I = w.gate_proj.out(), D = w.gate_proj.in();
  Buffer<float> da(static_cast<size_t>(m * I)), dgu(static_cast<size_t>(m * 2 * I));
  LinearBwd(static_cast<const float*>(w.down_proj.weight.data), acts.a.data(), dy, m, I, D, da.data(), false,
            Mut(gw.down_proj.weight));
  const float* gu = acts.gu.data();
  kernels::SiluMulBackward(gu, gu + I, da.data(), m, I, 2 * I, dgu.data(), dgu.data() + I);
  if (GateUpAdjacent(w, I, D) && GateUpAdjacent(gw, I, D)) {
    LinearBwd(static_cast<const float*>(w.gate_proj.weight.data), x, dgu.data(), m, D, 2 * I, dx, false,
              Mut(gw.gate_proj.weight));
    return;
  }
  std::vector<float> dg(static_cast<size_t>(m * I)), du(static_cast<size_t>(m * I));
  for (int64_t r = 0; r < m; ++r) {
    std::copy_n(&dgu[r * 2 * I], I, &dg[r * I]);
    std::copy_n(&dgu[r * 2 * I + I], I, &du[r * I]);
  }
  LinearBwd(static_cast<const float*>(w.gate_proj.weight.data), x, dg.data(), m, D, I, dx, false,
            Mut(gw.gate_proj.weight));
  LinearBwd(static_cast<const float*>(w.up_proj.weight.data), x, du.data(), m, D, I, dx, true, Mut(gw.up_proj.weight));
}

}  // namespace minke::train
