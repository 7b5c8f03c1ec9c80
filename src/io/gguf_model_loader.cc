// LoadGgufModel: a deepseek2 GGUF (llama.cpp layout, see gguf_model.h) as a
// model::Transformer. Weights stay in the mmap as views (experts are slices
// of the stacked tensors); only kv_b_proj is rebuilt in memory, as float32,
// from attn_k_b and attn_v_b.
#include <cmath>
#include <map>
#include <set>

#include "core/buffer.h"
#include "io/gguf.h"
#include "io/gguf_model.h"
#include "io/gguf_names.h"
#include "kernels/cpu/ops.h"
#include "model/layout.h"

namespace minke::io {
namespace {

using model::ModelConfig;
using model::TensorRole;

// What keeps the weights alive: the mapped file and the rebuilt tensors.
struct GgufStorage {
  std::unique_ptr<GgufFile> file;
  std::vector<HugePageVector<float>> owned;
};

class Keys {
 public:
  Keys(const GgufContents& g, std::string what) : g_(g), what_(std::move(what)) {}
  Status status() const { return st_; }
  bool Has(const std::string& k) const { return g_.Find("deepseek2." + k) != nullptr; }

  // An unsigned or non-negative integer key (any width).
  int64_t Int(const std::string& k, int64_t def, bool required = false) {
    const GgufValue* v = g_.Find("deepseek2." + k);
    if (v == nullptr) {
      if (required && st_.ok()) st_ = Status::Error(what_ + ": missing metadata key 'deepseek2." + k + "'");
      return def;
    }
    if (v->type == GgufType::kU8 || v->type == GgufType::kU16 || v->type == GgufType::kU32 || v->type == GgufType::kU64)
      if (v->u <= static_cast<uint64_t>(INT32_MAX)) return static_cast<int64_t>(v->u);
    if ((v->type == GgufType::kI32 || v->type == GgufType::kI64) && v->i >= 0 && v->i <= INT32_MAX) return v->i;
    if (st_.ok()) st_ = Status::Error(what_ + ": metadata 'deepseek2." + k + "' is not a non-negative integer");
    return def;
  }
  double Float(const std::string& k, double def) {
    const GgufValue* v = g_.Find("deepseek2." + k);
    if (v == nullptr) return def;
    if (v->type == GgufType::kF32 || v->type == GgufType::kF64) return v->f;
    if (st_.ok()) st_ = Status::Error(what_ + ": metadata 'deepseek2." + k + "' is not a float");
    return def;
  }
  bool Bool(const std::string& k, bool def) {
    const GgufValue* v = g_.Find("deepseek2." + k);
    if (v == nullptr) return def;
    if (v->type == GgufType::kBool) return v->i != 0;
    if (st_.ok()) st_ = Status::Error(what_ + ": metadata 'deepseek2." + k + "' is not a bool");
    return def;
  }

