#include "model/config.h"

#include "core/json_depth.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

namespace minke::model {
namespace {

using json = nlohmann::json;

// Keys of generic Hugging Face configs (PretrainedConfig, generation
// defaults, hub metadata) and DeepSeek training-only keys: accepted, unused.
const std::set<std::string>& IgnoredKeys() {
  static const std::set<std::string> keys = {"_name_or_path",
                                             "_attn_implementation_autoset",
                                             "_commit_hash",
                                             "add_cross_attention",
                                             "architectures",
                                             "auto_map",
                                             "aux_loss_alpha",
                                             "bad_words_ids",
                                             "begin_suppress_tokens",
                                             "bos_token_id",
                                             "chunk_size_feed_forward",
                                             "cross_attention_hidden_size",
                                             "decoder_start_token_id",
                                             "diversity_penalty",
                                             "do_sample",
                                             "dtype",
                                             "early_stopping",
                                             "encoder_no_repeat_ngram_size",
                                             "eos_token_id",
                                             "ep_size",
                                             "exponential_decay_length_penalty",
                                             "finetuning_task",
                                             "forced_bos_token_id",
                                             "forced_eos_token_id",
                                             "id2label",
                                             "initializer_range",
                                             "is_decoder",
                                             "is_encoder_decoder",
                                             "label2id",
                                             "length_penalty",
                                             "max_length",
                                             "min_length",
                                             "no_repeat_ngram_size",
                                             "num_beam_groups",
                                             "num_beams",
                                             "num_return_sequences",
                                             "output_attentions",
                                             "output_hidden_states",
                                             "output_router_logits",
                                             "output_scores",
                                             "pad_token_id",
                                             "prefix",
                                             "pretraining_tp",
                                             "problem_type",
                                             "pruned_heads",
                                             "remove_invalid_values",
                                             "repetition_penalty",
                                             "return_dict",
                                             "return_dict_in_generate",
                                             "router_aux_loss_coef",
                                             "sep_token_id",
                                             "seq_aux",
                                             "suppress_tokens",
                                             "task_specific_params",
                                             "temperature",
                                             "tf_legacy_loss",
                                             "tie_encoder_decoder",
                                             "tokenizer_class",
                                             "top_k",
                                             "top_p",
                                             "torch_dtype",
                                             "torchscript",
                                             "transformers_version",
                                             "typical_p",
                                             "use_bfloat16",
                                             "use_cache",
                                             "attention_dropout",
                                             "num_key_value_heads",
                                             "head_dim",
                                             "qk_head_dim",
                                             "mlp_bias"};
  return keys;
}

class Reader {
 public:
  explicit Reader(const json& j) : j_(j) {}
  Status status() const { return st_; }
  bool Has(const char* key) const { return j_.contains(key) && !j_.at(key).is_null(); }

  void Int(const char* key, int64_t* out, bool required) {
    if (!st_.ok()) return;
    if (!Has(key)) {
      if (required) st_ = Status::Error("missing required key '" + std::string(key) + "'");
      return;
    }
    const json& v = j_.at(key);
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX)) {
      st_ = Status::Error("key '" + std::string(key) + "' must be an integer, got " + v.dump());
      return;
    }
    *out = v.get<int64_t>();
  }
  void Float(const char* key, double* out, bool required) {
    if (!st_.ok()) return;
    if (!Has(key)) {
      if (required) st_ = Status::Error("missing required key '" + std::string(key) + "'");
      return;
    }
    const json& v = j_.at(key);
    if (!v.is_number()) {
      st_ = Status::Error("key '" + std::string(key) + "' must be a number, got " + v.dump());
      return;
    }
    *out = v.get<double>();
  }
  void Bool(const char* key, bool* out) {
    if (!st_.ok() || !Has(key)) return;
    const json& v = j_.at(key);
    if (!v.is_boolean()) {
      st_ = Status::Error("key '" + std::string(key) + "' must be true or false, got " + v.dump());
      return;
    }
    *out = v.get<bool>();
  }
  void String(const char* key, std::string* out) {
    if (!st_.ok() || !Has(key)) return;
    const json& v = j_.at(key);
    if (!v.is_string()) {
      st_ = Status::Error("key '" + std::string(key) + "' must be a string, got " + v.dump());
      return;
    }
    *out = v.get<std::string>();
  }
  void Fail(const std::string& msg) {
    if (st_.ok()) st_ = Status::Error(msg);
  }

