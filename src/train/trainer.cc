#include "train/trainer.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "core/mapped_file.h"
#include "data/cost.h"
#include "io/model_loader.h"
#include "io/safetensors.h"
#include "model/rope.h"
#include "train/params.h"

namespace minke::train {
namespace {

using Clock = std::chrono::steady_clock;

Status MakeDir(const std::string& d) {
  if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) return Status::Error(d + ": cannot create directory");
  return Status::Ok();
}

std::string StepName(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%08lld", static_cast<long long>(step));
  return buf;
}

// The full training state at the end of `step` (steps 0..step done).
Status SaveCheckpoint(const std::string& out, int64_t step, const ParamSet& p, AdamW& opt, int64_t tokens, double wall,
                      int keep) {
  const std::string dir = out + "/checkpoints/" + StepName(step);
  MINKE_RETURN_IF_ERROR(MakeDir(out + "/checkpoints"));
  MINKE_RETURN_IF_ERROR(p.Save(dir));
  const int64_t n = static_cast<int64_t>(opt.m().size());
  MINKE_RETURN_IF_ERROR(
      io::WriteSafetensors(dir + "/optimizer.safetensors",
                           {{"adam.m", DType::F32, {n}, opt.m().data()}, {"adam.v", DType::F32, {n}, opt.v().data()}}));
  nlohmann::json st = {{"step", step}, {"adam_steps", opt.steps()}, {"tokens", tokens}, {"wall_seconds", wall}};
  const std::string s = st.dump(2) + "\n";
  MINKE_RETURN_IF_ERROR(WriteFileAtomic(dir + "/trainer_state.json", s.data(), s.size()));
  // Switch `latest` only once the checkpoint is complete.
  const std::string name = StepName(step) + "\n";
  MINKE_RETURN_IF_ERROR(WriteFileAtomic(out + "/latest", name.data(), name.size()));
  // Prune older checkpoints beyond `keep`.
  std::vector<std::string> all;
  if (DIR* d = ::opendir((out + "/checkpoints").c_str())) {
    while (dirent* e = ::readdir(d))
      if (std::string(e->d_name).rfind("step-", 0) == 0) all.push_back(e->d_name);
    ::closedir(d);
  }
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i + keep < all.size(); ++i) {
    const std::string victim = out + "/checkpoints/" + all[i];
    if (all[i] == StepName(step)) continue;
    for (const char* f : {"model.safetensors", "config.json", "optimizer.safetensors", "trainer_state.json"})
      ::unlink((victim + "/" + f).c_str());
    ::rmdir(victim.c_str());
  }
  return Status::Ok();
}

struct Resumed {
  int64_t next_step = 0, tokens = 0;
  double wall = 0;
};

Status LoadCheckpoint(const std::string& out, ParamSet* p, AdamW* opt, Resumed* r) {
  auto latest = ReadFileToString(out + "/latest");
  if (!latest.ok()) return latest.status();
  std::string name = *latest;
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  const std::string dir = out + "/checkpoints/" + name;
  MINKE_RETURN_IF_ERROR(p->LoadCheckpoint(dir));
  MINKE_ASSIGN_OR_RETURN(auto of, io::SafetensorsFile::Open(dir + "/optimizer.safetensors"));
  for (const char* key : {"adam.m", "adam.v"}) {
    auto it = of->contents().tensors.find(key);
    if (it == of->contents().tensors.end() || it->second.dtype != DType::F32 ||
        it->second.numel() != static_cast<int64_t>(opt->m().size()))
      return Status::Error(dir + "/optimizer.safetensors: " + key + " is missing or does not match the model");
    std::vector<float>& dst = std::string(key) == "adam.m" ? opt->m() : opt->v();
    std::memcpy(dst.data(), it->second.data, dst.size() * sizeof(float));
  }
  MINKE_ASSIGN_OR_RETURN(std::string js, ReadFileToString(dir + "/trainer_state.json"));
  nlohmann::json st = nlohmann::json::parse(js, nullptr, false);
  if (st.is_discarded() || !st.is_object() || !st.contains("step") || !st["step"].is_number_integer() ||
      !st.contains("adam_steps") || !st["adam_steps"].is_number_integer())
    return Status::Error(dir + "/trainer_state.json: malformed");
  r->next_step = st["step"].get<int64_t>() + 1;
  opt->set_steps(st["adam_steps"].get<int64_t>());
  r->tokens = st.value("tokens", int64_t{0});
  r->wall = st.value("wall_seconds", 0.0);
  return Status::Ok();
}

