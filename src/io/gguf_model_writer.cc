// WriteModelGguf: a loaded DeepSeek model as a llama.cpp deepseek2 GGUF
// (layout and type policy in gguf_model.h).
#include <cstring>
#include <map>

#include "io/gguf.h"
#include "io/gguf_model.h"
#include "io/gguf_names.h"
#include "io/gguf_vocab.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"
#include "model/layout.h"
#include "model/linear.h"

namespace minke::io {
namespace {

using model::ModelConfig;
using model::TensorRole;
using KV = std::vector<std::pair<std::string, GgufValue>>;

// Float32 rows [rows, cols] as ggml type `t`.
std::vector<uint8_t> Encode(const float* x, int64_t rows, int64_t cols, GgmlType t) {
  int64_t block;
  size_t block_bytes;
  GgmlTypeGeometry(static_cast<uint32_t>(t), &block, &block_bytes);
  const size_t row_bytes = static_cast<size_t>(cols / block) * block_bytes;
  std::vector<uint8_t> out(row_bytes * static_cast<size_t>(rows));
#pragma omp parallel for if (rows * cols > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = x + r * cols;
    uint8_t* dst = &out[static_cast<size_t>(r) * row_bytes];
    switch (t) {
      case GgmlType::kF32:
        std::memcpy(dst, src, row_bytes);
        break;
      case GgmlType::kF16:
      case GgmlType::kBF16:
        for (int64_t c = 0; c < cols; ++c) {
          const uint16_t h = t == GgmlType::kF16 ? F32ToF16(src[c]) : F32ToBf16(src[c]);
          std::memcpy(dst + 2 * c, &h, 2);
        }
        break;
      case GgmlType::kQ8_0:
        kernels::QuantizeRow(kernels::QuantType::kQ8_0, src, cols, dst);
        break;
      case GgmlType::kQ4_0:
        kernels::QuantizeRow(kernels::QuantType::kQ4_0, src, cols, dst);
        break;
    }
  }
  return out;
}

// The type a tensor is stored in, by role (see gguf_model.h).
GgmlType Choose(GgufOutType out, TensorRole role, bool is_head, int64_t row_len) {
  if (role != TensorRole::kLinear && role != TensorRole::kEmbedding) return GgmlType::kF32;
  switch (out) {
    case GgufOutType::kF32:
      return GgmlType::kF32;
    case GgufOutType::kF16:
      return GgmlType::kF16;
    case GgufOutType::kBF16:
      return GgmlType::kBF16;
    default:
      break;
  }
  if (row_len % kernels::kQBlock != 0) return GgmlType::kF16;  // as convert_hf_to_gguf falls back
  if (role == TensorRole::kEmbedding || is_head) return GgmlType::kQ8_0;
  return out == GgufOutType::kQ8_0 ? GgmlType::kQ8_0 : GgmlType::kQ4_0;
}

std::vector<float> ViewToF32(const TensorView& v) {
  const int64_t cols = v.shape.back(), rows = v.numel() / std::max<int64_t>(cols, 1);
  std::vector<float> out(static_cast<size_t>(v.numel()));
  kernels::DequantizeRows(v.dtype, v.data, nullptr, rows, cols, 1, 1, out.data());
  return out;
}

void AddConfigKv(const ModelConfig& c, GgufOutType type, KV* kv) {
  const std::string a = "deepseek2.";
  auto u32 = [&](const std::string& k, int64_t v) {
    kv->emplace_back(a + k, GgufValue::U32(static_cast<uint32_t>(v)));
  };
  auto f32 = [&](const std::string& k, double v) { kv->emplace_back(a + k, GgufValue::F32(static_cast<float>(v))); };
  static const uint32_t kFileType[] = {0, 1, 32, 7, 2};  // LlamaFileType: ALL_F32, MOSTLY_F16, _BF16, _Q8_0, _Q4_0
  kv->emplace_back("general.type", GgufValue::Str("model"));
  kv->emplace_back("general.name", GgufValue::Str("minke DeepSeek"));
  u32("block_count", c.num_hidden_layers);
  u32("context_length", c.max_position_embeddings);
  u32("embedding_length", c.hidden_size);
  u32("feed_forward_length", c.intermediate_size);
  u32("attention.head_count", c.num_attention_heads);
  u32("attention.head_count_kv", 1);  // MLA runs as MQA over the shared latent
  f32("rope.freq_base", c.rope_theta);
  f32("attention.layer_norm_rms_epsilon", c.rms_norm_eps);
  if (c.n_routed_experts > 0) {
    u32("expert_count", c.n_routed_experts);
    u32("expert_used_count", c.num_experts_per_tok);
    u32("expert_group_count", c.n_group);
    u32("expert_group_used_count", c.topk_group);
    u32("expert_gating_func", c.scoring_func == model::ScoringFunc::kSigmoid ? 2 : 1);
  }
  if (c.rope_scaling.enabled) {
    const model::YarnScaling& y = c.rope_scaling;
    kv->emplace_back(a + "rope.scaling.type", GgufValue::Str("yarn"));
    f32("rope.scaling.factor", y.factor);
    u32("rope.scaling.original_context_length", y.original_max_position_embeddings);
    f32("rope.scaling.yarn_beta_fast", y.beta_fast);
    f32("rope.scaling.yarn_beta_slow", y.beta_slow);
  }
  kv->emplace_back("general.file_type", GgufValue::U32(kFileType[static_cast<int>(type)]));
  u32("leading_dense_block_count", c.first_k_dense_replace);
  u32("vocab_size", c.vocab_size);
  // Written even as 0 (no query compression: attn_q): llama.cpp only treats the
  // key as optional for the layer counts of the V2-Lite-like models it knows.
  u32("attention.q_lora_rank", c.q_lora_rank);
  u32("attention.kv_lora_rank", c.kv_lora_rank);
  u32("attention.key_length", c.kv_lora_rank + c.qk_rope_head_dim);
  u32("attention.value_length", c.kv_lora_rank);
  u32("attention.key_length_mla", c.qk_nope_head_dim + c.qk_rope_head_dim);
  u32("attention.value_length_mla", c.v_head_dim);
  u32("expert_feed_forward_length", c.n_routed_experts > 0 ? c.moe_intermediate_size : c.intermediate_size);
  u32("expert_shared_count", c.n_shared_experts);
  f32("expert_weights_scale", c.routed_scaling_factor);
  if (c.norm_topk_prob) kv->emplace_back(a + "expert_weights_norm", GgufValue::Bool(true));
  u32("rope.dimension_count", c.qk_rope_head_dim);
  // llama.cpp's deepseek2 reads mscale_all_dim as 0.1 * it ([TAG_DEEPSEEK2_YARN_LOG_MUL_FIX]).
  if (c.rope_scaling.enabled) f32("rope.scaling.yarn_log_multiplier", 0.1 * c.rope_scaling.mscale_all_dim);
  kv->emplace_back("general.quantization_version", GgufValue::U32(2));
}

struct OutTensor {
  std::string name;
  std::vector<int64_t> ne;
  GgmlType type;
  std::vector<uint8_t> bytes;
};

}  // namespace

