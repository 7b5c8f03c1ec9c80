// Feed-forward networks: the dense SwiGLU MLP and DeepSeekMoE
// (DeepSeek-V2 §2.2): y = sum_k w_k * Expert_{e_k}(x) + SharedExperts(x).
// MoeForward routes, gathers the tokens of each expert, runs only the
// experts that received tokens (in parallel, one small GEMM chain each), and
// scatters the weighted results back.
#pragma once

#include <cstdint>

#include "model/config.h"
#include "model/weights.h"

namespace minke::model {

// out[T, D] = down(silu(gate(x)) * up(x)).
void MlpForward(const MlpWeights& w, const float* x, int64_t T, float* out);

// out[T, D] = MoE(x). If `expert_load` is non-null (size E), adds the number
// of tokens routed to each expert.
void MoeForward(const ModelConfig& c, const MoeWeights& w, const float* x, int64_t T, float* out,
                int64_t* expert_load = nullptr);

}  // namespace minke::model
