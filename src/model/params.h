// Parameter and KV-cache accounting for a config (what `minke info` shows).
#pragma once

#include <cstdint>

#include "model/config.h"

namespace minke::model {

struct ParamCounts {
  int64_t total = 0;   // main model (embedding, blocks, final norm, lm_head)
  int64_t active = 0;  // per token: total minus the embedding table (a lookup,
                       // not a matmul) minus the routed experts not chosen
  int64_t mtp = 0;     // MTP modules, counted apart as DeepSeek-V3 does
};

ParamCounts CountParams(const ModelConfig& c);

// Values cached per token per layer: MLA keeps the latent c_kv and the shared
// RoPE key (kv_lora_rank + qk_rope_head_dim, DeepSeek-V2 §2.1.2); standard
// multi-head attention with the same heads would keep per-head K and V.
int64_t MlaCacheValuesPerTokenPerLayer(const ModelConfig& c);
int64_t MhaCacheValuesPerTokenPerLayer(const ModelConfig& c);

}  // namespace minke::model