 private:
  const json& j_;
  Status st_;
};

// rope_scaling (DeepSeek's hub configs) or rope_parameters (transformers 5).
Status ParseRope(const json& j, ModelConfig* c) {
  const json* rope = nullptr;
  const char* where = "rope_scaling";
  if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) rope = &j["rope_scaling"];
  if (j.contains("rope_parameters") && !j["rope_parameters"].is_null()) {
    if (rope) return Status::Error("both 'rope_scaling' and 'rope_parameters' are set; give one");
    rope = &j["rope_parameters"];
    where = "rope_parameters";
  }
  if (!rope) return Status::Ok();
  if (!rope->is_object()) return Status::Error(std::string("'") + where + "' must be an object or null");
  static const std::set<std::string> known = {"type",
                                              "rope_type",
                                              "factor",
                                              "original_max_position_embeddings",
                                              "beta_fast",
                                              "beta_slow",
                                              "mscale",
                                              "mscale_all_dim",
                                              "rope_theta",
                                              "attention_factor",
                                              "partial_rotary_factor"};
  for (const auto& [k, _] : rope->items())
    if (!known.count(k)) return Status::Error(std::string("unknown key '") + where + "." + k + "'");
  Reader r(*rope);
  std::string type = "default";
  r.String("type", &type);
  r.String("rope_type", &type);
  r.Float("rope_theta", &c->rope_theta, false);
  if (r.Has("attention_factor")) r.Fail(std::string(where) + ".attention_factor is not supported");
  if (r.Has("partial_rotary_factor")) {
    double p = 1.0;
    r.Float("partial_rotary_factor", &p, false);
    if (p != 1.0) r.Fail(std::string(where) + ".partial_rotary_factor != 1 is not supported");
  }
  if (type == "yarn") {
    YarnScaling& y = c->rope_scaling;
    y.enabled = true;
    r.Float("factor", &y.factor, true);
    y.original_max_position_embeddings = c->max_position_embeddings;
    r.Int("original_max_position_embeddings", &y.original_max_position_embeddings, false);
    r.Float("beta_fast", &y.beta_fast, false);
    r.Float("beta_slow", &y.beta_slow, false);
    r.Float("mscale", &y.mscale, false);
    r.Float("mscale_all_dim", &y.mscale_all_dim, false);
    if (r.status().ok() && (y.factor <= 0 || y.original_max_position_embeddings <= 0))
      r.Fail(std::string(where) + ": factor and original_max_position_embeddings must be positive");
  } else if (type != "default") {
    r.Fail(std::string(where) + ": rope type '" + type + "' is not supported (yarn or default)");
  }
  return r.status().WithContext(where);
}

