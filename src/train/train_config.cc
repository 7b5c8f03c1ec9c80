#include "train/train_config.h"

#include <toml++/toml.h>
#include <functional>
#include <map>

#include "core/mapped_file.h"

namespace minke::train {
namespace {

using Setter = std::function<Status(const toml::node&, const std::string&)>;

Setter Int(int64_t* v, int64_t min) {
  return [v, min](const toml::node& n, const std::string& key) {
    if (!n.is_integer()) return Status::Error(key + ": expected an integer");
    const int64_t x = *n.value<int64_t>();
    if (x < min) return Status::Error(key + ": must be >= " + std::to_string(min) + ", got " + std::to_string(x));
    *v = x;
    return Status::Ok();
  };
}
Setter Seed(uint64_t* v) {
  return [v](const toml::node& n, const std::string& key) {
    if (!n.is_integer() || *n.value<int64_t>() < 0) return Status::Error(key + ": expected a non-negative integer");
    *v = static_cast<uint64_t>(*n.value<int64_t>());
    return Status::Ok();
  };
}
Setter Num(double* v, double min, double max) {
  return [v, min, max](const toml::node& n, const std::string& key) {
    std::optional<double> d = n.value_exact<double>();
    if (!d && n.is_integer()) d = static_cast<double>(*n.value<int64_t>());
    if (!d) return Status::Error(key + ": expected a number");
    if (!(*d >= min && *d <= max))
      return Status::Error(key + ": must be in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " +
                           std::to_string(*d));
    *v = *d;
    return Status::Ok();
  };
}
Setter Str(std::string* v) {
  return [v](const toml::node& n, const std::string& key) {
    if (!n.is_string()) return Status::Error(key + ": expected a string");
    *v = *n.value<std::string>();
    return Status::Ok();
  };
}

}  // namespace

std::string PrecisionName(Precision p) {
  return p == Precision::kF32 ? "fp32" : p == Precision::kBF16 ? "bf16" : "fp8";
}

Result<TrainConfig> ParseTrainConfig(const std::string& text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status::Error(name + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
                         std::string(e.description()));
  }
  TrainConfig c;
  c.text = text;
  std::string precision = "fp32";
  int64_t decay_start = -1;
  const double inf = 1e300;
  std::map<std::string, std::map<std::string, Setter>> keys = {
      {"model", {{"config", Str(&c.model_config)}, {"init_from", Str(&c.init_from)}}},
      {"data", {{"dir", Str(&c.data_dir)}, {"tokenizer", Str(&c.tokenizer)}}},
      {"train",
       {{"out_dir", Str(&c.out_dir)},
        {"steps", Int(&c.steps, 1)},
        {"batch_size", Int(&c.batch_size, 1)},
        {"seq_len", Int(&c.seq_len, 2)},
        {"grad_accum", Int(&c.grad_accum, 1)},
        {"seed", Seed(&c.seed)},
        {"precision", Str(&precision)},
        {"eval_every", Int(&c.eval_every, 0)},
        {"eval_batches", Int(&c.eval_batches, 1)},
        {"checkpoint_every", Int(&c.checkpoint_every, 0)},
        {"keep_checkpoints", Int(&c.keep_checkpoints, 1)},
        {"log_every", Int(&c.log_every, 1)}}},
      {"optimizer",
       {{"lr", Num(&c.lr.max_lr, 0, 10)},
        {"min_lr", Num(&c.lr.min_lr, 0, 10)},
        {"warmup_steps", Int(&c.lr.warmup_steps, 0)},
        {"decay_start", Int(&decay_start, 0)},
        {"beta1", Num(&c.adam.beta1, 0, 0.999999)},
        {"beta2", Num(&c.adam.beta2, 0, 0.999999)},
        {"eps", Num(&c.adam.eps, 0, 1)},
        {"weight_decay", Num(&c.adam.weight_decay, 0, 10)},
        {"grad_clip", Num(&c.adam.grad_clip, 0, inf)}}},
      {"recipe",
       {{"mtp_lambda", Num(&c.loss.mtp_lambda, 0, inf)},
        {"balance_alpha", Num(&c.loss.balance_alpha, 0, inf)},
        {"bias_update_speed", Num(&c.bias_update_speed, 0, inf)}}},
      {"ledger", {{"price_per_hour", Num(&c.price_per_hour, 0, inf)}, {"watts", Num(&c.watts, 0, inf)}}},
  };
  for (const auto& [section, node] : root) {
    const std::string s(section.str());
    auto sk = keys.find(s);
    if (sk == keys.end()) return Status::Error(name + ": unknown section [" + s + "]");
    const toml::table* t = node.as_table();
    if (!t) return Status::Error(name + ": [" + s + "] must be a table");
    for (const auto& [key, value] : *t) {
      const std::string k(key.str());
      auto setter = sk->second.find(k);
      if (setter == sk->second.end()) return Status::Error(name + ": unknown key [" + s + "] " + k);
      MINKE_RETURN_IF_ERROR(setter->second(value, name + ": [" + s + "] " + k));
    }
  }
  if (precision == "fp32")
    c.precision = Precision::kF32;
  else if (precision == "bf16")
    c.precision = Precision::kBF16;
  else if (precision == "fp8")
    c.precision = Precision::kFP8;
  else
    return Status::Error(name + ": [train] precision: expected \"fp32\", \"bf16\" or \"fp8\", got \"" + precision +
                         "\"");
  if (c.model_config.empty() == c.init_from.empty())
    return Status::Error(name + ": [model] needs exactly one of config (a new model) or init_from (a checkpoint)");
  if (c.data_dir.empty()) return Status::Error(name + ": [data] dir is required");
  c.lr.total_steps = c.steps;
  c.lr.decay_start = decay_start >= 0 ? decay_start : c.steps * 8 / 10;
  if (c.lr.warmup_steps > c.steps) return Status::Error(name + ": [optimizer] warmup_steps exceeds [train] steps");
  if (c.lr.min_lr > c.lr.max_lr) return Status::Error(name + ": [optimizer] min_lr exceeds lr");
  return c;
}

Result<TrainConfig> LoadTrainConfig(const std::string& path) {
  std::string text;
  MINKE_ASSIGN_OR_RETURN(text, ReadFileToString(path));
  return ParseTrainConfig(text, path);
}

}  // namespace minke::train
