// The training loop: exact resume, learning, balancing, precision modes,
// bad input; and finite-difference checks of the gradient.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/mapped_file.h"
#include "data/cost.h"
#include "kernels/cpu/gemm.h"
#include "model/rope.h"
#include "tiny_model.h"
#include "train/model_grad.h"
#include "train/optimizer.h"
#include "train/params.h"
#include "train/trainer.h"

namespace minke::train {
namespace {

std::string TempDir(const std::string& name) {
  std::string d = ::testing::TempDir() + "minke_train_" + name + "_" + std::to_string(::getpid());
  std::string cmd = "rm -rf '" + d + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  return d;
}

// A learnable stream: each window follows t_{i+1} = (5 t_i + 3) mod V from a
// start drawn from (step, micro, row) — a pure function, as Train requires.
DataSource PatternData(int64_t V) {
  DataSource d;
  auto fill = [V](uint64_t key, int64_t B, int64_t T, std::vector<int32_t>* out) {
    out->resize(static_cast<size_t>(B * (T + 1)));
    for (int64_t b = 0; b < B; ++b) {
      std::mt19937_64 rng(key * 1000003 + b);
      int64_t t = static_cast<int64_t>(rng() % V);
      for (int64_t i = 0; i <= T; ++i) {
        (*out)[b * (T + 1) + i] = static_cast<int32_t>(t);
        t = (5 * t + 3) % V;
      }
    }
    return Status::Ok();
  };
  d.train = [fill](int64_t step, int64_t micro, int64_t B, int64_t T, std::vector<int32_t>* out) {
    return fill(static_cast<uint64_t>(step * 16 + micro), B, T, out);
  };
  d.val = [fill](int64_t i, int64_t B, int64_t T, std::vector<int32_t>* out) {
    return fill(1u << 30 | static_cast<uint64_t>(i), B, T, out);
  };
  return d;
}

TrainConfig TinyTrainConfig(const std::string& out) {
  TrainConfig t;
  const std::string cfg_path = out + ".config.json";
  std::string json = model::ModelConfigToJson(TinyConfig());
  EXPECT_TRUE(WriteFileAtomic(cfg_path, json.data(), json.size()).ok());
  t.model_config = cfg_path;
  t.data_dir = "(synthetic)";
  t.out_dir = out;
  t.steps = 8;
  t.batch_size = 4;
  t.seq_len = 16;
  t.grad_accum = 2;
  t.eval_every = 4;
  t.eval_batches = 2;
  t.checkpoint_every = 2;
  t.lr.max_lr = 3e-3;
  t.lr.min_lr = 3e-4;
  t.lr.warmup_steps = 2;
  t.lr.decay_start = 4;
  t.lr.total_steps = t.steps;
  t.loss.balance_alpha = 1e-3;
  return t;
}

TEST(Trainer, ResumeAfterStopIsBitIdentical) {
  const std::string a = TempDir("straight"), b = TempDir("resumed");
  TrainResult ra, rb1, rb2;
  ASSERT_TRUE(Train(TinyTrainConfig(a), PatternData(48), {}, &ra).ok());
  TrainOptions stop;
  stop.stop_after = 3;  // "killed" after step 3, between checkpoints 2 and 4: resume redoes step 3
  ASSERT_TRUE(Train(TinyTrainConfig(b), PatternData(48), stop, &rb1).ok());
  EXPECT_EQ(rb1.steps_run, 3);
  ASSERT_TRUE(Train(TinyTrainConfig(b), PatternData(48), {}, &rb2).ok());
  EXPECT_EQ(rb2.first_step, 2);
  auto wa = ReadFileToString(a + "/model/model.safetensors");
  auto wb = ReadFileToString(b + "/model/model.safetensors");
  ASSERT_TRUE(wa.ok() && wb.ok());
  EXPECT_TRUE(*wa == *wb) << "resumed weights differ from the uninterrupted run";
  // The log has exactly one line per step, as if never interrupted.
  auto log = ReadFileToString(b + "/metrics.jsonl");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(std::count(log->begin(), log->end(), '\n'), 8);
}

TEST(Trainer, LearnsAPattern) {
  const std::string out = TempDir("learn");
  TrainConfig cfg = TinyTrainConfig(out);
  cfg.steps = 60;
  cfg.lr.total_steps = 60;
  cfg.lr.decay_start = 40;
  cfg.eval_every = 60;
  cfg.checkpoint_every = 0;
  TrainResult r;
  ASSERT_TRUE(Train(cfg, PatternData(48), {}, &r).ok());
  // Uniform guessing is ln 48 = 3.87; the next token is a function of this one.
  EXPECT_LT(r.final_val_loss, 1.0) << "validation loss did not fall";
  EXPECT_GT(r.flops, 0.0);
}

TEST(Trainer, NonFiniteLossStopsAndKeepsLastCheckpoint) {
  const std::string out = TempDir("nan");
  TrainConfig cfg = TinyTrainConfig(out);
  cfg.steps = 8;
  DataSource d = PatternData(48);
  TrainOptions stop;
  stop.stop_after = 3;  // checkpoint at step 2, not 3
  TrainResult r;
  ASSERT_TRUE(Train(cfg, d, stop, &r).ok());
  cfg.lr.max_lr = 1e30;  // diverges within a few steps
  cfg.lr.min_lr = 1e30;
  Status s = Train(cfg, d, {}, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("loss is"), std::string::npos) << s.message();
  // `latest` names a complete checkpoint with finite weights, and the error names it.
  auto latest = ReadFileToString(out + "/latest");
  ASSERT_TRUE(latest.ok());
  const std::string name = latest->substr(0, latest->size() - 1);
  EXPECT_NE(s.message().find(name), std::string::npos) << s.message();
  auto ps = ParamSet::Create(TinyConfig());
  ASSERT_TRUE(ps.ok());
  ASSERT_TRUE(ps->LoadCheckpoint(out + "/checkpoints/" + name).ok());
  for (float v : ps->data()) ASSERT_TRUE(std::isfinite(v)) << "checkpoint " << name << " holds non-finite weights";
}

TEST(Trainer, CorrectionBiasEvensOutASkewedRouter) {
  auto ps = ParamSet::Create(TinyConfig());
  ASSERT_TRUE(ps.ok());
  ParamSet& p = *ps;
  p.InitRandom(7);
  // Skew the router: every hidden state shares a direction u (added to all
  // embeddings) that experts 0 and 1 score highly.
  const int64_t D = p.config().hidden_size, V = p.config().vocab_size;
  std::vector<float> u(D);
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& x : u) x = normal(rng) / std::sqrt(static_cast<float>(D));
  const float kU = 0.2f, kG = 10.0f;
  float* emb = Mut(p.weights().embed_tokens);
  for (int64_t v = 0; v < V; ++v)
    for (int64_t d = 0; d < D; ++d) emb[v * D + d] += kU * u[d];
  float* gate = Mut(p.weights().layers[1].moe.gate);
  for (int64_t e = 0; e < 2; ++e)
    for (int64_t d = 0; d < D; ++d) gate[e * D + d] = kG * u[d];
  model::Rope rope = model::MakeRope(p.config());
  std::vector<int32_t> tokens;
  DataSource data = PatternData(48);
  LossWeights lw{0.0, 0.0};
  // Imbalance (max load / mean) averaged over the first and the last 50
  // updates; batches are small, so single readings are noisy.
  const int kIters = 300;
  const double gamma = 0.001;  // V3 §4.2
  double first = 0, last = 0;
  for (int it = 0; it < kIters; ++it) {
    ASSERT_TRUE(data.train(it, 0, 16, 16, &tokens).ok());
    StepStats st;
    ASSERT_TRUE(ForwardBackward(p, rope, lw, tokens.data(), 16, 16, false, 1.0f, &st).ok());
    const double imb = LoadImbalance(st.expert_load);
    if (it < 50) first += imb / 50;
    if (it >= kIters - 50) last += imb / 50;
    UpdateCorrectionBias(&p, st.expert_load, gamma);
  }
  EXPECT_GT(first, 2.5) << "the router was not skewed";
  EXPECT_LT(last, 1.8) << "load did not even out (from " << first << ")";
}

TEST(Trainer, FiniteDifferencesMatchTheGradient) {
  model::ModelConfig c = TinyConfig();
  auto ps = ParamSet::Create(c);
  ASSERT_TRUE(ps.ok());
  ParamSet& p = *ps;
  p.InitRandom(3, 0.2f);  // larger weights: larger, better-conditioned gradients
  model::Rope rope = model::MakeRope(c);
  std::vector<int32_t> tokens;
  ASSERT_TRUE(PatternData(48).train(0, 0, 2, 8, &tokens).ok());
  LossWeights lw{0.3, 0.01};
  StepStats st;
  ASSERT_TRUE(ForwardBackward(p, rope, lw, tokens.data(), 2, 8, true, 1.0f, &st).ok());
  std::vector<float> grad = p.grad();
  int checked = 0, bad = 0;
  for (const ParamEntry& e : p.entries()) {
    if (e.role == model::TensorRole::kScoreBias) continue;
    // The coordinate with the largest gradient of each tensor.
    int64_t best = e.offset;
    for (int64_t i = e.offset; i < e.offset + e.numel; ++i)
      if (std::fabs(grad[i]) > std::fabs(grad[best])) best = i;
    if (std::fabs(grad[best]) < 1e-3) continue;
    const float h = 1e-3f, saved = p.data()[best];
    StepStats plus, minus;
    p.data()[best] = saved + h;
    ASSERT_TRUE(ForwardBackward(p, rope, lw, tokens.data(), 2, 8, false, 1.0f, &plus).ok());
    p.data()[best] = saved - h;
    ASSERT_TRUE(ForwardBackward(p, rope, lw, tokens.data(), 2, 8, false, 1.0f, &minus).ok());
    p.data()[best] = saved;
    const double fd = (plus.loss - minus.loss) / (2 * h);
    ++checked;
    if (std::fabs(fd - grad[best]) > 0.05 * std::fabs(grad[best]) + 2e-4) {
      ++bad;
      ADD_FAILURE() << e.name << ": finite difference " << fd << " vs gradient " << grad[best];
    }
  }
  EXPECT_GT(checked, 30);
}

// The ledger's analytic training FLOPs (data/cost.h: 6 x matmul params per
// token + 3 x causal attention) against a direct count of every GEMM one
// training step runs. The engine computes the full T x T score square and
// masks it, so its attention costs 2T/(T+1) times the causal count; MTP
// module k sees T-k tokens per sequence.
TEST(Trainer, AnalyticFlopsMatchTheGemmsRun) {
  model::ModelConfig c = TinyConfig();
  auto ps = ParamSet::Create(c);
  ASSERT_TRUE(ps.ok());
  ps->InitRandom(1);
  model::Rope rope = model::MakeRope(c);
  const int64_t B = 3, T = 16;
  std::vector<int32_t> tokens;
  ASSERT_TRUE(PatternData(48).train(0, 0, B, T, &tokens).ok());
  const uint64_t before = kernels::GemmFlops();
  StepStats st;
  ASSERT_TRUE(ForwardBackward(*ps, rope, LossWeights{}, tokens.data(), B, T, true, 1.0f, &st).ok());
  const double counted = static_cast<double>(kernels::GemmFlops() - before);

  model::ModelConfig main_only = c;
  main_only.num_nextn_predict_layers = 0;
  const double n_main = data::MatmulParamsPerToken(main_only, false);
  const double n_mtp = data::MatmulParamsPerToken(c, true) - n_main;
  const double attn_main = data::AttentionFlopsPerToken(main_only, T, false);                      // per token, causal
  const double per_layer_square = 2.0 * c.num_attention_heads * (c.qk_head_dim() + c.v_head_dim);  // x keys
  double expected = 6 * n_main * B * T + 3 * attn_main * B * T * (2.0 * T / (T + 1));
  const int64_t n = T - 1;  // MTP depth 1
  expected += 6 * n_mtp * B * n + 3 * per_layer_square * n * B * n;
  EXPECT_NEAR(counted, expected, 1e-9 * expected) << "counted " << counted << " expected " << expected;
  // And the ledger's own formula is within the attention masking waste of it.
  const double analytic = data::ComputeFromConfig(c, T, true).train_flops_per_token() * B * T;
  EXPECT_GT(counted, analytic);
  EXPECT_LT(counted, 1.25 * analytic);
}

TEST(TrainConfigTest, RejectsBadInput) {
  auto ok = ParseTrainConfig("[model]\nconfig = \"c.json\"\n[data]\ndir = \"d\"\n", "t.toml");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->lr.decay_start, ok->steps * 8 / 10);
  struct Case {
    const char* toml;
    const char* error;
  } cases[] = {
      {"[model]\nconfig = \"c\"\n[data]\ndir = \"d\"\n[train]\nstep = 3\n", "unknown key [train] step"},
      {"[model]\nconfig = \"c\"\n[data]\ndir = \"d\"\n[trian]\n", "unknown section [trian]"},
      {"[model]\nconfig = \"c\"\n[data]\ndir = \"d\"\n[train]\nsteps = \"10\"\n", "[train] steps: expected an integer"},
      {"[model]\nconfig = \"c\"\n[data]\ndir = \"d\"\n[train]\nbatch_size = 0\n", "[train] batch_size: must be >= 1"},
      {"[model]\nconfig = \"c\"\n[data]\ndir = \"d\"\n[train]\nprecision = \"fp4\"\n", "precision"},
      {"[data]\ndir = \"d\"\n", "exactly one of config"},
      {"[model]\nconfig = \"c\"\n", "[data] dir is required"},
      {"[model]\nconfig = \"c\"\n[data]\ndir = \"d\"\n[optimizer]\nbeta2 = 1.5\n", "beta2: must be in"},
      {"[model\n", "t.toml:1"},
  };
  for (const Case& k : cases) {
    auto r = ParseTrainConfig(k.toml, "t.toml");
    ASSERT_FALSE(r.ok()) << k.toml;
    EXPECT_NE(r.status().message().find(k.error), std::string::npos) << r.status().message();
  }
}

