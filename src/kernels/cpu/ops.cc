#include "kernels/cpu/ops.h"

#include <cmath>
#include <cstring>

#include "kernels/cpu/quant.h"

namespace minke::kernels {

namespace {

void RmsNormRows(float* out, const float* x, const float* w, int64_t T, int64_t D, int64_t stride, float eps) {
#pragma omp parallel for if (T * D > 32768)
  for (int64_t t = 0; t < T; ++t) {
    const float* xr = x + t * stride;
    float* o = out + t * stride;
    double ss = 0.0;
    for (int64_t i = 0; i < D; ++i) ss += static_cast<double>(xr[i]) * xr[i];
    float r = 1.0f / std::sqrt(static_cast<float>(ss / D) + eps);
    for (int64_t i = 0; i < D; ++i) o[i] = xr[i] * r * w[i];
  }
}

}  // namespace

void RmsNorm(float* out, const float* x, const float* w, int64_t T, int64_t D, float eps) {
  RmsNormRows(out, x, w, T, D, D, eps);
}

void RmsNormStrided(float* x, int64_t T, int64_t D, int64_t stride, const float* w, float eps) {
  RmsNormRows(x, x, w, T, D, stride, eps);
}

void SiluMul(float* out, const float* gate, const float* up, int64_t T, int64_t D) {
  int64_t n = T * D;
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void SiluMulStrided(float* out, const float* gate, const float* up, int64_t T, int64_t D, int64_t in_stride) {
#pragma omp parallel for if (T * D > 65536)
  for (int64_t t = 0; t < T; ++t) SiluMul(out + t * D, gate + t * in_stride, up + t * in_stride, 1, D);
}

void SoftmaxRows(float* x, int64_t T, int64_t D, const int64_t* valid) {
#pragma omp parallel for if (T * D > 32768)
  for (int64_t t = 0; t < T; ++t) {
    float* r = x + t * D;
    int64_t n = valid ? valid[t] : D;
    float m = -INFINITY;
    for (int64_t i = 0; i < n; ++i) m = std::fmax(m, r[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      r[i] = std::exp(r[i] - m);
      sum += r[i];
    }
    float inv = static_cast<float>(1.0 / sum);
    for (int64_t i = 0; i < n; ++i) r[i] *= inv;
    for (int64_t i = n; i < D; ++i) r[i] = 0.0f;
  }
}

void ApplyRope(float* x, int64_t T, int64_t n_vec, int64_t dim, int64_t stride_t, int64_t stride_h, const float* cos,
               const float* sin, bool interleaved) {
  int64_t half = dim / 2;
#pragma omp parallel for if (T * n_vec * dim > 65536)
  for (int64_t t = 0; t < T; ++t) {
    const float* c = cos + t * half;
    const float* s = sin + t * half;
    for (int64_t h = 0; h < n_vec; ++h) {
      float* v = x + t * stride_t + h * stride_h;
      for (int64_t i = 0; i < half; ++i) {
        float* a = interleaved ? &v[2 * i] : &v[i];
        float* b = interleaved ? &v[2 * i + 1] : &v[i + half];
        float x0 = *a, x1 = *b;
        *a = x0 * c[i] - x1 * s[i];
        *b = x0 * s[i] + x1 * c[i];
      }
    }
  }
}

void DequantizeRows(DType dtype, const void* src, const float* block_scale_inv, int64_t rows, int64_t cols, int64_t br,
                    int64_t bc, float* dst) {
  const size_t row_bytes = DTypeBytes(dtype, cols);
  int64_t n_col_blocks = (cols + bc - 1) / bc;
#pragma omp parallel for if (rows * cols > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    const auto* row = static_cast<const uint8_t*>(src) + static_cast<size_t>(r) * row_bytes;
    float* o = dst + r * cols;
    if (dtype == DType::Q8_0 || dtype == DType::Q4_0) {
      DequantizeRowQ(dtype == DType::Q8_0 ? QuantType::kQ8_0 : QuantType::kQ4_0, row, cols, o);
      continue;
    }
    ConvertToF32(dtype, row, o, static_cast<size_t>(cols));
    if (dtype == DType::F8_E4M3) {
      const float* s = block_scale_inv + (r / br) * n_col_blocks;
      for (int64_t c = 0; c < cols; ++c) o[c] *= s[c / bc];
    }
  }
}

}  // namespace minke::kernels
