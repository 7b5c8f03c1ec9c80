// Multi-head Latent Attention for training: the expanded form of
// model/mla.h over B sequences of T tokens each (all starting at position
// 0), keeping the activations its backward pass needs.
//
// Backward, in reverse order of the forward (DeepSeek-V2 §2.1 notation):
//   o = P v            dP = dO v^T,  dv = P^T dO
//   P = softmax(S)     dS = P * (dP - rowsum(dP * P))
//   S = scale q k^T    dq = scale dS k,  dk = scale dS^T q
//   k = [k_nope; k_pe] k_pe is shared by the heads: its gradient sums them
//   RoPE is a rotation: its backward is the inverse rotation (sin -> -sin)
//   c_kv = RMSNorm(W^DKV x), [k_nope; v] = W^UKV c_kv, q = W^UQ RMSNorm(W^DQ x)
#pragma once

#include <cstdint>

#include "core/buffer.h"
#include "model/config.h"
#include "model/rope.h"
#include "model/weights.h"

namespace minke::train {

struct MlaActs {
  Buffer<float> cq, cqn;        // [N, q_lora] before / after q_a_layernorm (q_lora only)
  Buffer<float> q;              // [N, H, dqk] after RoPE
  Buffer<float> kva;            // [N, R + dr] W^DKV x as projected (before norm and RoPE)
  Buffer<float> ckv;            // [N, R] normalised latent
  Buffer<float> k;              // [N, H, dqk] keys: k_nope from kv, k_pe after RoPE
  Buffer<float> kv;             // [N, H, dn + dv]
  Buffer<float> p;              // [B, H, T, T] attention probabilities
  Buffer<float> o;              // [N, H, dv]
  std::vector<float> cos, sin;  // RoPE tables for positions 0..T-1
};

// out [B*T, D] = MLA(x).
void MlaTrainFwd(const model::ModelConfig& c, const model::MlaWeights& w, const model::Rope& rope, const float* x,
                 int64_t B, int64_t T, MlaActs* acts, float* out);

// dx [B*T, D] overwritten; parameter gradients accumulate into gw.
void MlaTrainBwd(const model::ModelConfig& c, const model::MlaWeights& w, const model::MlaWeights& gw,
                 const model::Rope& rope, const float* x, int64_t B, int64_t T, const MlaActs& acts, const float* dout,
                 float* dx);

}  // namespace minke::train
