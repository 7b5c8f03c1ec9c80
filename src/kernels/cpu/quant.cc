#include "kernels/cpu/quant.h"

#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/dtype.h"
#include "kernels/cpu/matmul_many.h"
#include "kernels/cpu/prefetch.h"
#include "kernels/cpu/quant_internal.h"

namespace minke::kernels {
namespace {

float LoadD(const uint8_t* b) {
  uint16_t h;
  std::memcpy(&h, b, 2);
#if defined(__F16C__)
  return _cvtsh_ss(h);  // one instruction; the portable F16ToF32 is a call with branches (2 per block)
#else
  return F16ToF32(h);
#endif
}

void StoreD(uint8_t* b, float d) {
  uint16_t h = F32ToF16(d);
  std::memcpy(b, &h, 2);
}

size_t BlockBytes(QuantType t) { return t == QuantType::kQ8_0 ? kQ8_0BlockBytes : kQ4_0BlockBytes; }

// The 32 signed weight values of one block as int8.
void UnpackBlock(QuantType t, const uint8_t* b, int8_t* q) {
  if (t == QuantType::kQ8_0) {
    std::memcpy(q, b + 2, 32);
    return;
  }
  for (int i = 0; i < 16; ++i) {
    q[i] = static_cast<int8_t>((b[2 + i] & 0xf) - 8);
    q[i + 16] = static_cast<int8_t>((b[2 + i] >> 4) - 8);
  }
}

#if defined(__AVX2__)
// Horizontal sum of 8 int32 products of signed bytes, via maddubs on |w| and sign-adjusted a.
inline __m256 BlockDot(__m256i w, __m256i a) {
  const __m256i ax = _mm256_sign_epi8(w, w);
  const __m256i sy = _mm256_sign_epi8(a, w);
  const __m256i dot16 = _mm256_maddubs_epi16(ax, sy);
  const __m256i dot32 = _mm256_madd_epi16(dot16, _mm256_set1_epi16(1));
  return _mm256_cvtepi32_ps(dot32);
}

inline float HSum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}
#endif

}  // namespace

size_t QuantRowBytes(QuantType t, int64_t n) { return static_cast<size_t>(n / kQBlock) * BlockBytes(t); }

void QuantizeRow(QuantType t, const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kQBlock; ++b, x += kQBlock, out += BlockBytes(t)) {
    if (t == QuantType::kQ8_0) {
      float amax = 0;
      for (int i = 0; i < 32; ++i) amax = std::fmax(amax, std::fabs(x[i]));
      const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
      StoreD(out, d);
      for (int i = 0; i < 32; ++i) out[2 + i] = static_cast<uint8_t>(static_cast<int8_t>(std::lround(x[i] * id)));
    } else {
      float amax = 0, max = 0;
      for (int i = 0; i < 32; ++i)
        if (std::fabs(x[i]) > amax) {
          amax = std::fabs(x[i]);
          max = x[i];
        }
      const float d = max / -8.0f, id = d != 0 ? 1.0f / d : 0.0f;
      StoreD(out, d);
      for (int i = 0; i < 16; ++i) {
        auto q = [&](float v) { return static_cast<uint8_t>(std::min(15, static_cast<int>(v * id + 8.5f))); };
        out[2 + i] = static_cast<uint8_t>(q(x[i]) | (q(x[i + 16]) << 4));
      }
    }
  }
}

void DequantizeRowQ(QuantType t, const uint8_t* q, int64_t n, float* out) {
  int8_t v[32];
  for (int64_t b = 0; b < n / kQBlock; ++b, q += BlockBytes(t), out += kQBlock) {
    const float d = LoadD(q);
    UnpackBlock(t, q, v);
    for (int i = 0; i < 32; ++i) out[i] = d * v[i];
  }
}

float DotQRef(QuantType t, const uint8_t* w, const uint8_t* a, int64_t n) {
  double sum = 0;
  int8_t wv[32];
  for (int64_t b = 0; b < n / kQBlock; ++b, w += BlockBytes(t), a += kQ8_0BlockBytes) {
    UnpackBlock(t, w, wv);
    int32_t acc = 0;
    for (int i = 0; i < 32; ++i) acc += wv[i] * static_cast<int8_t>(a[2 + i]);
    sum += static_cast<double>(LoadD(w)) * LoadD(a) * acc;
  }
  return static_cast<float>(sum);
}

