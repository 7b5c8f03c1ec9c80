#include "kernels/cpu/matmul_many.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/matmul_direct_internal.h"
#include "kernels/cpu/quant_internal.h"

namespace minke::kernels {
namespace {

constexpr int64_t kGroup = 4;  // weight rows per group: the row-group kernels' unit

// One job as the loop runs it: its row group and where its weight bytes start
// in the concatenation of all jobs' weights.
struct Prepared {
  const MatmulJob* job;
  size_t row_bytes, start;
  int64_t groups;
  internal::RowGroupFn direct = nullptr;  // F32/BF16/F16
  const float* x = nullptr;               // the activation in the layout `direct` reads
  const int8_t* aq = nullptr;             // Q8_0/Q4_0: the quantized activation
  const float* ad = nullptr;
};

bool IsQuant(DType t) { return t == DType::Q8_0 || t == DType::Q4_0; }

void RunGroup(const Prepared& p, int64_t g) {
  const MatmulJob& j = *p.job;
  const int64_t n0 = g * kGroup;
  const int rows = static_cast<int>(std::min(kGroup, j.N - n0));
  const auto* w = static_cast<const uint8_t*>(j.w) + n0 * p.row_bytes;
  if (p.direct) {
    p.direct(w, p.x, j.M, j.K, j.y + n0, j.N, rows);
  } else {
    internal::QuantRowGroup(j.dtype == DType::Q8_0 ? QuantType::kQ8_0 : QuantType::kQ4_0, w, p.aq, p.ad, j.M, j.K,
                            j.y + n0, j.N, rows);
  }
}

// The groups whose first byte lies in [b0, b1), job by job: a contiguous
// stretch of the weights, so the prefetch runs on into what comes next.
void RunBytes(const std::vector<Prepared>& prep, size_t b0, size_t b1) {
  for (const Prepared& p : prep) {
    const size_t gb = kGroup * p.row_bytes;
    const auto first = [&](size_t b) {
      return b <= p.start ? int64_t{0} : std::min<int64_t>(p.groups, static_cast<int64_t>((b - p.start + gb - 1) / gb));
    };
    for (int64_t g = first(b0), end = first(b1); g < end; ++g) RunGroup(p, g);
  }
}

}  // namespace

bool MatmulManySupports(DType t) { return t == DType::F32 || t == DType::BF16 || t == DType::F16 || IsQuant(t); }

void MatmulMany(const MatmulJob* jobs, size_t n) {
  // The activations as the kernels read them: quantized to Q8_0 for the GGML
  // types, reordered for the BF16 kernel; each distinct x once.
  thread_local std::vector<int8_t> aq;
  thread_local std::vector<float> ad, xs;
  std::vector<Prepared> prep(n);
  std::vector<bool> split(n, false);
  size_t aq_size = 0, ad_size = 0, xs_size = 0;
  for (size_t i = 0; i < n; ++i) {
    const MatmulJob& j = jobs[i];
    if (IsQuant(j.dtype)) {
      aq_size += static_cast<size_t>(j.M * j.K);
      ad_size += static_cast<size_t>(j.M * j.K / kQBlock);
      continue;
    }
    const internal::DirectKernel kernel = internal::DirectRowGroup(j.dtype, j.M);
    prep[i].direct = kernel.group;
    split[i] = kernel.x == internal::XLayout::kBf16Pairs;
    if (split[i]) xs_size += static_cast<size_t>(j.M * j.K);
  }
  aq.resize(aq_size);
  ad.resize(ad_size);
  xs.resize(xs_size);
  size_t total = 0, qa = 0, qd = 0, xo = 0;
  int64_t elems = 0;
  for (size_t i = 0; i < n; ++i) {
    const MatmulJob& j = jobs[i];
    Prepared& p = prep[i];
    p.job = &j;
    p.row_bytes = DTypeBytes(j.dtype, j.K);
    p.start = total;
    p.groups = (j.N + kGroup - 1) / kGroup;
    total += static_cast<size_t>(j.N) * p.row_bytes;
    elems += j.N * j.K;
    if (p.direct && !split[i]) {
      p.x = j.x;
      continue;
    }
    for (size_t k = 0; k < i; ++k) {  // an earlier job's copy of the same activation
      const MatmulJob& o = jobs[k];
      if (o.x != j.x || o.M != j.M || o.K != j.K) continue;
      if (split[i] && split[k]) p.x = prep[k].x;
      if (!p.direct && !prep[k].direct) p.aq = prep[k].aq, p.ad = prep[k].ad;
    }
    if (split[i] && !p.x) {
      p.x = &xs[xo];
      internal::SplitPairs(j.x, j.M, j.K, &xs[xo]);
      xo += static_cast<size_t>(j.M * j.K);
    } else if (!p.direct && !p.aq) {
      p.aq = &aq[qa];
      p.ad = &ad[qd];
      internal::QuantizeActivationRows(j.x, j.M, j.K, &aq[qa], &ad[qd]);
      qa += static_cast<size_t>(j.M * j.K);
      qd += static_cast<size_t>(j.M * j.K / kQBlock);
    }
  }
  if (elems < 32768 || omp_in_parallel()) return RunBytes(prep, 0, total);
#pragma omp parallel
  {
    const size_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    RunBytes(prep, total * t / nt, total * (t + 1) / nt);
  }
}

}  // namespace minke::kernels