Status Validate(const ModelConfig& c) {
  auto positive = [](int64_t v, const char* key) {
    return v > 0 ? Status::Ok() : Status::Error("key '" + std::string(key) + "' must be > 0, got " + std::to_string(v));
  };
  for (auto [v, k] : {std::pair{c.vocab_size, "vocab_size"},
                      {c.hidden_size, "hidden_size"},
                      {c.num_hidden_layers, "num_hidden_layers"},
                      {c.num_attention_heads, "num_attention_heads"},
                      {c.kv_lora_rank, "kv_lora_rank"},
                      {c.qk_rope_head_dim, "qk_rope_head_dim"},
                      {c.v_head_dim, "v_head_dim"},
                      {c.max_position_embeddings, "max_position_embeddings"}})
    MINKE_RETURN_IF_ERROR(positive(v, k));
  if (c.qk_nope_head_dim < 0) return Status::Error("key 'qk_nope_head_dim' must be >= 0");
  if (c.q_lora_rank < 0) return Status::Error("key 'q_lora_rank' must be >= 0 or null");
  if (c.qk_rope_head_dim % 2)
    return Status::Error("key 'qk_rope_head_dim' must be even, got " + std::to_string(c.qk_rope_head_dim));
  if (c.num_nextn_predict_layers < 0) return Status::Error("key 'num_nextn_predict_layers' must be >= 0");
  if (c.rms_norm_eps <= 0) return Status::Error("key 'rms_norm_eps' must be > 0");
  if (c.rope_theta <= 0) return Status::Error("key 'rope_theta' must be > 0");
  bool any_dense = c.first_k_dense_replace > 0 || c.n_routed_experts == 0 || c.moe_layer_freq > 1;
  if (any_dense) MINKE_RETURN_IF_ERROR(positive(c.intermediate_size, "intermediate_size"));
  if (c.n_routed_experts < 0) return Status::Error("key 'n_routed_experts' must be >= 0 or null");
  if (c.n_routed_experts == 0) return Status::Ok();
  MINKE_RETURN_IF_ERROR(positive(c.moe_intermediate_size, "moe_intermediate_size"));
  MINKE_RETURN_IF_ERROR(positive(c.num_experts_per_tok, "num_experts_per_tok"));
  MINKE_RETURN_IF_ERROR(positive(c.moe_layer_freq, "moe_layer_freq"));
  MINKE_RETURN_IF_ERROR(positive(c.n_group, "n_group"));
  MINKE_RETURN_IF_ERROR(positive(c.topk_group, "topk_group"));
  if (c.n_shared_experts < 0) return Status::Error("key 'n_shared_experts' must be >= 0 or null");
  if (c.first_k_dense_replace < 0) return Status::Error("key 'first_k_dense_replace' must be >= 0");
  if (c.num_experts_per_tok > c.n_routed_experts)
    return Status::Error("num_experts_per_tok " + std::to_string(c.num_experts_per_tok) + " > n_routed_experts " +
                         std::to_string(c.n_routed_experts));
  if (c.topk_method != TopkMethod::kGreedy) {
    if (c.n_routed_experts % c.n_group)
      return Status::Error("n_routed_experts " + std::to_string(c.n_routed_experts) + " is not divisible by n_group " +
                           std::to_string(c.n_group));
    if (c.topk_group > c.n_group)
      return Status::Error("topk_group " + std::to_string(c.topk_group) + " > n_group " + std::to_string(c.n_group));
    int64_t per_group = c.n_routed_experts / c.n_group;
    if (c.topk_group * per_group < c.num_experts_per_tok)
      return Status::Error("topk_group x experts per group (" + std::to_string(c.topk_group * per_group) +
                           ") < num_experts_per_tok " + std::to_string(c.num_experts_per_tok));
    if (c.topk_method == TopkMethod::kNoauxTc && per_group < 2)
      return Status::Error("noaux_tc scores a group by its top-2 experts; n_routed_experts / n_group must be >= 2");
  }
  return Status::Ok();
}