float DotQ(QuantType t, const uint8_t* w, const uint8_t* a, int64_t n) {
#if defined(__AVX2__)
  __m256 acc = _mm256_setzero_ps();
  const int64_t nb = n / kQBlock;
  if (t == QuantType::kQ8_0) {
    for (int64_t b = 0; b < nb; ++b, w += kQ8_0BlockBytes, a += kQ8_0BlockBytes) {
      const __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 2));
      const __m256i aq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 2));
      acc = _mm256_fmadd_ps(_mm256_set1_ps(LoadD(w) * LoadD(a)), BlockDot(wq, aq), acc);
    }
  } else {
    const __m256i low = _mm256_set1_epi8(0xf), eight = _mm256_set1_epi8(8);
    for (int64_t b = 0; b < nb; ++b, w += kQ4_0BlockBytes, a += kQ8_0BlockBytes) {
      const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2));
      // Low nibbles are elements 0..15, high nibbles 16..31.
      __m256i wq = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
      wq = _mm256_sub_epi8(_mm256_and_si256(wq, low), eight);
      const __m256i aq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 2));
      acc = _mm256_fmadd_ps(_mm256_set1_ps(LoadD(w) * LoadD(a)), BlockDot(wq, aq), acc);
    }
  }
  return HSum(acc);
#else
  return DotQRef(t, w, a, n);
#endif
}

namespace {

// An activation row quantized to Q8_0 exactly as QuantizeRow does, kept as
// int8 values and float scales (the f16-rounded d) so the inner loop of
// MatmulQ does not convert a scale per block. Vectorised: at decode this runs
// once per Linear and the scalar lround/fmax calls showed in profiles.
void QuantizeActivation(const float* x, int64_t n, int8_t* q, float* d_out) {
  for (int64_t b = 0; b < n / kQBlock; ++b, x += kQBlock, q += kQBlock) {
#if defined(__AVX2__)
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 v[4], amax8 = _mm256_setzero_ps();
    for (int i = 0; i < 4; ++i) {
      v[i] = _mm256_loadu_ps(x + 8 * i);
      amax8 = _mm256_max_ps(amax8, _mm256_andnot_ps(sign, v[i]));
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(amax8), _mm256_extractf128_ps(amax8, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4), d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
    d_out[b] = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));  // as stored by QuantizeRow (f16)
    __m256i i32[4];
    for (int i = 0; i < 4; ++i) {
      // lround: the fraction of a float is exact, so ties go away from zero as in the scalar path.
      const __m256 s = _mm256_mul_ps(v[i], _mm256_set1_ps(id));
      const __m256 t = _mm256_round_ps(s, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      const __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(s, t));
      const __m256 up = _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ),
                                      _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(sign, s)));
      i32[i] = _mm256_cvttps_epi32(_mm256_add_ps(t, up));
    }
    // Pack 32 int32 to int8 in order (packs interleave 128-bit lanes; permute back).
    const __m256i p16a = _mm256_packs_epi32(i32[0], i32[1]), p16b = _mm256_packs_epi32(i32[2], i32[3]);
    const __m256i p8 = _mm256_packs_epi16(p16a, p16b);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q),
                        _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
#else
    uint8_t blk[kQ8_0BlockBytes];
    QuantizeRow(QuantType::kQ8_0, x, kQBlock, blk);
    d_out[b] = LoadD(blk);
    std::memcpy(q, blk + 2, kQBlock);
#endif
  }
}

#if defined(__AVX2__)
// The 32 weights of one block as bytes: signed for Q8_0; for Q4_0 the
// unsigned nibbles 0..15 (the value + 8), whose offset DotRows takes off
// per block: maddubs multiplies unsigned by signed bytes directly, where
// signed weights need two sign flips per row and block.
template <QuantType T>
inline __m256i LoadBlock(const uint8_t* b) {
  if constexpr (T == QuantType::kQ8_0) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2));
  } else {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0xf));
  }
}

// 8 int32 sums of 4 products each: unsigned bytes u times signed bytes a.
inline __m256i DotU8S8(__m256i u, __m256i a) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, a), _mm256_set1_epi16(1));
}

