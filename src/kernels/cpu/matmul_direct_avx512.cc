// 512-bit row groups for MatmulDirect. Only the functions here carry the
// AVX-512 target (an attribute, not a file-wide -mavx512f): inline code
// from the headers stays baseline, so the linker can never hand an AVX2-only
// CPU an AVX-512 copy of a shared inline function.
#include <immintrin.h>

#include "kernels/cpu/matmul_direct_internal.h"
#include "kernels/cpu/prefetch.h"

#define MINKE_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC 12's _mm512_reduce_add_ps trips it
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace minke::kernels::internal {
namespace {

template <DType T>
MINKE_AVX512 inline __m512 Load16(const Elem<T>* p) {
  if constexpr (T == DType::F32) {
    return _mm512_loadu_ps(p);
  } else {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    if constexpr (T == DType::BF16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    return _mm512_cvtph_ps(h);
  }
}

template <DType T, int R, int MB>
MINKE_AVX512 inline void Tile(const Elem<T>* w, int64_t K, const float* x, float* y, int64_t ldy) {
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
MINKE_AVX512 inline void RowTiles(const Elem<T>* w, const float* x, int64_t M, int64_t K, float* y, int64_t ldy) {
  int64_t m = 0;
  for (; m + 4 <= M; m += 4) Tile<T, R, 4>(w, K, x + m * K, y + m * ldy, ldy);
  if (m + 2 <= M) {
    Tile<T, R, 2>(w, K, x + m * K, y + m * ldy, ldy);
    m += 2;
  }
  if (m < M) Tile<T, R, 1>(w, K, x + m * K, y + m * ldy, ldy);
}

template <DType T>
MINKE_AVX512 void RowGroup(const void* wv, const float* x, int64_t M, int64_t K, float* y, int64_t ldy, int rows) {
  const auto* w = static_cast<const Elem<T>*>(wv);
  if (rows == 4) {
    RowTiles<T, 4>(w, x, M, K, y, ldy);
  } else {
    for (int r = 0; r < rows; ++r) RowTiles<T, 1>(w + r * K, x, M, K, y + r, ldy);
  }
}

}  // namespace

RowGroupFn Avx512RowGroup(DType t) {
  if (t == DType::F32) return &RowGroup<DType::F32>;
  if (t == DType::BF16) return &RowGroup<DType::BF16>;
  return &RowGroup<DType::F16>;
}

}  // namespace minke::kernels::internal
