// config.json parsing: the real published DeepSeek-V3 and V2-Lite configs
// are accepted (and give the published parameter counts); every bad value is
// an error that names the key.
#include "model/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "model/params.h"

namespace minke::model {
namespace {

using json = nlohmann::json;

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

// deepseek-ai/DeepSeek-V3 config.json, as published on the hub.
const char* kDeepseekV3 = R"({
  "architectures": ["DeepseekV3ForCausalLM"],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "auto_map": {
    "AutoConfig": "configuration_deepseek.DeepseekV3Config",
    "AutoModel": "modeling_deepseek.DeepseekV3Model",
    "AutoModelForCausalLM": "modeling_deepseek.DeepseekV3ForCausalLM"
  },
  "aux_loss_alpha": 0.001,
  "bos_token_id": 0,
  "eos_token_id": 1,
  "ep_size": 1,
  "first_k_dense_replace": 3,
  "hidden_act": "silu",
  "hidden_size": 7168,
  "initializer_range": 0.02,
  "intermediate_size": 18432,
  "kv_lora_rank": 512,
  "max_position_embeddings": 163840,
  "model_type": "deepseek_v3",
  "moe_intermediate_size": 2048,
  "moe_layer_freq": 1,
  "n_group": 8,
  "n_routed_experts": 256,
  "n_shared_experts": 1,
  "norm_topk_prob": true,
  "num_attention_heads": 128,
  "num_experts_per_tok": 8,
  "num_hidden_layers": 61,
  "num_key_value_heads": 128,
  "num_nextn_predict_layers": 1,
  "pretraining_tp": 1,
  "q_lora_rank": 1536,
  "qk_nope_head_dim": 128,
  "qk_rope_head_dim": 64,
  "quantization_config": {
    "activation_scheme": "dynamic",
    "fmt": "e4m3",
    "quant_method": "fp8",
    "weight_block_size": [128, 128]
  },
  "rms_norm_eps": 1e-06,
  "rope_scaling": {
    "beta_fast": 32,
    "beta_slow": 1,
    "factor": 40,
    "mscale": 1.0,
    "mscale_all_dim": 1.0,
    "original_max_position_embeddings": 4096,
    "type": "yarn"
  },
  "rope_theta": 10000,
  "routed_scaling_factor": 2.5,
  "scoring_func": "sigmoid",
  "seq_aux": true,
  "tie_word_embeddings": false,
  "topk_group": 4,
  "topk_method": "noaux_tc",
  "torch_dtype": "bfloat16",
  "transformers_version": "4.33.1",
  "use_cache": true,
  "v_head_dim": 128,
  "vocab_size": 129280
})";

// deepseek-ai/DeepSeek-V2-Lite config.json, as published on the hub.
const char* kDeepseekV2Lite = R"({
  "architectures": ["DeepseekV2ForCausalLM"],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "auto_map": {
    "AutoConfig": "configuration_deepseek.DeepseekV2Config",
    "AutoModel": "modeling_deepseek.DeepseekV2Model",
    "AutoModelForCausalLM": "modeling_deepseek.DeepseekV2ForCausalLM"
  },
  "aux_loss_alpha": 0.001,
  "bos_token_id": 100000,
  "eos_token_id": 100001,
  "first_k_dense_replace": 1,
  "hidden_act": "silu",
  "hidden_size": 2048,
  "initializer_range": 0.02,
  "intermediate_size": 10944,
  "kv_lora_rank": 512,
  "max_position_embeddings": 163840,
  "model_type": "deepseek_v2",
  "moe_intermediate_size": 1408,
  "moe_layer_freq": 1,
  "n_group": 1,
  "n_routed_experts": 64,
  "n_shared_experts": 2,
  "norm_topk_prob": false,
  "num_attention_heads": 16,
  "num_experts_per_tok": 6,
  "num_hidden_layers": 27,
  "num_key_value_heads": 16,
  "pretraining_tp": 1,
  "q_lora_rank": null,
  "qk_nope_head_dim": 128,
  "qk_rope_head_dim": 64,
  "rms_norm_eps": 1e-06,
  "rope_scaling": {
    "beta_fast": 32,
    "beta_slow": 1,
    "factor": 40,
    "mscale": 0.707,
    "mscale_all_dim": 0.707,
    "original_max_position_embeddings": 4096,
    "type": "yarn"
  },
  "rope_theta": 10000,
  "routed_scaling_factor": 1.0,
  "scoring_func": "softmax",
  "seq_aux": true,
  "tie_word_embeddings": false,
  "topk_group": 1,
  "topk_method": "greedy",
  "torch_dtype": "bfloat16",
  "transformers_version": "4.33.1",
  "use_cache": true,
  "v_head_dim": 128,
  "vocab_size": 102400
})";

