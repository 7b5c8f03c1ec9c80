#!/usr/bin/env python3
"""Generates tests/fixtures/tokenizer/families/: small byte-level BPE tokenizers in the
configurations of each supported family, with reference encodings from Hugging Face `tokenizers`.

The real GPT-2 / Llama-3 vocabularies are not available here, so one small vocabulary is trained
with HF's BpeTrainer (GPT-2 pre-tokenizer, 1000 entries, on The Devil's Dictionary) and then
dressed in each family's pipeline: its normalizer, pre-tokenizer (regex, ByteLevel flags),
added tokens (special or not; lstrip / rstrip / single_word / normalized), post-processor
(BOS via TemplateProcessing) and decoder. One more variant exercises every Split behaviour,
invert, Digits and the NFD/NFKC/NFKD normalizers; another Rust regex syntax (\\w \\d \\S \\W \\D,
lookahead, (?i), $, \\u escapes, \\pL).

For each variant NAME it writes NAME.json.gz (the tokenizer.json) and NAME.cases.jsonl.gz, one
line per text: {"text", "ids" (no special tokens), "ids_special" (add_special_tokens=True),
"decoded", "decoded_skip_special"}.

Needs: pip install tokenizers; ../shared/corpora/devil.txt.
Run from the repository root: python3 tools/gen_tokenizer_fixtures.py
"""
import gzip
import json
import os
import random

import tokenizers
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

OUT = "tests/fixtures/tokenizer/families"
CORPUS = "../shared/corpora/devil.txt"
LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
          r"\s*[\r\n]+|\s+(?!\S)|\s+")

TEXTS = [
    "", " ", "  ", "\n", "\r\n", "\t", "Hello, world!", "Hello world", " Hello", "Hello ", "HELLO World's",
    "I'm sure you'll see they'd've DON'T", "it's 'quoted' text", "a  b   c    d", "trailing spaces   ",
    "line one\nline two\n\n\nline three\r\n", "tabs\tand\tspaces \t mixed", "\u00a0non-breaking\u00a0space",
    "12345678901234567890", "3.14159 and 2,718 and 1e-10", "x1y22z333", "phone: +1 (555) 010-9999",
    "def f(x):\n    return x ** 2  # square\n", "if (a && b) { c[i] = d->e; }", "<html><body>hi</body></html>",
    "naïve café résumé", "e\u0301 vs \u00e9", "Å Å Å ﬁ ① ²", "ﾊﾝｶｸ ｶﾀｶﾅ", "Ｆｕｌｌｗｉｄｔｈ １２３",
    "中文文本，没有空格。", "日本語のテキストです", "한국어 텍스트", "العربية نص", "हिन्दी पाठ", "Ελληνικά κείμενο",
    "😀 👍🏽 👨\u200d👩\u200d👧 🇫🇷", "\u200bzero\u200bwidth", "control\x00\x01\x1f chars", "\x85 nel \u2028 ls",
    "\U0001e4d0\U0001e4d1 new letters \U00010d40", "ſ ſs 's 'S 'ſ", "İstanbul KELVIN K", "a" * 300,
    " ".join(["word"] * 50), "ab" * 100 + "!" * 50,
]

ADDED_PROBES = ["{t}", "a{t}b", "a {t} b", "a  {t}  b", "{t}{t}", " {t}\n", "x{t}", "{t}y", "word{t}word",
                "\t{t}\t", "{t} {t}"]


def random_texts(n, seed):
    rng = random.Random(seed)
    pool = (list(" \t\n\r\u00a0\u3000") + list("abcdefghijklmnopqrstuvwxyzABC'.,!?-_()") + list("0123456789") +
            list("\u0301\u0308\u0327\u0316\u05b0ﬁ①Åé中文日本한😀") + ["\U0001e4d0", "ſ"])
    return ["".join(rng.choice(pool) for _ in range(rng.randint(1, 30))) for _ in range(n)]


def train_base():
    t = Tokenizer(models.BPE())
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=1000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=["<|endoftext|>"], show_progress=False)
    t.train([CORPUS], trainer)
    return json.loads(t.to_str())


