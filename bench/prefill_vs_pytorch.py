#!/usr/bin/env python3
"""Prefill throughput: minke vs PyTorch eager (Hugging Face transformers), on CPU.

Run by hand (not by CI):

    python3 bench/prefill_vs_pytorch.py                       # 512 tokens, 3 iters, all cores
    python3 bench/prefill_vs_pytorch.py --tokens 128 --iters 1 --threads 2
    python3 bench/prefill_vs_pytorch.py --check               # also compare logits with minke

Steps:
 1. Build the benchmark model config (deepseek_v3, hidden 1024, 8 layers with first_k_dense_replace
    1, 16 heads, q_lora 384, kv_lora 256, nope 64 / rope 32 / v 64, 32 routed experts of width 256,
    top-4, 4 groups keep 2, 1 shared expert, sigmoid + noaux_tc with correction bias, routed
    scaling 2.5, YaRN factor 40 over 4096, vocab 32256, no MTP) and print its total parameter count
    (~279M) and the parameters active per token (~92M, not counting the embedding table).
 2. Unless --model-dir already holds exactly this config, write random F32 weights there in the
    hub layout (single model.safetensors + config.json, per-expert tensor names, like the
    published DeepSeek checkpoints).
 3. Time PyTorch eager prefill: DeepseekV3ForCausalLM.from_pretrained(--model-dir) in fp32,
    attn_implementation="eager", torch.inference_mode, torch.set_num_threads(--threads), batch 1,
    --tokens random ids, 1 warm-up, median of --iters. Only the last position's logits are
    computed (logits_to_keep=1), as a serving prefill would; pass --all-logits to compute all.
 4. Run `<--minke-bench> --model DIR --tokens N --iters K --threads T`, which must print a line
    `prefill_tokens_per_s=<float>`, and report both figures and the ratio minke / pytorch.
 5. With --check: run `<--minke> logits --model DIR --tokens a,b,c --out FILE` (FILE = little-endian
    float32 [T, vocab], row-major) and print the max abs difference to the PyTorch logits.
"""

import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 20250101