std::string V3With(const std::function<void(json&)>& edit) {
  json j = json::parse(kDeepseekV3);
  edit(j);
  return j.dump();
}

// The error message for `text`; fails the test if it parses.
std::string ConfigError(const std::string& text) {
  auto r = ParseModelConfig(text);
  EXPECT_FALSE(r.ok()) << "parsed but should not have";
  return r.ok() ? "" : r.status().message();
}

std::string ErrorWith(const std::function<void(json&)>& edit) { return ConfigError(V3With(edit)); }

bool Near(double got, double want, double rel) { return std::abs(got - want) <= rel * want; }

// ---------------------------------------------------------------- accepted

TEST(Config, DeepseekV3) {
  auto r = ParseModelConfig(kDeepseekV3);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const ModelConfig& c = *r;
  EXPECT_EQ(c.model_type, ModelType::kDeepseekV3);
  EXPECT_EQ(c.vocab_size, 129280);
  EXPECT_EQ(c.hidden_size, 7168);
  EXPECT_EQ(c.intermediate_size, 18432);
  EXPECT_EQ(c.moe_intermediate_size, 2048);
  EXPECT_EQ(c.num_hidden_layers, 61);
  EXPECT_EQ(c.num_nextn_predict_layers, 1);
  EXPECT_EQ(c.first_k_dense_replace, 3);
  EXPECT_EQ(c.num_attention_heads, 128);
  EXPECT_EQ(c.q_lora_rank, 1536);
  EXPECT_EQ(c.kv_lora_rank, 512);
  EXPECT_EQ(c.qk_nope_head_dim, 128);
  EXPECT_EQ(c.qk_rope_head_dim, 64);
  EXPECT_EQ(c.qk_head_dim(), 192);
  EXPECT_EQ(c.v_head_dim, 128);
  EXPECT_EQ(c.n_routed_experts, 256);
  EXPECT_EQ(c.num_experts_per_tok, 8);
  EXPECT_EQ(c.n_shared_experts, 1);
  EXPECT_EQ(c.n_group, 8);
  EXPECT_EQ(c.topk_group, 4);
  EXPECT_EQ(c.topk_method, TopkMethod::kNoauxTc);
  EXPECT_EQ(c.scoring_func, ScoringFunc::kSigmoid);
  EXPECT_TRUE(c.norm_topk_prob);
  EXPECT_DOUBLE_EQ(c.routed_scaling_factor, 2.5);
  EXPECT_DOUBLE_EQ(c.rope_theta, 10000.0);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-6);
  EXPECT_EQ(c.max_position_embeddings, 163840);
  EXPECT_TRUE(c.rope_scaling.enabled);
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 40.0);
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 4096);
  EXPECT_DOUBLE_EQ(c.rope_scaling.beta_fast, 32.0);
  EXPECT_DOUBLE_EQ(c.rope_scaling.beta_slow, 1.0);
  EXPECT_DOUBLE_EQ(c.rope_scaling.mscale, 1.0);
  EXPECT_DOUBLE_EQ(c.rope_scaling.mscale_all_dim, 1.0);
  EXPECT_TRUE(c.fp8_block_weights);
  EXPECT_EQ(c.fp8_block_rows, 128);
  EXPECT_EQ(c.fp8_block_cols, 128);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_FALSE(c.is_moe_layer(2));
  EXPECT_TRUE(c.is_moe_layer(3));
  EXPECT_TRUE(c.is_moe_layer(60));
}

