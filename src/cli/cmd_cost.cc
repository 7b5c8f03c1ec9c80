// `minke cost`: what training a model would cost: FLOPs, GPU-hours, energy
// and money (src/data/cost.h states the formulas). `--compare` shows several
// hardware profiles and dense-vs-MoE side by side; `--calibrate-deepseek-v3`
// reproduces DeepSeek-V3's published 2.788M GPU-hours / $5.576M and states
// the MFU that takes.
#include <cmath>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "core/mapped_file.h"
#include "data/cost.h"

namespace minke::cli {
namespace {

struct CostArgs {
  std::string config, preset, total, active, tokens, hardware = "h800", precision = "bf16", compare;
  std::string peak_flops, solve_gpu_hours;
  double watts = 0, mfu = 0.4, price = 2.0, electricity = 0.10, pue = 1.2;
  int64_t gpus = 0, seq_len = 4096;
  bool include_mtp = false, calibrate = false;
};

// "671B", "14.8T", "2.664M", "37e9" -> a number.
Result<double> ParseCount(const std::string& s, const std::string& flag) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str()) return Status::Error(flag + ": expected a number like 37e9 or 37B, got '" + s + "'");
  std::string suffix(end);
  const std::pair<const char*, double> units[] = {{"", 1},    {"K", 1e3}, {"k", 1e3},  {"M", 1e6},
                                                  {"B", 1e9}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}};
  for (const auto& [u, mult] : units)
    if (suffix == u) {
      if (!(v >= 0) || !std::isfinite(v)) break;
      return v * mult;
    }
  return Status::Error(flag + ": expected a non-negative number with an optional K/M/B/T/P suffix, got '" + s + "'");
}

std::string Sci(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3e", v);
  return buf;
}
std::string Human(double v, const char* unit = "") {
  char buf[48];
  // Counts: K/M/B/T; physical units: SI prefixes (GWh, TFLOP/s).
  const bool si = unit[0] != '\0';
  const std::pair<double, const char*> scales[] = {
      {1e15, "P"}, {1e12, "T"}, {1e9, si ? "G" : "B"}, {1e6, "M"}, {1e3, si ? "k" : "K"}};
  for (const auto& [s, name] : scales)
    if (std::fabs(v) >= s) {
      std::snprintf(buf, sizeof buf, "%.3f%s%s%s", v / s, si ? " " : "", name, unit);
      return buf;
    }
  std::snprintf(buf, sizeof buf, si ? "%.3f %s" : "%.3f%s", v, unit);
  return buf;
}
std::string Money(double v) { return "$" + Human(v); }
std::string Pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * v);
  return buf;
}

using Table = std::vector<std::vector<std::string>>;

void PrintTable(const Table& t) {
  std::vector<size_t> w;
  for (const auto& row : t)
    for (size_t i = 0; i < row.size(); ++i) {
      if (w.size() <= i) w.push_back(0);
      w[i] = std::max(w[i], row[i].size());
    }
  for (const auto& row : t) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string pad(w[i] - row[i].size(), ' ');
      line += i == 0 ? row[i] + pad : "  " + pad + row[i];
    }
    std::printf("%s\n", line.c_str());
  }
}

struct Scenario {
  std::string label;
  data::ModelCompute model;
  data::HardwareProfile hw;
};

