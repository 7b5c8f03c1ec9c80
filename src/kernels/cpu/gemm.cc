#include "kernels/cpu/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <atomic>
#include <vector>

namespace minke::kernels {
namespace {
std::atomic<uint64_t> g_gemm_flops{0};
}  // namespace

uint64_t GemmFlops() { return g_gemm_flops.load(std::memory_order_relaxed); }

void Sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  g_gemm_flops.fetch_add(static_cast<uint64_t>(2 * M * N * K), std::memory_order_relaxed);
  if (M == 1 && trans_b && !trans_a) {  // one row (decode): y = W x, a GEMV
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(N), static_cast<blasint>(K), alpha, B,
                static_cast<blasint>(ldb), A, 1, beta, C, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K), alpha, A,
              static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C, static_cast<blasint>(ldc));
}

void SgemmRef(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
              const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        float a = trans_a ? A[k * lda + i] : A[i * lda + k];
        float b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += static_cast<double>(a) * b;
      }
      float prev = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
      C[i * ldc + j] = static_cast<float>(alpha * acc) + prev;
    }
  }
}

void MatmulNT(const float* x, const float* w, float* y, int64_t M, int64_t N, int64_t K) {
  constexpr int64_t kSwapBelow = 48;
  if (M <= 1 || M >= kSwapBelow) {
    Sgemm(false, true, M, N, K, 1.0f, x, K, w, K, 0.0f, y, N);
    return;
  }
  thread_local std::vector<float> yt;
  yt.resize(static_cast<size_t>(N * M));
  Sgemm(false, true, N, M, K, 1.0f, w, K, x, K, 0.0f, yt.data(), M);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) y[m * N + n] = yt[n * M + m];
}

int NumThreads() { return omp_get_max_threads(); }

void SetNumThreads(int n) {
  if (n <= 0) n = omp_get_num_procs();
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

}  // namespace minke::kernels
