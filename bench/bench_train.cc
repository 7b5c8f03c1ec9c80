// Times minke's training step on a model config: ForwardBackward (the
// DeepSeek-V3 objective) + AdamW::Step + UpdateCorrectionBias on random
// tokens at batch B, sequence T, after warm-up steps.
//
// Prints `train_tokens_per_s=<float>` (median step) for
// bench/train_vs_pytorch.py, and on stderr the analytic training FLOPs per
// token (data/cost.h), the achieved FLOP/s, MFU against this machine's
// measured SGEMM peak (data/hardware.h), and with --phases a per-phase time
// breakdown (train/phase_timer.h; the timers add one clock read per phase).
//
//   bench_train --config config.json [--init DIR] [--save-init DIR] [--batch 4] [--seq 128]
//               [--steps 5] [--warmup 1] [--threads N] [--mtp-lambda 0.3] [--phases]
//
// --init loads weights from a checkpoint directory instead of a random init;
// --save-init writes the starting weights (minke's HF layout) so a peer can
// train the same model. On a machine shared with other work, run with
// OMP_WAIT_POLICY=passive: libgomp's spinning threads otherwise fight the
// other processes for the cores and timings collapse. The MFU's peak is
// measured right after the timed steps, so both see about the same load.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "data/cost.h"
#include "data/hardware.h"
#include "kernels/cpu/gemm.h"
#include "model/config.h"
#include "model/rope.h"
#include "train/model_grad.h"
#include "train/optimizer.h"
#include "train/params.h"
#include "train/phase_timer.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace minke;

int Fail(const std::string& msg) {
  std::fprintf(stderr, "bench_train: %s\n", msg.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, init_dir, save_dir;
  int64_t B = 4, T = 128;
  int steps = 5, warmup = 1, threads = 0;
  double mtp_lambda = 0.3;
  bool phases = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : "";
    if (a == "--phases") {
      phases = true;
      continue;
    }
    if (a == "--config")
      config_path = v;
    else if (a == "--init")
      init_dir = v;
    else if (a == "--save-init")
      save_dir = v;
    else if (a == "--batch")
      B = std::atoll(v);
    else if (a == "--seq")
      T = std::atoll(v);
    else if (a == "--steps")
      steps = std::atoi(v);
    else if (a == "--warmup")
      warmup = std::atoi(v);
    else if (a == "--threads")
      threads = std::atoi(v);
    else if (a == "--mtp-lambda")
      mtp_lambda = std::atof(v);
    else
      return Fail("unknown argument " + a);
    ++i;
  }
  if (config_path.empty() || B <= 0 || T <= 0 || steps <= 0 || warmup < 0) {
    std::fprintf(stderr,
                 "usage: bench_train --config config.json [--init DIR] [--save-init DIR] [--batch 4] [--seq 128]\n"
                 "                   [--steps 5] [--warmup 1] [--threads N] [--mtp-lambda 0.3] [--phases]\n");
    return 2;
  }
  kernels::SetNumThreads(threads);
  train::KeepFreedMemoryForReuse();

  auto text = ReadFileToString(config_path);
  if (!text.ok()) return Fail(text.status().message());
  auto mc = model::ParseModelConfig(*text);
  if (!mc.ok()) return Fail(config_path + ": " + mc.status().message());
  auto ps = train::ParamSet::Create(*mc);
  if (!ps.ok()) return Fail(ps.status().message());
  train::ParamSet& p = *ps;
  if (!init_dir.empty()) {
    Status st = p.LoadCheckpoint(init_dir);
    if (!st.ok()) return Fail(st.message());
  } else {
    p.InitRandom(0);
  }
  if (!save_dir.empty()) {
    Status st = p.Save(save_dir);
    if (!st.ok()) return Fail(st.message());
  }

  const model::Rope rope = model::MakeRope(*mc);
  train::LossWeights lw;
  lw.mtp_lambda = mtp_lambda;
  train::AdamW adam(p, train::AdamWConfig{});
  const bool with_mtp = mc->num_nextn_predict_layers > 0 && mtp_lambda > 0;
  const double flops_per_token = data::ComputeFromConfig(*mc, T, with_mtp).train_flops_per_token();

  std::mt19937 rng(0);
  std::vector<int32_t> tokens(static_cast<size_t>(B * (T + 1)));
  std::vector<double> secs;
  for (int s = 0; s < warmup + steps; ++s) {
    for (int32_t& t : tokens) t = static_cast<int32_t>(rng() % mc->vocab_size);
    if (s == warmup) {  // time only the measured steps
      train::SetPhaseTiming(phases);
      train::ResetPhaseTimes();
    }
    const auto t0 = Clock::now();
    p.ZeroGrad();
    train::StepStats st;
    Status status = train::ForwardBackward(p, rope, lw, tokens.data(), B, T, true, 1.0f, &st);
    if (!status.ok()) return Fail(status.message());
    {
      train::PhaseTimer pt(train::kOptimizer);
      adam.Step(&p, 1e-4);
      train::UpdateCorrectionBias(&p, st.expert_load, 1e-3);
    }
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    std::fprintf(stderr, "  step %d%s: %.3f s, loss %.4f\n", s, s < warmup ? " (warm-up)" : "", dt, st.loss);
    if (s >= warmup) secs.push_back(dt);
  }
  train::SetPhaseTiming(false);
  std::vector<double> sorted = secs;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  const double tps = static_cast<double>(B * T) / median;

  // After the timed steps, so the peak measurement does not warm or cool the run.
  const double peak = data::MeasureGemmPeakFlops();
  const double achieved = tps * flops_per_token;
  std::fprintf(stderr, "minke train: B=%lld T=%lld, %d threads, %zu params, median step %.3f s\n",
               static_cast<long long>(B), static_cast<long long>(T), kernels::NumThreads(), p.data().size(), median);
  std::fprintf(stderr, "  %.1f MFLOP/token (6N + 3A%s), %.2f GFLOP/s achieved, SGEMM peak %.2f GFLOP/s, MFU %.1f%%\n",
               flops_per_token / 1e6, with_mtp ? ", MTP included" : "", achieved / 1e9, peak / 1e9,
               100.0 * achieved / peak);
  if (phases) {
    double total = 0;
    for (double s : secs) total += s;
    std::fprintf(stderr, "  phases (seconds per step, mean of %zu; indented = part of the line above):\n", secs.size());
    for (int i = 0; i < train::kPhaseCount; ++i) {
      const auto ph = static_cast<train::Phase>(i);
      const double s = train::PhaseSeconds(ph) / secs.size();
      std::fprintf(stderr, "    %-18s %8.4f  %5.1f%%\n", train::PhaseName(ph), s, 100.0 * s * secs.size() / total);
    }
  }
  std::printf("train_tokens_per_s=%.2f\n", tps);
  std::printf("train_flops_per_token=%.6g\n", flops_per_token);
  std::printf("achieved_flops=%.6g\n", achieved);
  std::printf("gemm_peak_flops=%.6g\n", peak);
  std::printf("mfu=%.4f\n", achieved / peak);
  return 0;
}
