#!/usr/bin/env python3
"""Decode and prefill throughput: minke vs llama.cpp (llama-cpp-python from PyPI, built from source),
on the same deepseek2 GGUF file, on CPU. Run by hand (not by CI):

    pip install llama-cpp-python gguf numpy
    python3 bench/decode_vs_llamacpp.py                          # f16 and q8_0, 2 threads
    python3 bench/decode_vs_llamacpp.py --types bf16,q8_0,q4_0 --threads 2 --prompt 128 --decode 64

Note: llama.cpp runs with use_extra_bufts = false unless --llama-extra-bufts (see main()).

Steps:
 1. `minke init` the issue's benchmark model (bench/prefill_vs_pytorch.py BENCH_CONFIG: hidden 1024,
    8 layers, first dense, 16 heads, MLA q_lora 384 / kv_lora 256, 32 routed experts top-4 in 4
    groups, 1 shared, sigmoid + correction bias, YaRN 40x; ~279M parameters, ~92M active) with
    random BF16 weights, and `minke convert --to gguf --type T` it for each --types entry.
 2. Correctness: llama.cpp's logits for a 16-token prompt (logits_all) against
    `minke logits` on the same file, and the greedy continuation of both engines (random weights
    have tiny logit margins, so greedy paths may part after a near-tie; the logits are the check).
 3. Speed, same thread count for both: prefill = one batch of --prompt tokens into an empty
    cache; decode = --decode single-token steps after it (greedy). minke's figures are the ones
    `minke generate` reports; llama.cpp's are timed around Llama.eval(). Each is the median of
    --rounds runs (the machines are noisy).
 4. The bandwidth roofline for decode: bytes of weights read per token (every tensor, the routed
    experts scaled by top-k / n_experts, one embedding row) / a measured read bandwidth (numpy
    sum over 1 GiB on --threads threads, best of 3), and each engine's decode as a fraction of
    it. The bandwidth is measured again before every timed round and each round's decode is set
    against it (the median of those fractions is printed): shared machines drift.
"""
import argparse
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))


def bench_config():
    src = open(os.path.join(REPO, "bench", "prefill_vs_pytorch.py")).read()
    start = src.index("BENCH_CONFIG = {")
    ns = {}
    exec(src[start: src.index("\n}\n", start) + 3], ns)  # the dict literal only (no torch import)
    return ns["BENCH_CONFIG"]


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    return r


def minke_generate(minke, gguf, prompt, n, threads):
    r = run([minke, "--threads", str(threads), "generate", "--model", gguf, "--tokens", ",".join(map(str, prompt)),
             "--max-new-tokens", str(n), "--temperature", "0"])
    m = re.search(r"prompt tokens in [\d.]+ s \(([\d.]+) tok/s\); (\d+) generated, ([\d.]+) tok/s decode", r.stderr)
    ids = [int(t) for t in r.stdout.strip().split(",") if t]
    return float(m.group(1)), float(m.group(3)), ids


def minke_logits(minke, gguf, tokens):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "l.bin")
        run([minke, "logits", "--model", gguf, "--tokens", ",".join(map(str, tokens)), "--out", out])
        return np.fromfile(out, "<f4").reshape(len(tokens), -1)


def llama_run(Llama, gguf, prompt, n, threads, rounds, before_round):
    llm = Llama(model_path=gguf, n_ctx=len(prompt) + n + 8, n_batch=len(prompt), n_threads=threads,
                n_threads_batch=threads, verbose=False)
    llm.eval(prompt[:8])  # warm-up: pages in the weights
    # Without logits_all, Llama.eval keeps no scores: read the last row from the context.
    last = lambda: int(np.argmax(np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),))))
    pre, dec, bws = [], [], []
    for _ in range(rounds):
        bws.append(before_round())
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(prompt)
        t1 = time.perf_counter()
        ids = [last()]
        t2 = time.perf_counter()
        for _ in range(n - 1):
            llm.eval([ids[-1]])
            ids.append(last())
        t3 = time.perf_counter()
        pre.append(len(prompt) / (t1 - t0))
        dec.append((n - 1) / (t3 - t2))
    del llm
    return pre, dec, bws, ids


def llama_logits(Llama, gguf, tokens, threads):
    llm = Llama(model_path=gguf, n_ctx=64, n_batch=64, n_threads=threads, logits_all=True, verbose=False)
    llm.eval(tokens)
    return np.array(llm.scores[: len(tokens)], dtype=np.float32)


def bytes_per_token(gguf_path, c):
    import gguf
    r = gguf.GGUFReader(gguf_path)
    total = 0.0
    for t in r.tensors:
        b = int(t.n_bytes)
        if t.name == "token_embd.weight":
            b /= c["vocab_size"]
        elif "_exps." in t.name:
            b *= c["num_experts_per_tok"] / c["n_routed_experts"]
        total += b
    return total