 private:
  const GgufContents& g_;
  std::string what_;
  Status st_;
};

// The config from llama.cpp's deepseek2 keys alone.
Result<ModelConfig> ConfigFromKeys(const GgufContents& g, const std::string& what) {
  Keys k(g, what);
  ModelConfig c;
  c.num_hidden_layers = k.Int("block_count", 0, true);
  c.hidden_size = k.Int("embedding_length", 0, true);
  c.intermediate_size = k.Int("feed_forward_length", 0, true);
  c.num_attention_heads = k.Int("attention.head_count", 0, true);
  c.max_position_embeddings = k.Int("context_length", 0, true);
  c.kv_lora_rank = k.Int("attention.kv_lora_rank", 0, true);
  c.q_lora_rank = k.Int("attention.q_lora_rank", 0);
  c.qk_rope_head_dim = k.Int("rope.dimension_count", 0, true);
  // Older converters wrote the MLA head sizes as key_length / value_length.
  const bool mla = k.Has("attention.key_length_mla");
  c.qk_nope_head_dim = k.Int(mla ? "attention.key_length_mla" : "attention.key_length", 0, true) - c.qk_rope_head_dim;
  c.v_head_dim = k.Int(mla ? "attention.value_length_mla" : "attention.value_length", 0, true);
  c.rope_theta = k.Float("rope.freq_base", 10000.0);
  c.rms_norm_eps = k.Float("attention.layer_norm_rms_epsilon", 1e-6);
  const GgufTensor* embd = g.FindTensor("token_embd.weight");
  c.vocab_size = k.Int("vocab_size", embd && embd->ne.size() == 2 ? embd->ne[1] : 0);
  c.n_routed_experts = k.Int("expert_count", 0);
  if (c.n_routed_experts > 0) {
    c.moe_intermediate_size = k.Int("expert_feed_forward_length", 0, true);
    c.num_experts_per_tok = k.Int("expert_used_count", 0, true);
    c.n_shared_experts = k.Int("expert_shared_count", 0);
    c.first_k_dense_replace = k.Int("leading_dense_block_count", 0);
    c.n_group = k.Int("expert_group_count", 1);
    c.topk_group = k.Int("expert_group_used_count", 1);
    c.scoring_func = k.Int("expert_gating_func", 1) == 2 ? model::ScoringFunc::kSigmoid : model::ScoringFunc::kSoftmax;
    c.norm_topk_prob = k.Bool("expert_weights_norm", false);
    c.routed_scaling_factor = k.Float("expert_weights_scale", 1.0);
    // exp_probs_b (the correction bias) marks V3's aux-loss-free routing.
    const bool v3 = g.FindTensor("blk." + std::to_string(c.first_k_dense_replace) + ".exp_probs_b.bias") != nullptr;
    c.model_type = v3 ? model::ModelType::kDeepseekV3 : model::ModelType::kDeepseekV2;
    c.topk_method = v3              ? model::TopkMethod::kNoauxTc
                    : c.n_group > 1 ? model::TopkMethod::kGroupLimitedGreedy
                                    : model::TopkMethod::kGreedy;
  }
  const GgufValue* scaling = g.Find("deepseek2.rope.scaling.type");
  if (scaling && scaling->type == GgufType::kString && scaling->str == "yarn") {
    model::YarnScaling& y = c.rope_scaling;
    y.enabled = true;
    y.factor = k.Float("rope.scaling.factor", 1.0);
    y.original_max_position_embeddings = k.Int("rope.scaling.original_context_length", 0, true);
    y.beta_fast = k.Float("rope.scaling.yarn_beta_fast", 32.0);
    y.beta_slow = k.Float("rope.scaling.yarn_beta_slow", 1.0);
    // llama.cpp stores 0.1 * mscale_all_dim and assumes mscale == mscale_all_dim.
    y.mscale_all_dim = k.Float("rope.scaling.yarn_log_multiplier", 0.0) / 0.1;
    y.mscale = y.mscale_all_dim;
  } else if (scaling && !(scaling->type == GgufType::kString && scaling->str == "none")) {
    return Status::Error(what + ": rope scaling other than yarn is not supported");
  }
  c.tie_word_embeddings = g.FindTensor("output.weight") == nullptr;
  MINKE_RETURN_IF_ERROR(k.status());
  // Through the config parser, so a GGUF gets exactly config.json's checks.
  auto parsed = model::ParseModelConfig(model::ModelConfigToJson(c));
  if (!parsed.ok()) return parsed.status().WithContext(what + ": metadata");
  return parsed;
}

Result<ModelConfig> ReadConfig(const GgufContents& g, const std::string& what, const GgufLoadOptions& opt) {
  const GgufValue* arch = g.Find("general.architecture");
  if (arch == nullptr || arch->type != GgufType::kString || arch->str != "deepseek2")
    return Status::Error(what + ": general.architecture is " +
                         (arch && arch->type == GgufType::kString ? "'" + arch->str + "'" : std::string("missing")) +
                         ", expected 'deepseek2'");
  MINKE_ASSIGN_OR_RETURN(ModelConfig keys, ConfigFromKeys(g, what));
  const GgufValue* hf = g.Find("minke.hf_config");
  if (opt.llama_keys_only || hf == nullptr) return keys;
  if (hf->type != GgufType::kString) return Status::Error(what + ": minke.hf_config is not a string");
  auto c = model::ParseModelConfig(hf->str);
  if (!c.ok()) return c.status().WithContext(what + ": minke.hf_config");
  // The two descriptions must agree on every shape.
  const std::pair<const char*, std::pair<int64_t, int64_t>> dims[] = {
      {"block_count", {c->num_hidden_layers, keys.num_hidden_layers}},
      {"embedding_length", {c->hidden_size, keys.hidden_size}},
      {"vocab_size", {c->vocab_size, keys.vocab_size}},
      {"attention.head_count", {c->num_attention_heads, keys.num_attention_heads}},
      {"attention.kv_lora_rank", {c->kv_lora_rank, keys.kv_lora_rank}},
      {"attention.q_lora_rank", {c->q_lora_rank, keys.q_lora_rank}},
      {"expert_count", {c->n_routed_experts, keys.n_routed_experts}},
      {"leading_dense_block_count", {c->first_k_dense_replace, keys.first_k_dense_replace}},
  };
  for (const auto& [key, v] : dims)
    if (v.first != v.second)
      return Status::Error(what + ": minke.hf_config says " + std::to_string(v.first) + " but deepseek2." + key +
                           " is " + std::to_string(v.second));
  return c;
}

Result<DType> WeightDType(uint32_t t) {
  switch (static_cast<GgmlType>(t)) {
    case GgmlType::kF32:
      return DType::F32;
    case GgmlType::kF16:
      return DType::F16;
    case GgmlType::kBF16:
      return DType::BF16;
    case GgmlType::kQ8_0:
      return DType::Q8_0;
    case GgmlType::kQ4_0:
      return DType::Q4_0;
  }
  return Status::Error("ggml type " + GgmlTypeName(t) + " is not supported by minke (F32, F16, BF16, Q8_0, Q4_0)");
}

// Checks GGUF tensor `name` has type in the allowed set and dims `ne`.
Result<const GgufTensor*> Get(const GgufContents& g, const std::string& what, const std::string& name,
                              const std::vector<int64_t>& ne, bool block_ok, DType* dtype) {
  const GgufTensor* t = g.FindTensor(name);
  if (t == nullptr) return Status::Error(what + ": missing tensor '" + name + "'");
  if (t->ne != ne)
    return Status::Error(what + ": tensor '" + name + "' has ne " + ShapeToString(t->ne) + ", the metadata implies " +
                         ShapeToString(ne));
  auto dt = WeightDType(t->type);
  if (!dt.ok()) return dt.status().WithContext(what + ": tensor '" + name + "'");
  if (!block_ok && !(*dt == DType::F32 || *dt == DType::F16 || *dt == DType::BF16))
    return Status::Error(what + ": tensor '" + name + "' is " + GgmlTypeName(t->type) +
                         "; it must be F32, F16 or BF16");
  *dtype = *dt;
  return t;
}

// kv_b_proj [H*(dn+dv), R] as float32 from k_b [H, R, dn] and v_b [H, dv, R].
Result<HugePageVector<float>> RebuildKvB(const GgufContents& g, const std::string& what, const std::string& blk,
                                         const ModelConfig& c) {
  const int64_t H = c.num_attention_heads, dn = c.qk_nope_head_dim, dv = c.v_head_dim, R = c.kv_lora_rank;
  DType tk, tv;
  MINKE_ASSIGN_OR_RETURN(const GgufTensor* k, Get(g, what, blk + "attn_k_b.weight", {dn, R, H}, true, &tk));
  MINKE_ASSIGN_OR_RETURN(const GgufTensor* v, Get(g, what, blk + "attn_v_b.weight", {R, dv, H}, true, &tv));
  std::vector<float> kb(static_cast<size_t>(H * R * dn));
  HugePageVector<float> out(static_cast<size_t>(H * (dn + dv) * R));
  kernels::DequantizeRows(tk, k->data, nullptr, H * R, dn, 1, 1, kb.data());
  for (int64_t h = 0; h < H; ++h) {
    float* base = &out[static_cast<size_t>(h * (dn + dv) * R)];
    for (int64_t r = 0; r < R; ++r)
      for (int64_t i = 0; i < dn; ++i) base[i * R + r] = kb[(h * R + r) * dn + i];
    const size_t vrow = DTypeBytes(tv, R);
    kernels::DequantizeRows(tv, v->data + static_cast<size_t>(h * dv) * vrow, nullptr, dv, R, 1, 1, base + dn * R);
  }
  return out;
}

}  // namespace

Result<LoadedModel> LoadGgufModel(const std::string& path, const GgufLoadOptions& opt) {
  auto storage = std::make_shared<GgufStorage>();
  MINKE_ASSIGN_OR_RETURN(storage->file, GgufFile::Open(path));
  const GgufContents& g = storage->file->contents();
  MINKE_ASSIGN_OR_RETURN(ModelConfig c, ReadConfig(g, path, opt));
  LoadedModel out;
  if (c.num_nextn_predict_layers > 0) {
    out.warnings.push_back("deepseek2 GGUF files carry no MTP layers: MTP is unavailable");
    c.num_nextn_predict_layers = 0;
  }
  model::ModelWeights w;
  std::set<std::string> used;
  for (const model::TensorSlot& s : model::ModelLayout(c, &w)) {
    const gguf_names::Mapped m = gguf_names::Map(s.name, c.num_hidden_layers);
    if (m.kind == gguf_names::Kind::kPlain && s.optional && g.FindTensor(m.gguf) == nullptr) continue;
    const bool block_ok = s.role == TensorRole::kLinear || s.role == TensorRole::kEmbedding;
    DType dt;
    TensorView& v = *s.view;
    if (m.kind == gguf_names::Kind::kPlain) {
      MINKE_ASSIGN_OR_RETURN(const GgufTensor* t,
                             Get(g, path, m.gguf, {s.shape.rbegin(), s.shape.rend()}, block_ok, &dt));
      v = {dt, s.shape, t->data};
      used.insert(m.gguf);
    } else if (m.kind == gguf_names::Kind::kExpert) {
      const int64_t E = c.n_routed_experts;
      MINKE_ASSIGN_OR_RETURN(const GgufTensor* t, Get(g, path, m.gguf, {s.shape[1], s.shape[0], E}, true, &dt));
      v = {dt, s.shape, t->data + static_cast<size_t>(m.expert * s.shape[0]) * DTypeBytes(dt, s.shape[1])};
      used.insert(m.gguf);
    } else if (m.kind == gguf_names::Kind::kKvB) {
      MINKE_ASSIGN_OR_RETURN(HugePageVector<float> kvb, RebuildKvB(g, path, m.gguf, c));
      storage->owned.push_back(std::move(kvb));
      v = {DType::F32, s.shape, storage->owned.back().data()};
      used.insert(m.gguf + "attn_k_b.weight");
      used.insert(m.gguf + "attn_v_b.weight");
    } else {
      return Status::Error(path + ": no GGUF name for tensor '" + s.name + "'");
    }
  }
  if (w.lm_head.weight.data == nullptr) w.lm_head.weight = w.embed_tokens;  // tied
  int unused = 0;
  std::string examples;
  for (const GgufTensor& t : g.tensors)
    if (!used.count(t.name) && ++unused <= 3) examples += (examples.empty() ? "'" : ", '") + t.name + "'";
  if (unused > 0)
    out.warnings.push_back(std::to_string(unused) + " tensor(s) in the GGUF are not used by minke, e.g. " + examples);
  out.model = std::make_unique<model::Transformer>(std::move(c), std::move(w), std::any(storage));
  return out;
}

}  // namespace minke::io
