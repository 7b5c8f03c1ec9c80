// Training-cost estimates: compute, GPU-hours, energy and money
// (`minke cost`). Lives with the data layer for now; it needs only model/.
//
// Compute (Kaplan et al. 2020 §2.1; Hoffmann et al. 2022 App. F): a token
// costs 2 FLOPs per weight it multiplies through in the forward pass, and the
// backward pass costs twice the forward, so training on T tokens costs
//     C = 6 * N_matmul * T + 3 * A * T
// N_matmul: the weights a token goes through in GEMMs: MLA projections,
//   dense FFNs, the router, shared experts, the top-k routed experts and the
//   lm_head. Not the embedding (a lookup), norms or biases; so N_matmul is
//   CountParams' `active` minus norm weights and biases.
// A: attention-score FLOPs per token in the forward pass,
//     A = 2 * L * H * (d_qk + d_v) * (S + 1) / 2
//   for QK^T and PV at sequence length S with a causal mask (a query at
//   position t attends t keys; only the unmasked half is counted), with
//   MLA's expanded head dims d_qk = qk_nope + qk_rope and d_v = v_head_dim.
// Given only parameter counts, C = 6 * N_active * T (attention unknown).
//
// Time: GPU-hours = C / (MFU * peak FLOP/s per GPU) / 3600, MFU being the
// fraction of the dense peak the run achieves. Energy: GPU-hours * board
// power * PUE (GPUs at their rated board power; hosts and network only as
// far as the PUE or a custom --watts covers them). Money: GPU-hours * price
// per GPU-hour (rental), and energy * electricity price (owning).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/config.h"

namespace minke::data {

enum class Precision { kBf16, kFp8 };

struct HardwareProfile {
  std::string key;     // "h800"
  std::string name;    // "NVIDIA H800 SXM5"
  double bf16_flops;   // dense (no 2:4 sparsity) peak per GPU, FLOP/s
  double fp8_flops;    // dense peak, 0 = no FP8 support
  double watts;        // board power (TDP)
  std::string source;  // where the numbers come from
  // The peak at a precision; FP8 falls back to BF16 where there is none.
  double peak(Precision p) const { return p == Precision::kFp8 && fp8_flops > 0 ? fp8_flops : bf16_flops; }
};

const std::vector<HardwareProfile>& BuiltinHardware();
// By key ("h100", "h800", "a100", "h20", "910b"), case-insensitive.
Result<HardwareProfile> FindHardware(std::string_view key);

struct ModelCompute {
  double total_params = 0, active_params = 0;  // as CountParams reports them (or as given)
  double matmul_params = 0;                    // N_matmul
  double attn_flops_fwd = 0;                   // A (0 when unknown)
  bool has_attention = false;
  double train_flops_per_token() const { return 6 * matmul_params + 3 * attn_flops_fwd; }
};

// N_matmul per token of a config, counted from its dimensions. With
// include_mtp, the MTP modules' GEMMs (eh_proj, block, head) are added.
double MatmulParamsPerToken(const model::ModelConfig& c, bool include_mtp);
// A per token at sequence length seq_len (causal).
double AttentionFlopsPerToken(const model::ModelConfig& c, int64_t seq_len, bool include_mtp);
ModelCompute ComputeFromConfig(const model::ModelConfig& c, int64_t seq_len, bool include_mtp);
ModelCompute ComputeFromCounts(double total_params, double active_params);

struct CostInputs {
  double tokens = 0;
  double mfu = 0.4;
  double peak_flops = 0;  // per GPU at the precision used
  double watts = 0;       // per GPU
  double price_per_gpu_hour = 2.0;
  double electricity_per_kwh = 0.10;
  double pue = 1.2;
  int64_t gpus = 0;  // cluster size, for wall-clock days (0: not shown)
};

struct CostEstimate {
  double train_flops = 0;
  double achieved_flops_per_gpu = 0;
  double gpu_hours = 0;
  double wall_days = 0;
  double energy_kwh = 0;
  double gpu_cost = 0;
  double electricity_cost = 0;
};

CostEstimate EstimateCost(const ModelCompute& m, const CostInputs& in);
// The MFU at which training on `tokens` takes `gpu_hours`.
double SolveMfu(const ModelCompute& m, double tokens, double peak_flops, double gpu_hours);

// DeepSeek-V3's published training run (Technical Report, arXiv:2412.19437,
// §1 and Table 1): 2,664K H800 GPU-hours of pre-training on 14.8T tokens,
// 119K for context extension, 5K for post-training: 2,788K GPU-hours,
// $5.576M at $2 per GPU-hour. 671B total / 37B activated parameters.
struct PublishedRun {
  double total_params = 671e9, active_params = 37e9, tokens = 14.8e12;
  double pretrain_gpu_hours = 2.664e6, context_extension_gpu_hours = 0.119e6, post_training_gpu_hours = 0.005e6;
  double price_per_gpu_hour = 2.0;
  double total_gpu_hours() const { return pretrain_gpu_hours + context_extension_gpu_hours + post_training_gpu_hours; }
};

// DeepSeek-V3's config.json as published on the Hugging Face hub.
std::string_view DeepSeekV3ConfigJson();

}  // namespace minke::data
