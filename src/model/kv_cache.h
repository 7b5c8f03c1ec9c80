// LatentCache: the KV cache of one sequence under Multi-head Latent
// Attention (DeepSeek-V2 §2.1.2). Per layer and position it keeps only the
// normalised latent c_kv [kv_lora_rank] and the RoPE'd shared key k_pe
// [qk_rope_head_dim] — 576 values per token per layer for DeepSeek-V3,
// instead of per-head keys and values. MTP modules get their own layers
// after the main ones. Owned by one sequence; not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "core/buffer.h"
#include "model/config.h"

namespace minke::model {

class LatentCache {
 public:
  // Room for `capacity` positions in each of the main layers and MTP modules.
  LatentCache(const ModelConfig& c, int64_t capacity);

  int64_t capacity() const { return capacity_; }
  int64_t row_size() const { return row_; }   // kv_lora_rank + qk_rope_head_dim
  int64_t layers() const { return layers_; }  // main layers + MTP modules
  // Positions already cached (the next token's position).
  int64_t length() const { return length_; }
  // REQUIRES: 0 <= n <= capacity().
  void set_length(int64_t n) { length_ = n; }
  // Rows [capacity, row_size] of `layer` (0..L-1 main, L.. MTP modules).
  float* layer(int64_t layer) { return &data_[static_cast<size_t>(layer * capacity_ * row_)]; }
  size_t bytes() const { return data_.size() * sizeof(float); }

 private:
  int64_t capacity_, row_, layers_, length_ = 0;
  HugePageVector<float> data_;  // read whole every decode step
};

}  // namespace minke::model