def drop_from_page_cache(path):
    """Evicts a file just written (page cache in small folios, mapped 4 KiB a page) so the engines
    map it as a model read from disk: in 2 MiB folios, one TLB entry each. Both engines then read
    the same cached pages."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


class ReadBandwidth:
    """Streaming read bandwidth on `threads` threads (numpy sums release the GIL): the engines run
    on that many threads, so this is their ceiling. 1 GiB, far beyond the caches; best of 3 per
    call. Called before every timed round: this machine's bandwidth drifts by 10-20% over minutes,
    so each round's decode is set against the bandwidth measured just before it."""

    def __init__(self, threads):
        from concurrent.futures import ThreadPoolExecutor
        self.parts = np.array_split(np.ones(1 << 28, dtype=np.float32), threads)
        self.ex = ThreadPoolExecutor(threads)
        self.samples = []

    def __call__(self):
        secs = []
        for _ in range(3):
            t0 = time.perf_counter()
            list(self.ex.map(np.sum, self.parts))
            secs.append(time.perf_counter() - t0)
        bw = sum(p.nbytes for p in self.parts) / min(secs)
        self.samples.append(bw)
        return bw


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minke", default=os.path.join(REPO, "build", "minke"))
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "minke_bench_llamacpp"))
    ap.add_argument("--types", default="f16,q8_0")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--decode", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3, help="timed runs per engine and type; medians are printed")
    ap.add_argument("--llama-extra-bufts", action="store_true",
                    help="let llama.cpp repack weights into its extra CPU buffer types (AMX / repack)")
    a = ap.parse_args()
    import llama_cpp.llama_cpp as llama_c
    from llama_cpp import Llama

    if not a.llama_extra_bufts:
        # llama-cpp-python 0.3.36 on a CPU with AMX/AVX512: Q8_0/Q4_0 expert tensors repacked into
        # the extra buffer types crash (segfault in the first eval, minke's and llama.cpp's own
        # 3-D ffn_*_exps alike); plain CPU buffers run. Ask for them through the model params.
        default_params = llama_c.llama_model_default_params

        def params():
            p = default_params()
            p.use_extra_bufts = False
            return p

        llama_c.llama_model_default_params = params

    c = bench_config()
    os.makedirs(a.workdir, exist_ok=True)
    src = os.path.join(a.workdir, "bench_bf16")
    if not os.path.exists(os.path.join(src, "model.safetensors")):
        cfg = os.path.join(a.workdir, "config.json")
        json.dump(c, open(cfg, "w"), indent=2)
        run([a.minke, "init", "--config", cfg, "--out", src, "--dtype", "bf16", "--seed", "1"])
    rng = np.random.default_rng(0)
    prompt = rng.integers(0, c["vocab_size"], a.prompt).tolist()
    bw = ReadBandwidth(a.threads)
    print(f"read bandwidth (numpy sum over 1 GiB on {a.threads} threads): {bw() / 1e9:.1f} GB/s, measured again "
          f"before every timed round; threads {a.threads}, prompt {a.prompt}, decode {a.decode}")
    med = lambda v: float(np.median(v))
    for t in a.types.split(","):
        g = os.path.join(a.workdir, f"bench.{t}.gguf")
        if not os.path.exists(g):
            run([a.minke, "convert", "--model", src, "--out", g, "--type", t])
        drop_from_page_cache(g)
        bpt = bytes_per_token(g, c)
        short = prompt[:16]
        # minke first: a llama.cpp context in this process keeps its worker threads around, and
        # on a small machine they take cores from the minke subprocess timed next.
        runs, m_bw = [], []
        for _ in range(a.rounds):
            m_bw.append(bw())
            runs.append(minke_generate(a.minke, g, prompt, a.decode, a.threads))
        mp, md = med([r[0] for r in runs]), med([r[1] for r in runs])
        m_frac = med([r[1] * bpt / b for r, b in zip(runs, m_bw)])
        mids = runs[0][2]
        lm = minke_logits(a.minke, g, short)
        ll = llama_logits(Llama, g, short, a.threads)
        rel = np.abs(lm - ll).max() / np.abs(ll).max()
        l_pre, l_dec, l_bw, lids = llama_run(Llama, g, prompt, a.decode, a.threads, a.rounds, bw)
        lp, ld = med(l_pre), med(l_dec)
        l_frac = med([d * bpt / b for d, b in zip(l_dec, l_bw)])
        gc.collect()
        same = next((i for i, (x, y) in enumerate(zip(mids, lids)) if x != y), min(len(mids), len(lids)))
        rounds_bw = m_bw + l_bw
        print(f"\n[{t}] {os.path.getsize(g) / 2**20:.0f} MiB, {bpt / 2**20:.1f} MiB of weights read per token")
        print(f"  logits, 16 tokens: max |minke - llama.cpp| / max |llama.cpp| = {rel:.2e}; "
              f"top-1 agree {np.mean(lm.argmax(1) == ll.argmax(1)):.2f}; greedy ids equal for {same}/{a.decode}")
        print(f"  prefill tok/s: minke {mp:9.1f}   llama.cpp {lp:9.1f}   ratio {mp / lp:.2f}x")
        print(f"  decode  tok/s: minke {md:9.1f}   llama.cpp {ld:9.1f}   ratio {md / ld:.2f}x")
        print(f"  read bandwidth before the rounds {min(rounds_bw) / 1e9:.1f}-{max(rounds_bw) / 1e9:.1f} GB/s: "
              f"decode roofline {med(rounds_bw) / bpt:.1f} tok/s at the median")
        print(f"  decode / roofline (median over rounds, each against the bandwidth just before it): "
              f"minke {m_frac:.0%}, llama.cpp {l_frac:.0%}")

if __name__ == "__main__":
    main()
