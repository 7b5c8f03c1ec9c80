// Multi-head Latent Attention (DeepSeek-V2 §2.1).
//
// Per token t (H heads; dn, dr, dv head dims; R = kv_lora_rank):
//   c_q  = RMSNorm(W^DQ x)             q = W^UQ c_q        (or q = W^Q x)
//   [c_kv; k_pe] = W^DKV x             c_kv = RMSNorm(c_kv) (cached, with k_pe)
//   [k_nope; v]  = W^UKV c_kv          per head
//   q_pe, k_pe   = RoPE(q_pe), RoPE(k_pe)   k_pe shared by all heads
//   o_h = softmax(scale * [q_nope; q_pe]·[k_nope; k_pe]) v ;  out = W^O [o_1..o_H]
//
// Two honest forms compute the same thing (§2.1.2 "absorb"):
//  - expanded: up-project every cached c_kv to per-head k_nope and v, then
//    attend. Cheapest when many queries share the keys (prefill, training).
//  - absorbed: fold W^UK into the query (q_lat = q_nope W^UK_h, [R]) and W^UV
//    into the output (o_h = W^UV_h (sum_j p_j c_kv_j)), attending directly over
//    the latent cache; per-head keys and values never exist. Used for decode.
// A test checks that they agree (tests/model/mla_test.cc).
#pragma once

#include <cstdint>
#include <vector>

#include "model/config.h"
#include "model/rope.h"
#include "model/weights.h"

namespace minke::model {

enum class MlaForm { kExpanded, kAbsorbed };

// The new tokens of one sequence inside a batch: rows [row0, row0 + n) of x,
// at positions start..start+n-1; `cache` holds this layer's latent rows
// [start + n, R + dr] of the sequence (rows < start already filled; rows of
// the new tokens are written here).
struct AttnSegment {
  int64_t row0 = 0, n = 0, start = 0;
  float* cache = nullptr;
  MlaForm form = MlaForm::kExpanded;
};

// out[T, D] = MLA(x[T, D]) for a batch of segments covering the T rows;
// each new token attends causally to its own sequence's cache.
void MlaForward(const ModelConfig& c, const MlaWeights& w, const Rope& rope, const float* x, int64_t T,
                const std::vector<AttnSegment>& segments, float* out);

}  // namespace minke::model
