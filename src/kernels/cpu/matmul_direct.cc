#include "kernels/cpu/matmul_direct.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>

#include "kernels/cpu/matmul_direct_internal.h"
#include "kernels/cpu/matmul_many.h"
#include "kernels/cpu/prefetch.h"

namespace minke::kernels {
namespace {

using internal::Elem;
template <DType T>
inline float ToF32(Elem<T> v) {
  return internal::ElemToF32<T>(v);
}

std::atomic<bool> g_avx512_allowed{true};

#if defined(__AVX2__) && defined(__F16C__)
// 8 consecutive weights as float32.
template <DType T>
inline __m256 Load8(const Elem<T>* p) {
  if constexpr (T == DType::F32) {
    return _mm256_loadu_ps(p);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (T == DType::BF16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    return _mm256_cvtph_ps(h);
  }
}

inline float HSum(__m256 v) {
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}

// R weight rows against MB activation rows: R x MB independent accumulators,
// so at decode (MB = 1) four FMA chains run side by side instead of one
// (one chain is bound by FMA latency, well below memory speed), and each
// converted weight vector serves MB rows.
template <DType T, int R, int MB>
inline void Tile(const Elem<T>* w, int64_t ldw, const float* x, int64_t K, float* y, int64_t ldy) {
  __m256 acc[R][MB];
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MB; ++m) acc[r][m] = _mm256_setzero_ps();
  int64_t k = 0;
  if constexpr (T == DType::BF16) {
    // x in XLayout::kBf16Pairs: 16 bf16 weights widen to the 8 even and the 8
    // odd values with one shift and one mask, where Load8 spends a shuffle
    // and a shift per 8 (measured: BF16 decode at F16's speed, +4-5%).
    const __m256i odd = _mm256_set1_epi32(static_cast<int>(0xFFFF0000u));
    for (; k + 16 <= K; k += 16) {
      __m256 xe[MB], xo[MB];
      for (int m = 0; m < MB; ++m) {
        xe[m] = _mm256_loadu_ps(x + m * K + k);
        xo[m] = _mm256_loadu_ps(x + m * K + k + 8);
      }
      for (int r = 0; r < R; ++r) {
        if ((k & 31) == 0)
          _mm_prefetch(PrefetchAhead(reinterpret_cast<const char*>(w + r * ldw), k * 2, ldw * 2, R), _MM_HINT_T0);
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + r * ldw + k));
        const __m256 we = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
        const __m256 wo = _mm256_castsi256_ps(_mm256_and_si256(v, odd));
        for (int m = 0; m < MB; ++m) acc[r][m] = _mm256_fmadd_ps(wo, xo[m], _mm256_fmadd_ps(we, xe[m], acc[r][m]));
      }
    }
  }
  for (; k + 8 <= K; k += 8) {
    __m256 xv[MB];
    for (int m = 0; m < MB; ++m) xv[m] = _mm256_loadu_ps(x + m * K + k);
    for (int r = 0; r < R; ++r) {
      if ((k & 31) == 0)
        _mm_prefetch(
            PrefetchAhead(reinterpret_cast<const char*>(w + r * ldw), k * sizeof(Elem<T>), ldw * sizeof(Elem<T>), R),
            _MM_HINT_T0);
      const __m256 wv = Load8<T>(w + r * ldw + k);
      for (int m = 0; m < MB; ++m) acc[r][m] = _mm256_fmadd_ps(wv, xv[m], acc[r][m]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MB; ++m) {
      float s = HSum(acc[r][m]);
      for (int64_t kk = k; kk < K; ++kk) s += ToF32<T>(w[r * ldw + kk]) * x[m * K + kk];
      y[m * ldy + r] = s;
    }
}

// Output columns [n0, n0 + R) for every activation row.
template <DType T, int R>
inline void RowTiles(const Elem<T>* w, const float* x, int64_t M, int64_t K, float* y, int64_t ldy) {
  int64_t m = 0;
  for (; m + 2 <= M; m += 2) Tile<T, R, 2>(w, K, x + m * K, K, y + m * ldy, ldy);
  if (m < M) Tile<T, R, 1>(w, K, x + m * K, K, y + m * ldy, ldy);
}

// The AVX2 counterpart of internal::RowGroupFn.
template <DType T>
inline void RowGroup(const void* wv, const float* x, int64_t M, int64_t K, float* y, int64_t ldy, int rows) {
  const auto* w = static_cast<const Elem<T>*>(wv);
  if (rows == 4) {
    RowTiles<T, 4>(w, x, M, K, y, ldy);
  } else {
    for (int r = 0; r < rows; ++r) RowTiles<T, 1>(w + r * K, x, M, K, y + r, ldy);
  }
}
#endif

// y = c W with the rows streamed in order, four at a time, into y (which
// stays in L1): sequential reads that the prefetch can run ahead of, where
// blocking by columns would stride across every row at once.
template <DType T>
void CombineRowsT(const void* wv, const float* c, int64_t rows, int64_t K, float* y) {
  const auto* w = static_cast<const Elem<T>*>(wv);
  std::fill(y, y + K, 0.0f);
  int64_t r = 0;
#if defined(__AVX2__) && defined(__F16C__)
  constexpr int kR = 4;
  const size_t row_bytes = K * sizeof(Elem<T>);
  for (; r + kR <= rows; r += kR) {
    const Elem<T>* wr = w + r * K;
    __m256 cr[kR];
    for (int j = 0; j < kR; ++j) cr[j] = _mm256_set1_ps(c[r + j]);
    int64_t k = 0;
    for (; k + 8 <= K; k += 8) {
      if ((k & 31) == 0)
        for (int j = 0; j < kR; ++j)
          _mm_prefetch(PrefetchAhead(reinterpret_cast<const char*>(wr + j * K), k * sizeof(Elem<T>), row_bytes, kR),
                       _MM_HINT_T0);
      __m256 acc = _mm256_loadu_ps(y + k);
      for (int j = 0; j < kR; ++j) acc = _mm256_fmadd_ps(cr[j], Load8<T>(wr + j * K + k), acc);
      _mm256_storeu_ps(y + k, acc);
    }
    for (; k < K; ++k)
      for (int j = 0; j < kR; ++j) y[k] += c[r + j] * ToF32<T>(wr[j * K + k]);
  }
#endif
  for (; r < rows; ++r)
    for (int64_t k = 0; k < K; ++k) y[k] += c[r] * ToF32<T>(w[r * K + k]);
}

template <DType T>
void MatmulRef(const void* wv, const float* x, float* y, int64_t M, int64_t N, int64_t K) {
  const auto* w = static_cast<const Elem<T>*>(wv);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) s += static_cast<double>(ToF32<T>(w[n * K + k])) * x[m * K + k];
      y[m * N + n] = static_cast<float>(s);
    }
}