// Upper bounds far above any real model (V3: vocab 129280, hidden 7168, 61
// layers, 256 experts) but low enough that listing the tensors cannot
// exhaust memory and no tensor size or parameter count overflows int64.
Status CheckSizes(const ModelConfig& c) {
  constexpr int64_t kMaxDim = int64_t{1} << 20, kMaxVocab = int64_t{1} << 24, kMaxLayers = 1 << 12,
                    kMaxExperts = 1 << 16;
  auto at_most = [](int64_t v, int64_t max, const char* key) {
    return v <= max ? Status::Ok()
                    : Status::Error("key '" + std::string(key) + "' is " + std::to_string(v) + ", more than the " +
                                    std::to_string(max) + " minke supports");
  };
  MINKE_RETURN_IF_ERROR(at_most(c.vocab_size, kMaxVocab, "vocab_size"));
  for (auto [v, k] : {std::pair{c.hidden_size, "hidden_size"},
                      {c.intermediate_size, "intermediate_size"},
                      {c.moe_intermediate_size, "moe_intermediate_size"},
                      {c.num_attention_heads, "num_attention_heads"},
                      {c.q_lora_rank, "q_lora_rank"},
                      {c.kv_lora_rank, "kv_lora_rank"},
                      {c.qk_nope_head_dim, "qk_nope_head_dim"},
                      {c.qk_rope_head_dim, "qk_rope_head_dim"},
                      {c.v_head_dim, "v_head_dim"}})
    MINKE_RETURN_IF_ERROR(at_most(v, kMaxDim, k));
  MINKE_RETURN_IF_ERROR(at_most(c.max_position_embeddings, kMaxVocab, "max_position_embeddings"));
  // BLAS takes 32-bit sizes: the widest row a GEMM sees must fit.
  const int64_t widest = std::max({c.num_attention_heads * (c.qk_nope_head_dim + c.qk_rope_head_dim),
                                   c.num_attention_heads * (c.qk_nope_head_dim + c.v_head_dim),
                                   (c.n_shared_experts + 1) * c.moe_intermediate_size});
  if (widest > INT32_MAX / 2) return Status::Error("head or expert dimensions give rows wider than BLAS supports");
  if (c.rope_scaling.enabled) {
    const YarnScaling& y = c.rope_scaling;
    if (!(y.beta_fast > 0 && y.beta_slow > 0))
      return Status::Error("rope_scaling: beta_fast and beta_slow must be > 0");
    if (!(c.rope_theta > 1)) return Status::Error("rope_scaling: YaRN needs rope_theta > 1");
    for (double m : {y.mscale, y.mscale_all_dim})
      if (!(0.1 * m * std::log(std::max(y.factor, 1.0)) + 1.0 > 0))
        return Status::Error("rope_scaling: mscale / mscale_all_dim give a non-positive attention scale");
  }
  MINKE_RETURN_IF_ERROR(at_most(c.num_hidden_layers, kMaxLayers, "num_hidden_layers"));
  MINKE_RETURN_IF_ERROR(at_most(c.num_nextn_predict_layers, kMaxLayers, "num_nextn_predict_layers"));
  MINKE_RETURN_IF_ERROR(at_most(c.n_routed_experts, kMaxExperts, "n_routed_experts"));
  if (c.n_routed_experts > 0) MINKE_RETURN_IF_ERROR(at_most(c.n_shared_experts, kMaxExperts, "n_shared_experts"));
  const int64_t blocks = c.num_hidden_layers + c.num_nextn_predict_layers;
  if (blocks * (c.n_routed_experts + 1) > (int64_t{1} << 20))
    return Status::Error("num_hidden_layers + num_nextn_predict_layers (" + std::to_string(blocks) +
                         ") x n_routed_experts (" + std::to_string(c.n_routed_experts) + ") is too large");
  // An upper bound on the parameter count, in double (cannot overflow).
  const double D = c.hidden_size, H = c.num_attention_heads, R = c.kv_lora_rank, Q = c.q_lora_rank,
               dn = c.qk_nope_head_dim, dr = c.qk_rope_head_dim, dv = c.v_head_dim, V = c.vocab_size;
  const double attn = (Q > 0 ? Q * D + H * (dn + dr) * Q : H * (dn + dr) * D) + (R + dr) * D + H * (dn + dv) * R +
                      D * H * dv + Q + R + dr + 3 * D;
  const double E = c.n_routed_experts;
  const double ffn =
      E > 0 ? 3 * D * std::max<double>(c.intermediate_size, (E + c.n_shared_experts) * c.moe_intermediate_size) +
                  E * D + E
            : 3 * D * c.intermediate_size;
  const double total = blocks * (attn + ffn + 2 * D * D + 3 * D) + (2.0 + 2.0 * c.num_nextn_predict_layers) * V * D;
  if (total > 1e15)
    return Status::Error("the sizes in this config imply about " + std::to_string(total) +
                         " parameters, more than the 1e15 minke supports");
  return Status::Ok();
}

}  // namespace

