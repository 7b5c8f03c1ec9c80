#include "model/layout.h"

namespace minke::model {
namespace {

class LayoutBuilder {
 public:
  explicit LayoutBuilder(const ModelConfig& c) : c_(c) {}
  std::vector<TensorSlot> slots;
  int mtp = 0;

  void Add(std::string name, std::vector<int64_t> shape, TensorRole role, TensorView* v, bool optional = false) {
    slots.push_back({std::move(name), std::move(shape), role, v, nullptr, optional, mtp});
  }
  void AddLinear(const std::string& p, int64_t out, int64_t in, Linear* l, bool bias = false) {
    slots.push_back({p + ".weight", {out, in}, TensorRole::kLinear, &l->weight, l, false, mtp});
    if (bias) Add(p + ".bias", {out}, TensorRole::kBias, &l->bias);
  }
  void Mlp(const std::string& p, int64_t inter, MlpWeights* m) {
    AddLinear(p + ".gate_proj", inter, c_.hidden_size, &m->gate_proj);
    AddLinear(p + ".up_proj", inter, c_.hidden_size, &m->up_proj);
    AddLinear(p + ".down_proj", c_.hidden_size, inter, &m->down_proj);
  }
  void Block(const std::string& p, int64_t layer, BlockWeights* b) {
    const int64_t D = c_.hidden_size, H = c_.num_attention_heads, R = c_.kv_lora_rank;
    const int64_t dn = c_.qk_nope_head_dim, dr = c_.qk_rope_head_dim, dv = c_.v_head_dim;
    const bool bias = c_.attention_bias;
    Add(p + ".input_layernorm.weight", {D}, TensorRole::kNorm, &b->input_layernorm);
    MlaWeights& a = b->attn;
    const std::string s = p + ".self_attn";
    if (c_.q_lora_rank > 0) {
      AddLinear(s + ".q_a_proj", c_.q_lora_rank, D, &a.q_a_proj, bias);
      Add(s + ".q_a_layernorm.weight", {c_.q_lora_rank}, TensorRole::kNorm, &a.q_a_layernorm);
      AddLinear(s + ".q_b_proj", H * (dn + dr), c_.q_lora_rank, &a.q_b_proj);
    } else {
      AddLinear(s + ".q_proj", H * (dn + dr), D, &a.q_proj);
    }
    AddLinear(s + ".kv_a_proj_with_mqa", R + dr, D, &a.kv_a_proj_with_mqa, bias);
    Add(s + ".kv_a_layernorm.weight", {R}, TensorRole::kNorm, &a.kv_a_layernorm);
    AddLinear(s + ".kv_b_proj", H * (dn + dv), R, &a.kv_b_proj);
    AddLinear(s + ".o_proj", D, H * dv, &a.o_proj, bias);
    Add(p + ".post_attention_layernorm.weight", {D}, TensorRole::kNorm, &b->post_attention_layernorm);

    b->is_moe = c_.is_moe_layer(layer);
    if (!b->is_moe) return Mlp(p + ".mlp", c_.intermediate_size, &b->mlp);
    MoeWeights& m = b->moe;
    const int64_t E = c_.n_routed_experts;
    Add(p + ".mlp.gate.weight", {E, D}, TensorRole::kRouter, &m.gate);
    if (c_.topk_method == TopkMethod::kNoauxTc)
      Add(p + ".mlp.gate.e_score_correction_bias", {E}, TensorRole::kScoreBias, &m.e_score_correction_bias,
          /*optional=*/c_.model_type != ModelType::kDeepseekV3);
    m.experts.resize(E);
    for (int64_t e = 0; e < E; ++e)
      Mlp(p + ".mlp.experts." + std::to_string(e), c_.moe_intermediate_size, &m.experts[e]);
    m.has_shared = c_.n_shared_experts > 0;
    if (m.has_shared) Mlp(p + ".mlp.shared_experts", c_.n_shared_experts * c_.moe_intermediate_size, &m.shared_experts);
  }

 private:
  const ModelConfig& c_;
};

}  // namespace

std::vector<TensorSlot> ModelLayout(const ModelConfig& c, ModelWeights* w) {
  const int64_t D = c.hidden_size, V = c.vocab_size, L = c.num_hidden_layers;
  LayoutBuilder b(c);
  w->layers.resize(L);
  w->mtp.resize(c.num_nextn_predict_layers);
  b.Add("model.embed_tokens.weight", {V, D}, TensorRole::kEmbedding, &w->embed_tokens);
  for (int64_t i = 0; i < L; ++i) b.Block("model.layers." + std::to_string(i), i, &w->layers[i]);
  b.Add("model.norm.weight", {D}, TensorRole::kNorm, &w->norm);
  b.AddLinear("lm_head", V, D, &w->lm_head);
  b.slots.back().optional = c.tie_word_embeddings;
  // MTP module k sits after the main layers: model.layers.{L + k - 1}.
  for (int64_t k = 0; k < c.num_nextn_predict_layers; ++k) {
    const std::string p = "model.layers." + std::to_string(L + k);
    MtpWeights& m = w->mtp[k];
    b.mtp = static_cast<int>(k + 1);
    b.Add(p + ".embed_tokens.weight", {V, D}, TensorRole::kEmbedding, &m.embed_tokens);
    b.Add(p + ".enorm.weight", {D}, TensorRole::kNorm, &m.enorm);
    b.Add(p + ".hnorm.weight", {D}, TensorRole::kNorm, &m.hnorm);
    b.AddLinear(p + ".eh_proj", D, 2 * D, &m.eh_proj);
    b.Block(p, L + k, &m.block);
    b.Add(p + ".shared_head.norm.weight", {D}, TensorRole::kNorm, &m.shared_head_norm);
    b.AddLinear(p + ".shared_head.head", V, D, &m.shared_head_head);
  }
  return b.slots;
}

}  // namespace minke::model
