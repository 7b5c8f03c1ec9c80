#!/usr/bin/env python3
"""Training throughput: minke vs PyTorch eager (Hugging Face transformers), on CPU, fp32.

Run by hand (not by CI), after `ninja -C build bench_train`:

    OMP_WAIT_POLICY=passive python3 bench/train_vs_pytorch.py --threads 2
    python3 bench/train_vs_pytorch.py --batch 4 --seq 128 --steps 5 --rounds 3 --phases
    python3 bench/train_vs_pytorch.py --probe-torch   # time every transformers experts/attention path

Steps:
 1. Write the benchmark config (deepseek_v3, ~38M parameters: hidden 384, 4 layers with the first
    dense, MLA with q_lora 192 / kv_lora 128 / 6 heads, 32 routed experts of width 256, top-4 in
    4 groups keep 2, 1 shared expert, sigmoid + noaux_tc, vocab 8192, no MTP) to --model-dir.
 2. Run `bench_train --config ... --save-init DIR`: minke draws the random init, saves it in the
    Hugging Face layout, then times training steps (ForwardBackward + AdamW + bias update) on random
    tokens and prints `train_tokens_per_s=`, FLOPs per token, achieved FLOP/s and MFU.
 3. Load the same weights with DeepseekV3ForCausalLM.from_pretrained (fp32, train mode) and time
    the same step in PyTorch eager: forward, CE on the shifted targets, backward, clip_grad_norm_
    to 1.0, AdamW (betas 0.9/0.95, weight decay 0.1 on matrices), same B, T and thread count.
 4. With --rounds R the two engines alternate R times (noise on a shared machine hits both);
    the figure for each engine is the median over rounds of its median step, and the ratio is
    also given per round (the two engines of a round ran back to back) with its median.

Like for like: transformers has no MTP and no sequence-wise balance loss, so the config has
num_nextn_predict_layers 0; minke still computes its balance loss (alpha 1e-4) and the
aux-loss-free bias update, small extra work on minke's side only. The torch peer uses its own
router (transformers' DeepSeek-V3 grouping); expert loads differ a little from minke's, the work
per token does not. Set OMP_WAIT_POLICY (e.g. passive on a loaded machine) in the environment:
it applies to both engines (both use libgomp).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BENCH_CONFIG = {
    "architectures": ["DeepseekV3ForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 0,
    "eos_token_id": 1,
    "first_k_dense_replace": 1,
    "hidden_act": "silu",
    "hidden_size": 384,
    "initializer_range": 0.02,
    "intermediate_size": 1024,
    "kv_lora_rank": 128,
    "max_position_embeddings": 4096,
    "model_type": "deepseek_v3",
    "moe_intermediate_size": 256,
    "n_group": 4,
    "n_routed_experts": 32,
    "n_shared_experts": 1,
    "norm_topk_prob": True,
    "num_attention_heads": 6,
    "num_experts_per_tok": 4,
    "num_hidden_layers": 4,
    "num_key_value_heads": 6,
    "num_nextn_predict_layers": 0,
    "q_lora_rank": 192,
    "qk_nope_head_dim": 32,
    "qk_rope_head_dim": 32,
    "rms_norm_eps": 1e-06,
    "rope_scaling": {
        "beta_fast": 32,
        "beta_slow": 1,
        "factor": 4,
        "mscale": 1.0,
        "mscale_all_dim": 1.0,
        "original_max_position_embeddings": 1024,
        "type": "yarn",
    },
    "rope_theta": 10000,
    "routed_scaling_factor": 2.5,
    "scoring_func": "sigmoid",
    "tie_word_embeddings": False,
    "topk_group": 2,
    "topk_method": "noaux_tc",
    "torch_dtype": "float32",
    "v_head_dim": 32,
    "vocab_size": 8192,
}


def resolve(path):
    return path if os.path.isabs(path) else os.path.join(REPO, path)


# ------------------------------------------------------------------------------ minke
def run_minke(args, d, save_init):
    cmd = [resolve(args.minke_bench), "--config", os.path.join(d, "config.json"), "--batch", str(args.batch),
           "--seq", str(args.seq), "--steps", str(args.steps), "--warmup", str(args.warmup),
           "--threads", str(args.threads)]
    cmd += ["--save-init", d] if save_init else ["--init", d]
    if args.phases:
        cmd.append("--phases")
    print("minke: " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True)
    sys.stdout.write("".join("  " + line + "\n" for line in r.stderr.splitlines()))
    if r.returncode != 0:
        sys.exit(f"minke: exit status {r.returncode}")
    out = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition("=")
        out[k] = float(v)
    return out


# ------------------------------------------------------------------------------ pytorch
def load_torch(d, attn, experts):
    import torch
    import transformers
    from transformers import AutoModelForCausalLM

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    model, info = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation=attn,
                                                       experts_implementation=experts, output_loading_info=True)
    bad = {k: v for k, v in info.items() if k in ("missing_keys", "unexpected_keys", "mismatched_keys") and v}
    if bad:
        sys.exit(f"torch: {d} does not load as DeepseekV3ForCausalLM: {bad}")
    model.train()
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.95), eps=1e-8)
    return model, opt


def time_torch(model, opt, args, label):
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(0)
    V = BENCH_CONFIG["vocab_size"]
    times = []
    for i in range(args.warmup + args.steps):
        tokens = torch.randint(0, V, (args.batch, args.seq + 1), generator=g)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits = model(input_ids=tokens[:, :-1]).logits
        loss = F.cross_entropy(logits.reshape(-1, V), tokens[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        dt = time.perf_counter() - t0
        warm = i < args.warmup
        print(f"  torch[{label}] step {i}{' (warm-up)' if warm else ''}: {dt:.3f} s, loss {loss.item():.4f}",
              flush=True)
        if not warm:
            times.append(dt)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description="minke vs PyTorch eager training throughput (CPU, fp32)")
    ap.add_argument("--model-dir", default="/tmp/minke-train-bench")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5, help="timed steps per round (median taken)")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1, help="alternate the engines this many times")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--minke-bench", default="build/bench_train", help="relative paths are from the repo root")
    ap.add_argument("--attn", default="eager",
                    help="transformers attn_implementation (eager | sdpa; eager measured 3-10%% faster here)")
    ap.add_argument("--experts", default="grouped_mm",
                    help="transformers experts_implementation (grouped_mm | batched_mm | eager)")
    ap.add_argument("--probe-torch", action="store_true",
                    help="time every attn x experts implementation in torch (one round) and stop")
    ap.add_argument("--phases", action="store_true", help="minke prints its per-phase breakdown")
    ap.add_argument("--skip-torch", action="store_true")
    args = ap.parse_args()
    d = os.path.abspath(args.model_dir)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(BENCH_CONFIG, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}, {args.threads} threads, "
          f"B={args.batch} T={args.seq}, load average {os.getloadavg()[0]:.2f}", flush=True)

    # Round 0 of minke writes the weights torch then loads.
    minke = [run_minke(args, d, save_init=True)]
    import torch  # after the environment is final: libgomp reads OMP_* once

    torch.set_num_threads(args.threads)
    if args.probe_torch:
        # Every attn x experts implementation, alternating over --rounds so load changes hit all.
        # batched_mm is left out: on CPU it runs every expert on every token (~50 s/step here).
        combos = [(a, e) for a in ("sdpa", "eager") for e in ("grouped_mm", "eager")]
        models = {c: load_torch(d, *c) for c in combos}
        times = {c: [] for c in combos}
        for _ in range(args.rounds):
            for c in combos:
                times[c].append(time_torch(*models[c], args, ",".join(c)))
        for c in combos:
            t = statistics.median(times[c])
            print(f"torch attn={c[0]} experts={c[1]}: median {t:.3f} s/step -> {args.batch * args.seq / t:.1f} tokens/s",
                  flush=True)
        return
    torch_t = []
    if not args.skip_torch:
        model, opt = load_torch(d, args.attn, args.experts)
        n = sum(p.numel() for p in model.parameters())
        print(f"torch: {n / 1e6:.1f}M trainable parameters, attn={model.config._attn_implementation}, "
              f"experts={model.config._experts_implementation}, {torch.get_num_threads()} threads", flush=True)
    for r in range(args.rounds):
        if r > 0:
            minke.append(run_minke(args, d, save_init=False))
        if not args.skip_torch:
            torch_t.append(time_torch(model, opt, args, f"round {r}"))

    tokens = args.batch * args.seq
    minke_tps = statistics.median(m["train_tokens_per_s"] for m in minke)
    mfu = statistics.median(m["mfu"] for m in minke)
    peak = statistics.median(m["gemm_peak_flops"] for m in minke)
    print(f"\n=== training step, fp32, B={args.batch} T={args.seq}, {args.threads} threads, "
          f"{args.rounds} round(s) x {args.steps} steps, load average now {os.getloadavg()[0]:.2f} ===")
    print(f"minke         : {minke_tps:.1f} tokens/s  ({minke[0]['train_flops_per_token'] / 1e6:.1f} MFLOP/token, "
          f"{minke_tps * minke[0]['train_flops_per_token'] / 1e9:.2f} GFLOP/s, MFU {100 * mfu:.1f}% of "
          f"{peak / 1e9:.1f} GFLOP/s SGEMM peak)")
    if torch_t:
        torch_tps = tokens / statistics.median(torch_t)
        print(f"pytorch eager : {torch_tps:.1f} tokens/s  (attn={args.attn}, experts={args.experts})")
        print(f"ratio minke/pytorch : {minke_tps / torch_tps:.2f}x (of the medians)")
        # Each round's two engines ran back to back under about the same load.
        ratios = [m["train_tokens_per_s"] * t / tokens for m, t in zip(minke, torch_t)]
        print("per-round ratios    : " + " ".join(f"{r:.2f}" for r in ratios) +
              f"  (median {statistics.median(ratios):.2f}x)")


if __name__ == "__main__":
    main()