BENCH_CONFIG = {
    "architectures": ["DeepseekV3ForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "aux_loss_alpha": 0.001,
    "bos_token_id": 0,
    "eos_token_id": 1,
    "ep_size": 1,
    "first_k_dense_replace": 1,
    "hidden_act": "silu",
    "hidden_size": 1024,
    "initializer_range": 0.02,
    "intermediate_size": 2816,
    "kv_lora_rank": 256,
    "max_position_embeddings": 163840,
    "model_type": "deepseek_v3",
    "moe_intermediate_size": 256,
    "moe_layer_freq": 1,
    "n_group": 4,
    "n_routed_experts": 32,
    "n_shared_experts": 1,
    "norm_topk_prob": True,
    "num_attention_heads": 16,
    "num_experts_per_tok": 4,
    "num_hidden_layers": 8,
    "num_key_value_heads": 16,
    "num_nextn_predict_layers": 0,
    "pretraining_tp": 1,
    "q_lora_rank": 384,
    "qk_nope_head_dim": 64,
    "qk_rope_head_dim": 32,
    "rms_norm_eps": 1e-06,
    "rope_scaling": {
        "beta_fast": 32,
        "beta_slow": 1,
        "factor": 40,
        "mscale": 1.0,
        "mscale_all_dim": 1.0,
        "original_max_position_embeddings": 4096,
        "type": "yarn",
    },
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
    "v_head_dim": 64,
    "vocab_size": 32256,
}


# ------------------------------------------------------------------------------ param counts
def param_counts(c):
    H, V = c["hidden_size"], c["vocab_size"]
    nh, nope, rope, vd = c["num_attention_heads"], c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
    ql, kvl = c["q_lora_rank"], c["kv_lora_rank"]
    attn = (H * ql + ql + ql * nh * (nope + rope)) if ql else H * nh * (nope + rope)
    attn += H * (kvl + rope) + kvl + kvl * nh * (nope + vd) + nh * vd * H
    norms = 2 * H
    dense_mlp = 3 * H * c["intermediate_size"]
    E, k, I = c["n_routed_experts"], c["num_experts_per_tok"], c["moe_intermediate_size"]
    expert = 3 * H * I
    shared = 3 * H * I * (c["n_shared_experts"] or 0)
    router = E * H + E
    L, dense_layers = c["num_hidden_layers"], c["first_k_dense_replace"]
    moe_layers = L - dense_layers
    embed = V * H
    total = 2 * embed + H + L * (attn + norms) + dense_layers * dense_mlp + moe_layers * (E * expert + shared + router)
    inactive_experts = moe_layers * (E - k) * expert
    active = total - inactive_experts - embed  # embedding rows are looked up, not multiplied
    return total, active, total - inactive_experts


# ------------------------------------------------------------------------------ model files
def hf_to_hub(sd, cfg):
    """transformers-5 state dict (fused 3-D experts) -> hub names (per-expert 2-D tensors)."""
    out = {}
    I = cfg["moe_intermediate_size"]
    for k, v in sd.items():
        if k.endswith("mlp.experts.gate_up_proj"):
            p = k[: -len("gate_up_proj")]
            for e in range(v.shape[0]):
                out[f"{p}{e}.gate_proj.weight"] = v[e, :I].contiguous()
                out[f"{p}{e}.up_proj.weight"] = v[e, I:].contiguous()
        elif k.endswith("mlp.experts.down_proj"):
            p = k[: -len("down_proj")]
            for e in range(v.shape[0]):
                out[f"{p}{e}.down_proj.weight"] = v[e].contiguous()
        else:
            out[k] = v.contiguous()
    return out


def model_is_current(d):
    try:
        with open(os.path.join(d, "config.json")) as f:
            return json.load(f) == BENCH_CONFIG and os.path.exists(os.path.join(d, "model.safetensors"))
    except (OSError, ValueError):
        return False


def write_model(d):
    from safetensors.torch import save_file
    from transformers import DeepseekV3Config, DeepseekV3ForCausalLM

    os.makedirs(d, exist_ok=True)
    cfg_path = os.path.join(d, "config.json")
    with open(cfg_path, "w") as f:
        json.dump(BENCH_CONFIG, f, indent=2, sort_keys=True)
        f.write("\n")
    hf_cfg = DeepseekV3Config.from_pretrained(d)
    with torch.device("meta"):
        model = DeepseekV3ForCausalLM(hf_cfg)
    g = torch.Generator().manual_seed(SEED)
    sd = {}
    for name, p in model.state_dict().items():
        shape = tuple(p.shape)
        if name.endswith("norm.weight") or name.endswith("layernorm.weight"):
            t = torch.ones(shape)
        elif name.endswith("e_score_correction_bias"):
            t = (torch.rand(shape, generator=g) * 2 - 1) * 0.05
        elif name.endswith("embed_tokens.weight"):
            t = torch.randn(shape, generator=g)
        else:  # linear weights, fused expert tensors, router: std 1/sqrt(fan_in)
            t = torch.randn(shape, generator=g) / math.sqrt(shape[-1])
        sd[name] = t
    del model
    hub = hf_to_hub(sd, BENCH_CONFIG)
    del sd
    tmp = os.path.join(d, "model.safetensors.tmp")
    save_file(hub, tmp, metadata={"format": "pt"})
    os.replace(tmp, os.path.join(d, "model.safetensors"))
    n = sum(t.numel() for t in hub.values())
    del hub
    gc.collect()
    return n


# ------------------------------------------------------------------------------ pytorch
def load_torch_model(d):
    from transformers import AutoModelForCausalLM
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    model, info = AutoModelForCausalLM.from_pretrained(
        d, dtype=torch.float32, attn_implementation="eager", output_loading_info=True)
    bad = {k: v for k, v in info.items() if k in ("missing_keys", "unexpected_keys", "mismatched_keys") and v}
    if bad:
        sys.exit(f"torch: {d} does not match the hub layout transformers expects: {bad}")
    model.eval()
    return model


def time_torch(model, ids, iters, all_logits):
    kw = {} if all_logits else {"logits_to_keep": 1}
    times = []
    with torch.inference_mode():
        for i in range(iters + 1):  # first one is warm-up
            t0 = time.perf_counter()
            model(input_ids=ids, **kw)
            dt = time.perf_counter() - t0
            if i > 0:
                times.append(dt)
            print(f"  torch iter {i}{' (warm-up)' if i == 0 else ''}: {dt:.3f} s", flush=True)
    return statistics.median(times)


# ------------------------------------------------------------------------------ minke
def resolve(path):
    return path if os.path.isabs(path) else os.path.join(REPO, path)


def run_minke_bench(binary, d, tokens, iters, threads):
    if not os.path.exists(binary):
        print(f"minke: {binary} not found (build it first); reporting PyTorch only")
        return None
    cmd = [binary, "--model", d, "--tokens", str(tokens), "--iters", str(iters), "--threads", str(threads)]
    print("minke: " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"minke: exit status {r.returncode}\n{r.stderr[-4000:]}")
        return None
    for line in r.stdout.splitlines():
        if line.startswith("prefill_tokens_per_s="):
            return float(line.split("=", 1)[1])
    print(f"minke: no 'prefill_tokens_per_s=' line in its output:\n{r.stdout[-4000:]}")
    return None


def check_logits(binary, d, model, ids):
    if not os.path.exists(binary):
        print(f"check: {binary} not found, skipping the logits comparison")
        return None
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "logits.f32")
        cmd = [binary, "logits", "--model", d, "--tokens", ",".join(map(str, ids)), "--out", out]
        print("check: " + " ".join(cmd), flush=True)
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"check: exit status {r.returncode}\n{r.stderr[-4000:]}")
            return None
        got = np.fromfile(out, dtype="<f4")
    V = BENCH_CONFIG["vocab_size"]
    if got.size != len(ids) * V:
        print(f"check: expected {len(ids)}x{V} floats, got {got.size}")
        return None
    got = got.reshape(len(ids), V)
    with torch.inference_mode():
        ref = model(input_ids=torch.tensor([ids])).logits[0].float().numpy()
    diff = float(np.abs(got - ref).max())
    print(f"check: {len(ids)} tokens, max abs diff {diff:.3e} (max |logit| {np.abs(ref).max():.3f}), "
          f"argmax agree {int((got.argmax(-1) == ref.argmax(-1)).sum())}/{len(ids)}")
    return diff


