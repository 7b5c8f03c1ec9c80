// `minke train --config FILE.toml`: pretrain (or continue training) a
// DeepSeek-V3-style model on token shards from `minke data tokenize`
// (src/train/trainer.h), with a progress line, OUT/metrics.jsonl, resumable
// checkpoints, and at the end OUT/model/ — the weights in the Hugging Face
// layout with the tokenizer, provenance.json and MODEL_CARD.md (the ledger,
// src/data/provenance.h). Rerunning the same command after a kill resumes.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/atomic_file.h"
#include "core/mapped_file.h"
#include "data/hardware.h"
#include "data/provenance.h"
#include "data/token_dataset.h"
#include "kernels/cpu/gemm.h"
#include "train/trainer.h"

namespace minke::cli {
namespace {

struct TrainArgs {
  std::string config, out;
  int64_t steps = 0;
  bool no_resume = false, no_progress = false;
};

void DrawStep(const train::StepReport& r) {
  const double eta = r.step > 0 ? r.elapsed_s / r.step * (r.total_steps - r.step) : -1;
  const double frac = static_cast<double>(r.step) / r.total_steps;
  char bar[21];
  for (int i = 0; i < 20; ++i) bar[i] = i < static_cast<int>(frac * 20) ? '#' : '.';
  bar[20] = '\0';
  char val[32] = "";
  if (r.val_loss >= 0) std::snprintf(val, sizeof val, " val %.3f", r.val_loss);
  std::fprintf(stderr, "\rstep %lld/%lld [%s] loss %.3f%s  lr %.2e  %.0f tok/s  imbalance %.2f  ETA %s   ",
               static_cast<long long>(r.step), static_cast<long long>(r.total_steps), bar, r.loss, val, r.lr,
               r.tokens_per_s, r.imbalance, Clock(eta).c_str());
  if (r.val_loss >= 0 || r.step == r.total_steps) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

Status CopyFile(const std::string& from, const std::string& to) {
  MINKE_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(from));
  return WriteFileAtomic(to, bytes.data(), bytes.size());
}

Status RunTrain(const TrainArgs& a) {
  MINKE_ASSIGN_OR_RETURN(train::TrainConfig cfg, train::LoadTrainConfig(a.config));
  if (!a.out.empty()) cfg.out_dir = a.out;
  if (a.steps > 0) {
    cfg.steps = cfg.lr.total_steps = a.steps;
    cfg.lr.decay_start = std::min(cfg.lr.decay_start, a.steps);
  }
  // Everything that can be wrong is checked before the first step.
  MINKE_ASSIGN_OR_RETURN(data::TokenDataset ds, data::TokenDataset::Open(cfg.data_dir, cfg.seed));
  const std::string model_cfg = cfg.init_from.empty() ? cfg.model_config : cfg.init_from + "/config.json";
  MINKE_ASSIGN_OR_RETURN(std::string mc_text, ReadFileToString(model_cfg));
  auto mc = model::ParseModelConfig(mc_text);
  if (!mc.ok()) return Status::Error(model_cfg + ": " + mc.status().message());
  if (ds.vocab_size() > mc->vocab_size)
    return Status::Error(cfg.data_dir + ": tokens use a vocabulary of " + std::to_string(ds.vocab_size()) +
                         " ids but the model's vocab_size is " + std::to_string(mc->vocab_size));
  const int64_t need = cfg.seq_len + 1;
  if (ds.num_tokens(data::Split::kTrain) < static_cast<uint64_t>(need))
    return Status::Error(cfg.data_dir + ": the train split has fewer than seq_len + 1 tokens");
  std::string tokenizer = cfg.tokenizer.empty() ? ds.meta().tokenizer_path : cfg.tokenizer;

  train::DataSource source;
  source.train = [&ds, &cfg](int64_t step, int64_t micro, int64_t B, int64_t T, std::vector<int32_t>* out) {
    return ds.Batch(data::Split::kTrain, static_cast<uint64_t>(step * cfg.grad_accum + micro), static_cast<int>(B),
                    static_cast<int>(T), out);
  };
  const uint64_t windows = ds.NumWindows(data::Split::kVal, static_cast<int>(cfg.seq_len));
  if (windows > 0)
    source.val = [&ds, windows](int64_t i, int64_t B, int64_t T, std::vector<int32_t>* out) {
      out->resize(static_cast<size_t>(B * (T + 1)));
      for (int64_t b = 0; b < B; ++b)
        MINKE_RETURN_IF_ERROR(ds.Window(data::Split::kVal, static_cast<uint64_t>(i * B + b) % windows,
                                        static_cast<int>(T), out->data() + b * (T + 1)));
      return Status::Ok();
    };
  else
    std::fprintf(stderr, "minke train: the val split is shorter than one window; no validation loss\n");

  train::TrainOptions opt;
  opt.resume = !a.no_resume;
  const bool progress = !a.no_progress && ::isatty(2);
  opt.on_step = [progress](const train::StepReport& r) {
    if (progress)
      DrawStep(r);
    else if (r.val_loss >= 0 || r.step == r.total_steps || r.step % 50 == 0)
      std::fprintf(stderr, "step %lld/%lld loss %.4f%s lr %.3g %.0f tok/s\n", static_cast<long long>(r.step),
                   static_cast<long long>(r.total_steps), r.loss,
                   r.val_loss >= 0 ? (" val " + std::to_string(r.val_loss)).c_str() : "", r.lr, r.tokens_per_s);
  };
  const std::string started = data::UtcNow();
  train::TrainResult res;
  MINKE_RETURN_IF_ERROR(train::Train(cfg, source, opt, &res));
  if (res.first_step + res.steps_run < cfg.steps) return Status::Ok();

  // The ledger, beside the final weights.
  const std::string model_dir = cfg.out_dir + "/model";
  if (!tokenizer.empty() && ::access(tokenizer.c_str(), R_OK) == 0)
    MINKE_RETURN_IF_ERROR(CopyFile(tokenizer, model_dir + "/tokenizer.json"));
  data::RunRecord rec;
  rec.model_name = cfg.out_dir;
  MINKE_ASSIGN_OR_RETURN(rec.inputs, data::TokenShardInputs(cfg.data_dir));
  rec.config_text = cfg.text;
  rec.config_format = "toml";
  rec.seed = cfg.seed;
  rec.hardware = data::DetectHardware();
  rec.threads = kernels::NumThreads();
  rec.steps = static_cast<uint64_t>(cfg.steps);
  rec.tokens_seen = static_cast<uint64_t>(res.tokens);
  rec.started_at = started;
  rec.finished_at = data::UtcNow();
  rec.wall_seconds = res.wall_seconds;
  rec.flops = res.flops;
  rec.flops_method = "analytic: (6 x matmul params per token + 3 x causal attention FLOPs) x tokens (data/cost.h)";
  rec.peak_flops = data::MeasureGemmPeakFlops();
  rec.peak_method = "measured: fp32 SGEMM 1024^3 on this machine (OpenBLAS), best of 3";
  rec.power_watts = cfg.watts;
  rec.price_per_hour = cfg.price_per_hour;
  rec.final_train_loss = res.final_loss;
  if (res.final_val_loss >= 0) rec.final_val_loss = res.final_val_loss;
  MINKE_RETURN_IF_ERROR(data::WriteProvenance(model_dir, rec));
  const data::DerivedFigures f = data::Derive(rec);
  std::fprintf(stderr,
               "minke train: %lld steps, %lld tokens in %.1f s; final loss %.4f, val %.4f; %.2f GFLOP/s (MFU %.1f%%)\n"
               "  model: %s (provenance.json, MODEL_CARD.md)\n",
               static_cast<long long>(res.steps_run), static_cast<long long>(res.tokens), res.wall_seconds,
               res.final_loss, res.final_val_loss, f.achieved_flops_per_s / 1e9, 100 * f.mfu, model_dir.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterTrain(CLI::App& app, Action* action) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train a DeepSeek-V3-style MoE model (resumes from OUT/latest)");
  cmd->add_option("--config", a->config, "Training config (TOML; see examples/train_tiny.toml)")->required();
  cmd->add_option("--out", a->out, "Run directory (overrides [train] out_dir)");
  cmd->add_option("--steps", a->steps, "Override [train] steps");
  cmd->add_flag("--no-resume", a->no_resume, "Start over even if OUT/latest exists");
  cmd->add_flag("--no-progress", a->no_progress, "Plain log lines instead of the progress bar");
  cmd->callback([=] { *action = [=] { return RunTrain(*a); }; });
}

}  // namespace minke::cli
