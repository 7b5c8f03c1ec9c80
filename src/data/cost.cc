#include "data/cost.h"

#include <algorithm>
#include <cctype>

#include "model/params.h"

namespace minke::data {
namespace {

// Dense peaks (vendors often quote 2:4-sparse figures, twice these).
const std::vector<HardwareProfile> kHardware = {
    // NVIDIA H100 Tensor Core GPU datasheet (SXM5): BF16 1,979 and FP8 3,958
    // TFLOPS "with sparsity", i.e. 989.4 / 1,978.9 dense; max TDP 700 W.
    {"h100", "NVIDIA H100 SXM5", 989.4e12, 1978.9e12, 700, "NVIDIA H100 datasheet (SXM5), dense = sparse / 2"},
    // NVIDIA H800 SXM5: the H100 SXM5's compute and power with NVLink cut to
    // 400 GB/s (NVIDIA H800 product brief); the GPU of DeepSeek-V3's cluster.
    {"h800", "NVIDIA H800 SXM5", 989.4e12, 1978.9e12, 700,
     "NVIDIA H800 product brief (H100 SXM5 compute, 400 GB/s NVLink)"},
    // NVIDIA A100 Tensor Core GPU datasheet (SXM4 80GB): BF16 312 TFLOPS
    // dense (624 sparse), no FP8; max TDP 400 W.
    {"a100", "NVIDIA A100 SXM4 80GB", 312e12, 0, 400, "NVIDIA A100 datasheet (SXM4), no FP8"},
    // NVIDIA H20 (HGX H20, export-compliant Hopper): FP16/BF16 148 TFLOPS,
    // FP8 296 TFLOPS dense, 400 W. NVIDIA publishes no public datasheet; the
    // figures are those of the partner spec sheets as widely reported.
    {"h20", "NVIDIA H20", 148e12, 296e12, 400, "HGX H20 partner spec sheets as reported (no public NVIDIA datasheet)"},
    // Huawei Ascend 910B: FP16/BF16 about 320 TFLOPS dense, no FP8. Huawei
    // publishes no detailed datasheet; 320 TFLOPS is the commonly reported
    // figure (the original Ascend 910: 256 TFLOPS FP16, 310 W measured,
    // 350 W design, Hot Chips 2019). Board power reported 310-400 W; 400 W
    // here to stay on the safe side of energy.
    {"910b", "Huawei Ascend 910B", 320e12, 0, 400, "public reporting (~320 TFLOPS FP16, 310-400 W); approximate"},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// GEMM weights of one MLA block (DeepSeek-V2 §2.1): W^DQ, [W^UQ; W^QR]
// (or W^Q), [W^DKV; W^KR], [W^UK; W^UV], W^O.
double AttentionWeights(const model::ModelConfig& c) {
  const double D = c.hidden_size, H = c.num_attention_heads, R = c.kv_lora_rank, ql = c.q_lora_rank;
  const double dn = c.qk_nope_head_dim, dr = c.qk_rope_head_dim, dv = c.v_head_dim;
  const double q = ql > 0 ? D * ql + ql * H * (dn + dr) : D * H * (dn + dr);
  return q + D * (R + dr) + R * H * (dn + dv) + H * dv * D;
}

// GEMM weights a token goes through in layer `layer`'s FFN: a dense SwiGLU,
// or the router + shared experts + top-k routed experts (DeepSeekMoE).
double FfnWeights(const model::ModelConfig& c, int64_t layer) {
  const double D = c.hidden_size;
  if (!c.is_moe_layer(layer)) return 3 * D * c.intermediate_size;
  const double expert = 3 * D * c.moe_intermediate_size;
  return D * c.n_routed_experts + c.num_experts_per_tok * expert + c.n_shared_experts * expert;
}

}  // namespace

const std::vector<HardwareProfile>& BuiltinHardware() { return kHardware; }

Result<HardwareProfile> FindHardware(std::string_view key) {
  std::string k = Lower(key);
  if (k == "h100-sxm" || k == "h100sxm") k = "h100";
  if (k == "ascend-910b" || k == "ascend910b") k = "910b";
  for (const HardwareProfile& h : kHardware)
    if (h.key == k) return h;
  std::string known;
  for (const HardwareProfile& h : kHardware) known += (known.empty() ? "" : ", ") + h.key;
  return Status::Error("unknown hardware '" + std::string(key) + "' (known: " + known + ")");
}

double MatmulParamsPerToken(const model::ModelConfig& c, bool include_mtp) {
  const double D = c.hidden_size, V = c.vocab_size;
  double n = 0;
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) n += AttentionWeights(c) + FfnWeights(c, l);
  n += V * D;  // lm_head (also when tied to the embedding: still a GEMM)
  if (include_mtp)
    for (int64_t k = 0; k < c.num_nextn_predict_layers; ++k)
      n += 2 * D * D + AttentionWeights(c) + FfnWeights(c, c.num_hidden_layers + k) + V * D;  // M_k, block, head
  return n;
}

double AttentionFlopsPerToken(const model::ModelConfig& c, int64_t seq_len, bool include_mtp) {
  const double layers = c.num_hidden_layers + (include_mtp ? c.num_nextn_predict_layers : 0);
  const double per_layer = 2.0 * c.num_attention_heads * (c.qk_head_dim() + c.v_head_dim) * (seq_len + 1) / 2.0;
  return layers * per_layer;
}

ModelCompute ComputeFromConfig(const model::ModelConfig& c, int64_t seq_len, bool include_mtp) {
  const model::ParamCounts p = model::CountParams(c);
  ModelCompute m;
  m.total_params = static_cast<double>(p.total + (include_mtp ? p.mtp : 0));
  m.active_params = static_cast<double>(p.active);
  m.matmul_params = MatmulParamsPerToken(c, include_mtp);
  m.attn_flops_fwd = AttentionFlopsPerToken(c, seq_len, include_mtp);
  m.has_attention = true;
  return m;
}

ModelCompute ComputeFromCounts(double total_params, double active_params) {
  ModelCompute m;
  m.total_params = total_params;
  m.active_params = active_params;
  m.matmul_params = active_params;
  return m;
}

CostEstimate EstimateCost(const ModelCompute& m, const CostInputs& in) {
  CostEstimate e;
  e.train_flops = m.train_flops_per_token() * in.tokens;
  e.achieved_flops_per_gpu = in.mfu * in.peak_flops;
  e.gpu_hours = e.achieved_flops_per_gpu > 0 ? e.train_flops / e.achieved_flops_per_gpu / 3600.0 : 0;
  e.wall_days = in.gpus > 0 ? e.gpu_hours / in.gpus / 24.0 : 0;
  e.energy_kwh = e.gpu_hours * in.watts / 1000.0 * in.pue;
  e.gpu_cost = e.gpu_hours * in.price_per_gpu_hour;
  e.electricity_cost = e.energy_kwh * in.electricity_per_kwh;
  return e;
}

double SolveMfu(const ModelCompute& m, double tokens, double peak_flops, double gpu_hours) {
  return m.train_flops_per_token() * tokens / (gpu_hours * 3600.0 * peak_flops);
}

std::string_view DeepSeekV3ConfigJson() {
  return R"({
  "architectures": ["DeepseekV3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "aux_loss_alpha": 0.001, "bos_token_id": 0, "eos_token_id": 1, "ep_size": 1, "first_k_dense_replace": 3,
  "hidden_act": "silu", "hidden_size": 7168, "initializer_range": 0.02, "intermediate_size": 18432,
  "kv_lora_rank": 512, "max_position_embeddings": 163840, "model_type": "deepseek_v3",
  "moe_intermediate_size": 2048, "moe_layer_freq": 1, "n_group": 8, "n_routed_experts": 256,
  "n_shared_experts": 1, "norm_topk_prob": true, "num_attention_heads": 128, "num_experts_per_tok": 8,
  "num_hidden_layers": 61, "num_key_value_heads": 128, "num_nextn_predict_layers": 1, "pretraining_tp": 1,
  "q_lora_rank": 1536, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
  "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8",
                          "weight_block_size": [128, 128]},
  "rms_norm_eps": 1e-06,
  "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 1.0, "mscale_all_dim": 1.0,
                   "original_max_position_embeddings": 4096, "type": "yarn"},
  "rope_theta": 10000, "routed_scaling_factor": 2.5, "scoring_func": "sigmoid", "seq_aux": true,
  "tie_word_embeddings": false, "topk_group": 4, "topk_method": "noaux_tc", "torch_dtype": "bfloat16",
  "transformers_version": "4.33.1", "use_cache": true, "v_head_dim": 128, "vocab_size": 129280
})";
}

}  // namespace minke::data
