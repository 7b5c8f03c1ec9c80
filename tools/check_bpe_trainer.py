#!/usr/bin/env python3
"""Checks `minke tokenizer train` against Hugging Face `tokenizers`.

1. Trains with minke on the corpus files (--vocab-size, --special-tokens).
2. Trains with HF tokenizers' BpeTrainer on the same files, with the same
   pre-tokenizer (read from minke's output), the same special tokens and
   initial_alphabet = ByteLevel.alphabet(); compares vocabularies and merges.
3. Loads minke's tokenizer.json with HF and encodes every line of the --eval
   files (default: the corpus) with HF and with `minke tokenize --jsonl`;
   the ids must agree line for line, and decode must give the text back.

    python3 tools/check_bpe_trainer.py --minke build/minke --vocab-size 8192 \
        ../shared/corpora/kjv.txt --eval ../shared/corpora/jargon.txt
Exit status 0 when everything agrees.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from tokenizers import Tokenizer, pre_tokenizers, trainers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--minke", default="build/minke")
    ap.add_argument("--vocab-size", type=int, default=8192)
    ap.add_argument("--special-tokens", default="<｜begin▁of▁sentence｜>,<｜end▁of▁sentence｜>")
    ap.add_argument("--eval", nargs="*", default=None, help="files whose lines are encoded (default: the corpus)")
    args = ap.parse_args()
    specials = [s for s in args.special_tokens.split(",") if s]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "minke.json")
        t0 = time.time()
        subprocess.run([args.minke, "tokenizer", "train", "--vocab-size", str(args.vocab_size),
                        "--special-tokens", args.special_tokens, "--out", out, *args.files], check=True)
        t_minke = time.time() - t0
        mine = json.load(open(out, encoding="utf-8"))

        # HF's trainer on the same pipeline: minke's tokenizer.json with an empty model.
        empty = dict(mine)
        empty["model"] = dict(mine["model"], vocab={}, merges=[])
        empty["added_tokens"] = []
        hf = Tokenizer.from_str(json.dumps(empty))
        trainer = trainers.BpeTrainer(vocab_size=args.vocab_size, special_tokens=specials, show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        t0 = time.time()
        hf.train(args.files, trainer)
        t_hf = time.time() - t0
        theirs = json.loads(hf.to_str())
        print(f"training: minke {t_minke:.2f} s (wall, process included), HF tokenizers {t_hf:.2f} s")
        mv, hv = mine["model"]["vocab"], theirs["model"]["vocab"]
        mm = [tuple(m) for m in mine["model"]["merges"]]
        hm = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in theirs["model"]["merges"]]
        print(f"vocab: minke {len(mv)}, HF {len(hv)}; merges: minke {len(mm)}, HF {len(hm)}")
        if mv == hv and mm == hm:
            print("vocab and merges: identical to HF's BpeTrainer")
        else:
            ok = False
            first = next((i for i, (a, b) in enumerate(zip(mm, hm)) if a != b), min(len(mm), len(hm)))
            print(f"vocab equal: {mv == hv}; merges differ first at rank {first}: "
                  f"minke {mm[first:first + 3]} HF {hm[first:first + 3]}")
        added = [(a["id"], a["content"], a["special"]) for a in mine["added_tokens"]]
        print(f"added tokens: {added}")

        # Encoding: HF loads minke's file; both encode the eval lines.
        hf_mine = Tokenizer.from_file(out)
        lines = []
        for path in args.eval if args.eval is not None else args.files:
            with open(path, encoding="utf-8", newline="") as f:
                lines += f.read().splitlines(keepends=True)
        lines += ["", "Hello, world! 12345 6789", " ".join(specials) + " text<｜end▁of▁sentence｜>x",
                  "Ünïcödé 你好 世界 こんにちは 🙂 \t\r\n  ", "   leading and trailing   "]
        inp = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in lines)
        t0 = time.time()
        res = subprocess.run([args.minke, "tokenize", "--tokenizer", out, "--jsonl"], input=inp.encode(),
                             capture_output=True, check=True)
        t_enc = time.time() - t0
        # Split on "\n" only: the JSON lines hold raw U+2028, U+0085, ... that splitlines() would cut at.
        minke_ids = [json.loads(l)["ids"] for l in res.stdout.decode().split("\n") if l]
        hf_ids = [e.ids for e in hf_mine.encode_batch(lines, add_special_tokens=False)]
        bad = [i for i, (a, b) in enumerate(zip(minke_ids, hf_ids)) if a != b]
        n_tok = sum(len(x) for x in hf_ids)
        roundtrip = sum(hf_mine.decode(ids, skip_special_tokens=False) != t for ids, t in zip(hf_ids, lines))
        print(f"encode: {len(lines)} lines, {n_tok} tokens; minke vs HF differ on {len(bad)} lines "
              f"(minke {t_enc:.2f} s incl. start-up); HF decode roundtrip failures: {roundtrip}")
        for i in bad[:5]:
            print(f"  line {i}: {lines[i]!r}\n    minke {minke_ids[i][:20]}\n    HF    {hf_ids[i][:20]}")
        ok = ok and not bad and len(minke_ids) == len(hf_ids) and roundtrip == 0
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
