#!/usr/bin/env python3
"""Checks a deepseek2 GGUF written by `minke convert` / `minke quantize` with gguf-py, llama.cpp's
own Python reader, against the Hugging Face checkpoint it came from. Run by hand:

    python3 tools/check_gguf.py --gguf model.gguf --model HF_DIR

1. gguf-py parses the file (GGUFReader validates the header, KV and tensor infos).
2. general.architecture is deepseek2, every tensor name is one gguf-py's MODEL_TENSORS[DEEPSEEK2]
   allows (TENSOR_NAMES with the block index filled in), and every deepseek2.* key is one of
   gguf-py's Keys.
3. Tensor shapes follow llama.cpp's convert_hf_to_gguf.py DeepseekV2Model from config.json:
   experts stacked [E, out, in], kv_b_proj split into attn_k_b [H, R, dn] (transposed) and
   attn_v_b [H, dv, R]; metadata values equal the config's.
4. Every tensor, dequantized by gguf-py (gguf.quants.dequantize), matches the HF weight
   (dequantized from FP8 with its block scales if need be): exactly for F32, within f16/bf16
   rounding, within half a quantization step (plus the f16 scale's rounding) for Q8_0/Q4_0.
"""
import argparse
import json
import math
import os
import re
import sys

import numpy as np
import torch
from safetensors.torch import load_file

import gguf
from gguf.constants import MODEL_ARCH, MODEL_TENSORS, TENSOR_NAMES, Keys


def hf_weights(model_dir):
    sd = {}
    for f in sorted(os.listdir(model_dir)):
        if f.endswith(".safetensors"):
            sd.update(load_file(os.path.join(model_dir, f)))
    out = {}
    for name, t in sd.items():
        if name.endswith("_scale_inv"):
            continue
        t = t.float()
        s = sd.get(name + "_scale_inv")
        if s is not None:  # FP8 with 128x128 block scales
            s = s.float().repeat_interleave(128, 0).repeat_interleave(128, 1)[: t.shape[0], : t.shape[1]]
            t = t * s
        out[name] = t.numpy()
    return out


