#include "kernels/cpu/ops_backward.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace minke::kernels {

// Parameter gradients are reduced over rows inside one thread per column, so
// the result does not depend on the thread count (resumed training must be
// bit-identical, whatever the scheduling).
void RmsNormBackward(const float* x, const float* w, const float* dy, int64_t T, int64_t D, int64_t stride, float eps,
                     float* dx, float* dw) {
  std::vector<float> r(static_cast<size_t>(T));
#pragma omp parallel for if (T * D > 32768)
  for (int64_t t = 0; t < T; ++t) {
    const float* xr = x + t * stride;
    const float* g = dy + t * stride;
    double ss = 0.0, dot = 0.0;
    for (int64_t i = 0; i < D; ++i) ss += static_cast<double>(xr[i]) * xr[i];
    const double rt = 1.0 / std::sqrt(ss / D + eps);
    r[t] = static_cast<float>(rt);
    if (!dw) {
      for (int64_t i = 0; i < D; ++i) dot += static_cast<double>(g[i]) * w[i] * xr[i];
      const double c = dot * rt * rt * rt / D;
      float* o = dx + t * stride;
      for (int64_t i = 0; i < D; ++i) o[i] = static_cast<float>(rt * g[i] * w[i] - xr[i] * c);
    }
  }
  if (!dw) return;
    // dw before dx: dx may alias dy.
#pragma omp parallel for if (T * D > 32768)
  for (int64_t i = 0; i < D; ++i) {
    double acc = 0.0;
    for (int64_t t = 0; t < T; ++t) acc += static_cast<double>(dy[t * stride + i]) * x[t * stride + i] * r[t];
    dw[i] += static_cast<float>(acc);
  }
#pragma omp parallel for if (T * D > 32768)
  for (int64_t t = 0; t < T; ++t) {
    const float* xr = x + t * stride;
    const float* g = dy + t * stride;
    double dot = 0.0;
    for (int64_t i = 0; i < D; ++i) dot += static_cast<double>(g[i]) * w[i] * xr[i];
    const double rt = r[t], c = dot * rt * rt * rt / D;
    float* o = dx + t * stride;
    for (int64_t i = 0; i < D; ++i) o[i] = static_cast<float>(rt * g[i] * w[i] - xr[i] * c);
  }
}

void SiluMulBackward(const float* g, const float* u, const float* dout, int64_t T, int64_t D, int64_t in_stride,
                     float* dg, float* du) {
#pragma omp parallel for if (T * D > 65536)
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < D; ++i) {
      const float gi = g[t * in_stride + i], ui = u[t * in_stride + i], d = dout[t * D + i];
      const float sig = 1.0f / (1.0f + std::exp(-gi));
      dg[t * in_stride + i] = d * ui * sig * (1.0f + gi * (1.0f - sig));
      du[t * in_stride + i] = d * gi * sig;
    }
}

void SoftmaxRowsBackward(const float* p, float* dp, int64_t T, int64_t D, const int64_t* valid) {
#pragma omp parallel for if (T * D > 32768)
  for (int64_t t = 0; t < T; ++t) {
    const int64_t n = valid ? valid[t] : D;
    const float* pr = p + t * D;
    float* d = dp + t * D;
    double dot = 0.0;
    for (int64_t j = 0; j < n; ++j) dot += static_cast<double>(d[j]) * pr[j];
    const float fdot = static_cast<float>(dot);
    for (int64_t j = 0; j < n; ++j) d[j] = pr[j] * (d[j] - fdot);
    for (int64_t j = n; j < D; ++j) d[j] = 0.0f;
  }
}

double CrossEntropyForwardBackward(float* logits, const int32_t* targets, int64_t T, int64_t V, float scale) {
  std::vector<double> loss(static_cast<size_t>(T), 0.0);
#pragma omp parallel for if (T * V > 65536)
  for (int64_t t = 0; t < T; ++t) {
    float* l = logits + t * V;
    if (targets[t] < 0) {
      std::fill(l, l + V, 0.0f);
      continue;
    }
    // One float exp per logit, kept in place and rescaled: exp is most of
    // this function's time at vocabulary sizes (the sum stays in double).
    const float m = *std::max_element(l, l + V);
    const float target_logit = l[targets[t]];
    double sum = 0.0;
    for (int64_t v = 0; v < V; ++v) {
      l[v] = std::exp(l[v] - m);
      sum += l[v];
    }
    loss[t] = std::log(sum) - (target_logit - m);
    const float k = static_cast<float>(scale / sum);
    for (int64_t v = 0; v < V; ++v) l[v] *= k;
    l[targets[t]] -= scale;
  }
  double total = 0.0;
  for (double x : loss) total += x;
  return total;
}

}  // namespace minke::kernels
