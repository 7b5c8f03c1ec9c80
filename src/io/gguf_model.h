// DeepSeek models as llama.cpp `deepseek2` GGUF files: the writer behind
// `minke convert --to gguf` / `minke quantize`, and the loader behind
// LoadModel() on a .gguf path.
//
// Names and layout follow llama.cpp's convert_hf_to_gguf.py (DeepseekV2Model)
// and gguf-py's MODEL_TENSORS[DEEPSEEK2]:
//   model.embed_tokens -> token_embd        model.norm -> output_norm   lm_head -> output
//   blk.L.attn_norm / ffn_norm              (input / post_attention layernorm)
//   attn_q_a, attn_q_a_norm, attn_q_b | attn_q, attn_kv_a_mqa, attn_kv_a_norm, attn_output
//   kv_b_proj [H*(dn+dv), R] -> attn_k_b [H, R, dn] (W^UK_h transposed) + attn_v_b [H, dv, R]
//   dense mlp -> ffn_gate / ffn_up / ffn_down
//   mlp.gate -> ffn_gate_inp, e_score_correction_bias -> exp_probs_b.bias
//   experts.{e}.X_proj stacked -> ffn_X_exps [E, out, in]; shared_experts -> ffn_X_shexp
// MTP layers are left out, as llama.cpp does. Norms, biases, the router and
// the correction bias stay F32, and so do attn_k_b / attn_v_b (BF16 in a bf16
// file: llama.cpp's CPU backend aborts on F16 or Q8_0 ones); a 2-D weight whose row length is not a
// multiple of 32 falls back to F16 for the block types (as convert_hf_to_gguf
// does). For q8_0/q4_0 the embedding and the output head are Q8_0 (the
// output head is the most quantization-sensitive matrix; llama.cpp's
// quantizer also keeps it at higher precision).
//
// Metadata: llama.cpp's deepseek2 keys (block_count, attention.kv_lora_rank,
// key_length_mla, expert_gating_func, expert_weights_scale/norm,
// rope.scaling.yarn_*, leading_dense_block_count, ...), plus `minke.hf_config`:
// the model's config.json, so that minke reads back exactly what it wrote
// (llama.cpp cannot express e.g. mscale != mscale_all_dim or V2's
// group_limited_greedy). The loader cross-checks it against the llama.cpp
// keys; files from other converters are read from the llama.cpp keys alone.
#pragma once

#include <string>

#include "core/status.h"
#include "io/model_loader.h"
#include "model/transformer.h"

namespace minke::io {

enum class GgufOutType { kF32, kF16, kBF16, kQ8_0, kQ4_0 };
Result<GgufOutType> ParseGgufOutType(const std::string& name);  // "f32", "f16", "bf16", "q8_0", "q4_0"

// Writes `m` as a deepseek2 GGUF. With a tokenizer.json path, its vocabulary
// goes into tokenizer.ggml.* (gpt2 BPE, pre "deepseek-v3"); without one, a
// placeholder byte-level vocabulary of vocab_size entries is written so that
// llama.cpp can load the file and run token ids.
Status WriteModelGguf(const model::Transformer& m, GgufOutType type, const std::string& path,
                      const std::string& tokenizer_json = "");

struct GgufLoadOptions {
  // Read the config from the llama.cpp keys only, ignoring minke.hf_config
  // (how a GGUF from another converter is read; used by tests).
  bool llama_keys_only = false;
};

Result<LoadedModel> LoadGgufModel(const std::string& path, const GgufLoadOptions& opt = {});

}  // namespace minke::io
