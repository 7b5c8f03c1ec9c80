#include "model/rope.h"

#include <algorithm>
#include <cmath>

namespace minke::model {
namespace {

// The dimension index whose wavelength makes `num_rotations` turns over
// max_pos positions (YaRN eq. 17).
double CorrectionDim(double num_rotations, int64_t dim, double base, int64_t max_pos) {
  return (dim * std::log(max_pos / (num_rotations * 2 * M_PI))) / (2 * std::log(base));
}

}  // namespace

double YarnMscale(double scale, double mscale) {
  if (scale <= 1.0) return 1.0;
  return 0.1 * mscale * std::log(scale) + 1.0;
}

Rope MakeRope(const ModelConfig& c) {
  Rope r;
  r.dim = c.qk_rope_head_dim;
  r.interleaved = c.rope_interleave;
  const int64_t half = r.dim / 2;
  const double base = c.rope_theta;
  r.inv_freq.resize(half);
  r.softmax_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.qk_head_dim())));
  for (int64_t i = 0; i < half; ++i) r.inv_freq[i] = 1.0 / std::pow(base, (2.0 * i) / r.dim);
  if (!c.rope_scaling.enabled) return r;

  const YarnScaling& y = c.rope_scaling;
  // Interpolate low frequencies by 1/factor, keep high ones, ramp in between.
  double low = std::floor(CorrectionDim(y.beta_fast, r.dim, base, y.original_max_position_embeddings));
  double high = std::ceil(CorrectionDim(y.beta_slow, r.dim, base, y.original_max_position_embeddings));
  low = std::max(low, 0.0);
  high = std::min(high, static_cast<double>(r.dim - 1));
  if (low == high) high += 0.001;  // avoid a zero-width ramp
  for (int64_t i = 0; i < half; ++i) {
    double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
    double extrapolation = 1.0 - ramp;  // 1: keep the original frequency
    double f = r.inv_freq[i];
    r.inv_freq[i] = f / y.factor * (1.0 - extrapolation) + f * extrapolation;
  }
  // DeepSeek's code: cos/sin * mscale(s, mscale) / mscale(s, mscale_all_dim),
  // softmax scale * mscale(s, mscale_all_dim)^2.
  r.attention_factor = static_cast<float>(YarnMscale(y.factor, y.mscale) / YarnMscale(y.factor, y.mscale_all_dim));
  if (y.mscale_all_dim != 0.0) {
    double m = YarnMscale(y.factor, y.mscale_all_dim);
    r.softmax_scale = static_cast<float>(r.softmax_scale * m * m);
  }
  return r;
}

void RopeCosSin(const Rope& rope, const int64_t* positions, int64_t T, std::vector<float>* cos,
                std::vector<float>* sin) {
  const int64_t half = rope.dim / 2;
  cos->resize(static_cast<size_t>(T * half));
  sin->resize(static_cast<size_t>(T * half));
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t i = 0; i < half; ++i) {
      double a = static_cast<double>(positions[t]) * rope.inv_freq[i];
      (*cos)[t * half + i] = static_cast<float>(std::cos(a)) * rope.attention_factor;
      (*sin)[t * half + i] = static_cast<float>(std::sin(a)) * rope.attention_factor;
    }
  }
}

}  // namespace minke::model
