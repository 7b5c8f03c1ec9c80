// DeepSeekMoE for training (V2 §2.2, V3 §2.1.2), with the gradients that
// reach the router: the combine weights w_k = s_{e_k} (normalised, scaled by
// routed_scaling_factor as model/router.h) depend on the router scores, so
// d loss / d gate flows through the selected experts' scores only; the
// selection itself (top-k, groups, e_score_correction_bias) is discrete and
// gets no gradient.
//
// Also computes the complementary sequence-wise balance loss (V3 eq. 17-20),
// per sequence of T tokens:
//   s'_{i,t} = s_{i,t} / sum_j s_{j,t}      P_i = 1/T sum_t s'_{i,t}
//   f_i = E / (K T) * #{t : i in TopK(t)}   L_bal = alpha * sum_i f_i P_i
// averaged over the B sequences of the batch.
#pragma once

#include <cstdint>
#include <vector>

#include "core/buffer.h"
#include "model/config.h"
#include "model/weights.h"
#include "train/layers.h"

namespace minke::train {

struct MoeActs {
  Buffer<float> scores;                        // [N, E] router scores s (sigmoid or softmax)
  std::vector<int32_t> experts;                // [N, K]
  Buffer<float> weights;                       // [N, K] combine weights
  std::vector<std::vector<int64_t>> assigned;  // per expert: slots t*K + k
  std::vector<MlpActs> expert_acts;            // per expert, rows in `assigned` order
  Buffer<float> slot_y;                        // [N*K, D] each slot's expert output
  MlpActs shared;
  double balance_loss = 0.0;  // alpha * sum f_i P_i, mean over sequences
};

// out [B*T, D]. `alpha` weights the balance loss (0: not computed).
// expert_load (size E) gets += the tokens routed to each expert.
void MoeTrainFwd(const model::ModelConfig& c, const model::MoeWeights& w, const float* x, int64_t B, int64_t T,
                 double alpha, MoeActs* acts, float* out, int64_t* expert_load);

// dx [B*T, D] overwritten. `balance_scale` multiplies the balance loss's
// gradient (the loss weight of this micro-batch).
void MoeTrainBwd(const model::ModelConfig& c, const model::MoeWeights& w, const model::MoeWeights& gw, const float* x,
                 int64_t B, int64_t T, double alpha, double balance_scale, const MoeActs& acts, const float* dout,
                 float* dx);

}  // namespace minke::train