def main():
    ap = argparse.ArgumentParser(description="minke vs PyTorch eager prefill throughput (CPU)")
    ap.add_argument("--model-dir", default="/tmp/minke-bench-model")
    ap.add_argument("--tokens", type=int, default=512)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--minke-bench", default="build/bench_prefill", help="relative paths are from the repo root")
    ap.add_argument("--minke", default="build/minke", help="minke CLI, used by --check")
    ap.add_argument("--check", action="store_true", help="compare minke's logits with PyTorch's on a short input")
    ap.add_argument("--check-tokens", default=None, help="comma-separated ids for --check (default: 16 random ids)")
    ap.add_argument("--all-logits", action="store_true", help="torch computes logits for all positions")
    ap.add_argument("--skip-torch", action="store_true", help="only run minke")
    args = ap.parse_args()
    d = os.path.abspath(args.model_dir)

    total, active, active_with_embed = param_counts(BENCH_CONFIG)
    print(f"model: deepseek_v3, {total / 1e6:.1f}M parameters total, {active / 1e6:.1f}M active per token "
          f"({active_with_embed / 1e6:.1f}M counting the embedding table)")

    if model_is_current(d):
        print(f"model dir: {d} (reusing)")
    else:
        print(f"model dir: {d} (writing random F32 weights, ~{total * 4 / 2**30:.2f} GiB)", flush=True)
        t0 = time.perf_counter()
        n = write_model(d)
        assert n == total, (n, total)
        print(f"  wrote {n} parameters in {time.perf_counter() - t0:.1f} s")

    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(SEED + args.tokens)
    ids = torch.randint(0, BENCH_CONFIG["vocab_size"], (1, args.tokens), generator=g)

    model = None
    torch_tps = None
    if not args.skip_torch or args.check:
        t0 = time.perf_counter()
        model = load_torch_model(d)
        n = sum(p.numel() for p in model.parameters()) + sum(
            b.numel() for name, b in model.named_buffers() if name.endswith("e_score_correction_bias"))
        assert n == total, (n, total)
        print(f"torch: loaded in {time.perf_counter() - t0:.1f} s, {args.threads} threads, {args.tokens} tokens, "
              f"{args.iters} iters (+1 warm-up), logits for {'all positions' if args.all_logits else 'last position'}, "
              f"experts_implementation={model.config._experts_implementation}",
              flush=True)
    if not args.skip_torch:
        t = time_torch(model, ids, args.iters, args.all_logits)
        torch_tps = args.tokens / t
        print(f"torch: median {t:.3f} s -> {torch_tps:.1f} tokens/s", flush=True)

    minke_tps = run_minke_bench(resolve(args.minke_bench), d, args.tokens, args.iters, args.threads)

    print("\n=== prefill, batch 1, {} tokens, {} threads ===".format(args.tokens, args.threads))
    print(f"pytorch eager : {f'{torch_tps:.1f} tokens/s' if torch_tps else 'n/a'}")
    print(f"minke         : {f'{minke_tps:.1f} tokens/s' if minke_tps else 'n/a'}")
    if torch_tps and minke_tps:
        print(f"ratio minke/pytorch : {minke_tps / torch_tps:.2f}x")

    if args.check:
        if args.check_tokens:
            cids = [int(x) for x in args.check_tokens.split(",")]
        else:
            cg = torch.Generator().manual_seed(SEED - 1)
            cids = torch.randint(0, BENCH_CONFIG["vocab_size"], (16,), generator=cg).tolist()
        diff = check_logits(resolve(args.minke), d, model, cids)
        if diff is None:
            sys.exit(1)


if __name__ == "__main__":
    main()
