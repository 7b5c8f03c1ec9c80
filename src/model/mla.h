// Multi-head Latent Attention (DeepSeek-V2 §2.1), expanded form.
//
// Per token t (H heads; dn, dr, dv head dims):
//   c_q  = RMSNorm(W^DQ x)             q = W^UQ c_q        (or q = W^Q x)
//   [c_kv; k_pe] = W^DKV x             c_kv = RMSNorm(c_kv) (kv_lora_rank latent)
//   [k_nope; v]  = W^UKV c_kv          per head
//   q_pe, k_pe   = RoPE(q_pe), RoPE(k_pe)   k_pe shared by all heads
//   o_h = softmax(scale * [q_nope; q_pe]·[k_nope; k_pe]) v ;  out = W^O [o_1..o_H]
// The expanded form materialises per-head keys/values: used for prefill and
// training. (The absorbed form for decode over the latent cache comes with
// the inference engine.)
#pragma once

#include <cstdint>

#include "model/config.h"
#include "model/rope.h"
#include "model/weights.h"

namespace minke::model {

// out[T, D] = MLA(x[T, D]) for T consecutive tokens of one sequence at
// `positions` (causal: token i attends to tokens 0..i of this call).
void MlaForward(const ModelConfig& c, const MlaWeights& w, const Rope& rope, const float* x, int64_t T,
                const int64_t* positions, float* out);

}  // namespace minke::model
