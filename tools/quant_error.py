#!/usr/bin/env python3
"""Logit error of quantized models against their source, through `minke logits`. Run by hand:

    python3 tools/quant_error.py --minke build/minke --ref MODEL_DIR --model Q8_DIR [--model Q4_DIR ...] \
        [--tokens 1,2,3 | --text FILE --tokenizer tokenizer.json] [--n 128]

Prints, per model: max |logit error| relative to the reference's max |logit|, the mean KL
divergence KL(p_ref || p_model) of the next-token distributions, and how often the argmax agrees.
On random-weight models perplexity says little (it sits near the vocabulary size); these
numbers still show how far each format moves the model's outputs.
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np


def logits(minke, model, ids, vocab_hint=None):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "l.bin")
        subprocess.run([minke, "logits", "--model", model, "--tokens", ",".join(map(str, ids)), "--out", out],
                       check=True, stderr=subprocess.DEVNULL)
        x = np.fromfile(out, "<f4")
    return x.reshape(len(ids), -1).astype(np.float64)


def log_softmax(x):
    x = x - x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minke", default="build/minke")
    ap.add_argument("--ref", required=True)
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--tokens")
    ap.add_argument("--text")
    ap.add_argument("--tokenizer")
    ap.add_argument("--n", type=int, default=128)
    a = ap.parse_args()
    if a.tokens:
        ids = [int(t) for t in a.tokens.split(",")]
    else:
        from tokenizers import Tokenizer
        ids = Tokenizer.from_file(a.tokenizer).encode(open(a.text).read(), add_special_tokens=False).ids[: a.n]
    ref = logits(a.minke, a.ref, ids)
    lp_ref = log_softmax(ref)
    for m in a.model:
        x = logits(a.minke, m, ids)
        lp = log_softmax(x)
        kl = (np.exp(lp_ref) * (lp_ref - lp)).sum(axis=1).mean()
        top1 = (x.argmax(1) == ref.argmax(1)).mean()
        print(f"{m}: {len(ids)} positions, max|dlogit|/max|logit| {np.abs(x - ref).max() / np.abs(ref).max():.4f}, "
              f"mean KL {kl:.3e} nats, top-1 agreement {top1:.3f}")


if __name__ == "__main__":
    main()