TEST(Config, DeepseekV2Lite) {
  auto r = ParseModelConfig(kDeepseekV2Lite);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const ModelConfig& c = *r;
  EXPECT_EQ(c.model_type, ModelType::kDeepseekV2);
  EXPECT_EQ(c.vocab_size, 102400);
  EXPECT_EQ(c.hidden_size, 2048);
  EXPECT_EQ(c.intermediate_size, 10944);
  EXPECT_EQ(c.moe_intermediate_size, 1408);
  EXPECT_EQ(c.num_hidden_layers, 27);
  EXPECT_EQ(c.num_nextn_predict_layers, 0);
  EXPECT_EQ(c.first_k_dense_replace, 1);
  EXPECT_EQ(c.num_attention_heads, 16);
  EXPECT_EQ(c.q_lora_rank, 0);  // null: no query compression
  EXPECT_EQ(c.kv_lora_rank, 512);
  EXPECT_EQ(c.n_routed_experts, 64);
  EXPECT_EQ(c.num_experts_per_tok, 6);
  EXPECT_EQ(c.n_shared_experts, 2);
  EXPECT_EQ(c.n_group, 1);
  EXPECT_EQ(c.topk_group, 1);
  EXPECT_EQ(c.topk_method, TopkMethod::kGreedy);
  EXPECT_EQ(c.scoring_func, ScoringFunc::kSoftmax);
  EXPECT_FALSE(c.norm_topk_prob);
  EXPECT_DOUBLE_EQ(c.routed_scaling_factor, 1.0);
  EXPECT_TRUE(c.rope_scaling.enabled);
  EXPECT_DOUBLE_EQ(c.rope_scaling.mscale, 0.707);
  EXPECT_DOUBLE_EQ(c.rope_scaling.mscale_all_dim, 0.707);
  EXPECT_FALSE(c.fp8_block_weights);
}

TEST(Config, DeepseekV3ParamCounts) {
  auto r = ParseModelConfig(kDeepseekV3);
  ASSERT_TRUE(r.ok());
  ParamCounts p = CountParams(*r);
  std::printf("DeepSeek-V3: total %.3fB, active %.3fB, MTP %.3fB\n", p.total / 1e9, p.active / 1e9, p.mtp / 1e9);
  EXPECT_TRUE(Near(p.total, 671e9, 0.01)) << p.total;
  EXPECT_TRUE(Near(p.active, 37e9, 0.03)) << p.active;
  EXPECT_GE(p.mtp, 11.5e9);
  EXPECT_LE(p.mtp, 14.0e9);
}

TEST(Config, DeepseekV2LiteParamCounts) {
  auto r = ParseModelConfig(kDeepseekV2Lite);
  ASSERT_TRUE(r.ok());
  ParamCounts p = CountParams(*r);
  std::printf("DeepSeek-V2-Lite: total %.3fB, active %.3fB, MTP %.3fB\n", p.total / 1e9, p.active / 1e9, p.mtp / 1e9);
  EXPECT_TRUE(Near(p.total, 15.7e9, 0.03)) << p.total;
  EXPECT_TRUE(Near(p.active, 2.4e9, 0.03)) << p.active;
  EXPECT_EQ(p.mtp, 0);
}

TEST(Config, MlaCacheIsMuchSmallerThanMha) {
  auto r = ParseModelConfig(kDeepseekV3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(MlaCacheValuesPerTokenPerLayer(*r), 512 + 64);
  EXPECT_EQ(MhaCacheValuesPerTokenPerLayer(*r), 128 * (192 + 128));
}

TEST(Config, Transformers5RopeParameters) {
  std::string text = V3With([](json& j) {
    j.erase("rope_scaling");
    j.erase("rope_theta");
    j["rope_parameters"] = {{"rope_type", "yarn"},   {"factor", 40},         {"original_max_position_embeddings", 4096},
                            {"beta_fast", 32},       {"beta_slow", 1},       {"mscale", 1.0},
                            {"mscale_all_dim", 1.0}, {"rope_theta", 50000.0}};
  });
  auto r = ParseModelConfig(text);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->rope_scaling.enabled);
  EXPECT_DOUBLE_EQ(r->rope_scaling.factor, 40.0);
  EXPECT_EQ(r->rope_scaling.original_max_position_embeddings, 4096);
  EXPECT_DOUBLE_EQ(r->rope_theta, 50000.0);
}

