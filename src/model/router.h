// The DeepSeekMoE router as a pure function: router logits in, the chosen
// experts and their combine weights out.
//
//  scores  = softmax(logits) | sigmoid(logits)                (scoring_func)
//  choice  = scores + e_score_correction_bias   (noaux_tc only; V3 §2.1.2:
//            the bias steers selection, never the weights)
//  groups  = top topk_group of n_group groups, scored by max (group_limited_greedy, V2 §2.2.3)
//            or by the sum of the top-2 choices (noaux_tc); other groups masked out
//  experts = top num_experts_per_tok of choice;  weights = scores[experts]
//  deepseek_v3: weights /= sum if top_k > 1 and norm_topk_prob; then *= routed_scaling_factor
//  (DeepSeek's hub modeling code; its inference/model.py normalises sigmoid
//  weights even for top-1 — no published config has top_k 1)
//  deepseek_v2: weights /= sum if top_k > 1 and norm_topk_prob, else *= routed_scaling_factor
// Masked groups get -inf for noaux_tc (DeepSeek's inference code) and 0 for
// group_limited_greedy (softmax scores are positive, so the same choice).
#pragma once

#include <cstdint>

#include "model/config.h"

namespace minke::model {

// logits [T, E]; bias [E] or nullptr; outputs experts/weights [T, top_k],
// experts in descending order of choice score.
void Route(const ModelConfig& c, const float* logits, const float* bias, int64_t T, int32_t* experts, float* weights);

}  // namespace minke::model
