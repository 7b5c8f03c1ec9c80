// AdamW (Loshchilov & Hutter 2019: weight decay decoupled from the adaptive
// step), global gradient-norm clipping, the warmup / constant / cosine-decay
// learning-rate schedule of DeepSeek-V3 §4.2, and the auxiliary-loss-free
// load-balancing update of e_score_correction_bias (V3 §2.1.2).
//
// The update matches torch.optim.AdamW applied after
// torch.nn.utils.clip_grad_norm_ (tests/train/golden_grad_test.cc checks it
// against one step of those). Weight decay applies to matrices only, not to
// norms, biases or the router's correction bias (which Adam never touches:
// it has no gradient; the balancing rule moves it).
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "train/params.h"

namespace minke::train {

struct AdamWConfig {
  double beta1 = 0.9, beta2 = 0.95;  // V3 §4.2
  double eps = 1e-8;
  double weight_decay = 0.1;  // V3 §4.2
  double grad_clip = 1.0;     // max global grad norm; <= 0 disables
};

class AdamW {
 public:
  AdamW(const ParamSet& p, AdamWConfig cfg);
  // Updates p->data() from p->grad() clipped to the global norm (the clipped
  // gradient is used on the fly; p->grad() is left as it was). Returns the
  // gradient norm before clipping.
  double Step(ParamSet* p, double lr);

  int64_t steps() const { return t_; }
  // Moments as one flat buffer each (the ParamSet layout), for checkpoints.
  std::vector<float>& m() { return m_; }
  std::vector<float>& v() { return v_; }
  void set_steps(int64_t t) { t_ = t; }

 private:
  AdamWConfig cfg_;
  std::vector<float> m_, v_;
  struct Range {
    int64_t offset, numel;
    bool decay;
  };
  std::vector<Range> ranges_;  // trainable tensors, in chunks (see the constructor)
  int64_t t_ = 0;
};

// Learning rate at `step` (0-based): linear warmup over warmup_steps to
// max_lr, constant until decay_start, then cosine decay to min_lr at
// total_steps.
struct LrSchedule {
  double max_lr = 3e-4, min_lr = 3e-5;
  int64_t warmup_steps = 0, decay_start = 0, total_steps = 1;
  double At(int64_t step) const;
};

// Aux-loss-free balancing: for each MoE layer, b_i += gamma * sign(mean load
// - load_i) — overloaded experts become less attractive to the router.
// `load` holds one [E] count vector per MoE layer, main-model layers in order.
void UpdateCorrectionBias(ParamSet* p, const std::vector<std::vector<int64_t>>& load, double gamma);

// max_i load_i / mean load, the imbalance a progress bar shows (1 = even),
// averaged over layers.
double LoadImbalance(const std::vector<std::vector<int64_t>>& load);

}  // namespace minke::train
