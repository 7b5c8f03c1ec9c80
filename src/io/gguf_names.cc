#include "io/gguf_names.h"

#include <cstdlib>
#include <map>

namespace minke::io::gguf_names {
namespace {

bool Consume(std::string* s, const std::string& prefix) {
  if (s->compare(0, prefix.size(), prefix) != 0) return false;
  s->erase(0, prefix.size());
  return true;
}

// Leading decimal number of `s`, removed with the '.' after it; -1 if none.
int64_t ConsumeIndex(std::string* s) {
  size_t n = 0;
  while (n < s->size() && n < 9 && (*s)[n] >= '0' && (*s)[n] <= '9') ++n;
  if (n == 0 || n >= s->size() || (*s)[n] != '.') return -1;
  const int64_t v = std::atoll(s->substr(0, n).c_str());
  s->erase(0, n + 1);
  return v;
}

// Per-block names (the part after "model.layers.N.").
const std::map<std::string, std::string>& BlockNames() {
  static const std::map<std::string, std::string> m = {
      {"input_layernorm.weight", "attn_norm.weight"},
      {"post_attention_layernorm.weight", "ffn_norm.weight"},
      {"self_attn.q_proj.weight", "attn_q.weight"},
      {"self_attn.q_a_proj.weight", "attn_q_a.weight"},
      {"self_attn.q_a_layernorm.weight", "attn_q_a_norm.weight"},
      {"self_attn.q_b_proj.weight", "attn_q_b.weight"},
      {"self_attn.kv_a_proj_with_mqa.weight", "attn_kv_a_mqa.weight"},
      {"self_attn.kv_a_layernorm.weight", "attn_kv_a_norm.weight"},
      {"self_attn.o_proj.weight", "attn_output.weight"},
      {"mlp.gate_proj.weight", "ffn_gate.weight"},
      {"mlp.up_proj.weight", "ffn_up.weight"},
      {"mlp.down_proj.weight", "ffn_down.weight"},
      {"mlp.gate.weight", "ffn_gate_inp.weight"},
      {"mlp.gate.e_score_correction_bias", "exp_probs_b.bias"},
      {"mlp.shared_experts.gate_proj.weight", "ffn_gate_shexp.weight"},
      {"mlp.shared_experts.up_proj.weight", "ffn_up_shexp.weight"},
      {"mlp.shared_experts.down_proj.weight", "ffn_down_shexp.weight"},
  };
  return m;
}

}  // namespace

Mapped Map(const std::string& hf, int64_t n_layers) {
  if (hf == "model.embed_tokens.weight") return {Kind::kPlain, "token_embd.weight"};
  if (hf == "model.norm.weight") return {Kind::kPlain, "output_norm.weight"};
  if (hf == "lm_head.weight") return {Kind::kPlain, "output.weight"};
  std::string rest = hf;
  if (!Consume(&rest, "model.layers.")) return {};
  const int64_t layer = ConsumeIndex(&rest);
  if (layer < 0) return {};
  if (layer >= n_layers) return {Kind::kMtp};
  const std::string blk = "blk." + std::to_string(layer) + ".";
  if (rest == "self_attn.kv_b_proj.weight") return {Kind::kKvB, blk};
  auto it = BlockNames().find(rest);
  if (it != BlockNames().end()) return {Kind::kPlain, blk + it->second};
  if (Consume(&rest, "mlp.experts.")) {
    const int64_t e = ConsumeIndex(&rest);
    for (const char* p : {"gate", "up", "down"})
      if (e >= 0 && rest == std::string(p) + "_proj.weight")
        return {Kind::kExpert, blk + "ffn_" + p + "_exps.weight", e};
  }
  return {};
}

}  // namespace minke::io::gguf_names
