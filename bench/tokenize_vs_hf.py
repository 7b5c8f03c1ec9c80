#!/usr/bin/env python3
"""Encode throughput of minke's tokenizer vs Hugging Face `tokenizers`, same corpus, same vocab.

Builds a 10+ MB corpus from ../shared/corpora/*.txt (KJV, Jargon File, Devil's Dictionary;
paragraphs of the whole set again in a shuffled order until it passes --mb, with the multilingual /
code / emoji texts of ../shared/tokenizer/public_cases.jsonl mixed in every 50 paragraphs), splits
it into documents at blank lines, and encodes every document (no special tokens) with
  - build/bench_tokenize (minke): one thread, then all threads;
  - HF tokenizers encode_batch with RAYON_NUM_THREADS=1, then with all threads.
Checks that both produce the same ids (token count and FNV-1a hash) and prints MB/s and ratios.

  ninja -C build bench_tokenize && python3 bench/tokenize_vs_hf.py [--tokenizer FILE] [--mb 10]
Needs: pip install tokenizers.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared")

HF_WORKER = r"""
import json, sys, time
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1])
raw = open(sys.argv[2], "rb").read()
docs, start = [], 0
while start < len(raw):
    end = raw.find(b"\n\n", start)
    end = len(raw) if end < 0 else end + 2
    docs.append(raw[start:end].decode())
    start = end
t0 = time.perf_counter()
encs = tok.encode_batch(docs, add_special_tokens=False)
dt = time.perf_counter() - t0
h, n = 1469598103934665603, 0
for e in encs:
    n += len(e.ids)
    for i in e.ids:
        h = ((h ^ i) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
print(json.dumps({"mb_per_s": len(raw) / 1e6 / dt, "tokens": n, "ids_fnv1a": "%016x" % h}))
"""


def build_corpus(path, mb):
    corpora = sorted(os.path.join(SHARED, "corpora", f) for f in os.listdir(os.path.join(SHARED, "corpora")))
    paras = [p + "\n\n" for f in corpora for p in open(f, encoding="utf-8").read().split("\n\n") if p.strip()]
    extra = [json.loads(l)["text"] + "\n\n" for l in open(os.path.join(SHARED, "tokenizer", "public_cases.jsonl"))]
    extra = [e for e in extra if "\n\n" not in e[:-2]]
    rng = random.Random(0)
    out, size, order = [], 0, list(paras)
    while size < mb * 1e6:
        for i, p in enumerate(order):
            out.append(p)
            size += len(p.encode())
            if i % 50 == 0:
                e = extra[(len(out) // 50) % len(extra)]
                out.append(e)
                size += len(e.encode())
        rng.shuffle(order)
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(out))
    return size


def run_hf(tokenizer, corpus, threads):
    env = dict(os.environ)
    env.pop("RAYON_NUM_THREADS", None)
    if threads == 1:
        env["RAYON_NUM_THREADS"] = "1"
    env["TOKENIZERS_PARALLELISM"] = "true"
    r = subprocess.run([sys.executable, "-c", HF_WORKER, tokenizer, corpus], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("HF worker failed: " + r.stderr)
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", default=os.path.join(SHARED, "tokenizer", "deepseek_v3", "tokenizer.json"))
    ap.add_argument("--bench", default=os.path.join(ROOT, "build", "bench_tokenize"))
    ap.add_argument("--mb", type=float, default=10)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        size = build_corpus(corpus, args.mb)
        r = subprocess.run([args.bench, args.tokenizer, corpus, str(args.threads)], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("bench_tokenize failed: " + r.stderr)
        minke = json.loads(r.stdout)
        hf1 = run_hf(args.tokenizer, corpus, 1)
        hfn = run_hf(args.tokenizer, corpus, args.threads)
    same = minke["tokens"] == hf1["tokens"] and minke["ids_fnv1a"] == hf1["ids_fnv1a"]
    print(f"corpus {size / 1e6:.1f} MB, {minke['docs']} documents, {minke['tokens']} tokens; "
          f"tokenizer {os.path.relpath(args.tokenizer)} (minke load {minke['load_s']:.2f} s)")
    print(f"ids identical to HF: {'yes' if same else 'NO'}")
    print(f"{'':12}{'minke MB/s':>12}{'HF MB/s':>12}{'ratio':>8}")
    print(f"{'1 thread':12}{minke['mb_per_s_1thread']:12.2f}{hf1['mb_per_s']:12.2f}"
          f"{minke['mb_per_s_1thread'] / hf1['mb_per_s']:8.2f}")
    print(f"{str(args.threads) + ' threads':12}{minke['mb_per_s_all']:12.2f}{hfn['mb_per_s']:12.2f}"
          f"{minke['mb_per_s_all'] / hfn['mb_per_s']:8.2f}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
