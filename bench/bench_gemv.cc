// Decode's kernels against the memory-bandwidth roofline: y = W x for one
// (or a few) activation rows over a weight far larger than the caches, in
// each stored format, reported as GB/s of weight bytes read next to a plain
// streaming read (sum of a float array) on the same threads. Decode is
// memory-bound, so a kernel's GB/s over the read GB/s is the fraction of the
// roofline it can reach. Run by hand:
//   build/bench_gemv [--threads 2] [--rows 1] [--chunk ROWS] [--k 4096]
// --chunk splits the matrix into calls of that many rows, as decode's many
// small matrices (e.g. 128 rows x 4096 = one 1 MiB bf16 expert-sized call).
#include <immintrin.h>
#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/matmul_direct.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

template <typename F>
double Best(int reps, F f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, Seconds(t0, Clock::now()));
  }
  return best;
}

// A zeroed array on transparent huge pages.
template <typename T>
class HugeVector {
 public:
  explicit HugeVector(size_t n) : n_(n) {
    bytes_ = (n * sizeof(T) + (size_t{2} << 20) - 1) & ~((size_t{2} << 20) - 1);
    p_ = static_cast<T*>(std::aligned_alloc(size_t{2} << 20, bytes_));
    madvise(p_, bytes_, MADV_HUGEPAGE);
    std::memset(static_cast<void*>(p_), 0, bytes_);
  }
  ~HugeVector() { std::free(p_); }
  T& operator[](size_t i) { return p_[i]; }
  T* data() { return p_; }
  size_t size() const { return n_; }
  T* begin() { return p_; }
  T* end() { return p_ + n_; }

 private:
  size_t n_, bytes_;
  T* p_;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace minke;
  int threads = 2, rows = 1;
  int64_t chunk = 0;  // rows per call; 0 = the whole matrix in one call
  int64_t K = 4096;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--threads") threads = std::atoi(argv[i + 1]);
    if (a == "--rows") rows = std::atoi(argv[i + 1]);
    if (a == "--chunk") chunk = std::atoll(argv[i + 1]);
    if (a == "--k") K = std::atoll(argv[i + 1]);
  }
  omp_set_num_threads(threads);
  // 512 MiB of f32 (256 MiB of 16-bit, 136 MiB of Q8_0) as N rows of K.
  const int64_t N = (int64_t{1} << 27) / K;
  if (chunk <= 0 || N % chunk != 0) chunk = N;
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  // Weights on huge pages, as a model file's mapping gets them from the page
  // cache's large folios (on 4 KiB pages TLB misses cost a third of the read speed).
  HugeVector<float> w(static_cast<size_t>(N * K));
  std::vector<float> x(static_cast<size_t>(rows * K)), y(static_cast<size_t>(rows * N));
  for (auto& v : w) v = nd(rng);
  for (auto& v : x) v = nd(rng);

  volatile float sink = 0;
  const double read_s = Best(5, [&] {
    float s = 0;
#pragma omp parallel reduction(+ : s)
    {
      // Eight independent vector sums: the loads, not an add chain, set the pace.
      __m256 acc[8];
      for (auto& a : acc) a = _mm256_setzero_ps();
#pragma omp for schedule(static)
      for (int64_t i = 0; i < N * K; i += 64)
        for (int j = 0; j < 8; ++j) acc[j] = _mm256_add_ps(acc[j], _mm256_loadu_ps(&w[i + 8 * j]));
      for (int j = 1; j < 8; ++j) acc[0] = _mm256_add_ps(acc[0], acc[j]);
      float lanes[8];
      _mm256_storeu_ps(lanes, acc[0]);
      for (float v : lanes) s += v;
    }
    sink = s;
  });
  const double read_gbs = N * K * 4.0 / read_s / 1e9;
  std::printf("threads %d, activation rows %d, weight %lld x %lld in calls of %lld rows\n", threads, rows,
              static_cast<long long>(N), static_cast<long long>(K), static_cast<long long>(chunk));
  std::printf("  %-14s %7.1f GB/s (streaming read of f32, the roofline)\n", "read", read_gbs);

  auto report = [&](const char* name, double bytes, double s) {
    const double gbs = bytes / s / 1e9;
    std::printf("  %-14s %7.1f GB/s  %5.1f us/MiB  %3.0f%% of read\n", name, gbs, s * 1e6 / (bytes / (1 << 20)),
                100 * gbs / read_gbs);
  };
  for (DType t : {DType::BF16, DType::F16}) {
    HugeVector<uint16_t> h(w.size());
    for (size_t i = 0; i < w.size(); ++i) h[i] = t == DType::BF16 ? F32ToBf16(w[i]) : F32ToF16(w[i]);
    const double s = Best(5, [&] {
      for (int64_t n0 = 0; n0 < N; n0 += chunk)
        kernels::MatmulDirect(t, x.data(), &h[n0 * K], y.data(), rows, chunk, K);
    });
    report(t == DType::BF16 ? "bf16" : "f16", h.size() * 2.0, s);
    if (t == DType::BF16) {  // what prefill does instead: convert the weight to f32, then one SGEMM
      std::vector<float> f(static_cast<size_t>(chunk * K));
      const double s2 = Best(3, [&] {
        for (int64_t n0 = 0; n0 < N; n0 += chunk) {
          kernels::DequantizeRows(t, &h[n0 * K], nullptr, chunk, K, 1, 1, f.data());
          kernels::MatmulNT(x.data(), f.data(), y.data(), rows, chunk, K);
        }
      });
      report("bf16>f32 GEMM", h.size() * 2.0, s2);
    }
  }
  for (auto q : {kernels::QuantType::kQ8_0, kernels::QuantType::kQ4_0}) {
    const size_t rb = kernels::QuantRowBytes(q, K);
    HugeVector<uint8_t> wq(rb * N);
    for (int64_t n = 0; n < N; ++n) kernels::QuantizeRow(q, &w[n * K], K, &wq[n * rb]);
    const double s = Best(5, [&] {
      for (int64_t n0 = 0; n0 < N; n0 += chunk) kernels::MatmulQ(q, x.data(), &wq[n0 * rb], y.data(), rows, chunk, K);
    });
    report(q == kernels::QuantType::kQ8_0 ? "q8_0" : "q4_0", static_cast<double>(wq.size()), s);
  }
  return sink == 12345.0f ? 1 : 0;
}
