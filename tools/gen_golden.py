#!/usr/bin/env python3
"""Generate the tiny DeepSeek-V3/V2 golden fixtures under tests/fixtures/model/.

Run by hand, never by CI:

    python3 tools/gen_golden.py            # (re)write every case, then verify it
    python3 tools/gen_golden.py --check    # only re-verify the committed files
    python3 tools/gen_golden.py --case v3_full --case v2_lite

Needs torch, transformers 5.x, safetensors and numpy (the output was produced with
transformers 5.24.0 / torch 2.15 on CPU).  Everything is seeded, so a rerun on the same
software stack rewrites byte-identical files.

Each case directory holds
  config.json        hub layout, exactly like the published DeepSeek checkpoints (keys such as
                     rope_scaling {"type": "yarn", ...}, n_routed_experts, topk_method, ...; NOT
                     the transformers-5 `rope_parameters` form).
  model.safetensors  (or model-0000K-of-0000N.safetensors + model.safetensors.index.json)
                     with hub tensor names (per-expert `mlp.experts.{e}.{gate,up,down}_proj.weight`,
                     MTP layers at `model.layers.{num_hidden_layers + k}.*`).
  golden.safetensors input_ids  I64 [T]
                     logits     F32 [T, vocab]   main-model logits, positions 0..T-1
                     mtp_logits F32 [T-1, vocab] (MTP cases only) see MTP below
                     debug_hidden F32 [num_hidden_layers + 1, T, hidden]: row 0 = embedding
                                output, row l = residual stream after decoder layer l-1
                                (before model.norm); for debugging only.

Golden numbers are transformers' DeepseekV3ForCausalLM / DeepseekV2ForCausalLM run in fp32,
eager attention, experts_implementation="eager" (plain per-expert loop), model.eval(), no_grad,
on the *effective* weights (what the stored tensors
mean after up-casting/dequantising), with the DeepSeek conventions below.

Conventions (where references disagree; transformers is patched where it deviates)
---------------------------------------------------------------------------------
* MoE router, deepseek_v3 (DeepSeek hub modeling_deepseek.py, MoEGate, topk_method noaux_tc):
    scores = sigmoid(x @ gate.weight^T)                    (fp32)
    choice = scores + e_score_correction_bias
    group score = sum of the top-2 `choice` values in each of n_group groups
    keep topk_group groups, other groups' experts -> -inf
    top-k experts on `choice`; weights = the *unbiased* `scores` of those experts
    if top_k > 1 and norm_topk_prob: weights /= (sum(weights) + 1e-20)
    weights *= routed_scaling_factor                        (always, for V3)
  transformers 5.24 DeepseekV3TopkRouter.forward (modeling_deepseek_v3.py:133-158) hard-codes
  sigmoid + noaux_tc (ignores scoring_func/topk_method) and normalises even when top_k == 1;
  the script patches it to add DeepSeek's `top_k > 1` guard (case v3_noshared uses top_k 1).
* MoE router, deepseek_v2 (DeepSeek-V2 hub modeling_deepseek.py):
    scores = softmax(x @ gate.weight^T)
    greedy: top-k of scores.  group_limited_greedy: group score = max per group, keep
    topk_group groups, others masked with 0.0, top-k.
    if top_k > 1 and norm_topk_prob: weights /= (sum + 1e-20)   (NO routed_scaling_factor)
    else:                            weights *= routed_scaling_factor
  transformers 5.24 DeepseekV2TopkRouter.forward (modeling_deepseek_v2.py:98-117) always
  multiplies by routed_scaling_factor and ignores norm_topk_prob; patched here too, but the
  V2 fixtures use norm_topk_prob false where both agree.
* YaRN (rope_scaling.type == "yarn"), as in DeepSeek's hub code:
    inv_freq from the YaRN ramp (floor/ceil correction range, beta_fast/beta_slow,
    original_max_position_embeddings, factor) over qk_rope_head_dim;
    cos/sin multiplied by mscale(factor, mscale) / mscale(factor, mscale_all_dim),
    softmax scale = (qk_nope_head_dim + qk_rope_head_dim)^-0.5 * mscale(factor, mscale_all_dim)^2
    (the latter only when mscale_all_dim is non-zero), mscale(s, m) = 0.1*m*ln(s) + 1 (1 if s<=1).
  transformers 5.24 does both for V3 and V2 (_compute_yarn_parameters in modeling_rope_utils.py
  and yarn_apply_mscale in both modeling files) when both mscale and mscale_all_dim are given,
  which all fixtures do.  (If only one of them is given, transformers uses mscale(factor) for
  cos/sin whereas DeepSeek uses mscale(f, mscale or 1)/mscale(f, mscale_all_dim or 0): the C++
  engine should follow DeepSeek; no fixture covers that corner.)
* RoPE pairs are interleaved (x[2i], x[2i+1]) rotated by position * inv_freq[i].  transformers
  V3 does this with rope_interleave=True (default), V2 with complex multiplication on adjacent
  pairs; both equal DeepSeek's hub code (which de-interleaves q_pe/k_pe before rotate_half; the
  permutation is common to q and k, so q.k is identical).
* q_a_layernorm and kv_a_layernorm always use eps 1e-6 (DeepSeek and transformers construct them
  without rms_norm_eps); all other norms use rms_norm_eps.
* MLP / experts: down(silu(gate(x)) * up(x)).  Shared experts are one MLP of intermediate size
  moe_intermediate_size * n_shared_experts added to the routed output.  n_shared_experts 0 (case
  v3_noshared) means no shared expert and no shared_experts tensors in the file (transformers'
  strict config rejects null, DeepSeek's hub code treats null as "none"; accept both).
* MTP (num_nextn_predict_layers > 0; DeepSeek-V3 paper section 2.2 with vLLM's conventions for
  the published checkpoint, computed in plain torch here):
    h0 = main model final hidden state AFTER model.norm (the lm_head input), positions 0..T-1
    for i in 0..T-2:  x_i = eh_proj(cat([enorm(E(t_{i+1})), hnorm(h0_i)], -1))   (embedding first)
      E = the MTP layer's OWN model.layers.{L}.embed_tokens.weight
    x = one full decoder layer (same MLA + MoE code as the main layers; MoE because its index
        L >= first_k_dense_replace) run causally over the T-1 rows with position ids 0..T-2
    mtp_logits = shared_head.head(shared_head.norm(x))      (own shared_head.head, not lm_head)
  In these fixtures the MTP embed_tokens/shared_head.head are random and differ from the main
  model's (in the published V3 they are copies), so an engine must read the MTP's own tensors.
  Notes: vLLM additionally zeroes the embedding at position 0 (`inputs_embeds[positions == 0]
  = 0`); we do not.  transformers 5.24 now has a generic MtpModel (modeling_layers.py) that
  shares the main embed_tokens/lm_head and uses position ids 1..T-1; positions only enter
  through RoPE, which is relative, so 0..T-2 and 1..T-1 give the same logits up to rounding.
* FP8 (case v3_fp8, quantization_config like the published V3): every nn.Linear weight of
  attention, dense MLP, routed and shared experts (main and MTP layers) is F8_E4M3
  (torch.float8_e4m3fn) with `<name>_scale_inv` F32 [ceil(out/128), ceil(in/128)];
  W[r, c] = float(fp8[r, c]) * scale_inv[r // 128, c // 128] (edge blocks are partial).
  embed_tokens, lm_head, norms, mlp.gate.weight and MTP eh_proj / embed_tokens / shared_head
  are BF16, e_score_correction_bias F32 (as in the published checkpoint).  The golden is the
  fp32 HF model on the dequantised weights: transformers' own fp8 path needs a GPU, and its
  CPU dequantize fallback (integrations/finegrained_fp8.py Fp8Dequantize._dequantize_one)
  derives the block size as rows // scale_rows, which is wrong for partial edge blocks.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import os
import shutil
import sys
import warnings
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file

import transformers
from transformers import AutoConfig, AutoModelForCausalLM
from transformers.models.deepseek_v2 import modeling_deepseek_v2 as mdv2
from transformers.models.deepseek_v3 import modeling_deepseek_v3 as mdv3

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE_ROOT = os.path.join(REPO, "tests", "fixtures", "model")
T_TOKENS = 9
FP8_BLOCK = 128
FP8_MAX = 448.0
ROUTE_MARGIN = 1e-3  # min gap at every top-k / top-group decision boundary
TOL = 1e-4


# ----------------------------------------------------------------------------------------
# transformers patches: DeepSeek router semantics (see module docstring)
# ----------------------------------------------------------------------------------------
def _v3_router_forward(self, hidden_states):
    hidden_states = hidden_states.view(-1, self.hidden_dim)
    router_logits = F.linear(hidden_states.type(torch.float32), self.weight.type(torch.float32))
    scores = router_logits.sigmoid()
    scores_for_choice = scores + self.e_score_correction_bias
    group_scores = (
        scores_for_choice.view(-1, self.num_group, self.num_experts // self.num_group).topk(2, dim=-1)[0].sum(dim=-1)
    )
    group_idx = torch.topk(group_scores, k=self.topk_group, dim=-1, sorted=False)[1]
    group_mask = torch.zeros_like(group_scores)
    group_mask.scatter_(1, group_idx, 1)
    score_mask = (
        group_mask.unsqueeze(-1)
        .expand(-1, self.num_group, self.num_experts // self.num_group)
        .reshape(-1, self.num_experts)
    )
    scores_for_choice = scores_for_choice.masked_fill(~score_mask.bool(), float("-inf"))
    topk_indices = torch.topk(scores_for_choice, k=self.top_k, dim=-1, sorted=False)[1]
    topk_weights = scores.gather(1, topk_indices)
    if self.top_k > 1 and self.norm_topk_prob:  # DeepSeek: `self.top_k > 1 and`
        denominator = topk_weights.sum(dim=-1, keepdim=True) + 1e-20
        topk_weights /= denominator
    topk_weights = topk_weights * self.routed_scaling_factor
    return router_logits, topk_weights, topk_indices


def _v2_router_forward(self, hidden_states):
    hidden_states = hidden_states.view(-1, self.hidden_dim)
    router_logits = F.linear(hidden_states.type(torch.float32), self.weight.type(torch.float32))
    scores = router_logits.softmax(dim=-1, dtype=torch.float32)
    if self.topk_method == "greedy":
        topk_weights, topk_indices = torch.topk(scores, k=self.top_k, dim=-1, sorted=False)
    elif self.topk_method == "group_limited_greedy":
        group_scores = scores.view(-1, self.num_group, self.num_experts // self.num_group).max(dim=-1).values
        group_idx = torch.topk(group_scores, k=self.topk_group, dim=-1, sorted=False)[1]
        group_mask = torch.zeros_like(group_scores)
        group_mask.scatter_(1, group_idx, 1)
        score_mask = (
            group_mask.unsqueeze(-1)
            .expand(-1, self.num_group, self.num_experts // self.num_group)
            .reshape(-1, self.num_experts)
        )
        scores = scores.masked_fill(~score_mask.bool(), 0.0)
        topk_weights, topk_indices = torch.topk(scores, k=self.top_k, dim=-1, sorted=False)
    else:
        raise NotImplementedError(self.topk_method)
    if self.top_k > 1 and self.config_norm_topk_prob:  # DeepSeek-V2: normalise XOR scale
        topk_weights = topk_weights / (topk_weights.sum(dim=-1, keepdim=True) + 1e-20)
    else:
        topk_weights = topk_weights * self.routed_scaling_factor
    return router_logits, topk_weights, topk_indices


_orig_v2_router_init = mdv2.DeepseekV2TopkRouter.__init__


def _v2_router_init(self, config):
    _orig_v2_router_init(self, config)
    self.config_norm_topk_prob = bool(config.norm_topk_prob)


mdv3.DeepseekV3TopkRouter.forward = _v3_router_forward
mdv2.DeepseekV2TopkRouter.__init__ = _v2_router_init
mdv2.DeepseekV2TopkRouter.forward = _v2_router_forward


# ----------------------------------------------------------------------------------------
# hub-layout configs
# ----------------------------------------------------------------------------------------
def base_v3():
    # key set of deepseek-ai/DeepSeek-V3 config.json (minus auto_map, which points at remote code)
    return {
        "architectures": ["DeepseekV3ForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "aux_loss_alpha": 0.001,
        "bos_token_id": 0,
        "eos_token_id": 1,
        "ep_size": 1,
        "first_k_dense_replace": 1,
        "hidden_act": "silu",
        "hidden_size": 32,
        "initializer_range": 0.02,
        "intermediate_size": 64,
        "kv_lora_rank": 16,
        "max_position_embeddings": 1024,
        "model_type": "deepseek_v3",
        "moe_intermediate_size": 16,
        "moe_layer_freq": 1,
        "n_group": 4,
        "n_routed_experts": 8,
        "n_shared_experts": 1,
        "norm_topk_prob": True,
        "num_attention_heads": 4,
        "num_experts_per_tok": 3,
        "num_hidden_layers": 3,
        "num_key_value_heads": 4,
        "num_nextn_predict_layers": 0,
        "pretraining_tp": 1,
        "q_lora_rank": 24,
        "qk_nope_head_dim": 8,
        "qk_rope_head_dim": 16,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 10000,
        "routed_scaling_factor": 2.5,
        "scoring_func": "sigmoid",
        "seq_aux": True,
        "tie_word_embeddings": False,
        "topk_group": 2,
        "topk_method": "noaux_tc",
        "torch_dtype": "float32",
        "transformers_version": "4.33.1",
        "use_cache": True,
        "v_head_dim": 8,
        "vocab_size": 128,
    }


def base_v2():
    # key set of deepseek-ai/DeepSeek-V2(-Lite) config.json (no num_nextn_predict_layers there)
    return {
        "architectures": ["DeepseekV2ForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "aux_loss_alpha": 0.001,
        "bos_token_id": 100000,
        "eos_token_id": 100001,
        "first_k_dense_replace": 1,
        "hidden_act": "silu",
        "hidden_size": 32,
        "initializer_range": 0.02,
        "intermediate_size": 64,
        "kv_lora_rank": 16,
        "max_position_embeddings": 163840,
        "model_type": "deepseek_v2",
        "moe_intermediate_size": 16,
        "moe_layer_freq": 1,
        "n_group": 1,
        "n_routed_experts": 8,
        "n_shared_experts": 2,
        "norm_topk_prob": False,
        "num_attention_heads": 4,
        "num_experts_per_tok": 3,
        "num_hidden_layers": 3,
        "num_key_value_heads": 4,
        "pretraining_tp": 1,
        "q_lora_rank": None,
        "qk_nope_head_dim": 8,
        "qk_rope_head_dim": 16,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 10000,
        "routed_scaling_factor": 1.0,
        "scoring_func": "softmax",
        "seq_aux": True,
        "tie_word_embeddings": False,
        "topk_group": 1,
        "topk_method": "greedy",
        "torch_dtype": "float32",
        "transformers_version": "4.33.1",
        "use_cache": True,
        "v_head_dim": 8,
        "vocab_size": 128,
    }


def yarn(factor, orig, mscale, mscale_all_dim, beta_fast=32, beta_slow=1):
    return {
        "beta_fast": beta_fast,
        "beta_slow": beta_slow,
        "factor": factor,
        "mscale": mscale,
        "mscale_all_dim": mscale_all_dim,
        "original_max_position_embeddings": orig,
        "type": "yarn",
    }


@dataclass
class Case:
    name: str
    seed: int
    hub: dict
    storage: str = "f32"  # f32 | bf16 | fp8
    shards: int = 1
    summary: str = ""
    # assertions that the case really exercises its branch
    expect_bias_matters: bool = False
    expect_group_matters: bool = False
    gains: dict = field(default_factory=dict)


def make_cases():
    cases = []

    hub = base_v3()
    hub.update(
        num_hidden_layers=3, first_k_dense_replace=1, n_shared_experts=1, num_nextn_predict_layers=1,
        n_group=4, topk_group=2, num_experts_per_tok=3, norm_topk_prob=True, routed_scaling_factor=2.5,
        max_position_embeddings=1024, rope_scaling=yarn(4, 256, 1.0, 0.8),
    )
    cases.append(Case("v3_full", 1001, hub, summary=(
        "deepseek_v3, q_lora, YaRN factor 4 / orig 256 with mscale 1.0 != mscale_all_dim 0.8 (cos/sin "
        "factor 1.0250, softmax factor 1.2341), noaux_tc 4 groups keep 2, top-3 of 8, 1 shared expert, "
        "first_k_dense_replace 1, norm_topk_prob, routed_scaling_factor 2.5, 1 MTP layer, F32."),
        expect_bias_matters=True, expect_group_matters=True))

    hub = base_v3()
    hub.update(
        num_hidden_layers=2, first_k_dense_replace=0, n_shared_experts=2, num_nextn_predict_layers=0,
        n_group=1, topk_group=1, num_experts_per_tok=2, norm_topk_prob=False, routed_scaling_factor=1.5,
        rope_scaling=None, max_position_embeddings=4096,
    )
    cases.append(Case("v3_noyarn_sharded", 1002, hub, shards=2, summary=(
        "deepseek_v3, rope_scaling null, noaux_tc with n_group 1 / topk_group 1, top-2 of 8, 2 shared experts, "
        "first_k_dense_replace 0 (all layers MoE), norm_topk_prob false, routed_scaling_factor 1.5, no MTP, "
        "F32 in 2 shards + model.safetensors.index.json."), expect_bias_matters=True))

    hub = base_v2()
    hub.update(
        num_hidden_layers=3, first_k_dense_replace=1, q_lora_rank=None, n_shared_experts=2,
        topk_method="greedy", n_group=1, topk_group=1, num_experts_per_tok=3, norm_topk_prob=False,
        routed_scaling_factor=1.0, rope_scaling=yarn(40, 4096, 0.707, 0.707), max_position_embeddings=163840,
    )
    cases.append(Case("v2_lite", 1003, hub, summary=(
        "deepseek_v2 like DeepSeek-V2-Lite: q_lora_rank null (q_proj), softmax + greedy top-3 of 8, 2 shared "
        "experts, first_k_dense_replace 1, YaRN factor 40 / orig 4096 / mscale = mscale_all_dim = 0.707 "
        "(cos/sin factor 1, softmax factor 1.2608^2 = 1.5896), norm_topk_prob false, routed_scaling_factor 1.0, F32.")))

    hub = base_v2()
    hub.update(
        num_hidden_layers=3, first_k_dense_replace=1, q_lora_rank=24, n_shared_experts=1,
        topk_method="group_limited_greedy", n_group=4, topk_group=2, num_experts_per_tok=3,
        norm_topk_prob=False, routed_scaling_factor=16.0, rope_scaling=yarn(8, 128, 1.0, 0.707),
        max_position_embeddings=1024, torch_dtype="bfloat16",
    )
    cases.append(Case("v2_group_bf16", 1004, hub, storage="bf16", summary=(
        "deepseek_v2 like DeepSeek-V2: q_lora, softmax + group_limited_greedy (4 groups keep 2, group score = "
        "max), top-3, routed_scaling_factor 16, norm_topk_prob false, 1 shared expert, first_k_dense_replace 1, "
        "YaRN factor 8 / orig 128 / mscale 1.0 vs mscale_all_dim 0.707 (cos/sin factor 1.0531, softmax factor "
        "1.3157); every tensor stored BF16."),
        expect_group_matters=True, gains={"expert_down": 0.25}))

    hub = base_v3()
    hub.update(
        hidden_size=136, intermediate_size=144, moe_intermediate_size=32, num_attention_heads=2,
        num_key_value_heads=2, q_lora_rank=96, kv_lora_rank=64, qk_nope_head_dim=32, qk_rope_head_dim=16,
        v_head_dim=32, num_hidden_layers=2, first_k_dense_replace=1, n_shared_experts=1,
        num_nextn_predict_layers=1, n_group=4, topk_group=2, num_experts_per_tok=3, norm_topk_prob=True,
        routed_scaling_factor=2.5, rope_scaling=yarn(40, 4096, 1.0, 1.0), max_position_embeddings=163840,
        torch_dtype="bfloat16",
        quantization_config={
            "activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8", "weight_block_size": [128, 128]},
    )
    cases.append(Case("v3_fp8", 1005, hub, storage="fp8", summary=(
        "deepseek_v3 in the published V3 storage format: F8_E4M3 linear weights + F32 weight_scale_inv per "
        "128x128 block (hidden 136, intermediate 144, q_b_proj out 96 etc., so partial edge blocks in both "
        "dims), BF16 embed/lm_head/norms/router, F32 e_score_correction_bias; YaRN like V3 (factor 40, "
        "orig 4096, mscale = mscale_all_dim = 1: cos/sin factor 1, softmax factor 1.8739); noaux_tc 4 groups "
        "keep 2, top-3, 1 shared, first_k_dense_replace 1, 1 MTP layer."),
        expect_bias_matters=True, expect_group_matters=True))

    hub = base_v3()
    hub.update(
        num_hidden_layers=3, first_k_dense_replace=2, q_lora_rank=None, n_shared_experts=0,
        num_nextn_predict_layers=0, n_group=2, topk_group=1, num_experts_per_tok=1, norm_topk_prob=True,
        routed_scaling_factor=1.0, rope_scaling=yarn(4, 32, 0.707, 1.0), max_position_embeddings=128,
    )
    cases.append(Case("v3_noshared", 1006, hub, summary=(
        "deepseek_v3 edge cases: q_lora_rank null (q_proj), n_shared_experts 0 (no shared_experts tensors), "
        "top-1 of 8 with norm_topk_prob true (DeepSeek skips the normalisation when top_k == 1, so the "
        "weight is the raw sigmoid score), noaux_tc 2 groups keep 1, first_k_dense_replace 2 of 3, "
        "YaRN factor 4 / orig 32 with mscale 0.707 < mscale_all_dim 1.0 (cos/sin factor 0.9643, softmax "
        "factor 1.2964), no MTP, F32."),
        expect_bias_matters=True, expect_group_matters=True))
    return cases


# ----------------------------------------------------------------------------------------
# random weights in hub layout
# ----------------------------------------------------------------------------------------
def is_moe_layer(hub, idx):
    return (
        hub.get("n_routed_experts") is not None
        and idx >= hub["first_k_dense_replace"]
        and idx % hub.get("moe_layer_freq", 1) == 0
    )


def make_hub_weights(hub, seed, gains):
    g = torch.Generator().manual_seed(seed)
    H, V = hub["hidden_size"], hub["vocab_size"]
    nh = hub["num_attention_heads"]
    nope, rope, vd = hub["qk_nope_head_dim"], hub["qk_rope_head_dim"], hub["v_head_dim"]
    w = {}

    def randn(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float32)

    def lin(name, out, inp, gain=1.0):
        w[name] = randn(out, inp) * (gain / math.sqrt(inp))

    def norm(name, n):
        w[name] = 1.0 + 0.1 * randn(n)

    def layer(p, idx):
        norm(p + "input_layernorm.weight", H)
        a = p + "self_attn."
        if hub["q_lora_rank"] is None:
            lin(a + "q_proj.weight", nh * (nope + rope), H)
        else:
            lin(a + "q_a_proj.weight", hub["q_lora_rank"], H)
            norm(a + "q_a_layernorm.weight", hub["q_lora_rank"])
            lin(a + "q_b_proj.weight", nh * (nope + rope), hub["q_lora_rank"], 1.5)
        lin(a + "kv_a_proj_with_mqa.weight", hub["kv_lora_rank"] + rope, H)
        norm(a + "kv_a_layernorm.weight", hub["kv_lora_rank"])
        lin(a + "kv_b_proj.weight", nh * (nope + vd), hub["kv_lora_rank"], 1.5)
        lin(a + "o_proj.weight", H, nh * vd)
        norm(p + "post_attention_layernorm.weight", H)
        m = p + "mlp."
        if is_moe_layer(hub, idx):
            E, I = hub["n_routed_experts"], hub["moe_intermediate_size"]
            lin(m + "gate.weight", E, H, 3.0)
            if hub["model_type"] == "deepseek_v3":
                w[m + "gate.e_score_correction_bias"] = (torch.rand(E, generator=g) * 2 - 1) * 0.1
            for e in range(E):
                lin(m + f"experts.{e}.gate_proj.weight", I, H)
                lin(m + f"experts.{e}.up_proj.weight", I, H)
                lin(m + f"experts.{e}.down_proj.weight", H, I, gains.get("expert_down", 1.0))
            ns = hub.get("n_shared_experts") or 0
            if ns > 0:
                lin(m + "shared_experts.gate_proj.weight", I * ns, H)
                lin(m + "shared_experts.up_proj.weight", I * ns, H)
                lin(m + "shared_experts.down_proj.weight", H, I * ns)
        else:
            lin(m + "gate_proj.weight", hub["intermediate_size"], H)
            lin(m + "up_proj.weight", hub["intermediate_size"], H)
            lin(m + "down_proj.weight", H, hub["intermediate_size"])

    w["model.embed_tokens.weight"] = randn(V, H)
    L = hub["num_hidden_layers"]
    for i in range(L):
        layer(f"model.layers.{i}.", i)
    norm("model.norm.weight", H)
    lin("lm_head.weight", V, H)
    for k in range(hub.get("num_nextn_predict_layers") or 0):
        p = f"model.layers.{L + k}."
        w[p + "embed_tokens.weight"] = randn(V, H)
        norm(p + "enorm.weight", H)
        norm(p + "hnorm.weight", H)
        lin(p + "eh_proj.weight", H, 2 * H)
        layer(p, L + k)
        norm(p + "shared_head.norm.weight", H)
        lin(p + "shared_head.head.weight", V, H)
    return w


# ----------------------------------------------------------------------------------------
# storage formats
# ----------------------------------------------------------------------------------------
FP8_LINEAR_SUFFIXES = (
    "self_attn.q_proj.weight", "self_attn.q_a_proj.weight", "self_attn.q_b_proj.weight",
    "self_attn.kv_a_proj_with_mqa.weight", "self_attn.kv_b_proj.weight", "self_attn.o_proj.weight",
    "gate_proj.weight", "up_proj.weight", "down_proj.weight",
)


def is_fp8_weight(name):
    return name.endswith(FP8_LINEAR_SUFFIXES)


def fp8_quantize(w):
    """Per 128x128 block: scale_inv = amax / 448, q = fp8(w / scale_inv)."""
    out, inp = w.shape
    br, bc = -(-out // FP8_BLOCK), -(-inp // FP8_BLOCK)
    scale_inv = torch.zeros(br, bc, dtype=torch.float32)
    q = torch.zeros(out, inp, dtype=torch.float8_e4m3fn)
    for i in range(br):
        for j in range(bc):
            blk = w[i * FP8_BLOCK:(i + 1) * FP8_BLOCK, j * FP8_BLOCK:(j + 1) * FP8_BLOCK]
            s = (blk.abs().max() / FP8_MAX).clamp(min=1e-12)
            scale_inv[i, j] = s
            q[i * FP8_BLOCK:(i + 1) * FP8_BLOCK, j * FP8_BLOCK:(j + 1) * FP8_BLOCK] = (blk / s).to(torch.float8_e4m3fn)
    return q, scale_inv


def fp8_dequantize(q, scale_inv):
    out, inp = q.shape
    s = scale_inv.repeat_interleave(FP8_BLOCK, 0)[:out].repeat_interleave(FP8_BLOCK, 1)[:, :inp]
    return q.to(torch.float32) * s


def to_storage(w, storage):
    """hub fp32 dict -> dict of tensors exactly as written to the safetensors file."""
    st = {}
    for name, t in w.items():
        if storage == "f32":
            st[name] = t.contiguous()
        elif storage == "bf16":
            st[name] = t.to(torch.bfloat16).contiguous()
        elif storage == "fp8":
            if is_fp8_weight(name):
                q, s = fp8_quantize(t)
                st[name] = q
                st[name + "_scale_inv"] = s
            elif name.endswith("e_score_correction_bias"):
                st[name] = t.contiguous()
            else:
                st[name] = t.to(torch.bfloat16).contiguous()
        else:
            raise ValueError(storage)
    return st


def effective_weights(st):
    """tensors as stored -> the fp32 values they denote (dequantise fp8 blocks, upcast bf16)."""
    w = {}
    for name, t in st.items():
        if name.endswith("_scale_inv"):
            continue
        if t.dtype == torch.float8_e4m3fn:
            w[name] = fp8_dequantize(t, st[name + "_scale_inv"])
        else:
            w[name] = t.to(torch.float32)
    return w


# ----------------------------------------------------------------------------------------
# file IO
# ----------------------------------------------------------------------------------------
def save_st(tensors, path):
    save_file(tensors, path, metadata={"format": "pt"})
    os.chmod(path, 0o644)


def write_model_files(d, st, shards, L):
    if shards == 1:
        save_st(st, os.path.join(d, "model.safetensors"))
        return
    assert shards == 2
    first = {k: v for k, v in st.items() if k.startswith("model.embed_tokens.") or k.startswith("model.layers.0.")}
    second = {k: v for k, v in st.items() if k not in first}
    names = [f"model-{i:05d}-of-{shards:05d}.safetensors" for i in (1, 2)]
    weight_map = {}
    for fname, part in zip(names, (first, second)):
        save_st(part, os.path.join(d, fname))
        for k in part:
            weight_map[k] = fname
    total = sum(t.numel() * t.element_size() for t in st.values())
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")


def read_model_files(d):
    idx = os.path.join(d, "model.safetensors.index.json")
    files = sorted(set(json.load(open(idx))["weight_map"].values())) if os.path.exists(idx) else ["model.safetensors"]
    st = {}
    for fname in files:
        with safe_open(os.path.join(d, fname), framework="pt") as f:
            for k in f.keys():
                assert k not in st, k
                st[k] = f.get_tensor(k)
    return st


# ----------------------------------------------------------------------------------------
# transformers model from hub layout
# ----------------------------------------------------------------------------------------
def hf_config_from_dir(d):
    cfg = AutoConfig.from_pretrained(d)
    if hasattr(cfg, "quantization_config"):
        del cfg.quantization_config  # we feed dequantised fp32 weights
    cfg._attn_implementation = "eager"
    return cfg


def decoder_layer_to_hf(hub, w, src_prefix, dst_prefix, idx, consumed):
    """hub per-expert layout of one decoder layer -> transformers-5 names (fused 3-D experts)."""
    out = {}
    skip = ("embed_tokens.", "enorm.", "hnorm.", "eh_proj.", "shared_head.")
    expert_keys = {}
    for k, v in w.items():
        if not k.startswith(src_prefix):
            continue
        rest = k[len(src_prefix):]
        if rest.startswith(skip):
            continue
        consumed.add(k)
        if rest.startswith("mlp.experts."):
            expert_keys[rest] = v
            continue
        out[dst_prefix + rest] = v
    if is_moe_layer(hub, idx):
        E = hub["n_routed_experts"]
        gate_up = [torch.cat([expert_keys[f"mlp.experts.{e}.gate_proj.weight"],
                              expert_keys[f"mlp.experts.{e}.up_proj.weight"]], 0) for e in range(E)]
        down = [expert_keys[f"mlp.experts.{e}.down_proj.weight"] for e in range(E)]
        assert len(expert_keys) == 3 * E
        out[dst_prefix + "mlp.experts.gate_up_proj"] = torch.stack(gate_up)
        out[dst_prefix + "mlp.experts.down_proj"] = torch.stack(down)
        if not (hub.get("n_shared_experts") or 0):
            H = hub["hidden_size"]
            out[dst_prefix + "mlp.shared_experts.gate_proj.weight"] = torch.zeros(0, H)
            out[dst_prefix + "mlp.shared_experts.up_proj.weight"] = torch.zeros(0, H)
            out[dst_prefix + "mlp.shared_experts.down_proj.weight"] = torch.zeros(H, 0)
    else:
        assert not expert_keys
    return out


def build_hf(d, w):
    hub = json.load(open(os.path.join(d, "config.json")))
    cfg = hf_config_from_dir(d)
    torch.manual_seed(0)
    # eager attention and the plain per-expert loop (transformers' default experts path is grouped_mm;
    # verify() cross-checks with that through from_pretrained)
    model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager", experts_implementation="eager",
                                             dtype=torch.float32)
    assert model.config._experts_implementation == "eager"
    model.eval()
    L = hub["num_hidden_layers"]
    sd = {
        "model.embed_tokens.weight": w["model.embed_tokens.weight"],
        "model.norm.weight": w["model.norm.weight"],
        "lm_head.weight": w["lm_head.weight"],
    }
    consumed = set(sd)
    for i in range(L):
        sd.update(decoder_layer_to_hf(hub, w, f"model.layers.{i}.", f"model.layers.{i}.", i, consumed))
    res = model.load_state_dict(sd, strict=True)
    assert not res.missing_keys and not res.unexpected_keys, res
    mtp = []
    for k in range(hub.get("num_nextn_predict_layers") or 0):
        idx = L + k
        layer_cls = mdv3.DeepseekV3DecoderLayer if hub["model_type"] == "deepseek_v3" else mdv2.DeepseekV2DecoderLayer
        norm_cls = mdv3.DeepseekV3RMSNorm if hub["model_type"] == "deepseek_v3" else mdv2.DeepseekV2RMSNorm
        block = layer_cls(model.config, idx).eval()
        bsd = decoder_layer_to_hf(hub, w, f"model.layers.{idx}.", "", idx, consumed)
        r = block.load_state_dict(bsd, strict=True)
        assert not r.missing_keys and not r.unexpected_keys, r
        p = f"model.layers.{idx}."
        eps = hub["rms_norm_eps"]
        parts = {
            "block": block,
            "embed": w[p + "embed_tokens.weight"],
            "enorm": norm_cls(hub["hidden_size"], eps=eps),
            "hnorm": norm_cls(hub["hidden_size"], eps=eps),
            "head_norm": norm_cls(hub["hidden_size"], eps=eps),
            "eh_proj": w[p + "eh_proj.weight"],
            "head": w[p + "shared_head.head.weight"],
        }
        consumed.update(p + n for n in ("embed_tokens.weight", "enorm.weight", "hnorm.weight", "eh_proj.weight",
                                         "shared_head.norm.weight", "shared_head.head.weight"))
        parts["enorm"].weight.data.copy_(w[p + "enorm.weight"])
        parts["hnorm"].weight.data.copy_(w[p + "hnorm.weight"])
        parts["head_norm"].weight.data.copy_(w[p + "shared_head.norm.weight"])
        mtp.append(parts)
    assert consumed == set(w), ("unused or missing hub tensors", sorted(consumed ^ set(w)))
    return model, mtp, hub


def causal_mask(n):
    m = torch.full((n, n), torch.finfo(torch.float32).min).triu(1)
    return m[None, None]


@torch.no_grad()
def run_model(model, mtp, hub, input_ids, record_router=False):
    router_inputs = []
    hooks = []
    if record_router:
        routers = [m for m in model.modules() if isinstance(m, (mdv3.DeepseekV3TopkRouter, mdv2.DeepseekV2TopkRouter))]
        for k_ in mtp:
            routers += [m for m in k_["block"].modules()
                        if isinstance(m, (mdv3.DeepseekV3TopkRouter, mdv2.DeepseekV2TopkRouter))]
        for r in routers:
            hooks.append(r.register_forward_hook(
                lambda mod, inp, out: router_inputs.append((mod, inp[0].detach().reshape(-1, mod.hidden_dim).clone()))))
    layer_inputs = []
    final_hidden = []

    def pre_hook(mod, args, kwargs):
        layer_inputs.append((args[0] if args else kwargs["hidden_states"])[0].clone())

    for layer in model.model.layers:
        hooks.append(layer.register_forward_pre_hook(pre_hook, with_kwargs=True))
    hooks.append(model.model.norm.register_forward_pre_hook(lambda mod, args: layer_inputs.append(args[0][0].clone())))
    hooks.append(model.model.norm.register_forward_hook(lambda mod, args, out: final_hidden.append(out.clone())))
    try:
        ids = input_ids[None]
        out = model(input_ids=ids)
        logits = out.logits[0].float()
        h0 = final_hidden[0]  # main model hidden state after model.norm, [1, T, H]
        mtp_logits = None
        for k, parts in enumerate(mtp[:1]):
            n = ids.shape[1] - 1
            emb = F.embedding(ids[:, 1:], parts["embed"])
            x = torch.cat([parts["enorm"](emb), parts["hnorm"](h0[:, :n])], dim=-1)
            x = F.linear(x, parts["eh_proj"])
            pos = torch.arange(n)[None]
            pe = model.model.rotary_emb(x, pos)
            x = parts["block"](x, attention_mask=causal_mask(n), position_ids=pos, position_embeddings=pe)
            mtp_logits = F.linear(parts["head_norm"](x), parts["head"])[0].float()
    finally:
        for h in hooks:
            h.remove()
    L = hub["num_hidden_layers"]
    debug_hidden = torch.stack(layer_inputs[: L + 1])
    return logits, mtp_logits, debug_hidden, router_inputs


# ----------------------------------------------------------------------------------------
# routing diagnostics: margins at every decision boundary, and whether bias / groups matter
# ----------------------------------------------------------------------------------------
def _gap(sorted_desc, k):
    if k >= sorted_desc.shape[-1]:
        return torch.full(sorted_desc.shape[:-1], float("inf"))
    a, b = sorted_desc[..., k - 1], sorted_desc[..., k]
    if torch.isinf(b).all():
        return torch.full(sorted_desc.shape[:-1], float("inf"))
    return torch.where(torch.isinf(b), torch.full_like(a, float("inf")), a - b)


def routing_stats(router_inputs, hub):
    v3 = hub["model_type"] == "deepseek_v3"
    min_margin = float("inf")
    bias_changes = group_changes = 0
    total = 0
    for mod, x in router_inputs:
        logits = F.linear(x.float(), mod.weight.float())
        E, k = mod.num_experts, mod.top_k
        ng = mod.num_group or 1
        tg = mod.topk_group or 1
        if v3:
            scores = logits.sigmoid()
            choice = scores + mod.e_score_correction_bias
            gs = choice.view(-1, ng, E // ng).topk(2, dim=-1)[0].sum(-1)
        else:
            scores = logits.softmax(-1)
            choice = scores
            gs = scores.view(-1, ng, E // ng).max(-1).values
        grouped = v3 or mod.topk_method == "group_limited_greedy"
        if grouped and tg < ng:
            min_margin = min(min_margin, _gap(gs.sort(-1, descending=True).values, tg).min().item())
            gidx = gs.topk(tg, -1)[1]
            gmask = torch.zeros_like(gs).scatter_(1, gidx, 1).bool()
            emask = gmask[:, :, None].expand(-1, ng, E // ng).reshape(-1, E)
        else:
            emask = torch.ones_like(choice, dtype=torch.bool)
        masked = choice.masked_fill(~emask, float("-inf") if v3 else 0.0)
        min_margin = min(min_margin, _gap(masked.sort(-1, descending=True).values, k).min().item())
        sel = set_rows(masked.topk(k, -1)[1])
        if v3:
            sel_nobias = set_rows(scores.masked_fill(~emask, float("-inf")).topk(k, -1)[1])
            bias_changes += sum(a != b for a, b in zip(sel, sel_nobias))
        if grouped:
            sel_nogroup = set_rows(choice.topk(k, -1)[1])
            group_changes += sum(a != b for a, b in zip(sel, sel_nogroup))
        total += x.shape[0]
    return min_margin, bias_changes, group_changes, total


def set_rows(idx):
    return [frozenset(r.tolist()) for r in idx]


# ----------------------------------------------------------------------------------------
# generate / verify
# ----------------------------------------------------------------------------------------
def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def generate(case):
    d = os.path.join(FIXTURE_ROOT, case.name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    hub = case.hub
    write_json(os.path.join(d, "config.json"), hub)
    w = make_hub_weights(hub, case.seed, case.gains)
    st = to_storage(w, case.storage)
    write_model_files(d, st, case.shards, hub["num_hidden_layers"])
    eff = effective_weights(st)
    model, mtp, hub = build_hf(d, eff)
    # choose input ids whose routing has a safe margin at every top-k / top-group boundary
    for attempt in range(200):
        g = torch.Generator().manual_seed(case.seed * 1000 + attempt)
        ids = torch.randint(0, hub["vocab_size"], (T_TOKENS,), generator=g, dtype=torch.int64)
        logits, mtp_logits, dbg, rin = run_model(model, mtp, hub, ids, record_router=True)
        margin, bias_ch, group_ch, total = routing_stats(rin, hub)
        if margin >= ROUTE_MARGIN:
            break
    else:
        raise RuntimeError(f"{case.name}: no input with routing margin >= {ROUTE_MARGIN}")
    if case.expect_bias_matters:
        assert bias_ch > 0, f"{case.name}: e_score_correction_bias never changes the selection"
    if case.expect_group_matters:
        assert group_ch > 0, f"{case.name}: group limiting never changes the selection"
    golden = {"input_ids": ids, "logits": logits.contiguous(), "debug_hidden": dbg.contiguous()}
    if mtp_logits is not None:
        golden["mtp_logits"] = mtp_logits.contiguous()
    save_st(golden, os.path.join(d, "golden.safetensors"))
    stats = dict(attempt=attempt, min_route_margin=margin, bias_changes=bias_ch, group_changes=group_ch,
                 routed_tokens=total)
    return stats


def mtp_crosscheck_with_transformers_mtpmodel(model, mtp, hub, ids):
    """Independent check of the MTP glue against transformers' generic MtpLayer."""
    from transformers.modeling_layers import MtpLayer
    parts = mtp[0]
    cfg = copy.deepcopy(model.config)
    cls = type(parts["block"])
    norm_cls = type(parts["enorm"])
    layer = MtpLayer(cfg, cls, norm_cls, hub["num_hidden_layers"], use_post_norm=True).eval()
    layer.mtp_block.load_state_dict(parts["block"].state_dict(), strict=True)
    layer.enorm.load_state_dict(parts["enorm"].state_dict())
    layer.hnorm.load_state_dict(parts["hnorm"].state_dict())
    layer.post_norm.load_state_dict(parts["head_norm"].state_dict())
    layer.eh_proj.weight.data.copy_(parts["eh_proj"])
    with torch.no_grad():
        ids = ids[None]
        n = ids.shape[1] - 1
        h0 = model.model(input_ids=ids).last_hidden_state[:, :n]
        emb = F.embedding(ids[:, 1:], parts["embed"])
        pos = torch.arange(1, n + 1)[None]  # transformers' MtpModel convention: the token's own position
        pe = model.model.rotary_emb(emb, pos)
        x = layer(emb, h0, position_embeddings=pe, attention_mask=causal_mask(n), position_ids=pos, cache=None)
        return F.linear(x, parts["head"])[0]