TEST(Config, RopeParametersDefaultType) {
  auto r = ParseModelConfig(V3With([](json& j) {
    j.erase("rope_scaling");
    j["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 20000.0}};
  }));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->rope_scaling.enabled);
  EXPECT_DOUBLE_EQ(r->rope_theta, 20000.0);
}

TEST(Config, NullRopeScaling) {
  auto r = ParseModelConfig(V3With([](json& j) { j["rope_scaling"] = nullptr; }));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->rope_scaling.enabled);
}

TEST(Config, V3DefaultsForOmittedRoutingKeys) {
  auto r = ParseModelConfig(V3With([](json& j) {
    for (const char* k : {"topk_method", "scoring_func", "norm_topk_prob", "n_group", "topk_group"}) j.erase(k);
  }));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->topk_method, TopkMethod::kNoauxTc);
  EXPECT_EQ(r->scoring_func, ScoringFunc::kSigmoid);
  EXPECT_TRUE(r->norm_topk_prob);
  EXPECT_EQ(r->n_group, 8);
  EXPECT_EQ(r->topk_group, 4);
}

TEST(Config, RoundTripThroughJson) {
  for (const char* text : {kDeepseekV3, kDeepseekV2Lite}) {
    auto a = ParseModelConfig(text);
    ASSERT_TRUE(a.ok());
    auto b = ParseModelConfig(ModelConfigToJson(*a));
    ASSERT_TRUE(b.ok()) << b.status().message();
    EXPECT_EQ(ModelConfigToJson(*a), ModelConfigToJson(*b));
    ParamCounts pa = CountParams(*a), pb = CountParams(*b);
    EXPECT_EQ(pa.total, pb.total);
    EXPECT_EQ(pa.active, pb.active);
  }
}

TEST(Config, ExampleAndFuzzSeedParse) {
  for (const char* rel : {"/examples/tiny_v3.json", "/fuzz/corpus/config/v3.json"}) {
    std::ifstream in(std::string(MINKE_SOURCE_DIR) + rel);
    ASSERT_TRUE(in) << rel;
    std::stringstream ss;
    ss << in.rdbuf();
    auto r = ParseModelConfig(ss.str());
    EXPECT_TRUE(r.ok()) << rel << ": " << r.status().message();
  }
}

// ---------------------------------------------------------------- rejected

TEST(ConfigBad, NotJson) { EXPECT_HAS(ConfigError("{\"model_type\": "), "not valid JSON"); }

TEST(ConfigBad, EmptyText) { EXPECT_HAS(ConfigError(""), "not valid JSON"); }

TEST(ConfigBad, NotAnObject) {
  EXPECT_HAS(ConfigError("[1, 2, 3]"), "not a JSON object");
  EXPECT_HAS(ConfigError("\"deepseek_v3\""), "not a JSON object");
}

TEST(ConfigBad, UnknownModelType) {
  std::string msg = ErrorWith([](json& j) { j["model_type"] = "llama"; });
  EXPECT_HAS(msg, "model_type");
  EXPECT_HAS(msg, "'llama'");
}

TEST(ConfigBad, ModelTypeNotAString) {
  std::string msg = ErrorWith([](json& j) { j["model_type"] = 3; });
  EXPECT_HAS(msg, "model_type");
}

TEST(ConfigBad, MissingModelType) {
  EXPECT_HAS(ErrorWith([](json& j) { j.erase("model_type"); }), "'model_type'");
}

TEST(ConfigBad, UnknownKey) {
  std::string msg = ErrorWith([](json& j) { j["sliding_window"] = 4096; });
  EXPECT_HAS(msg, "unknown key 'sliding_window'");
}