TEST(Trainer, MissingModelConfigFailsBeforeWork) {
  TrainConfig cfg = TinyTrainConfig(TempDir("missing"));
  cfg.model_config = "/nonexistent/config.json";
  TrainResult r;
  Status s = Train(cfg, PatternData(48), {}, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent/config.json"), std::string::npos) << s.message();
}

TEST(Trainer, LowPrecisionModesTrackFp32) {
  model::ModelConfig c = TinyConfig();
  auto ps = ParamSet::Create(c);
  ASSERT_TRUE(ps.ok());
  ps->InitRandom(5);
  model::Rope rope = model::MakeRope(c);
  std::vector<int32_t> tokens;
  ASSERT_TRUE(PatternData(48).train(0, 0, 4, 16, &tokens).ok());
  double loss[3];
  Precision modes[3] = {Precision::kF32, Precision::kBF16, Precision::kFP8};
  for (int m = 0; m < 3; ++m) {
    SetGemmPrecision(modes[m]);
    StepStats st;
    ASSERT_TRUE(ForwardBackward(*ps, rope, LossWeights{}, tokens.data(), 4, 16, false, 1.0f, &st).ok());
    loss[m] = st.loss;
  }
  SetGemmPrecision(Precision::kF32);
  EXPECT_NE(loss[1], loss[0]);
  EXPECT_NE(loss[2], loss[0]);
  EXPECT_NEAR(loss[1], loss[0], 1e-2);
  EXPECT_NEAR(loss[2], loss[0], 5e-2);
}

}  // namespace
}  // namespace minke::train
