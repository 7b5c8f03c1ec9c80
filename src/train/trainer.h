// The training loop: batches in, an improving checkpoint out.
//
// Each step: zero grads; for each of grad_accum micro-batches, forward and
// backward (model_grad.h) with loss scale 1/grad_accum; clip; AdamW at the
// scheduled learning rate; then the aux-loss-free bias update from the
// step's expert loads. Every checkpoint_every steps the whole state is saved
// (weights, Adam moments, step) under OUT/checkpoints/step-N and OUT/latest
// is switched to it atomically; batches are a pure function of (seed, step),
// so a resumed run continues bit for bit as if never stopped.
//
// OUT/metrics.jsonl gets one JSON line per logged step; OUT/model/ holds the
// final weights in the Hugging Face layout. A NaN/Inf loss stops the run
// with an error; the last good checkpoint stays as it was.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "train/train_config.h"

namespace minke::train {

// Where tokens come from: both fill `tokens` with [batch, seq_len + 1] ids.
struct DataSource {
  // The micro-batch `micro` of optimizer step `step`; must depend on nothing else.
  std::function<Status(int64_t step, int64_t micro, int64_t batch, int64_t seq_len, std::vector<int32_t>* tokens)>
      train;
  // Validation batch i (0 <= i < eval_batches); absent: no validation.
  std::function<Status(int64_t i, int64_t batch, int64_t seq_len, std::vector<int32_t>* tokens)> val;
};

struct StepReport {
  int64_t step = 0, total_steps = 0, tokens = 0;
  // loss: the main next-token cross-entropy (comparable with val_loss);
  // objective: what is minimised (loss + MTP + balance terms).
  double loss = 0, objective = 0, lr = 0, grad_norm = 0, tokens_per_s = 0, imbalance = 1, elapsed_s = 0;
  double val_loss = -1;  // < 0: not evaluated this step
};

struct TrainResult {
  int64_t steps_run = 0, first_step = 0, tokens = 0;
  double wall_seconds = 0, final_loss = 0, final_val_loss = -1;  // final_loss: cross-entropy
  double flops = 0;  // analytic matmul FLOPs of the steps run (forward + backward)
};

struct TrainOptions {
  bool resume = true;                              // continue from OUT/latest when present
  int64_t stop_after = 0;                          // > 0: stop after this many steps without saving, as if killed
  std::function<void(const StepReport&)> on_step;  // progress display
};

Status Train(const TrainConfig& cfg, const DataSource& data, const TrainOptions& opt, TrainResult* result);

}  // namespace minke::train
