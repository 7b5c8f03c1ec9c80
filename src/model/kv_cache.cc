#include "model/kv_cache.h"

namespace minke::model {

LatentCache::LatentCache(const ModelConfig& c, int64_t capacity)
    : capacity_(capacity),
      row_(c.kv_lora_rank + c.qk_rope_head_dim),
      layers_(c.num_hidden_layers + c.num_nextn_predict_layers),
      data_(static_cast<size_t>(layers_ * capacity * row_)) {}  // sizes are bounded by config validation

}  // namespace minke::model
