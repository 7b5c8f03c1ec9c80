#include "kernels/cpu/matmul_half.h"

#include <immintrin.h>

namespace minke::kernels {
namespace {

inline float HalfToF32(DType t, uint16_t h) { return t == DType::BF16 ? Bf16ToF32(h) : F16ToF32(h); }

#if defined(__AVX2__) && defined(__F16C__)
// 8 consecutive 16-bit weights as float32.
template <DType T>
inline __m256 Load8(const uint16_t* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  if constexpr (T == DType::BF16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  return _mm256_cvtph_ps(h);
}

inline float HSum(__m256 v) {
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}

// One weight row against up to 4 activation rows at once (the row is
// converted once per 8 values and reused).
template <DType T>
void RowDots(const uint16_t* w, const float* x, int64_t M, int64_t K, float* y, int64_t ldy) {
  for (int64_t m0 = 0; m0 < M; m0 += 4) {
    const int64_t mb = M - m0 < 4 ? M - m0 : 4;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int64_t k = 0;
    for (; k + 8 <= K; k += 8) {
      const __m256 wv = Load8<T>(w + k);
      for (int64_t i = 0; i < mb; ++i) acc[i] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + (m0 + i) * K + k), acc[i]);
    }
    for (int64_t i = 0; i < mb; ++i) {
      float s = HSum(acc[i]);
      for (int64_t kk = k; kk < K; ++kk) s += HalfToF32(T, w[kk]) * x[(m0 + i) * K + kk];
      y[(m0 + i) * ldy] = s;
    }
  }
}
#endif

}  // namespace

void MatmulHalfRef(DType t, const float* x, const void* w, float* y, int64_t M, int64_t N, int64_t K) {
  const auto* wh = static_cast<const uint16_t*>(w);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) s += static_cast<double>(HalfToF32(t, wh[n * K + k])) * x[m * K + k];
      y[m * N + n] = static_cast<float>(s);
    }
}

void MatmulHalf(DType t, const float* x, const void* w, float* y, int64_t M, int64_t N, int64_t K) {
#if defined(__AVX2__) && defined(__F16C__)
  const auto* wh = static_cast<const uint16_t*>(w);
#pragma omp parallel for schedule(static) if (N * K > 32768)
  for (int64_t n = 0; n < N; ++n) {
    if (t == DType::BF16)
      RowDots<DType::BF16>(wh + n * K, x, M, K, y + n, N);
    else
      RowDots<DType::F16>(wh + n * K, x, M, K, y + n, N);
  }
#else
  MatmulHalfRef(t, x, w, y, M, N, K);
#endif
}

}  // namespace minke::kernels