Table Rows(const std::vector<Scenario>& cols, const CostArgs& a, data::Precision prec, double tokens) {
  Table t = {{""}};
  for (const Scenario& s : cols) t[0].push_back(s.label);
  auto row = [&](const std::string& name, auto fn) {
    std::vector<std::string> r = {name};
    for (const Scenario& s : cols) r.push_back(fn(s));
    t.push_back(r);
  };
  auto inputs = [&](const Scenario& s) {
    data::CostInputs in;
    in.tokens = tokens, in.mfu = a.mfu, in.peak_flops = s.hw.peak(prec), in.watts = s.hw.watts;
    in.price_per_gpu_hour = a.price, in.electricity_per_kwh = a.electricity, in.pue = a.pue, in.gpus = a.gpus;
    return in;
  };
  auto est = [&](const Scenario& s) { return data::EstimateCost(s.model, inputs(s)); };
  row("total params", [](const Scenario& s) { return Human(s.model.total_params); });
  row("active params / token", [](const Scenario& s) { return Human(s.model.active_params); });
  row("GEMM params / token (N)", [](const Scenario& s) { return Human(s.model.matmul_params); });
  row("attention FLOPs / token (A, fwd)", [](const Scenario& s) {
    return s.model.has_attention ? Sci(s.model.attn_flops_fwd) : std::string("n/a (no config)");
  });
  row("train FLOPs / token (6N + 3A)", [](const Scenario& s) { return Sci(s.model.train_flops_per_token()); });
  row("tokens", [&](const Scenario&) { return Human(tokens); });
  row("training compute (FLOPs)", [&](const Scenario& s) { return Sci(est(s).train_flops); });
  row("hardware", [](const Scenario& s) { return s.hw.name; });
  row(std::string("peak / GPU (") + (prec == data::Precision::kFp8 ? "FP8" : "BF16") + " dense)",
      [&](const Scenario& s) {
        std::string v = Human(s.hw.peak(prec), "FLOP/s");
        if (prec == data::Precision::kFp8 && s.hw.fp8_flops == 0) v += " (no FP8: BF16)";
        return v;
      });
  row("MFU", [&](const Scenario&) { return Pct(a.mfu); });
  row("achieved / GPU", [&](const Scenario& s) { return Human(est(s).achieved_flops_per_gpu, "FLOP/s"); });
  row("GPU-hours", [&](const Scenario& s) { return Human(est(s).gpu_hours); });
  if (a.gpus > 0)
    row("wall clock on " + std::to_string(a.gpus) + " GPUs (days)", [&](const Scenario& s) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f", est(s).wall_days);
      return std::string(buf);
    });
  row("board power / GPU", [](const Scenario& s) { return Human(s.hw.watts, "W"); });
  char pue[64];
  std::snprintf(pue, sizeof pue, "energy (PUE %.2f)", a.pue);
  row(pue, [&](const Scenario& s) { return Human(est(s).energy_kwh * 1000, "Wh"); });
  char price[64];
  std::snprintf(price, sizeof price, "GPU rental ($%.2f/GPU-hour)", a.price);
  row(price, [&](const Scenario& s) { return Money(est(s).gpu_cost); });
  char elec[64];
  std::snprintf(elec, sizeof elec, "electricity ($%.3f/kWh)", a.electricity);
  row(elec, [&](const Scenario& s) { return Money(est(s).electricity_cost); });
  return t;
}

Result<data::ModelCompute> LoadModel(const CostArgs& a, double* embedding) {
  std::string json;
  if (!a.config.empty()) {
    MINKE_ASSIGN_OR_RETURN(json, ReadFileToString(a.config));
  } else if (!a.preset.empty()) {
    if (a.preset != "deepseek-v3") return Status::Error("--preset: unknown preset '" + a.preset + "' (deepseek-v3)");
    json = std::string(data::DeepSeekV3ConfigJson());
  }
  if (!json.empty()) {
    Result<model::ModelConfig> parsed = model::ParseModelConfig(json);
    if (!parsed.ok()) return parsed.status().WithContext(a.config.empty() ? "preset " + a.preset : a.config);
    const model::ModelConfig& c = parsed.value();
    *embedding = static_cast<double>(c.vocab_size) * c.hidden_size;
    return data::ComputeFromConfig(c, a.seq_len, a.include_mtp);
  }
  if (a.include_mtp) return Status::Error("--include-mtp needs --config or --preset (MTP FLOPs come from the config)");
  if (a.total.empty() || a.active.empty())
    return Status::Error("give --config FILE, --preset deepseek-v3, or both --total-params and --active-params");
  MINKE_ASSIGN_OR_RETURN(double total, ParseCount(a.total, "--total-params"));
  MINKE_ASSIGN_OR_RETURN(double active, ParseCount(a.active, "--active-params"));
  if (active > total) return Status::Error("--active-params exceeds --total-params");
  *embedding = 0;
  return data::ComputeFromCounts(total, active);
}

Result<data::HardwareProfile> LoadHardware(const CostArgs& a) {
  if (a.peak_flops.empty()) return data::FindHardware(a.hardware);
  MINKE_ASSIGN_OR_RETURN(double peak, ParseCount(a.peak_flops, "--peak-flops"));
  if (peak <= 0) return Status::Error("--peak-flops must be positive");
  if (a.watts <= 0) return Status::Error("--peak-flops needs --watts (board power per GPU)");
  return data::HardwareProfile{"custom", "custom", peak, peak, a.watts, "--peak-flops/--watts"};
}

