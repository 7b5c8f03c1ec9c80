// Element-wise and row-wise CPU ops of the transformer, on float32 rows.
// Shape legend: T = tokens (rows), D = row length. All buffers row-major.
// Each op is plain loops, parallel over rows with OpenMP; outputs may alias
// inputs where noted.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace minke::kernels {

// out[T, D] = x / sqrt(mean(x^2) + eps) * w  (RMSNorm, Zhang & Sennrich 2019).
// out may alias x.
void RmsNorm(float* out, const float* x, const float* w, int64_t T, int64_t D, float eps);

// In place on the first D values of T rows that are `stride` apart.
void RmsNormStrided(float* x, int64_t T, int64_t D, int64_t stride, const float* w, float eps);

// out[T, D] = silu(gate) * up, SwiGLU's gating (out may alias gate).
void SiluMul(float* out, const float* gate, const float* up, int64_t T, int64_t D);
// The same with gate/up rows `in_stride` apart (out rows are D apart).
void SiluMulStrided(float* out, const float* gate, const float* up, int64_t T, int64_t D, int64_t in_stride);

// x[i] = exp(scale * x[i] - m) for i < n, where m = scale * max(x) (scale > 0):
// a softmax's numerators, vectorised. Returns their sum; *max_out = m if given.
float ExpShiftedRow(float* x, int64_t n, float scale, float* max_out);

// In-place softmax of each row of x[T, D] over its first `valid[t]` entries
// (valid == nullptr: all D); entries past valid[t] are set to 0.
void SoftmaxRows(float* x, int64_t T, int64_t D, const int64_t* valid);

// Rotary embedding, in place, on `n_vec` vectors of length `dim` laid out
// x[t * stride_t + h * stride_h + (0..dim)] for t < T, h < n_vec.
// cos/sin: [T, dim/2]. interleaved: pairs (x[2i], x[2i+1]) (DeepSeek's
// layout); otherwise pairs (x[i], x[i + dim/2]) (rotate_half).
void ApplyRope(float* x, int64_t T, int64_t n_vec, int64_t dim, int64_t stride_t, int64_t stride_h, const float* cos,
               const float* sin, bool interleaved);

// Dequantizes a stored [rows, cols] weight into float32 dst[rows, cols].
// For F8_E4M3, block_scale_inv is [ceil(rows/br), ceil(cols/bc)] and
// W[r][c] = fp8[r][c] * block_scale_inv[r/br][c/bc] (DeepSeek-V3 §3.3.2);
// it is ignored for other types. Q8_0/Q4_0 rows are GGML blocks (cols % 32 == 0).
void DequantizeRows(DType dtype, const void* src, const float* block_scale_inv, int64_t rows, int64_t cols, int64_t br,
                    int64_t bc, float* dst);

}  // namespace minke::kernels