TEST(ConfigBad, WrongType) {
  std::string msg = ErrorWith([](json& j) { j["hidden_size"] = "big"; });
  EXPECT_HAS(msg, "'hidden_size'");
  EXPECT_HAS(msg, "\"big\"");
  msg = ErrorWith([](json& j) { j["hidden_size"] = 7168.5; });
  EXPECT_HAS(msg, "'hidden_size'");
  msg = ErrorWith([](json& j) { j["norm_topk_prob"] = "yes"; });
  EXPECT_HAS(msg, "'norm_topk_prob'");
  msg = ErrorWith([](json& j) { j["rope_theta"] = "10000"; });
  EXPECT_HAS(msg, "'rope_theta'");
  msg = ErrorWith([](json& j) { j["topk_method"] = 1; });
  EXPECT_HAS(msg, "'topk_method'");
}

TEST(ConfigBad, MissingRequiredKey) {
  for (const char* key : {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "kv_lora_rank",
                          "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "max_position_embeddings"}) {
    std::string msg = ErrorWith([&](json& j) { j.erase(key); });
    EXPECT_HAS(msg, "missing required key '" + std::string(key) + "'");
  }
}

TEST(ConfigBad, UnsupportedActivation) {
  std::string msg = ErrorWith([](json& j) { j["hidden_act"] = "gelu"; });
  EXPECT_HAS(msg, "'hidden_act'");
  EXPECT_HAS(msg, "'gelu'");
}

TEST(ConfigBad, UnknownTopkMethodAndScoringFunc) {
  std::string msg = ErrorWith([](json& j) { j["topk_method"] = "random"; });
  EXPECT_HAS(msg, "'topk_method'");
  EXPECT_HAS(msg, "'random'");
  msg = ErrorWith([](json& j) { j["scoring_func"] = "tanh"; });
  EXPECT_HAS(msg, "'scoring_func'");
  EXPECT_HAS(msg, "'tanh'");
}

TEST(ConfigBad, NegativeOrZeroDims) {
  for (const char* key : {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "kv_lora_rank",
                          "qk_rope_head_dim", "v_head_dim", "max_position_embeddings", "intermediate_size",
                          "moe_intermediate_size", "num_experts_per_tok", "n_group", "topk_group"}) {
    std::string msg = ErrorWith([&](json& j) { j[key] = -4; });
    EXPECT_HAS(msg, "'" + std::string(key) + "'");
  }
  for (const char* key : {"qk_nope_head_dim", "q_lora_rank", "num_nextn_predict_layers", "n_routed_experts",
                          "n_shared_experts", "first_k_dense_replace"}) {
    std::string msg = ErrorWith([&](json& j) { j[key] = -1; });
    EXPECT_HAS(msg, "'" + std::string(key) + "'");
  }
  EXPECT_HAS(ErrorWith([](json& j) { j["hidden_size"] = 0; }), "'hidden_size' must be > 0, got 0");
  EXPECT_HAS(ErrorWith([](json& j) { j["rms_norm_eps"] = 0; }), "'rms_norm_eps'");
  EXPECT_HAS(ErrorWith([](json& j) { j["rope_theta"] = -1; }), "'rope_theta'");
}

TEST(ConfigBad, ExpertsNotDivisibleByGroups) {
  std::string msg = ErrorWith([](json& j) { j["n_routed_experts"] = 250; });
  EXPECT_HAS(msg, "n_routed_experts 250");
  EXPECT_HAS(msg, "n_group 8");
}

TEST(ConfigBad, TopkGroupAboveGroups) {
  std::string msg = ErrorWith([](json& j) { j["topk_group"] = 9; });
  EXPECT_HAS(msg, "topk_group 9");
  EXPECT_HAS(msg, "n_group 8");
}

TEST(ConfigBad, TooFewExpertsInChosenGroups) {
  std::string msg = ErrorWith([](json& j) {
    j["topk_group"] = 1;
    j["num_experts_per_tok"] = 64;
  });
  EXPECT_HAS(msg, "num_experts_per_tok 64");
}

TEST(ConfigBad, NoauxTcNeedsTwoExpertsPerGroup) {
  std::string msg = ErrorWith([](json& j) {
    j["n_routed_experts"] = 8;
    j["num_experts_per_tok"] = 4;
  });
  EXPECT_HAS(msg, "noaux_tc");
  EXPECT_HAS(msg, "n_group");
}

TEST(ConfigBad, MoreExpertsPerTokenThanExperts) {
  std::string msg = ConfigError([] {
    json j = json::parse(kDeepseekV2Lite);
    j["num_experts_per_tok"] = 65;
    return j.dump();
  }());
  EXPECT_HAS(msg, "num_experts_per_tok 65");
  EXPECT_HAS(msg, "n_routed_experts 64");
}

TEST(ConfigBad, OddRopeHeadDim) {
  std::string msg = ErrorWith([](json& j) { j["qk_rope_head_dim"] = 63; });
  EXPECT_HAS(msg, "'qk_rope_head_dim'");
  EXPECT_HAS(msg, "63");
}

TEST(ConfigBad, RopeTypeLinear) {
  std::string msg = ErrorWith([](json& j) { j["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}}; });
  EXPECT_HAS(msg, "rope_scaling");
  EXPECT_HAS(msg, "'linear'");
}

TEST(ConfigBad, RopeScalingNotAnObject) {
  EXPECT_HAS(ErrorWith([](json& j) { j["rope_scaling"] = "yarn"; }), "'rope_scaling'");
}

TEST(ConfigBad, RopeUnknownKey) {
  std::string msg = ErrorWith([](json& j) { j["rope_scaling"]["low_freq_factor"] = 1; });
  EXPECT_HAS(msg, "rope_scaling.low_freq_factor");
}

TEST(ConfigBad, RopeYarnMissingFactor) {
  std::string msg = ErrorWith([](json& j) { j["rope_scaling"].erase("factor"); });
  EXPECT_HAS(msg, "rope_scaling");
  EXPECT_HAS(msg, "'factor'");
  msg = ErrorWith([](json& j) { j["rope_scaling"]["factor"] = -40; });
  EXPECT_HAS(msg, "factor");
  msg = ErrorWith([](json& j) { j["rope_scaling"]["beta_fast"] = "fast"; });
  EXPECT_HAS(msg, "'beta_fast'");
}

TEST(ConfigBad, RopeScalingAndRopeParametersBoth) {
  std::string msg = ErrorWith([](json& j) { j["rope_parameters"] = {{"rope_type", "default"}}; });
  EXPECT_HAS(msg, "rope_scaling");
  EXPECT_HAS(msg, "rope_parameters");
}

TEST(ConfigBad, RopeParametersUnsupported) {
  std::string msg = ErrorWith([](json& j) {
    j.erase("rope_scaling");
    j["rope_parameters"] = {{"rope_type", "llama3"}, {"factor", 8.0}};
  });
  EXPECT_HAS(msg, "rope_parameters");
  EXPECT_HAS(msg, "'llama3'");
  msg = ErrorWith([](json& j) {
    j.erase("rope_scaling");
    j["rope_parameters"] = {{"rope_type", "default"}, {"partial_rotary_factor", 0.5}};
  });
  EXPECT_HAS(msg, "partial_rotary_factor");
  msg = ErrorWith([](json& j) {
    j.erase("rope_scaling");
    j["rope_parameters"] = {{"rope_type", "yarn"}, {"factor", 4.0}, {"attention_factor", 1.0}};
  });
  EXPECT_HAS(msg, "attention_factor");
}

TEST(ConfigBad, QuantizationConfigNotAnObject) {
  EXPECT_HAS(ErrorWith([](json& j) { j["quantization_config"] = "fp8"; }), "'quantization_config'");
}

TEST(ConfigBad, QuantizationMethodUnsupported) {
  std::string msg = ErrorWith([](json& j) { j["quantization_config"]["quant_method"] = "gptq"; });
  EXPECT_HAS(msg, "quantization_config");
  EXPECT_HAS(msg, "'gptq'");
  msg = ErrorWith([](json& j) { j["quantization_config"]["fmt"] = "e5m2"; });
  EXPECT_HAS(msg, "quantization_config");
  EXPECT_HAS(msg, "e5m2");
  msg = ErrorWith([](json& j) { j["quantization_config"].erase("quant_method"); });
  EXPECT_HAS(msg, "quantization_config");
}

TEST(ConfigBad, QuantizationMethodNotAString) {
  // Must be an error, not an exception out of the JSON library.
  std::string msg = ErrorWith([](json& j) { j["quantization_config"]["quant_method"] = 8; });
  EXPECT_HAS(msg, "quantization_config");
  EXPECT_HAS(msg, "quant_method");
  msg = ErrorWith([](json& j) { j["quantization_config"]["fmt"] = nullptr; });
  EXPECT_HAS(msg, "fmt");
}

TEST(ConfigBad, QuantizationBlockSize) {
  for (json bad : {json::array({128}), json::array({128, 0}), json::array({128, -128}), json::array({128.0, 128}),
                   json("128x128"), json::array({128, 128, 1})}) {
    std::string msg = ErrorWith([&](json& j) { j["quantization_config"]["weight_block_size"] = bad; });
    EXPECT_HAS(msg, "weight_block_size");
  }
}

TEST(ConfigBad, HeadDimMismatch) {
  EXPECT_HAS(ErrorWith([](json& j) { j["head_dim"] = 100; }), "'head_dim'");
  EXPECT_HAS(ErrorWith([](json& j) { j["qk_head_dim"] = 100; }), "'qk_head_dim'");
}

TEST(ConfigBad, MlpBias) {
  EXPECT_HAS(ErrorWith([](json& j) { j["mlp_bias"] = true; }), "'mlp_bias'");
}

TEST(ConfigBad, HugeIntegerDoesNotWrapToValid) {
  // 2^64 - 1 must not be taken for a usable size.
  EXPECT_HAS(ConfigError(V3With([](json& j) { j["hidden_size"] = 18446744073709551615ull; })), "'hidden_size'");
}

TEST(ConfigBad, AbsurdSizesAreRejectedNotAllocated) {
  // A config that would need more memory than exists just to list its
  // tensors must be an error from the parser, not bad_alloc or overflow later.
  EXPECT_HAS(ErrorWith([](json& j) { j["num_hidden_layers"] = 1000000000000LL; }), "'num_hidden_layers'");
  EXPECT_HAS(ErrorWith([](json& j) { j["n_routed_experts"] = 1LL << 40; }), "'n_routed_experts'");
  EXPECT_HAS(ErrorWith([](json& j) { j["hidden_size"] = 1LL << 40; }), "'hidden_size'");
  EXPECT_HAS(ErrorWith([](json& j) { j["num_nextn_predict_layers"] = 1LL << 40; }), "'num_nextn_predict_layers'");
  EXPECT_HAS(ErrorWith([](json& j) { j["vocab_size"] = 1LL << 40; }), "'vocab_size'");
}

}  // namespace
}  // namespace minke::model

namespace minke::model {
namespace {

TEST(ConfigHostile, DeepNestingAndBadYarn) {
  std::string deep =
      "{\"model_type\":\"deepseek_v3\",\"vocab_size\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto r = ParseModelConfig(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nests deeper"), std::string::npos);
  std::string base = R"({"model_type":"deepseek_v3","vocab_size":64,"hidden_size":32,"intermediate_size":64,
    "num_hidden_layers":1,"num_attention_heads":2,"kv_lora_rank":16,"qk_nope_head_dim":8,"qk_rope_head_dim":4,
    "v_head_dim":8,"max_position_embeddings":128,"n_routed_experts":null,)";
  auto yarn = ParseModelConfig(
      base + R"("rope_scaling":{"type":"yarn","factor":4,"original_max_position_embeddings":32,"beta_fast":-1}})");
  ASSERT_FALSE(yarn.ok());
  EXPECT_NE(yarn.status().message().find("beta_fast"), std::string::npos) << yarn.status().message();
  auto ok =
      ParseModelConfig(base + R"("rope_scaling":{"type":"yarn","factor":4,"original_max_position_embeddings":32}})");
  EXPECT_TRUE(ok.ok()) << ok.status().message();
  auto huge = ParseModelConfig(base.substr(0, base.size() - 1) + R"(,"max_position_embeddings":4611686018427387904})");
  EXPECT_FALSE(huge.ok());
}

}  // namespace
}  // namespace minke::model