Status Calibrate(const CostArgs& a) {
  const data::PublishedRun v3;
  MINKE_ASSIGN_OR_RETURN(data::HardwareProfile h800, data::FindHardware("h800"));
  MINKE_ASSIGN_OR_RETURN(model::ModelConfig c, model::ParseModelConfig(std::string(data::DeepSeekV3ConfigJson())));
  const data::ModelCompute counts = data::ComputeFromCounts(v3.total_params, v3.active_params);
  const data::ModelCompute full = data::ComputeFromConfig(c, a.seq_len, /*include_mtp=*/false);
  const data::ModelCompute mtp = data::ComputeFromConfig(c, a.seq_len, /*include_mtp=*/true);
  std::printf("DeepSeek-V3 Technical Report (arXiv:2412.19437), §1 and Table 1, as published:\n");
  std::printf("  671B total / 37B activated parameters, 14.8T pre-training tokens, H800 GPUs at $2/GPU-hour\n");
  std::printf("  GPU-hours: pre-training 2,664K + context extension 119K + post-training 5K = 2,788K -> $5.576M\n\n");
  std::printf("What minke reproduces: the pre-training stage from FLOPs (C = 6 N T [+ 3 A T]) at an MFU solved\n");
  std::printf("for 2.664M H800 GPU-hours; context extension and post-training are added as published (the\n");
  std::printf("report does not give their token counts precisely enough to compute them).\n\n");
  Table t = {{"model FLOPs counted", "train FLOPs", "MFU vs BF16 989 TFLOP/s", "MFU vs FP8 1979 TFLOP/s"}};
  auto add = [&](const std::string& name, const data::ModelCompute& m) {
    const double mfu_bf16 = data::SolveMfu(m, v3.tokens, h800.bf16_flops, v3.pretrain_gpu_hours);
    const double mfu_fp8 = data::SolveMfu(m, v3.tokens, h800.fp8_flops, v3.pretrain_gpu_hours);
    t.push_back({name, Sci(m.train_flops_per_token() * v3.tokens), Pct(mfu_bf16), Pct(mfu_fp8)});
  };
  add("6 x 37B x 14.8T (published counts)", counts);
  char buf[160];
  std::snprintf(buf, sizeof buf, "6 N + 3 A from the V3 config (N = %s, S = %lld)", Human(full.matmul_params).c_str(),
                (long long)a.seq_len);
  add(buf, full);
  add("  + the MTP module (D = 1)", mtp);
  PrintTable(t);

  // Forward check at the headline MFU: the estimator gives back the figures.
  const double mfu = data::SolveMfu(counts, v3.tokens, h800.bf16_flops, v3.pretrain_gpu_hours);
  data::CostInputs in;
  in.tokens = v3.tokens, in.mfu = mfu, in.peak_flops = h800.bf16_flops, in.watts = h800.watts;
  in.price_per_gpu_hour = v3.price_per_gpu_hour, in.electricity_per_kwh = a.electricity, in.pue = a.pue;
  const data::CostEstimate e = data::EstimateCost(counts, in);
  const double total_hours = e.gpu_hours + v3.context_extension_gpu_hours + v3.post_training_gpu_hours;
  std::printf("\nAt MFU %s (6N, BF16 peak): pre-training %.3fM GPU-hours; + 0.119M + 0.005M = %.3fM GPU-hours\n",
              Pct(mfu).c_str(), e.gpu_hours / 1e6, total_hours / 1e6);
  std::printf("x $%.2f/GPU-hour = $%.3fM (published: 2.788M GPU-hours, $5.576M)\n", v3.price_per_gpu_hour,
              total_hours * v3.price_per_gpu_hour / 1e6);
  const double all_in = data::SolveMfu(counts, v3.tokens, h800.bf16_flops, v3.total_gpu_hours());
  std::printf("All-in: charging all 2.788M GPU-hours to the 14.8T pre-training tokens needs MFU %s (6N, BF16).\n",
              Pct(all_in).c_str());
  std::printf("Energy at %.0f W per H800 and PUE %.2f: %s for 2.788M GPU-hours.\n", h800.watts, a.pue,
              Human(total_hours * h800.watts * a.pue, "Wh").c_str());
  return Status::Ok();
}

