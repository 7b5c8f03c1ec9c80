// `minke info --model DIR`: what a checkpoint is, what it costs to run.
#include <cstdio>

#include "cli/commands.h"
#include "io/model_loader.h"
#include "model/params.h"

namespace minke::cli {
namespace {

std::string Human(double n) {
  char buf[32];
  if (n >= 1e9)
    std::snprintf(buf, sizeof buf, "%.2fB", n / 1e9);
  else if (n >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
  else if (n >= 1e3)
    std::snprintf(buf, sizeof buf, "%.2fK", n / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

std::string Bytes(double b) {
  char buf[32];
  if (b >= (1 << 20))
    std::snprintf(buf, sizeof buf, "%.2f MiB", b / (1 << 20));
  else if (b >= 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024);
  else
    std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

Status Info(const std::string& dir) {
  MINKE_ASSIGN_OR_RETURN(io::LoadedModel lm, io::LoadModel(dir));
  for (const auto& w : lm.warnings) std::fprintf(stderr, "minke: warning: %s\n", w.c_str());
  const model::ModelConfig& c = lm.model->config();
  const model::ModelWeights& w = lm.model->weights();
  static const char* kTopk[] = {"greedy", "group_limited_greedy", "noaux_tc"};
  int64_t moe_layers = 0;
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) moe_layers += c.is_moe_layer(i);

  std::printf("model            %s (%s)\n", dir.c_str(), std::string(model::ModelTypeName(c.model_type)).c_str());
  std::printf("layers           %lld (%lld dense, %lld MoE), hidden %lld, vocab %lld\n", (long long)c.num_hidden_layers,
              (long long)(c.num_hidden_layers - moe_layers), (long long)moe_layers, (long long)c.hidden_size,
              (long long)c.vocab_size);
  std::printf(
      "attention        MLA, %lld heads, q_lora_rank %s, kv_lora_rank %lld, qk_nope %lld + qk_rope %lld, v %lld\n",
      (long long)c.num_attention_heads, c.q_lora_rank > 0 ? std::to_string(c.q_lora_rank).c_str() : "none (q_proj)",
      (long long)c.kv_lora_rank, (long long)c.qk_nope_head_dim, (long long)c.qk_rope_head_dim, (long long)c.v_head_dim);
  if (c.rope_scaling.enabled)
    std::printf("rope             theta %g, YaRN factor %g over %lld (beta %g/%g, mscale %g/%g)\n", c.rope_theta,
                c.rope_scaling.factor, (long long)c.rope_scaling.original_max_position_embeddings,
                c.rope_scaling.beta_fast, c.rope_scaling.beta_slow, c.rope_scaling.mscale,
                c.rope_scaling.mscale_all_dim);
  else
    std::printf("rope             theta %g, no scaling\n", c.rope_theta);
  if (c.n_routed_experts > 0)
    std::printf(
        "moe              %lld routed (top-%lld, %s, %s, %lld groups / top %lld), %lld shared, width %lld, "
        "scale %g%s\n",
        (long long)c.n_routed_experts, (long long)c.num_experts_per_tok, kTopk[static_cast<int>(c.topk_method)],
        c.scoring_func == model::ScoringFunc::kSigmoid ? "sigmoid" : "softmax", (long long)c.n_group,
        (long long)c.topk_group, (long long)c.n_shared_experts, (long long)c.moe_intermediate_size,
        c.routed_scaling_factor, c.norm_topk_prob ? ", normalised" : "");
  std::printf("dense ffn        width %lld (first %lld layers)\n", (long long)c.intermediate_size,
              (long long)c.first_k_dense_replace);
  std::printf("mtp              %lld module(s)%s\n", (long long)c.num_nextn_predict_layers,
              c.num_nextn_predict_layers > 0 && w.mtp.empty() ? " in config, absent from the checkpoint" : "");
  std::printf("weights          %s%s\n", std::string(DTypeName(w.layers[0].attn.kv_b_proj.weight.dtype)).c_str(),
              c.fp8_block_weights ? " (FP8 E4M3, 128x128 block scales)" : "");
  model::ParamCounts p = model::CountParams(c);
  std::printf("parameters       %s total, %s active per token (%lld exactly / %lld), MTP %s more\n",
              Human(p.total).c_str(), Human(p.active).c_str(), (long long)p.total, (long long)p.active,
              Human(p.mtp).c_str());
  const double mla = 2.0 * model::MlaCacheValuesPerTokenPerLayer(c) * c.num_hidden_layers;
  const double mha = 2.0 * model::MhaCacheValuesPerTokenPerLayer(c) * c.num_hidden_layers;
  std::printf(
      "kv cache / token %s MLA latent (%lld x %lld layers x 2 B, BF16) vs %s for MHA with the same heads "
      "(%.1fx smaller)\n",
      Bytes(mla).c_str(), (long long)model::MlaCacheValuesPerTokenPerLayer(c), (long long)c.num_hidden_layers,
      Bytes(mha).c_str(), mha / mla);
  return Status::Ok();
}

}  // namespace

void RegisterInfo(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("info", "Summarise a checkpoint: architecture, parameters, KV-cache size");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("--model", *dir, "Checkpoint directory (config.json + safetensors)")->required();
  cmd->callback([=] { *action = [=] { return Info(*dir); }; });
}

}  // namespace minke::cli
