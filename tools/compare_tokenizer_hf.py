#!/usr/bin/env python3
"""Compares `minke tokenize` with Hugging Face `tokenizers` on many generated strings.

Modes (--mode, default all):
  codepoints  every Unicode scalar value (no surrogates) in several contexts: alone, after a
              space, between letters, after digits / an apostrophe / a newline, doubled
  random      random strings mixing ASCII, whitespace, digits, marks, CJK, emoji, new Unicode,
              and the tokenizer's added tokens
  corpus      lines of the given text files (--corpus)
Each string is encoded by both (no special tokens added) and, for the decode check, the HF ids
are decoded by both. Prints the mismatch count per mode and the first few mismatches.

  python3 tools/compare_tokenizer_hf.py --tokenizer ../shared/tokenizer/qwen2_5/tokenizer.json \
      --minke build/minke [--mode random] [--n 200000]
"""
import argparse
import json
import random
import subprocess
import sys

from tokenizers import Tokenizer

CONTEXTS = ["{c}", " {c}", "{c}word", "a{c}b", "1{c}", "'{c}", "\n{c}", "{c}{c}", "  {c} x", "{c}'s", "\u3000{c}", " {c}\n"]
POOL = (list(" \t\n\r\x0b\x0c\x85\xa0\u2028\u3000\u200b") + list("abcXYZ'sd_-.,!?\"#()[]{}") +
        list("0123456789") + list("\u0301\u0308\u0327\u093f\u0e31") + list("中文日本語한국") +
        ["😀", "👍🏽", "👨\u200d👩\u200d👧", "\U0001e4d0", "\U00011f04", "\u0cf3", "\U00010d40", "ſ", "İ", "K"] +
        # normalization: marks of many classes, Hangul jamo, composites, marks newer than HF's tables
        list("\u0316\u0334\u05b0\u0345\u0323\u0307\u0340\u0344\u0f73\u0f77\u1e9b\u1100\u1161\u11a8가Åﬁ①")
        + ["\U00011935", "\U00011930", "\u1dfa", "\U00016ff0", "\u0898"])


def codepoint_strings():
    cps = [c for c in range(1, 0x110000) if not 0xD800 <= c < 0xE000]
    out = []
    for i in range(0, len(cps), 8):
        block = cps[i:i + 8]
        for ctx in CONTEXTS:
            out.append("".join(ctx.format(c=chr(c)) for c in block))
    return out


def random_strings(n, added, seed=1):
    rng = random.Random(seed)
    pool = POOL + added[:50]
    return ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(n)]


def run_minke(minke, tokenizer, lines, decode=False):
    payload = "".join(json.dumps({"ids" if decode else "text": x}, ensure_ascii=False) + "\n" for x in lines)
    cmd = [minke, "tokenize", "--tokenizer", tokenizer, "--jsonl"] + (["--decode"] if decode else [])
    r = subprocess.run(cmd, input=payload.encode(), capture_output=True, check=False)
    if r.returncode != 0:
        sys.exit(f"minke failed: {r.stderr.decode()[:2000]}")
    return [json.loads(l)["text" if decode else "ids"] for l in r.stdout.decode().split("\n") if l]


def compare(name, texts, hf, args):
    want = [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]
    got = run_minke(args.minke, args.tokenizer, texts)
    bad = [(t, w, g) for t, w, g in zip(texts, want, got) if w != g]
    want_dec = hf.decode_batch(want, skip_special_tokens=False)
    got_dec = run_minke(args.minke, args.tokenizer, want, decode=True)
    bad_dec = [(w, g) for w, g in zip(want_dec, got_dec) if w != g]
    print(f"{name}: {len(texts)} strings, {len(bad)} encode mismatches, {len(bad_dec)} decode mismatches")
    for t, w, g in bad[:args.show]:
        print("  text", json.dumps(t), "\n   hf   ", w, "\n   minke", g)
    for w, g in bad_dec[:args.show]:
        print("  decode hf", json.dumps(w), "minke", json.dumps(g))
    return len(bad) + len(bad_dec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--minke", default="build/minke")
    ap.add_argument("--mode", default="all", choices=["all", "codepoints", "random", "corpus"])
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--corpus", nargs="*", default=[])
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args()
    hf = Tokenizer.from_file(args.tokenizer)
    added = [t.content for t in hf.get_added_tokens_decoder().values()]
    bad = 0
    if args.mode in ("all", "codepoints"):
        bad += compare("codepoints", codepoint_strings(), hf, args)
    if args.mode in ("all", "random"):
        bad += compare("random", random_strings(args.n, added), hf, args)
    if args.mode in ("all", "corpus") and args.corpus:
        lines = [l for f in args.corpus for l in open(f, encoding="utf-8").read().split("\n\n")]
        bad += compare("corpus", lines, hf, args)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
