// Built with -mavx512f -mavx512bw -mavx512vl (CMakeLists.txt); runs only
// where internal::UseAvx512() says the CPU has them.
#include <immintrin.h>

#include "kernels/cpu/matmul_direct_internal.h"
#include "kernels/cpu/prefetch.h"

namespace minke::kernels::internal {
namespace {

#if defined(__AVX512F__) && defined(__AVX512BW__)
template <DType T>
inline __m512 Load16(const Elem<T>* p) {
  if constexpr (T == DType::F32) {
    return _mm512_loadu_ps(p);
  } else {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    if constexpr (T == DType::BF16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    return _mm512_cvtph_ps(h);
  }
}

template <DType T, int R, int MB>
inline void Tile(const Elem<T>* w, int64_t K, const float* x, float* y, int64_t ldy) {
  __m512 acc[R][MB];
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MB; ++m) acc[r][m] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    __m512 xv[MB];
    for (int m = 0; m < MB; ++m) xv[m] = _mm512_loadu_ps(x + m * K + k);
    for (int r = 0; r < R; ++r) {
      if ((k & 31) == 0)
        _mm_prefetch(
            PrefetchAhead(reinterpret_cast<const char*>(w + r * K), k * sizeof(Elem<T>), K * sizeof(Elem<T>), R),
            _MM_HINT_T0);
      const __m512 wv = Load16<T>(w + r * K + k);
      for (int m = 0; m < MB; ++m) acc[r][m] = _mm512_fmadd_ps(wv, xv[m], acc[r][m]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MB; ++m) {
      float s = _mm512_reduce_add_ps(acc[r][m]);
      for (int64_t kk = k; kk < K; ++kk) s += ElemToF32<T>(w[r * K + kk]) * x[m * K + kk];
      y[m * ldy + r] = s;
    }
}

template <DType T, int R>
inline void RowGroup(const Elem<T>* w, const float* x, int64_t M, int64_t K, float* y, int64_t ldy) {
  int64_t m = 0;
  for (; m + 4 <= M; m += 4) Tile<T, R, 4>(w, K, x + m * K, y + m * ldy, ldy);
  if (m + 2 <= M) {
    Tile<T, R, 2>(w, K, x + m * K, y + m * ldy, ldy);
    m += 2;
  }
  if (m < M) Tile<T, R, 1>(w, K, x + m * K, y + m * ldy, ldy);
}

template <DType T>
void MatmulRows(const void* wv, const float* x, float* y, int64_t M, int64_t N, int64_t K) {
  constexpr int kRows = 4;
  const auto* w = static_cast<const Elem<T>*>(wv);
  const int64_t groups = (N + kRows - 1) / kRows;
#pragma omp parallel for schedule(static) if (N * K >= 32768)
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t n0 = g * kRows;
    if (n0 + kRows <= N) {
      RowGroup<T, kRows>(w + n0 * K, x, M, K, y + n0, N);
    } else {
      for (int64_t n = n0; n < N; ++n) RowGroup<T, 1>(w + n * K, x, M, K, y + n, N);
    }
  }
}
#endif

}  // namespace

void MatmulDirectAvx512(DType t, const float* x, const void* w, float* y, int64_t M, int64_t N, int64_t K) {
#if defined(__AVX512F__) && defined(__AVX512BW__)
  if (t == DType::F32)
    MatmulRows<DType::F32>(w, x, y, M, N, K);
  else if (t == DType::BF16)
    MatmulRows<DType::BF16>(w, x, y, M, N, K);
  else
    MatmulRows<DType::F16>(w, x, y, M, N, K);
#else
  (void)t, (void)x, (void)w, (void)y, (void)M, (void)N, (void)K;
  __builtin_trap();  // never selected: UseAvx512() is false in such a build
#endif
}

}  // namespace minke::kernels::internal
