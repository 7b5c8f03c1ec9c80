// ParamSet: the trainable parameters of a model as one flat float32 buffer
// (the FP32 master weights), a gradient buffer of the same layout, and
// ModelWeights views into each — so the training code, the inference code
// (model::Transformer) and the checkpoint writer all see the same tensors
// under their Hugging Face names (model/layout.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/config.h"
#include "model/layout.h"
#include "model/weights.h"

namespace minke::train {

struct ParamEntry {
  std::string name;
  std::vector<int64_t> shape;
  model::TensorRole role;
  int64_t offset = 0, numel = 0;
};

class ParamSet {
 public:
  // All parameters of `c` (MTP modules included), zero-initialised.
  static Result<ParamSet> Create(const model::ModelConfig& c);
  ParamSet(ParamSet&&) = default;
  ParamSet& operator=(ParamSet&&) = default;
  ParamSet(const ParamSet&) = delete;

  // transformers' initialisation: weights ~ N(0, init_std), norms 1, biases 0.
  void InitRandom(uint64_t seed, float init_std = 0.02f);
  // Copies every tensor of a checkpoint directory (any stored dtype) in.
  Status LoadCheckpoint(const std::string& dir);
  // Writes DIR/model.safetensors (float32) + DIR/config.json atomically; the
  // result loads in minke and in transformers' DeepseekV3ForCausalLM.
  Status Save(const std::string& dir) const;

  const model::ModelConfig& config() const { return config_; }
  const std::vector<ParamEntry>& entries() const { return entries_; }
  const model::ModelWeights& weights() const { return weights_; }
  // Views into grad(); same structure as weights() (tied tensors alias).
  const model::ModelWeights& grads() const { return grads_; }
  std::vector<float>& data() { return data_; }
  const std::vector<float>& data() const { return data_; }
  std::vector<float>& grad() { return grad_; }
  const std::vector<float>& grad() const { return grad_; }
  void ZeroGrad();

 private:
  ParamSet() = default;
  model::ModelConfig config_;
  std::vector<ParamEntry> entries_;
  std::vector<float> data_, grad_;
  model::ModelWeights weights_, grads_;
};

// A mutable float pointer to a view into a ParamSet buffer (the views hold
// const pointers because inference never writes weights).
inline float* Mut(const TensorView& v) { return const_cast<float*>(static_cast<const float*>(v.data)); }

}  // namespace minke::train