def variants(base):
    """(name, tokenizer.json dict) for each family configuration."""
    vocab_size = len(base["model"]["vocab"])

    def make(normalizer, pre, post, added, ignore_merges=False):
        d = json.loads(json.dumps(base))
        d["normalizer"], d["pre_tokenizer"], d["post_processor"] = normalizer, pre, post
        d["decoder"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
        d["model"]["ignore_merges"] = ignore_merges
        d["added_tokens"] = []
        t = Tokenizer.from_str(json.dumps(d))
        t.add_special_tokens([a for a in added if a.special])
        t.add_tokens([a for a in added if not a.special])
        return json.loads(t.to_str())

    def byte_level(prefix, regex):
        return {"type": "ByteLevel", "add_prefix_space": prefix, "trim_offsets": True, "use_regex": regex}

    def split(pattern, behavior, invert=False, literal=False):
        return {"type": "Split", "pattern": {"String" if literal else "Regex": pattern}, "behavior": behavior,
                "invert": invert}

    bos = "<|begin_of_text|>"
    llama_post = {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {bos: {"id": bos, "ids": [vocab_size], "tokens": [bos]}}}]}
    yield "gpt2", make(None, byte_level(False, True), byte_level(True, True),
                       [AddedToken("<|endoftext|>", special=True)])
    yield "gpt2_prefix_space", make(None, byte_level(True, True), None,
                                    [AddedToken("<|endoftext|>", special=True), AddedToken("<sep>", special=False)])
    yield "llama3", make(None, {"type": "Sequence", "pretokenizers": [split(LLAMA3, "Isolated"),
                                                                      byte_level(False, False)]},
                         llama_post,
                         [AddedToken(bos, special=True), AddedToken("<|eot_id|>", special=True),
                          AddedToken("<mask>", special=True, lstrip=True),
                          AddedToken("[R]", special=False, rstrip=True),
                          AddedToken("word", special=False, single_word=True),
                          AddedToken("ﬁx", special=False, normalized=True),
                          AddedToken("<raw ﬁ>", special=False, normalized=False)],
                         ignore_merges=True)
    yield "behaviours_nfkc", make(
        {"type": "Sequence", "normalizers": [{"type": "NFKC"}]},
        {"type": "Sequence", "pretokenizers": [
            split(" ", "MergedWithPrevious", literal=True), split("[,.]", "MergedWithNext"),
            split(r"\p{P}+", "Contiguous"), split("x", "Removed"), split("[aeiou]", "Isolated", invert=True),
            split("q+", "Removed", invert=True), {"type": "Digits", "individual_digits": True},
            byte_level(False, False)]},
        {"type": "BertProcessing", "sep": ["<|endoftext|>", 0], "cls": ["<|endoftext|>", 0]},
        [AddedToken("<|endoftext|>", special=True), AddedToken("ﬁx", special=False, normalized=True)])
    yield "regex_syntax", make(None, {"type": "Sequence", "pretokenizers": [
        split(r"\w+(?=\s)|\d|[^\w\s]+", "Isolated"), split(r"\s+$", "Isolated"), split(r"(?i)th[e]", "Isolated"),
        split(r"\u00e9|\x{1F600}|\pL\p{Lu}", "Isolated"), split(r"a.c", "Isolated"), split(r"\S\W", "Isolated"),
        split(r"\D\d", "Removed"), byte_level(False, False)]}, None, [])
    yield "nfd_digits", make({"type": "NFD"},
                             {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": False},
                                                                    byte_level(False, True)]}, None, [])
    yield "nfkd", make({"type": "Sequence", "normalizers": [{"type": "NFKD"}, {"type": "NFC"}]},
                       byte_level(True, True), None, [AddedToken("<|endoftext|>", special=True)])


def main():
    os.makedirs(OUT, exist_ok=True)
    base = train_base()
    for name, tj in variants(base):
        text = json.dumps(tj, ensure_ascii=False, indent=None)
        t = Tokenizer.from_str(text)
        added = [a.content for a in t.get_added_tokens_decoder().values()]
        texts = TEXTS + random_texts(150, seed=len(name)) + [p.format(t=a) for a in added for p in ADDED_PROBES]
        with gzip.GzipFile(f"{OUT}/{name}.json.gz", "wb", mtime=0) as f:
            f.write(text.encode())
        with gzip.GzipFile(f"{OUT}/{name}.cases.jsonl.gz", "wb", mtime=0) as f:
            for s in texts:
                ids = t.encode(s, add_special_tokens=False).ids
                line = {"text": s, "ids": ids, "ids_special": t.encode(s, add_special_tokens=True).ids,
                        "decoded": t.decode(ids, skip_special_tokens=False),
                        "decoded_skip_special": t.decode(ids, skip_special_tokens=True)}
                f.write((json.dumps(line, ensure_ascii=False) + "\n").encode())
        print(f"{name}: {len(texts)} cases")
    with open(f"{OUT}/README.md", "w") as f:
        f.write(f"Generated by tools/gen_tokenizer_fixtures.py with Hugging Face tokenizers "
                f"{tokenizers.__version__}; do not edit. See that script for what each variant covers.\n")


if __name__ == "__main__":
    main()
