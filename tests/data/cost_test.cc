// `minke cost` arithmetic: per-token FLOPs of small configs against a direct
// count of the GEMMs the engine runs (from model::ModelLayout's shapes), and
// the DeepSeek-V3 calibration against the technical report's figures.
#include "data/cost.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "core/mapped_file.h"
#include "model/layout.h"
#include "model/params.h"

namespace minke::data {
namespace {

using json = nlohmann::json;

struct GemmCount {
  double params = 0;            // weights per token through GEMMs
  double attn_flops = 0;        // QK^T + PV FLOPs per token
  double norms_and_biases = 0;  // and e_score_correction_bias: in CountParams, not in GEMMs
};

// Walks every tensor of the layout: each Linear / router weight is a GEMM a
// token goes through, routed experts only top_k of E at a time. Attention
// per block: [T, H*d_qk] x keys and probabilities x [T, H*d_v], over the
// T(T+1)/2 causal (query, key) pairs of a sequence of T tokens.
GemmCount CountGemms(const model::ModelConfig& c, int64_t seq, bool with_mtp) {
  model::ModelWeights w;
  GemmCount g;
  double experts = 0;
  for (const model::TensorSlot& s : model::ModelLayout(c, &w)) {
    if (s.mtp > 0 && !with_mtp) continue;
    double n = 1;
    for (int64_t d : s.shape) n *= d;
    if (s.role == model::TensorRole::kNorm || s.role == model::TensorRole::kBias ||
        s.role == model::TensorRole::kScoreBias)
      g.norms_and_biases += n;
    if (s.role != model::TensorRole::kLinear && s.role != model::TensorRole::kRouter) continue;
    if (s.name.find(".mlp.experts.") != std::string::npos)
      experts += n;
    else
      g.params += n;
    const bool q = s.name.ends_with("self_attn.q_b_proj.weight") || s.name.ends_with("self_attn.q_proj.weight");
    const bool o = s.name.ends_with("self_attn.o_proj.weight");
    if (q || o) g.attn_flops += 2.0 * (q ? s.shape[0] : s.shape[1]) * (seq * (seq + 1) / 2.0) / seq;
  }
  if (c.n_routed_experts > 0) g.params += experts * c.num_experts_per_tok / c.n_routed_experts;
  return g;
}

json TinyV3() { return json::parse(ReadFileToString(MINKE_SOURCE_DIR "/examples/tiny_v3.json").value()); }

model::ModelConfig Parse(const json& j) {
  auto c = model::ParseModelConfig(j.dump());
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? c.value() : model::ModelConfig{};
}

TEST(CostTest, FlopsMatchADirectCountOfTheGemms) {
  const std::vector<std::pair<std::string, std::function<void(json&)>>> variants = {
      {"tiny_v3", [](json&) {}},
      {"no q_lora (V2-Lite style)", [](json& j) { j["q_lora_rank"] = nullptr; }},
      {"dense", [](json& j) { j["n_routed_experts"] = nullptr; }},
      {"moe every 2nd layer, 2 shared",
       [](json& j) {
         j["moe_layer_freq"] = 2, j["first_k_dense_replace"] = 0, j["n_shared_experts"] = 2, j["num_hidden_layers"] = 5;
       }},
      {"tied embeddings", [](json& j) { j["tie_word_embeddings"] = true; }},
      {"attention bias, top-1", [](json& j) { j["attention_bias"] = true, j["num_experts_per_tok"] = 1; }},
  };
  for (const auto& [name, edit] : variants) {
    json j = TinyV3();
    edit(j);
    const model::ModelConfig c = Parse(j);
    for (bool mtp : {false, true}) {
      for (int64_t seq : {1, 7, 4096}) {
        const GemmCount g = CountGemms(c, seq, mtp);
        EXPECT_EQ(MatmulParamsPerToken(c, mtp), g.params) << name << " mtp " << mtp;
        EXPECT_DOUBLE_EQ(AttentionFlopsPerToken(c, seq, mtp), g.attn_flops) << name << " seq " << seq;
        const ModelCompute m = ComputeFromConfig(c, seq, mtp);
        EXPECT_DOUBLE_EQ(m.train_flops_per_token(), 6 * g.params + 3 * g.attn_flops);
      }
    }
    // CountParams' active = GEMM weights + norms + biases (- a tied lm_head, which it counts once as the embedding).
    const model::ParamCounts p = model::CountParams(c);
    const GemmCount g = CountGemms(c, 1, false);
    const double tied = c.tie_word_embeddings ? static_cast<double>(c.vocab_size) * c.hidden_size : 0;
    EXPECT_EQ(static_cast<double>(p.active), g.params + g.norms_and_biases - tied) << name;
  }
}

TEST(CostTest, DeepSeekV3Counts) {
  const model::ModelConfig c = Parse(json::parse(DeepSeekV3ConfigJson()));
  const model::ParamCounts p = model::CountParams(c);
  EXPECT_NEAR(p.total / 1e9, 671, 1);
  EXPECT_NEAR(p.active / 1e9, 37, 0.5);
  const GemmCount g = CountGemms(c, 4096, false);
  EXPECT_EQ(MatmulParamsPerToken(c, false), g.params);
  // 61 layers x 128 heads x 2 x (192 + 128) x 4097 / 2 = 1.0237e10 per token.
  EXPECT_DOUBLE_EQ(AttentionFlopsPerToken(c, 4096, false), 61.0 * 128 * 2 * 320 * 4097 / 2);
}

// 6 x 37e9 x 14.8e12 = 3.2856e24 FLOPs in 2.664M H800-hours at 989.4 TFLOP/s
// is an MFU of 34.63%; at that MFU the estimator returns the published hours
// and, with the two later stages, 2.788M GPU-hours and $5.576M.
TEST(CostTest, ReproducesDeepSeekV3PublishedCost) {
  const PublishedRun v3;
  auto h800 = FindHardware("H800");
  ASSERT_TRUE(h800.ok());
  const ModelCompute m = ComputeFromCounts(v3.total_params, v3.active_params);
  const double mfu = SolveMfu(m, v3.tokens, h800->bf16_flops, v3.pretrain_gpu_hours);
  EXPECT_NEAR(mfu, 0.3463, 0.0001);
  CostInputs in;
  in.tokens = v3.tokens, in.mfu = mfu, in.peak_flops = h800->bf16_flops, in.watts = h800->watts;
  in.price_per_gpu_hour = v3.price_per_gpu_hour, in.pue = 1.0;
  const CostEstimate e = EstimateCost(m, in);
  EXPECT_NEAR(e.train_flops, 3.2856e24, 1e20);
  EXPECT_NEAR(e.gpu_hours, 2.664e6, 1e-3);
  EXPECT_NEAR(e.gpu_hours + v3.context_extension_gpu_hours + v3.post_training_gpu_hours, 2.788e6, 1e-3);
  EXPECT_NEAR((e.gpu_hours + 0.124e6) * 2.0, 5.576e6, 1e-2);
  EXPECT_NEAR(e.energy_kwh, 2.664e6 * 0.7, 1e-3);
  EXPECT_NEAR(SolveMfu(m, v3.tokens, h800->bf16_flops, v3.total_gpu_hours()), 0.3309, 0.0001);
}

TEST(CostTest, EstimateArithmeticAndHardware) {
  ModelCompute m = ComputeFromCounts(2e9, 1e9);
  CostInputs in;
  in.tokens = 1e12, in.mfu = 0.5, in.peak_flops = 1e15, in.watts = 500, in.pue = 1.5;
  in.price_per_gpu_hour = 3, in.electricity_per_kwh = 0.2, in.gpus = 100;
  const CostEstimate e = EstimateCost(m, in);
  EXPECT_DOUBLE_EQ(e.train_flops, 6e21);
  EXPECT_DOUBLE_EQ(e.gpu_hours, 6e21 / 5e14 / 3600);
  EXPECT_DOUBLE_EQ(e.wall_days, e.gpu_hours / 100 / 24);
  EXPECT_DOUBLE_EQ(e.energy_kwh, e.gpu_hours * 0.5 * 1.5);
  EXPECT_DOUBLE_EQ(e.gpu_cost, e.gpu_hours * 3);
  EXPECT_DOUBLE_EQ(e.electricity_cost, e.energy_kwh * 0.2);
  for (const char* key : {"h100", "h800", "a100", "h20", "910b"}) {
    auto h = FindHardware(key);
    ASSERT_TRUE(h.ok()) << key;
    EXPECT_GT(h->bf16_flops, 1e14);
    EXPECT_GT(h->watts, 0);
    EXPECT_FALSE(h->source.empty());
    EXPECT_EQ(h->peak(Precision::kFp8), h->fp8_flops > 0 ? h->fp8_flops : h->bf16_flops);
  }
  EXPECT_EQ(FindHardware("a100")->peak(Precision::kFp8), 312e12);  // no FP8: falls back to BF16
  EXPECT_FALSE(FindHardware("tpu").ok());
}

}  // namespace
}  // namespace minke::data