Status Cost(const CostArgs& a) {
  if (a.calibrate) return Calibrate(a);
  if (a.mfu <= 0 || a.mfu > 1) return Status::Error("--mfu must be in (0, 1]");
  if (a.pue < 1) return Status::Error("--pue must be >= 1");
  if (a.seq_len < 1) return Status::Error("--seq-len must be positive");
  data::Precision prec;
  if (a.precision == "bf16")
    prec = data::Precision::kBf16;
  else if (a.precision == "fp8")
    prec = data::Precision::kFp8;
  else
    return Status::Error("--precision: expected bf16 or fp8, got '" + a.precision + "'");
  double embedding = 0;
  MINKE_ASSIGN_OR_RETURN(data::ModelCompute m, LoadModel(a, &embedding));
  MINKE_ASSIGN_OR_RETURN(data::HardwareProfile hw, LoadHardware(a));
  if (!a.solve_gpu_hours.empty()) {
    MINKE_ASSIGN_OR_RETURN(double hours, ParseCount(a.solve_gpu_hours, "--solve-mfu-gpu-hours"));
    if (a.tokens.empty()) return Status::Error("--solve-mfu-gpu-hours needs --tokens");
    MINKE_ASSIGN_OR_RETURN(double tokens, ParseCount(a.tokens, "--tokens"));
    std::printf("MFU for %s GPU-hours on %s (%s dense peak): %s\n", Human(hours).c_str(), hw.name.c_str(),
                a.precision.c_str(), Pct(data::SolveMfu(m, tokens, hw.peak(prec), hours)).c_str());
    return Status::Ok();
  }
  if (a.tokens.empty()) return Status::Error("--tokens is required");
  MINKE_ASSIGN_OR_RETURN(double tokens, ParseCount(a.tokens, "--tokens"));
  const char* kFormula =
      "\nC = 6 N T + 3 A T (backward = 2 x forward); A = 2 L H (d_qk + d_v) (S + 1) / 2 (causal QK^T and PV);\n"
      "GPU-hours = C / (MFU x peak) / 3600; energy = GPU-hours x board power x PUE.\n";
  if (a.compare.empty()) {
    PrintTable(Rows({{"estimate", m, hw}}, a, prec, tokens));
    std::printf("%s", kFormula);
    return Status::Ok();
  }
  std::vector<Scenario> cols;
  if (a.compare == "all") {
    for (const data::HardwareProfile& h : data::BuiltinHardware()) cols.push_back({h.key, m, h});
  } else {
    size_t pos = 0;
    while (pos <= a.compare.size()) {
      const size_t comma = std::min(a.compare.find(',', pos), a.compare.size());
      MINKE_ASSIGN_OR_RETURN(data::HardwareProfile h, data::FindHardware(a.compare.substr(pos, comma - pos)));
      cols.push_back({h.key, m, h});
      pos = comma + 1;
    }
  }
  std::printf("Hardware side by side (same model, tokens and MFU):\n");
  PrintTable(Rows(cols, a, prec, tokens));
  if (m.total_params > m.active_params) {
    // Dense: the same weights with every routed expert active on every token.
    data::ModelCompute dense = m;
    dense.matmul_params = m.matmul_params + (m.total_params - m.active_params - embedding);
    dense.active_params = m.total_params - embedding;
    std::printf("\nDense vs MoE on %s (dense = the same weights, every expert on every token%s):\n", hw.name.c_str(),
                embedding > 0 ? "" : "; from counts alone the embedding is counted as GEMM weights");
    PrintTable(Rows({{"MoE", m, hw}, {"dense", dense, hw}}, a, prec, tokens));
  }
  std::printf("%s", kFormula);
  return Status::Ok();
}

}  // namespace

void RegisterCost(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand(
      "cost",
      "Estimate training compute (6N + 3A FLOPs per token), GPU-hours, energy and money; --compare hardware and "
      "dense vs MoE; --calibrate-deepseek-v3 reproduces DeepSeek-V3's published GPU-hours");
  auto a = std::make_shared<CostArgs>();
  cmd->add_option("--config", a->config, "A DeepSeek-V2/V3 config.json (parameters counted from it)");
  cmd->add_option("--preset", a->preset, "A built-in config: deepseek-v3");
  cmd->add_option("--total-params", a->total, "Total parameters, e.g. 671B (without --config)");
  cmd->add_option("--active-params", a->active, "Activated parameters per token, e.g. 37B (without --config)");
  cmd->add_option("--tokens", a->tokens, "Training tokens, e.g. 14.8T");
  cmd->add_option("--hardware", a->hardware, "h100, h800 (default), a100, h20, 910b");
  cmd->add_option("--precision", a->precision, "Peak to use: bf16 (default) or fp8");
  cmd->add_option("--peak-flops", a->peak_flops, "Custom dense peak FLOP/s per GPU (with --watts)");
  cmd->add_option("--watts", a->watts, "Custom board power per GPU in W");
  cmd->add_option("--mfu", a->mfu, "Model FLOPs utilisation, a fraction of the peak (default 0.4)");
  cmd->add_option("--price-per-gpu-hour", a->price, "USD per GPU-hour (default 2)");
  cmd->add_option("--electricity-price", a->electricity, "USD per kWh (default 0.10)");
  cmd->add_option("--pue", a->pue, "Power usage effectiveness of the data centre (default 1.2)");
  cmd->add_option("--gpus", a->gpus, "Cluster size, for wall-clock days");
  cmd->add_option("--seq-len", a->seq_len, "Training sequence length for attention FLOPs (default 4096)");
  cmd->add_flag("--include-mtp", a->include_mtp, "Count the MTP modules' FLOPs too (with a config)");
  cmd->add_option("--compare", a->compare, "Hardware keys side by side (comma list, or 'all'), plus dense vs MoE");
  cmd->add_option("--solve-mfu-gpu-hours", a->solve_gpu_hours,
                  "Print the MFU at which training takes this many GPU-hours");
  cmd->add_flag("--calibrate-deepseek-v3", a->calibrate,
                "Reproduce DeepSeek-V3's published 2.788M GPU-hours / $5.576M and state the MFU it implies");
  cmd->callback([=] { *action = [=] { return Cost(*a); }; });
}

}  // namespace minke::cli