// Calls F<T>(args...) for the runtime dtype t.
template <template <DType> class F, typename... A>
void Dispatch(DType t, A... args) {
  if (t == DType::F32)
    F<DType::F32>()(args...);
  else if (t == DType::BF16)
    F<DType::BF16>()(args...);
  else
    F<DType::F16>()(args...);
}

template <DType T>
struct RefOp {
  void operator()(const void* w, const float* x, float* y, int64_t M, int64_t N, int64_t K) const {
    MatmulRef<T>(w, x, y, M, N, K);
  }
};
template <DType T>
struct CombineOp {
  void operator()(const void* w, const float* c, int64_t rows, int64_t K, float* y) const {
    CombineRowsT<T>(w, c, rows, K, y);
  }
};
// The row group when the AVX2 kernels are not compiled in.
template <DType T>
void RefRowGroup(const void* wv, const float* x, int64_t M, int64_t K, float* y, int64_t ldy, int rows) {
  const auto* w = static_cast<const Elem<T>*>(wv);
  for (int r = 0; r < rows; ++r)
    for (int64_t m = 0; m < M; ++m) {
      float s = 0;
      for (int64_t k = 0; k < K; ++k) s += ToF32<T>(w[r * K + k]) * x[m * K + k];
      y[m * ldy + r] = s;
    }
}

}  // namespace

namespace internal {

bool UseAvx512() {
  static const bool cpu = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  return cpu && g_avx512_allowed.load(std::memory_order_relaxed);
}

void SetAvx512ForTesting(bool allowed) { g_avx512_allowed.store(allowed); }

DirectKernel DirectRowGroup(DType t, int64_t M) {
  // One row (decode) is memory-bound and AVX2 already reads at the memory's
  // speed; several rows (batched decode) are compute-bound: 512-bit FMAs.
  if (M >= 2 && UseAvx512()) return {Avx512RowGroup(t), XLayout::kPlain};
#if defined(__AVX2__) && defined(__F16C__)
  if (t == DType::F32) return {&RowGroup<DType::F32>, XLayout::kPlain};
  if (t == DType::BF16) return {&RowGroup<DType::BF16>, XLayout::kBf16Pairs};
  return {&RowGroup<DType::F16>, XLayout::kPlain};
#else
  if (t == DType::F32) return {&RefRowGroup<DType::F32>, XLayout::kPlain};
  if (t == DType::BF16) return {&RefRowGroup<DType::BF16>, XLayout::kPlain};
  return {&RefRowGroup<DType::F16>, XLayout::kPlain};
#endif
}

void SplitPairs(const float* x, int64_t M, int64_t K, float* out) {
  for (int64_t m = 0; m < M; ++m, x += K, out += K) {
    int64_t k = 0;
    for (; k + 16 <= K; k += 16)
      for (int i = 0; i < 8; ++i) {
        out[k + i] = x[k + 2 * i];
        out[k + 8 + i] = x[k + 2 * i + 1];
      }
    for (; k < K; ++k) out[k] = x[k];
  }
}

}  // namespace internal

void MatmulDirect(DType t, const float* x, const void* w, float* y, int64_t M, int64_t N, int64_t K) {
  const MatmulJob job{t, w, x, y, M, N, K};
  MatmulMany(&job, 1);
}

void MatmulDirectRef(DType t, const float* x, const void* w, float* y, int64_t M, int64_t N, int64_t K) {
  Dispatch<RefOp>(t, w, x, y, M, N, K);
}

void CombineRows(DType t, const void* w, const float* c, int64_t rows, int64_t K, float* y) {
  Dispatch<CombineOp>(t, w, c, rows, K, y);
}

}  // namespace minke::kernels