Result<GgufOutType> ParseGgufOutType(const std::string& name) {
  static const std::map<std::string, GgufOutType> kNames = {{"f32", GgufOutType::kF32},
                                                            {"f16", GgufOutType::kF16},
                                                            {"bf16", GgufOutType::kBF16},
                                                            {"q8_0", GgufOutType::kQ8_0},
                                                            {"q4_0", GgufOutType::kQ4_0}};
  auto it = kNames.find(name);
  if (it == kNames.end()) return Status::Error("--type: '" + name + "' is not one of f32, f16, bf16, q8_0, q4_0");
  return it->second;
}

Status WriteModelGguf(const model::Transformer& m, GgufOutType type, const std::string& path,
                      const std::string& tokenizer_json) {
  ModelConfig c = m.config();
  if (c.attention_bias) return Status::Error("llama.cpp's deepseek2 has no attention biases; cannot convert");
  if (!c.rope_interleave)
    return Status::Error("llama.cpp's deepseek2 rotates interleaved pairs; rope_interleave: false is not supported");
  if (c.moe_layer_freq != 1) return Status::Error("llama.cpp's deepseek2 needs moe_layer_freq 1");
  model::ModelWeights w = m.weights();  // views into m's storage, re-bound to names below
  std::vector<model::TensorSlot> slots = model::ModelLayout(c, &w);

  std::vector<OutTensor> out;
  std::map<std::string, size_t> stacked;  // ffn_*_exps name -> index in out
  const int64_t E = c.n_routed_experts;
  for (const model::TensorSlot& s : slots) {
    const gguf_names::Mapped g = gguf_names::Map(s.name, c.num_hidden_layers);
    if (g.kind == gguf_names::Kind::kMtp || s.view->data == nullptr) continue;  // MTP / absent optional
    if (g.kind == gguf_names::Kind::kUnknown) return Status::Error("no GGUF name for tensor '" + s.name + "'");
    if (s.name == "lm_head.weight" && c.tie_word_embeddings) continue;
    std::vector<float> f = s.linear ? model::DequantizeLinear(*s.linear) : ViewToF32(*s.view);
    const int64_t rows = s.shape[0], cols = s.shape.size() > 1 ? s.shape[1] : s.shape[0];
    const bool head = s.name == "lm_head.weight";
    if (g.kind == gguf_names::Kind::kPlain) {
      const GgmlType t = Choose(type, s.role, head, cols);
      std::vector<int64_t> ne(s.shape.rbegin(), s.shape.rend());
      out.push_back({g.gguf, ne, t, Encode(f.data(), s.shape.size() > 1 ? rows : 1, cols, t)});
    } else if (g.kind == gguf_names::Kind::kExpert) {
      // Stacked [E, out, in]: expert e's rows follow expert e-1's.
      auto [it, fresh] = stacked.emplace(g.gguf, out.size());
      const GgmlType t = Choose(type, s.role, false, cols);
      std::vector<uint8_t> bytes = Encode(f.data(), rows, cols, t);
      if (fresh) {
        out.push_back({g.gguf, {cols, rows, E}, t, {}});
        out.back().bytes.reserve(bytes.size() * static_cast<size_t>(E));
      }
      if (g.expert != static_cast<int64_t>(out[it->second].bytes.size() / std::max<size_t>(bytes.size(), 1)))
        return Status::Error("experts of '" + g.gguf + "' are not in order at expert " + std::to_string(g.expert));
      out[it->second].bytes.insert(out[it->second].bytes.end(), bytes.begin(), bytes.end());
    } else {  // kKvB: [H*(dn+dv), R] -> k_b [H, R, dn] (W^UK_h^T) and v_b [H, dv, R]
      const int64_t H = c.num_attention_heads, dn = c.qk_nope_head_dim, dv = c.v_head_dim, R = c.kv_lora_rank;
      std::vector<float> kb(static_cast<size_t>(H * R * dn)), vb(static_cast<size_t>(H * dv * R));
      for (int64_t h = 0; h < H; ++h) {
        const float* base = &f[static_cast<size_t>(h * (dn + dv) * R)];
        for (int64_t i = 0; i < dn; ++i)
          for (int64_t r = 0; r < R; ++r) kb[(h * R + r) * dn + i] = base[i * R + r];
        std::memcpy(&vb[h * dv * R], base + dn * R, static_cast<size_t>(dv * R) * sizeof(float));
      }
      // Kept F32 (BF16 in a bf16 file): llama.cpp 0.3.36's CPU backend aborts on an F16 or Q8_0
      // attn_k_b / attn_v_b (GGML_ASSERT(*cur_backend_id != -1) while reserving the graph), and
      // they are small (2 * H * R * 64 values per layer on the bench model).
      const GgmlType tk = type == GgufOutType::kBF16 ? GgmlType::kBF16 : GgmlType::kF32, tv = tk;
      out.push_back({g.gguf + "attn_k_b.weight", {dn, R, H}, tk, Encode(kb.data(), H * R, dn, tk)});
      out.push_back({g.gguf + "attn_v_b.weight", {R, dv, H}, tv, Encode(vb.data(), H * dv, R, tv)});
    }
  }

  KV kv;
  kv.emplace_back("general.architecture", GgufValue::Str("deepseek2"));
  AddConfigKv(c, type, &kv);
  if (tokenizer_json.empty()) {
    AddPlaceholderVocab(&kv, c.vocab_size);
  } else {
    MINKE_RETURN_IF_ERROR(AddTokenizerVocab(&kv, tokenizer_json, c.vocab_size));
  }
  // The exact config for minke's own loader; MTP is not in the file.
  c.num_nextn_predict_layers = 0;
  c.fp8_block_weights = false;
  kv.emplace_back("minke.hf_config", GgufValue::Str(model::ModelConfigToJson(c)));

  std::vector<GgufTensorToWrite> tensors;
  for (const OutTensor& t : out) tensors.push_back({t.name, static_cast<uint32_t>(t.type), t.ne, t.bytes.data()});
  return WriteGguf(path, kv, tensors);
}

}  // namespace minke::io
