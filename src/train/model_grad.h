// The training objective of a DeepSeek-V3-style model and its gradient
// (DeepSeek-V3 §2.2 and §2.1.2):
//
//   L = CE(main head) + lambda / D_mtp * sum_k CE(MTP module k)
//       + sum over MoE layers of the sequence-wise balance loss (alpha)
//
// over a batch of B windows of T+1 tokens (inputs are the first T, targets
// the last T). ForwardBackward runs the blocks forward keeping activations,
// then backward in reverse order (block.bwd mirrors block.fwd line by line),
// adding grad_scale * dL/dparam into ParamSet::grads().
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "model/rope.h"
#include "train/params.h"

namespace minke::train {

struct LossWeights {
  double mtp_lambda = 0.3;      // V3: 0.3 for the first 10T tokens, then 0.1
  double balance_alpha = 1e-4;  // V3's complementary sequence-wise balance loss
};

struct StepStats {
  double loss = 0.0;           // the objective L (per token means)
  double ce = 0.0;             // main next-token cross-entropy
  std::vector<double> mtp_ce;  // per MTP depth
  double balance = 0.0;        // summed over MoE layers
  int64_t tokens = 0;
  // Tokens routed to each expert, per MoE layer of the main model: [layers][E].
  std::vector<std::vector<int64_t>> expert_load;
};

// tokens: [B, T+1]. With `backward` false only the losses are computed (for
// validation); gradients are untouched.
Status ForwardBackward(const ParamSet& p, const model::Rope& rope, const LossWeights& lw, const int32_t* tokens,
                       int64_t B, int64_t T, bool backward, float grad_scale, StepStats* stats);

// ForwardBackward allocates its activations per call (tens of MB). glibc
// serves blocks that big with fresh mmaps and unmaps them on free, so every
// step page-faults them in again (~5% of a step in bench_train). This makes
// glibc keep freed memory in the heap for reuse instead; call once before
// training. Process-wide; no effect with other allocators.
void KeepFreedMemoryForReuse();

}  // namespace minke::train