// R weight rows (row stride w_bytes) against one quantized activation row:
// y[r * ldy] for r < R. R independent accumulators keep the FMA chains apart,
// and each activation block is loaded once for the R rows.
template <QuantType T, int R>
inline void DotRows(const uint8_t* w, size_t w_bytes, const int8_t* aq, const float* ad, int64_t nb, float* y,
                    int64_t ldy) {
  constexpr size_t kB = T == QuantType::kQ8_0 ? kQ8_0BlockBytes : kQ4_0BlockBytes;
  __m256 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(aq + b * kQBlock));
    const __m256 da = _mm256_set1_ps(ad[b]);
    // Q4_0: sum (u - 8) a = sum u a - 8 sum a, lane by lane; 8 sum a once per block.
    __m256i offset = _mm256_setzero_si256();
    if constexpr (T == QuantType::kQ4_0) offset = _mm256_slli_epi32(DotU8S8(_mm256_set1_epi8(1), a), 3);
    for (int r = 0; r < R; ++r) {
      const uint8_t* blk = w + r * w_bytes + b * kB;
      _mm_prefetch(PrefetchAhead(reinterpret_cast<const char*>(w + r * w_bytes), b * kB, w_bytes, R), _MM_HINT_T0);
      // The f16 scale broadcast as 16 bits and converted as a vector: fewer
      // uops than a scalar convert, multiply and broadcast (this loop is
      // close to compute-bound: from L2 it runs at ~44 GB/s on 2 threads).
      int16_t d16;
      std::memcpy(&d16, blk, 2);
      const __m256 dw = _mm256_cvtph_ps(_mm_set1_epi16(d16));
      __m256 dot;
      if constexpr (T == QuantType::kQ8_0)
        dot = BlockDot(LoadBlock<T>(blk), a);
      else
        dot = _mm256_cvtepi32_ps(_mm256_sub_epi32(DotU8S8(LoadBlock<T>(blk), a), offset));
      acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(dw, da), dot, acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) y[r * ldy] = HSum(acc[r]);
}

#endif

}  // namespace

namespace internal {

void QuantizeActivationRows(const float* x, int64_t M, int64_t K, int8_t* q, float* d) {
  for (int64_t m = 0; m < M; ++m) QuantizeActivation(x + m * K, K, q + m * K, d + m * (K / kQBlock));
}

void QuantRowGroup(QuantType t, const uint8_t* w, const int8_t* aq, const float* ad, int64_t M, int64_t K, float* y,
                   int64_t ldy, int rows) {
  const size_t w_bytes = QuantRowBytes(t, K);
  const int64_t nb = K / kQBlock;
  for (int64_t m = 0; m < M; ++m) {
#if defined(__AVX2__)
    if (rows == 4) {
      if (t == QuantType::kQ8_0)
        DotRows<QuantType::kQ8_0, 4>(w, w_bytes, aq + m * K, ad + m * nb, nb, y + m * ldy, 1);
      else
        DotRows<QuantType::kQ4_0, 4>(w, w_bytes, aq + m * K, ad + m * nb, nb, y + m * ldy, 1);
      continue;
    }
    for (int r = 0; r < rows; ++r) {
      if (t == QuantType::kQ8_0)
        DotRows<QuantType::kQ8_0, 1>(w + r * w_bytes, w_bytes, aq + m * K, ad + m * nb, nb, y + m * ldy + r, 1);
      else
        DotRows<QuantType::kQ4_0, 1>(w + r * w_bytes, w_bytes, aq + m * K, ad + m * nb, nb, y + m * ldy + r, 1);
    }
#else
    int8_t wv[kQBlock];
    for (int r = 0; r < rows; ++r) {
      double sum = 0;
      for (int64_t b = 0; b < nb; ++b) {
        const uint8_t* blk = w + r * w_bytes + b * BlockBytes(t);
        UnpackBlock(t, blk, wv);
        int32_t acc = 0;
        for (int i = 0; i < kQBlock; ++i) acc += wv[i] * aq[m * K + b * kQBlock + i];
        sum += static_cast<double>(LoadD(blk)) * ad[m * nb + b] * acc;
      }
      y[m * ldy + r] = static_cast<float>(sum);
    }
#endif
  }
}

}  // namespace internal

void MatmulQ(QuantType t, const float* x, const uint8_t* w, float* y, int64_t M, int64_t N, int64_t K) {
  const MatmulJob job{t == QuantType::kQ8_0 ? DType::Q8_0 : DType::Q4_0, w, x, y, M, N, K};
  MatmulMany(&job, 1);
}

}  // namespace minke::kernels