def expected_tensors(c, w):
    """HF weights rearranged the way convert_hf_to_gguf.py's DeepseekV2Model does."""
    exp = {"token_embd.weight": w["model.embed_tokens.weight"], "output_norm.weight": w["model.norm.weight"]}
    if not c.get("tie_word_embeddings", False):
        exp["output.weight"] = w["lm_head.weight"]
    names = {
        "input_layernorm.weight": "attn_norm", "post_attention_layernorm.weight": "ffn_norm",
        "self_attn.q_proj.weight": "attn_q", "self_attn.q_a_proj.weight": "attn_q_a",
        "self_attn.q_a_layernorm.weight": "attn_q_a_norm", "self_attn.q_b_proj.weight": "attn_q_b",
        "self_attn.kv_a_proj_with_mqa.weight": "attn_kv_a_mqa", "self_attn.kv_a_layernorm.weight": "attn_kv_a_norm",
        "self_attn.o_proj.weight": "attn_output", "mlp.gate_proj.weight": "ffn_gate", "mlp.up_proj.weight": "ffn_up",
        "mlp.down_proj.weight": "ffn_down", "mlp.gate.weight": "ffn_gate_inp",
        "mlp.shared_experts.gate_proj.weight": "ffn_gate_shexp", "mlp.shared_experts.up_proj.weight": "ffn_up_shexp",
        "mlp.shared_experts.down_proj.weight": "ffn_down_shexp",
    }
    H, dn, dv, R = c["num_attention_heads"], c["qk_nope_head_dim"], c["v_head_dim"], c["kv_lora_rank"]
    for L in range(c["num_hidden_layers"]):
        p = f"model.layers.{L}."
        for hf, g in names.items():
            if p + hf in w:
                exp[f"blk.{L}.{g}.weight"] = w[p + hf]
        if p + "mlp.gate.e_score_correction_bias" in w:
            exp[f"blk.{L}.exp_probs_b.bias"] = w[p + "mlp.gate.e_score_correction_bias"]
        kv_b = w[p + "self_attn.kv_b_proj.weight"].reshape(H, dn + dv, R)
        exp[f"blk.{L}.attn_k_b.weight"] = np.ascontiguousarray(kv_b[:, :dn, :].transpose(0, 2, 1))
        exp[f"blk.{L}.attn_v_b.weight"] = kv_b[:, dn:, :]
        if p + "mlp.experts.0.gate_proj.weight" in w:
            for proj in ("gate", "up", "down"):
                exp[f"blk.{L}.ffn_{proj}_exps.weight"] = np.stack(
                    [w[f"{p}mlp.experts.{e}.{proj}_proj.weight"] for e in range(c["n_routed_experts"])])
    return exp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--model", required=True, help="the Hugging Face checkpoint directory it was converted from")
    a = ap.parse_args()
    c = json.load(open(os.path.join(a.model, "config.json")))
    r = gguf.GGUFReader(a.gguf)
    field = lambda k: r.fields[k].contents()
    errors = []
    check = lambda ok, msg: ok or errors.append(msg)

    check(field("general.architecture") == "deepseek2", "architecture is not deepseek2")
    allowed = set()
    for t in MODEL_TENSORS[MODEL_ARCH.DEEPSEEK2]:
        allowed.add(TENSOR_NAMES[t])
        for L in range(c["num_hidden_layers"]):
            allowed.add(TENSOR_NAMES[t].format(bid=L))
    known_keys = {v.replace("{arch}", "deepseek2") for cls in (Keys.General, Keys.LLM, Keys.Attention, Keys.Rope, Keys.Tokenizer)
                  for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, str)}
    for k in r.fields:
        if k.startswith("deepseek2.") or k.startswith("general.") or k.startswith("tokenizer."):
            check(k in known_keys, f"key {k} is not a gguf-py key")
    want = {
        "deepseek2.block_count": c["num_hidden_layers"], "deepseek2.embedding_length": c["hidden_size"],
        "deepseek2.attention.head_count": c["num_attention_heads"], "deepseek2.attention.head_count_kv": 1,
        "deepseek2.attention.kv_lora_rank": c["kv_lora_rank"],
        "deepseek2.attention.key_length_mla": c["qk_nope_head_dim"] + c["qk_rope_head_dim"],
        "deepseek2.attention.value_length_mla": c["v_head_dim"],
        "deepseek2.rope.dimension_count": c["qk_rope_head_dim"],
        "deepseek2.leading_dense_block_count": c.get("first_k_dense_replace", 0),
        "deepseek2.expert_count": c.get("n_routed_experts"), "deepseek2.expert_used_count": c.get("num_experts_per_tok"),
        "deepseek2.expert_shared_count": c.get("n_shared_experts"),
        "deepseek2.expert_gating_func": 2 if c.get("scoring_func") == "sigmoid" else 1,
    }
    for k, v in want.items():
        check(v is None or field(k) == v, f"{k} = {field(k) if k in r.fields else None}, config says {v}")
    check(math.isclose(field("deepseek2.expert_weights_scale"), c.get("routed_scaling_factor", 1.0), rel_tol=1e-6),
          "expert_weights_scale")

    exp = expected_tensors(c, hf_weights(a.model))
    seen = set()
    worst = {}
    for t in r.tensors:
        seen.add(t.name)
        base = t.name.rsplit(".", 1)[0]  # TENSOR_NAMES leave out the .weight / .bias suffix
        if base not in allowed:
            errors.append(f"tensor {t.name} is not a DEEPSEEK2 tensor name")
        if t.name not in exp:
            errors.append(f"unexpected tensor {t.name}")
            continue
        e = exp[t.name]
        got = gguf.quants.dequantize(t.data, t.tensor_type).reshape(e.shape).astype(np.float64)
        amax = np.abs(e).max() if e.size else 0
        qt = t.tensor_type.name
        tol = {"F32": 0, "F16": amax * 2**-11 + 6e-8, "BF16": amax * 2**-8, "Q8_0": amax / 254 + amax * 2**-10,
               "Q4_0": amax / 8 + amax * 2**-10}[qt]
        err = float(np.abs(got - e).max()) if e.size else 0.0
        worst[qt] = max(worst.get(qt, 0.0), err / amax if amax else 0.0)
        check(err <= tol * (1 + 1e-6), f"{t.name} ({qt}): max error {err} > {tol}")
    for name in exp:
        check(name in seen, f"missing tensor {name}")
    print(f"{a.gguf}: {len(r.tensors)} tensors, {len(r.fields)} KV; worst error / absmax by type: " +
          ", ".join(f"{k} {v:.2e}" for k, v in sorted(worst.items())))
    for e in errors[:20]:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} problems")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
