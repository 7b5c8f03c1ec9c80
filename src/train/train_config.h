// The configuration of a training run, read from TOML. Every key has the
// DeepSeek-V3 paper's value as its default where the paper gives one;
// unknown sections or keys, wrong types and impossible values are errors
// naming the key, before any work starts.
//
//   [model]     config = "config.json" (HF keys)  | init_from = "checkpoint dir"
//   [data]      dir = "shards dir" (minke data tokenize)  tokenizer = "tokenizer.json"
//   [train]     out_dir, steps, batch_size, seq_len, grad_accum, seed, precision ("fp32"|"bf16"|"fp8"),
//               eval_every, eval_batches, checkpoint_every, keep_checkpoints, log_every
//   [optimizer] lr, min_lr, warmup_steps, decay_start, beta1, beta2, eps, weight_decay, grad_clip
//   [recipe]    mtp_lambda, balance_alpha, bias_update_speed
//   [ledger]    price_per_hour, watts
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "train/layers.h"
#include "train/model_grad.h"
#include "train/optimizer.h"

namespace minke::train {

struct TrainConfig {
  std::string model_config, init_from;
  std::string data_dir, tokenizer;
  std::string out_dir = "run";
  int64_t steps = 100, batch_size = 8, seq_len = 128, grad_accum = 1;
  uint64_t seed = 0;
  Precision precision = Precision::kF32;
  int64_t eval_every = 50, eval_batches = 8, checkpoint_every = 50, keep_checkpoints = 2, log_every = 1;
  LrSchedule lr;  // decay_start defaults to 80% of steps (set by Parse when absent)
  AdamWConfig adam;
  LossWeights loss;
  double bias_update_speed = 0.001;  // gamma, V3 §4.2
  double price_per_hour = 0.0, watts = 0.0;
  std::string text;  // the TOML as given (recorded in the ledger)
};

// Parses TOML text; `name` prefixes errors (usually the file path).
Result<TrainConfig> ParseTrainConfig(const std::string& text, const std::string& name);
Result<TrainConfig> LoadTrainConfig(const std::string& path);

std::string PrecisionName(Precision p);

}  // namespace minke::train
