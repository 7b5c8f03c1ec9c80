// Forward and backward of the small pieces every block is made of, side by
// side (llm.c style): Linear, RMSNorm, the SwiGLU MLP. Weights are float32
// views into a ParamSet; gradients of parameters accumulate (+=) into the
// matching views of ParamSet::grads(), gradients of inputs are overwritten
// unless noted.
//
// Precision: every GEMM input goes through a GemmQuantizer first. In FP32
// mode it is a plain copy-free pass; in BF16 and FP8 modes it rounds the
// operands as a BF16 / FP8 GEMM would see them (DeepSeek-V3 §3.3: E4M3 with
// 1x128 tiles for activations and 128x128 blocks for weights), with fp32
// accumulation — an emulation that shows the effect on the loss.
#pragma once

#include <cstdint>
#include <vector>

#include "core/buffer.h"
#include "model/weights.h"

namespace minke::train {

enum class Precision { kF32, kBF16, kFP8 };

// The precision GEMM inputs are rounded to; set once per run.
void SetGemmPrecision(Precision p);
Precision GemmPrecision();

// y[N, out] = x[N, in] W[out, in]^T.
void LinearFwd(const float* W, const float* x, int64_t N, int64_t in, int64_t out, float* y);
// dx[N, in] = dy W (accumulate into dx when accumulate_dx); dW += dy^T x.
// dx may be nullptr (input needs no gradient).
void LinearBwd(const float* W, const float* x, const float* dy, int64_t N, int64_t in, int64_t out, float* dx,
               bool accumulate_dx, float* dW);

// SwiGLU MLP: y = down(silu(gate x) * up x); keeps what backward needs.
struct MlpActs {
  Buffer<float> gu;  // [m, 2I] gate pre-activations in [:, :I], up in [:, I:]
  Buffer<float> a;   // [m, I] silu(g) * u
};
void MlpFwd(const model::MlpWeights& w, const float* x, int64_t m, MlpActs* acts, float* y);
// dx [m, D] overwritten; parameter gradients into gw.
void MlpBwd(const model::MlpWeights& w, const model::MlpWeights& gw, const float* x, int64_t m, const MlpActs& acts,
            const float* dy, float* dx);

}  // namespace minke::train
