#!/usr/bin/env python3
"""Throughput of `minke data clean` (default rules), and a Python peer.

Builds a ~50 MB corpus by repeating and mutating ../shared/corpora/*.txt
(documents of 1-12 consecutive paragraphs with 10% of words substituted;
8% exact repeats, 8% near-duplicates with 2% of words changed), half as
JSONL and half as blank-line-separated plain text. Runs

    minke --threads N data clean CORPUS --out OUT --no-progress

and prints input MB / wall-clock seconds. Then runs a simple Python
implementation of the same rules (unicodedata NFC, datatrove-style Gopher
quality + repetition rules, exact dedup by hash, datasketch MinHash + LSH
with the same 5-word shingles and 14 bands x 8 rows, candidates verified at
Jaccard >= 0.8; per-document work in a multiprocessing pool of N processes)
and minke on the same subset (--peer-mb, default 5 MB), and prints the ratio.

    python3 bench/data_clean_bench.py [--minke build/minke] [--threads 2] [--mb 50] [--peer-mb 5]

Needs `pip install datasketch` for the peer (skipped with a note otherwise).
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_corpus(out_dir, target_bytes, seed=1):
    paras = []
    corpora = os.path.join(ROOT, "..", "shared", "corpora")
    for name in sorted(os.listdir(corpora)):
        if name.endswith(".txt"):
            with open(os.path.join(corpora, name), encoding="utf-8") as f:
                paras += [p.strip("\n") for p in re.split(r"\n\s*\n", f.read()) if p.strip()]
    vocab = sorted({w for p in paras[:5000] for w in p.split()})
    rng = random.Random(seed)
    docs, total = [], 0
    while total < target_bytes:
        r = rng.random()
        if r < 0.08 and docs:
            text = rng.choice(docs)
        elif r < 0.16 and docs:
            words = rng.choice(docs).split(" ")
            for i in range(len(words)):
                if rng.random() < 0.02:
                    words[i] = rng.choice(vocab)
            text = " ".join(words)
        else:
            start = rng.randrange(len(paras))
            text = "\n".join(paras[start:start + rng.randint(1, 12)])
            words = text.split(" ")
            for i in range(len(words)):
                if rng.random() < 0.10:
                    words[i] = rng.choice(vocab)
            text = " ".join(words)
        docs.append(text)
        total += len(text.encode())
    os.makedirs(out_dir, exist_ok=True)
    parts = 8
    for p in range(parts):
        chunk = docs[p::parts]
        if p % 2 == 0:
            with open(os.path.join(out_dir, f"part-{p:02d}.jsonl"), "w", encoding="utf-8") as f:
                for i, d in enumerate(chunk):
                    f.write(json.dumps({"text": d, "id": f"{p}-{i}"}, ensure_ascii=False) + "\n")
        else:
            with open(os.path.join(out_dir, f"part-{p:02d}.txt"), "w", encoding="utf-8") as f:
                f.write("\n\n".join(d.replace("\n\n", "\n") for d in chunk) + "\n")
    return dir_bytes(out_dir)


def dir_bytes(d):
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))


def run_minke(minke, corpus, out, threads):
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    subprocess.run([minke, "--threads", str(threads), "data", "clean", corpus, "--out", out, "--no-progress"],
                   check=True, stdout=subprocess.DEVNULL)
    secs = time.perf_counter() - t0
    with open(os.path.join(out, "report.json")) as f:
        return secs, json.load(f)


# ---- the Python peer: the same rules, written plainly ----------------------

STOP = {"the", "be", "to", "of", "and", "that", "have", "with"}
PUNCT = re.compile(r"^[\W_]+$")
BULLETS = ("-", "*", "\u2022", "\u2023", "\u25e6", "\u2043", "\u25cf", "\u25aa")


def normalize(text):
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        indent = line[:len(line) - len(line.lstrip(" \t"))]
        lines.append(indent + " ".join(line.split()))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def gopher_quality(text):
    words = text.split()
    if not words:
        return "empty"
    non_symbol = [w for w in words if not PUNCT.match(w)]
    n = len(non_symbol)
    if n < 50 or n > 100000:
        return "word_count"
    mean = sum(len(w) for w in non_symbol) / n
    if mean < 3 or mean > 10:
        return "mean_word_length"
    if max(text.count("#"), text.count("...") + text.count("\u2026")) / len(words) > 0.1:
        return "symbol_word_ratio"
    lines = text.split("\n")
    if sum(l.lstrip().startswith(BULLETS) for l in lines) / len(lines) > 0.9:
        return "bullet_lines"
    if sum(l.rstrip().endswith(("...", "\u2026")) for l in lines) / len(lines) > 0.3:
        return "ellipsis_lines"
    if sum(any(c.isalpha() for c in w) for w in words) / len(words) < 0.8:
        return "alpha_words"
    if sum(w.strip(".,;:!?\"'()[]").lower() in STOP for w in words) < 2:
        return "stop_words"
    return None


def dup_pieces(pieces):
    seen, dups, chars = set(), 0, 0
    for p in pieces:
        if p in seen:
            dups += 1
            chars += len(p)
        else:
            seen.add(p)
    return dups, chars


def gopher_repetition(text):
    n = len(text)
    lines = [l for l in re.split(r"\n+", text) if l]
    paras = [p for p in re.split(r"\n{2,}", text) if p]
    d, c = dup_pieces(lines)
    if d / len(lines) > 0.3:
        return "dup_line_fraction"
    pd, pc = dup_pieces(paras)
    if pd / len(paras) > 0.3:
        return "dup_paragraph_fraction"
    if c / n > 0.2:
        return "dup_line_char_fraction"
    if pc / n > 0.2:
        return "dup_paragraph_char_fraction"
    words = text.split()
    for g, t in ((2, 0.20), (3, 0.18), (4, 0.16)):
        grams = [" ".join(words[i:i + g]) for i in range(len(words) - g + 1)]
        if grams:
            counts = {}
            for x in grams:
                counts[x] = counts.get(x, 0) + 1
            top = max(counts, key=counts.get)
            if len(top) * counts[top] / n > t:
                return f"top_{g}gram_char_fraction"
    total = sum(len(w) for w in words)
    for g, t in zip(range(5, 11), (0.15, 0.14, 0.13, 0.12, 0.11, 0.10)):
        seen, rep, i = set(), 0, 0
        while i < len(words) - g + 1:
            x = "".join(words[i:i + g])
            if x in seen:
                rep += len(x)
                i += g
            else:
                seen.add(x)
                i += 1
        if rep / total > t:
            return f"dup_{g}gram_char_fraction"
    return None


WORD = re.compile(r"[A-Za-z0-9\x80-\U0010FFFF]+")


def per_doc(text):
    from datasketch import MinHash
    text = normalize(text)
    rule = gopher_quality(text) or gopher_repetition(text)
    if rule:
        return rule, None, None, 0
    words = [w.lower() for w in WORD.findall(text)]
    shingles = {" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))}
    m = MinHash(num_perm=112, seed=1)
    m.update_batch([s.encode() for s in shingles])
    return None, hashlib.md5(text.encode()).digest(), m, len(text.encode())


def read_docs(corpus):
    for name in sorted(os.listdir(corpus)):
        path = os.path.join(corpus, name)
        with open(path, encoding="utf-8") as f:
            if name.endswith(".jsonl"):
                for line in f:
                    if line.strip():
                        yield json.loads(line)["text"]
            else:
                for block in re.split(r"\n\s*\n", f.read()):
                    if block.strip():
                        yield block


def python_peer(corpus, threads):
    from multiprocessing import Pool

    from datasketch import MinHashLSH
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=0.8, num_perm=112, params=(14, 8))
    seen, removed, kept = set(), {}, 0
    with Pool(threads) as pool:
        for i, (rule, digest, m, _) in enumerate(pool.imap(per_doc, read_docs(corpus), chunksize=64)):
            if rule is None and digest in seen:
                rule = "exact_duplicate"
            if rule is None:
                if any(m.jaccard(c) >= 0.8 for c in (lsh_sigs[k] for k in lsh.query(m))):
                    rule = "near_duplicate"
                else:
                    lsh.insert(i, m)
                    lsh_sigs[i] = m
                    seen.add(digest)
                    kept += 1
            if rule:
                removed[rule] = removed.get(rule, 0) + 1
    return time.perf_counter() - t0, kept, removed


lsh_sigs = {}


def subset(corpus, out_dir, max_bytes):
    """The first documents of the corpus (same mix), up to max_bytes."""
    os.makedirs(out_dir, exist_ok=True)
    for name in sorted(os.listdir(corpus)):
        with open(os.path.join(corpus, name), encoding="utf-8") as f:
            data = f.read()
        share = max_bytes // len(os.listdir(corpus))
        cut = data.rfind("\n\n" if name.endswith(".txt") else "\n", 0, share)
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(data[:cut + 1])
    return dir_bytes(out_dir)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minke", default=os.path.join(ROOT, "build", "minke"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--peer-mb", type=float, default=5)
    ap.add_argument("--workdir", default=None, help="keep the corpus here (default: a temp dir, removed)")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="minke_data_bench_")
    try:
        corpus = os.path.join(work, "corpus")
        if not os.path.isdir(corpus):
            build_corpus(corpus, int(args.mb * 1e6))
        size = dir_bytes(corpus)
        secs, rep = run_minke(args.minke, corpus, os.path.join(work, "out"), args.threads)
        kept = rep["output"]["documents"]
        print(f"corpus      {size / 1e6:.1f} MB, {rep['input']['documents']} documents "
              f"({len(os.listdir(corpus))} files, JSONL + plain text)")
        print(f"minke       {secs:.2f} s wall, {size / 1e6 / secs:.1f} MB/s on {args.threads} threads "
              f"(target >= 20 MB/s); kept {kept}")
        print("            removed: " + ", ".join(f"{k} {v['documents']}" for k, v in rep["removed"].items()))
        try:
            import datasketch  # noqa: F401
        except ImportError:
            print("python peer skipped: pip install datasketch")
            return
        sub = os.path.join(work, "subset")
        shutil.rmtree(sub, ignore_errors=True)
        sub_size = subset(corpus, sub, int(args.peer_mb * 1e6))
        m_secs, m_rep = run_minke(args.minke, sub, os.path.join(work, "out_subset"), args.threads)
        p_secs, p_kept, p_removed = python_peer(sub, args.threads)
        m_rate, p_rate = sub_size / 1e6 / m_secs, sub_size / 1e6 / p_secs
        print(f"subset      {sub_size / 1e6:.1f} MB for both:")
        print(f"  minke     {m_rate:.1f} MB/s, kept {m_rep['output']['documents']}")
        print(f"  python    {p_rate:.2f} MB/s ({args.threads} processes, datasketch), kept {p_kept}; removed: "
              + ", ".join(f"{k} {v}" for k, v in sorted(p_removed.items())))
        print(f"ratio       minke / python = {m_rate / p_rate:.1f}x")
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
