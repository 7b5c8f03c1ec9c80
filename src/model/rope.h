// Rotary position embedding with YaRN context extension, as DeepSeek-V2/V3
// configure it (V2 §2.1.3 decoupled RoPE; YaRN: Peng et al. 2023, §3).
#pragma once

#include <cstdint>
#include <vector>

#include "model/config.h"

namespace minke::model {

struct Rope {
  int64_t dim = 0;                // qk_rope_head_dim
  std::vector<double> inv_freq;   // [dim/2]
  float attention_factor = 1.0f;  // multiplies cos/sin: mscale(s, mscale) / mscale(s, mscale_all_dim)
  float softmax_scale = 1.0f;     // 1/sqrt(qk_head_dim) * mscale(s, mscale_all_dim)^2
  bool interleaved = true;
};

// YaRN's attention temperature: 0.1 * mscale * ln(s) + 1 for s > 1, else 1.
double YarnMscale(double scale, double mscale);

Rope MakeRope(const ModelConfig& c);

// cos/sin tables [T, dim/2] for the given positions (already scaled by
// attention_factor).
void RopeCosSin(const Rope& rope, const int64_t* positions, int64_t T, std::vector<float>* cos,
                std::vector<float>* sin);

}  // namespace minke::model