std::string_view ModelTypeName(ModelType t) { return t == ModelType::kDeepseekV2 ? "deepseek_v2" : "deepseek_v3"; }

Result<ModelConfig> ParseModelConfig(const std::string& text) {
  if (!JsonDepthWithin(text, kMaxJsonDepth))
    return Status::Error("JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error("not valid JSON");
  if (!j.is_object()) return Status::Error("top level is not a JSON object");

  static const std::set<std::string> used = {"model_type",
                                             "vocab_size",
                                             "hidden_size",
                                             "intermediate_size",
                                             "moe_intermediate_size",
                                             "num_hidden_layers",
                                             "num_nextn_predict_layers",
                                             "num_attention_heads",
                                             "q_lora_rank",
                                             "kv_lora_rank",
                                             "qk_nope_head_dim",
                                             "qk_rope_head_dim",
                                             "v_head_dim",
                                             "attention_bias",
                                             "rope_interleave",
                                             "rope_theta",
                                             "rope_scaling",
                                             "rope_parameters",
                                             "max_position_embeddings",
                                             "rms_norm_eps",
                                             "n_routed_experts",
                                             "n_shared_experts",
                                             "num_experts_per_tok",
                                             "first_k_dense_replace",
                                             "moe_layer_freq",
                                             "n_group",
                                             "topk_group",
                                             "topk_method",
                                             "scoring_func",
                                             "norm_topk_prob",
                                             "routed_scaling_factor",
                                             "tie_word_embeddings",
                                             "hidden_act",
                                             "quantization_config"};
  for (const auto& [k, _] : j.items())
    if (!used.count(k) && !IgnoredKeys().count(k)) return Status::Error("unknown key '" + k + "'");

  ModelConfig c;
  Reader r(j);
  std::string model_type;
  r.String("model_type", &model_type);
  if (!r.Has("model_type")) return Status::Error("missing required key 'model_type'");
  if (model_type == "deepseek_v3") {
    c.model_type = ModelType::kDeepseekV3;
    c.topk_method = TopkMethod::kNoauxTc;  // transformers' V3 default
    c.scoring_func = ScoringFunc::kSigmoid;
    c.norm_topk_prob = true;
    c.n_group = 8;
    c.topk_group = 4;
  } else if (model_type == "deepseek_v2") {
    c.model_type = ModelType::kDeepseekV2;
  } else if (r.status().ok()) {
    return Status::Error("key 'model_type': '" + model_type + "' is not supported (deepseek_v2 or deepseek_v3)");
  }
  r.Int("vocab_size", &c.vocab_size, true);
  r.Int("hidden_size", &c.hidden_size, true);
  r.Int("intermediate_size", &c.intermediate_size, false);
  r.Int("moe_intermediate_size", &c.moe_intermediate_size, false);
  r.Int("num_hidden_layers", &c.num_hidden_layers, true);
  r.Int("num_nextn_predict_layers", &c.num_nextn_predict_layers, false);
  r.Int("num_attention_heads", &c.num_attention_heads, true);
  r.Int("q_lora_rank", &c.q_lora_rank, false);
  r.Int("kv_lora_rank", &c.kv_lora_rank, true);
  r.Int("qk_nope_head_dim", &c.qk_nope_head_dim, true);
  r.Int("qk_rope_head_dim", &c.qk_rope_head_dim, true);
  r.Int("v_head_dim", &c.v_head_dim, true);
  r.Bool("attention_bias", &c.attention_bias);
  r.Bool("rope_interleave", &c.rope_interleave);
  r.Float("rope_theta", &c.rope_theta, false);
  r.Int("max_position_embeddings", &c.max_position_embeddings, true);
  r.Float("rms_norm_eps", &c.rms_norm_eps, false);
  r.Int("n_routed_experts", &c.n_routed_experts, false);
  r.Int("n_shared_experts", &c.n_shared_experts, false);
  r.Int("num_experts_per_tok", &c.num_experts_per_tok, false);
  r.Int("first_k_dense_replace", &c.first_k_dense_replace, false);
  r.Int("moe_layer_freq", &c.moe_layer_freq, false);
  r.Int("n_group", &c.n_group, false);
  r.Int("topk_group", &c.topk_group, false);
  r.Bool("norm_topk_prob", &c.norm_topk_prob);
  r.Float("routed_scaling_factor", &c.routed_scaling_factor, false);
  r.Bool("tie_word_embeddings", &c.tie_word_embeddings);
  std::string s;
  if (r.Has("topk_method")) {
    r.String("topk_method", &s);
    if (s == "greedy")
      c.topk_method = TopkMethod::kGreedy;
    else if (s == "group_limited_greedy")
      c.topk_method = TopkMethod::kGroupLimitedGreedy;
    else if (s == "noaux_tc")
      c.topk_method = TopkMethod::kNoauxTc;
    else
      r.Fail("key 'topk_method': '" + s + "' is not one of greedy, group_limited_greedy, noaux_tc");
  }
  if (r.Has("scoring_func")) {
    r.String("scoring_func", &s);
    if (s == "softmax")
      c.scoring_func = ScoringFunc::kSoftmax;
    else if (s == "sigmoid")
      c.scoring_func = ScoringFunc::kSigmoid;
    else
      r.Fail("key 'scoring_func': '" + s + "' is not softmax or sigmoid");
  }
  if (r.Has("hidden_act")) {
    s.clear();
    r.String("hidden_act", &s);
    if (r.status().ok() && s != "silu") r.Fail("key 'hidden_act': '" + s + "' is not supported (silu)");
  }
  bool mlp_bias = false;
  r.Bool("mlp_bias", &mlp_bias);
  if (mlp_bias) r.Fail("key 'mlp_bias': true is not supported");
  MINKE_RETURN_IF_ERROR(r.status());
  if (r.Has("head_dim") && j["head_dim"] != c.qk_rope_head_dim &&
      j["head_dim"] != c.qk_nope_head_dim + c.qk_rope_head_dim)
    return Status::Error("key 'head_dim' " + j["head_dim"].dump() + " fits neither qk_rope_head_dim nor qk_head_dim");
  if (r.Has("qk_head_dim") && j["qk_head_dim"] != c.qk_head_dim())
    return Status::Error("key 'qk_head_dim' " + j["qk_head_dim"].dump() + " != qk_nope_head_dim + qk_rope_head_dim");
  MINKE_RETURN_IF_ERROR(ParseRope(j, &c));

  if (r.Has("quantization_config")) {
    const json& q = j["quantization_config"];
    if (!q.is_object()) return Status::Error("key 'quantization_config' must be an object");
    for (const char* k : {"quant_method", "fmt"})
      if (q.contains(k) && !q[k].is_string())
        return Status::Error(std::string("quantization_config.") + k + " must be a string, got " + q[k].dump());
    std::string method = q.value("quant_method", "");
    std::string fmt = q.value("fmt", "e4m3");
    if (method != "fp8" || fmt != "e4m3")
      return Status::Error("quantization_config: only quant_method 'fp8' with fmt 'e4m3' is supported, got '" + method +
                           "'/'" + fmt + "'");
    c.fp8_block_weights = true;
    if (q.contains("weight_block_size")) {
      const json& b = q["weight_block_size"];
      if (!b.is_array() || b.size() != 2 || !b[0].is_number_integer() || !b[1].is_number_integer() ||
          b[0].get<int64_t>() <= 0 || b[1].get<int64_t>() <= 0)
        return Status::Error("quantization_config.weight_block_size must be [rows, cols] of positive integers");
      c.fp8_block_rows = b[0].get<int64_t>();
      c.fp8_block_cols = b[1].get<int64_t>();
    }
  }
  MINKE_RETURN_IF_ERROR(Validate(c));
  MINKE_RETURN_IF_ERROR(CheckSizes(c));
  return c;
}

std::string ModelConfigToJson(const ModelConfig& c) {
  auto nullable = [](int64_t v) { return v > 0 ? json(v) : json(nullptr); };
  static const char* kTopk[] = {"greedy", "group_limited_greedy", "noaux_tc"};
  json j = {
      {"architectures", {c.model_type == ModelType::kDeepseekV3 ? "DeepseekV3ForCausalLM" : "DeepseekV2ForCausalLM"}},
      {"model_type", std::string(ModelTypeName(c.model_type))},
      {"vocab_size", c.vocab_size},
      {"hidden_size", c.hidden_size},
      {"intermediate_size", c.intermediate_size},
      {"moe_intermediate_size", c.moe_intermediate_size},
      {"num_hidden_layers", c.num_hidden_layers},
      {"num_nextn_predict_layers", c.num_nextn_predict_layers},
      {"num_attention_heads", c.num_attention_heads},
      {"num_key_value_heads", c.num_attention_heads},
      {"q_lora_rank", nullable(c.q_lora_rank)},
      {"kv_lora_rank", c.kv_lora_rank},
      {"qk_nope_head_dim", c.qk_nope_head_dim},
      {"qk_rope_head_dim", c.qk_rope_head_dim},
      {"v_head_dim", c.v_head_dim},
      {"attention_bias", c.attention_bias},
      {"rope_theta", c.rope_theta},
      {"max_position_embeddings", c.max_position_embeddings},
      {"rms_norm_eps", c.rms_norm_eps},
      {"n_routed_experts", nullable(c.n_routed_experts)},
      {"n_shared_experts", nullable(c.n_shared_experts)},
      {"num_experts_per_tok", nullable(c.num_experts_per_tok)},
      {"first_k_dense_replace", c.first_k_dense_replace},
      {"moe_layer_freq", c.moe_layer_freq},
      {"n_group", c.n_group},
      {"topk_group", c.topk_group},
      {"topk_method", kTopk[static_cast<int>(c.topk_method)]},
      {"scoring_func", c.scoring_func == ScoringFunc::kSigmoid ? "sigmoid" : "softmax"},
      {"norm_topk_prob", c.norm_topk_prob},
      {"routed_scaling_factor", c.routed_scaling_factor},
      {"tie_word_embeddings", c.tie_word_embeddings},
      {"hidden_act", "silu"},
  };
  if (!c.rope_interleave) j["rope_interleave"] = false;
  if (c.rope_scaling.enabled) {
    const auto& y = c.rope_scaling;
    j["rope_scaling"] = {{"type", "yarn"},
                         {"factor", y.factor},
                         {"original_max_position_embeddings", y.original_max_position_embeddings},
                         {"beta_fast", y.beta_fast},
                         {"beta_slow", y.beta_slow},
                         {"mscale", y.mscale},
                         {"mscale_all_dim", y.mscale_all_dim}};
  } else {
    j["rope_scaling"] = nullptr;
  }
  if (c.fp8_block_weights)
    j["quantization_config"] = {{"activation_scheme", "dynamic"},
                                {"fmt", "e4m3"},
                                {"quant_method", "fp8"},
                                {"weight_block_size", {c.fp8_block_rows, c.fp8_block_cols}}};
  return j.dump(2) + "\n";
}

}  // namespace minke::model