// Keeps metrics.jsonl consistent with a resumed run: drops the lines of
// steps after the checkpoint (their "step" is 1-based: steps done).
Status TruncateMetrics(const std::string& path, int64_t last_step) {
  auto text = ReadFileToString(path);
  if (!text.ok()) return Status::Ok();  // no log yet
  std::istringstream in(*text);
  std::string line, kept;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("step") && j["step"].is_number_integer() && j["step"].get<int64_t>() > last_step)
      continue;
    kept += line + "\n";
  }
  return WriteFileAtomic(path, kept.data(), kept.size());
}

double Finite(double x) { return std::isfinite(x) ? x : 0.0; }

}  // namespace

Status Train(const TrainConfig& cfg, const DataSource& data, const TrainOptions& opt, TrainResult* result) {
  SetGemmPrecision(cfg.precision);
  KeepFreedMemoryForReuse();
  model::ModelConfig mc;
  if (!cfg.init_from.empty()) {
    MINKE_ASSIGN_OR_RETURN(mc, io::LoadConfig(cfg.init_from));
  } else {
    MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(cfg.model_config));
    auto parsed = model::ParseModelConfig(text);
    if (!parsed.ok()) return Status::Error(cfg.model_config + ": " + parsed.status().message());
    mc = *parsed;
  }
  if (cfg.seq_len > mc.max_position_embeddings)
    return Status::Error("[train] seq_len " + std::to_string(cfg.seq_len) + " exceeds the model's " +
                         "max_position_embeddings " + std::to_string(mc.max_position_embeddings));
  MINKE_ASSIGN_OR_RETURN(ParamSet p, ParamSet::Create(mc));
  AdamW adam(p, cfg.adam);
  MINKE_RETURN_IF_ERROR(MakeDir(cfg.out_dir));
  Resumed r;
  const bool have_latest = ::access((cfg.out_dir + "/latest").c_str(), F_OK) == 0;
  if (opt.resume && have_latest) {
    MINKE_RETURN_IF_ERROR(LoadCheckpoint(cfg.out_dir, &p, &adam, &r));
  } else if (!cfg.init_from.empty()) {
    MINKE_RETURN_IF_ERROR(p.LoadCheckpoint(cfg.init_from));
  } else {
    p.InitRandom(cfg.seed);
  }
  const std::string metrics_path = cfg.out_dir + "/metrics.jsonl";
  if (r.next_step > 0)
    MINKE_RETURN_IF_ERROR(TruncateMetrics(metrics_path, r.next_step));
  else
    MINKE_RETURN_IF_ERROR(WriteFileAtomic(metrics_path, "", 0));
  std::FILE* metrics = std::fopen(metrics_path.c_str(), "a");
  if (!metrics) return Status::Error(metrics_path + ": cannot open for appending");
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{metrics};

  const model::Rope rope = model::MakeRope(mc);
  const double flops_per_token = data::ComputeFromConfig(mc, cfg.seq_len, true).train_flops_per_token();
  const int64_t tokens_per_step = cfg.batch_size * cfg.seq_len * cfg.grad_accum;
  *result = TrainResult{};
  result->first_step = r.next_step;
  int64_t tokens = r.tokens;
  const auto t_start = Clock::now();
  std::vector<int32_t> batch;
  int64_t last_saved = r.next_step - 1;

  auto evaluate = [&](double* val) -> Status {
    if (!data.val) return Status::Ok();
    double sum = 0.0;
    for (int64_t i = 0; i < cfg.eval_batches; ++i) {
      MINKE_RETURN_IF_ERROR(data.val(i, cfg.batch_size, cfg.seq_len, &batch));
      StepStats st;
      MINKE_RETURN_IF_ERROR(
          ForwardBackward(p, rope, cfg.loss, batch.data(), cfg.batch_size, cfg.seq_len, false, 1.0f, &st));
      sum += st.ce;
    }
    *val = sum / cfg.eval_batches;
    return Status::Ok();
  };

  for (int64_t step = r.next_step; step < cfg.steps; ++step) {
    const auto t0 = Clock::now();
    p.ZeroGrad();
    StepStats total;
    std::vector<std::vector<int64_t>> load;
    for (int64_t micro = 0; micro < cfg.grad_accum; ++micro) {
      MINKE_RETURN_IF_ERROR(data.train(step, micro, cfg.batch_size, cfg.seq_len, &batch));
      StepStats st;
      MINKE_RETURN_IF_ERROR(ForwardBackward(p, rope, cfg.loss, batch.data(), cfg.batch_size, cfg.seq_len, true,
                                            1.0f / static_cast<float>(cfg.grad_accum), &st));
      total.loss += st.loss / cfg.grad_accum;
      total.ce += st.ce / cfg.grad_accum;
      total.balance += st.balance / cfg.grad_accum;
      if (load.empty()) load = st.expert_load;
      for (size_t l = 0; l < load.size(); ++l)
        for (size_t e = 0; e < load[l].size(); ++e) load[l][e] += micro > 0 ? st.expert_load[l][e] : 0;
    }
    auto diverged = [&](const std::string& what) {
      return Status::Error(
          what + " at step " + std::to_string(step + 1) + "; stopping. The last good checkpoint is " +
          (last_saved >= 0 ? cfg.out_dir + "/checkpoints/" + StepName(last_saved) : std::string("(none yet)")));
    };
    if (!std::isfinite(total.loss)) return diverged("loss is " + std::to_string(total.loss));
    const double lr = cfg.lr.At(step);
    const double gnorm = adam.Step(&p, lr);
    if (!std::isfinite(gnorm)) return diverged("loss is finite but the gradient norm is " + std::to_string(gnorm));
    UpdateCorrectionBias(&p, load, cfg.bias_update_speed);
    tokens += tokens_per_step;

    StepReport rep;
    rep.step = step + 1;
    rep.total_steps = cfg.steps;
    rep.tokens = tokens;
    rep.loss = total.ce;
    rep.objective = total.loss;
    rep.lr = lr;
    rep.grad_norm = gnorm;
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    rep.tokens_per_s = tokens_per_step / std::max(dt, 1e-9);
    rep.imbalance = LoadImbalance(load);
    rep.elapsed_s = std::chrono::duration<double>(Clock::now() - t_start).count() + r.wall;
    const bool last = step + 1 == cfg.steps;
    if ((cfg.eval_every > 0 && (step + 1) % cfg.eval_every == 0) || last) {
      MINKE_RETURN_IF_ERROR(evaluate(&rep.val_loss));
      if (data.val) result->final_val_loss = rep.val_loss;
    }
    if ((step + 1) % cfg.log_every == 0 || last || rep.val_loss >= 0) {
      nlohmann::json j = {{"step", rep.step},
                          {"tokens", rep.tokens},
                          {"loss", rep.loss},
                          {"objective", rep.objective},
                          {"balance_loss", total.balance},
                          {"lr", rep.lr},
                          {"grad_norm", Finite(rep.grad_norm)},
                          {"tokens_per_s", rep.tokens_per_s},
                          {"expert_load_imbalance", rep.imbalance},
                          {"elapsed_s", rep.elapsed_s}};
      if (rep.val_loss >= 0) j["val_loss"] = rep.val_loss;
      std::fprintf(metrics, "%s\n", j.dump().c_str());
      std::fflush(metrics);
    }
    if (opt.on_step) opt.on_step(rep);
    result->final_loss = rep.loss;
    ++result->steps_run;
    if (step + 1 == opt.stop_after) break;  // as if killed here: no checkpoint
    if ((cfg.checkpoint_every > 0 && (step + 1) % cfg.checkpoint_every == 0) || last) {
      for (float v : p.data())
        if (!std::isfinite(v)) return diverged("loss is finite but the weights are not (lr too high?)");
      MINKE_RETURN_IF_ERROR(
          SaveCheckpoint(cfg.out_dir, step, p, adam, tokens, rep.elapsed_s, static_cast<int>(cfg.keep_checkpoints)));
      last_saved = step;
    }
  }
  result->tokens = tokens;
  result->wall_seconds = std::chrono::duration<double>(Clock::now() - t_start).count();
  result->flops = flops_per_token * static_cast<double>(result->steps_run * tokens_per_step);
  if (r.next_step + result->steps_run >= cfg.steps) MINKE_RETURN_IF_ERROR(p.Save(cfg.out_dir + "/model"));
  return Status::Ok();
}

}  // namespace minke::train