def maxdiff(a, b):
    return (a.float() - b.float()).abs().max().item()


def verify(case, quiet=False):
    d = os.path.join(FIXTURE_ROOT, case.name)
    hub = json.load(open(os.path.join(d, "config.json")))
    st = read_model_files(d)
    # the stored dtypes are the documented ones
    for k, t in st.items():
        if case.storage == "f32":
            assert t.dtype == torch.float32, k
        elif case.storage == "bf16":
            assert t.dtype == torch.bfloat16, k
        else:
            if k.endswith("_scale_inv") or k.endswith("e_score_correction_bias"):
                assert t.dtype == torch.float32, k
            elif is_fp8_weight(k):
                assert t.dtype == torch.float8_e4m3fn, k
                assert k + "_scale_inv" in st
                assert tuple(st[k + "_scale_inv"].shape) == tuple(-(-s // FP8_BLOCK) for s in t.shape), k
            else:
                assert t.dtype == torch.bfloat16, k
    eff = effective_weights(st)
    with safe_open(os.path.join(d, "golden.safetensors"), framework="pt") as f:
        golden = {k: f.get_tensor(k) for k in f.keys()}
    ids = golden["input_ids"]
    assert ids.dtype == torch.int64 and ids.shape == (T_TOKENS,)
    model, mtp, hub = build_hf(d, eff)
    logits, mtp_logits, dbg, _ = run_model(model, mtp, hub, ids)
    res = {"reload": maxdiff(logits, golden["logits"])}
    assert golden["logits"].shape == (T_TOKENS, hub["vocab_size"])
    if mtp:
        assert golden["mtp_logits"].shape == (T_TOKENS - 1, hub["vocab_size"])
        res["reload_mtp"] = maxdiff(mtp_logits, golden["mtp_logits"])
        res["mtp_vs_transformers_MtpLayer"] = maxdiff(
            mtp_crosscheck_with_transformers_mtpmodel(model, mtp, hub, ids), golden["mtp_logits"])
    else:
        assert "mtp_logits" not in golden
    # transformers' own hub-layout loader (per-expert -> fused conversion), when it can read the format
    if case.storage != "fp8":
        m2, info = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="eager",
                                                        output_loading_info=True)
        m2.eval()
        missing = [k for k in info["missing_keys"] if "shared_experts" not in k]  # zero-size when n_shared 0
        L = hub["num_hidden_layers"]
        mtp_prefixes = tuple(f"model.layers.{L + j}." for j in range(hub.get("num_nextn_predict_layers") or 0))
        unexpected = [k for k in info["unexpected_keys"] if not k.startswith(mtp_prefixes)]
        assert not missing and not unexpected and not info["mismatched_keys"], info
        with torch.no_grad():
            l2 = m2(input_ids=ids[None]).logits[0]
        res["from_pretrained"] = maxdiff(l2, golden["logits"])
    for k, v in res.items():
        assert v <= TOL, (case.name, k, v)
    res["max_abs_logit"] = golden["logits"].abs().max().item()
    res["logit_std"] = golden["logits"].std().item()
    if not quiet:
        print(f"  verify {case.name}: " + ", ".join(f"{k}={v:.3g}" for k, v in res.items()))
    return res


def dir_digest(d):
    h = hashlib.sha256()
    for fname in sorted(os.listdir(d)):
        h.update(fname.encode())
        h.update(open(os.path.join(d, fname), "rb").read())
    return h.hexdigest()[:16]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", action="append", help="only these cases (default: all)")
    ap.add_argument("--check", action="store_true", help="verify existing fixtures, do not regenerate")
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    warnings.filterwarnings("ignore", message="Initializing zero-element tensors is a no-op")
    cases = make_cases()
    if args.case:
        unknown = set(args.case) - {c.name for c in cases}
        if unknown:
            sys.exit(f"unknown case(s): {sorted(unknown)}")
        cases = [c for c in cases if c.name in args.case]
    os.makedirs(FIXTURE_ROOT, exist_ok=True)
    for case in cases:
        if not args.check:
            stats = generate(case)
            print(f"{case.name}: " + ", ".join(f"{k}={v}" for k, v in stats.items()))
        verify(case)
        d = os.path.join(FIXTURE_ROOT, case.name)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        print(f"  {case.name}: {size / 1024:.1f} KiB, digest {dir_digest(d)}")


if __name__ == "__main__":
    main()
