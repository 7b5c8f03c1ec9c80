#include "kernels/cpu/ops.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/cpu/quant.h"

namespace minke::kernels {

namespace {

#if defined(__AVX2__) && defined(__FMA__)
// e^x for 8 floats, Cephes' expf: x = n ln2 + r with |r| <= ln2 / 2, e^r by a
// degree-6 polynomial, 2^n into the exponent bits. Within 2 ulp of std::exp
// for normal results; 0 below ln(FLT_MIN) (where std::exp goes denormal),
// +inf above ln(FLT_MAX).
inline __m256 Exp8(__m256 x) {
  const __m256 lo_cut = _mm256_cmp_ps(x, _mm256_set1_ps(-87.33654f), _CMP_LT_OQ);
  const __m256 hi_cut = _mm256_cmp_ps(x, _mm256_set1_ps(88.72283f), _CMP_GT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.33654f)), _mm256_set1_ps(88.72283f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);  // ln2 split in two for an exact product
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // 2^n, split as 2^(n - n/2) * 2^(n/2) so n = 128 (x near ln(FLT_MAX)) stays finite.
  const __m256i ni = _mm256_cvtps_epi32(n), half = _mm256_srai_epi32(ni, 1);
  const auto pow2 = [](__m256i k) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
  };
  p = _mm256_mul_ps(_mm256_mul_ps(p, pow2(half)), pow2(_mm256_sub_epi32(ni, half)));
  p = _mm256_andnot_ps(lo_cut, p);
  return _mm256_blendv_ps(p, _mm256_set1_ps(INFINITY), hi_cut);
}
#endif

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
  const int64_t n = T * D, chunks = (n + 1023) / 1024;
#pragma omp parallel for if (n > 65536)
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t i = c * 1024;
    const int64_t end = std::min(n, i + 1024);
#if defined(__AVX2__) && defined(__FMA__)
    for (; i + 8 <= end; i += 8) {
      const __m256 g = _mm256_loadu_ps(gate + i);
      const __m256 e = Exp8(_mm256_sub_ps(_mm256_setzero_ps(), g));
      const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
      _mm256_storeu_ps(out + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
#endif
    for (; i < end; ++i) {
      const float g = gate[i];
      out[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
  }
}

void SiluMulStrided(float* out, const float* gate, const float* up, int64_t T, int64_t D, int64_t in_stride) {
#pragma omp parallel for if (T * D > 65536)
  for (int64_t t = 0; t < T; ++t) SiluMul(out + t * D, gate + t * in_stride, up + t * in_stride, 1, D);
}

float ExpShiftedRow(float* x, int64_t n, float scale, float* max_out) {
  float m = -INFINITY;
  int64_t i = 0;
#if defined(__AVX2__) && defined(__FMA__)
  __m256 m8 = _mm256_set1_ps(-INFINITY);
  for (; i + 8 <= n; i += 8) m8 = _mm256_max_ps(_mm256_loadu_ps(x + i), m8);  // a NaN in x yields m8
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m8), _mm256_extractf128_ps(m8, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m = _mm_cvtss_f32(_mm_max_ss(m4, _mm_movehdup_ps(m4)));
#endif
  for (; i < n; ++i) m = std::fmax(m, x[i]);
  m *= scale;
  i = 0;
  float sum = 0;
#if defined(__AVX2__) && defined(__FMA__)
  __m256 acc = _mm256_setzero_ps();
  const __m256 vs = _mm256_set1_ps(scale), vm = _mm256_set1_ps(m);
  for (; i + 8 <= n; i += 8) {
    const __m256 e = Exp8(_mm256_fmsub_ps(_mm256_loadu_ps(x + i), vs, vm));
    _mm256_storeu_ps(x + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  sum = _mm_cvtss_f32(_mm_add_ss(lo, _mm_movehdup_ps(lo)));
#endif
  for (; i < n; ++i) {
    x[i] = std::exp(x[i] * scale - m);
    sum += x[i];
  }
  if (max_out) *max_out = m;
  return sum;
}

void SoftmaxRows(float* x, int64_t T, int64_t D, const int64_t* valid) {
#pragma omp parallel for if (T * D > 32768)
  for (int64_t t = 0; t < T; ++t) {
    float* r = x + t * D;
    const int64_t n = valid ? valid[t] : D;
    const float inv = 1.0f / ExpShiftedRow(r, n, 1.0f, nullptr);
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
