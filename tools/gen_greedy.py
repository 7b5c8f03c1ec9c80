#!/usr/bin/env python3
"""Golden greedy generations from Hugging Face transformers' `generate`.

Run by hand (never by CI), after tools/gen_golden.py:

    python3 tools/gen_greedy.py

For each fixture below, loads tests/fixtures/model/<case>/ into transformers exactly as
gen_golden.py does (same conventions and patches), runs `model.generate(prompt,
do_sample=False, max_new_tokens=N)` with transformers' own KV cache, and writes
greedy.safetensors: `prompt_ids` I64 [P] and `generated_ids` I64 [N].
minke's latent-cache decoder must produce the same ids token for token
(tests/infer/generator_test.cc).
"""
import os
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_golden as g  # noqa: E402

CASES = ["v3_full", "v2_lite", "v2_group_bf16", "v3_fp8", "v3_noyarn_sharded"]
PROMPT = [5, 17, 3, 42, 9]
NEW_TOKENS = 12


def main():
    for case in CASES:
        d = os.path.join(g.FIXTURE_ROOT, case)
        eff = g.effective_weights(g.read_model_files(d))
        model, _, hub = g.build_hf(d, eff)
        prompt = torch.tensor([PROMPT], dtype=torch.int64)
        with torch.no_grad():
            out = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                                 max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, eos_token_id=None,
                                 pad_token_id=0)
        gen = out[0, len(PROMPT):].contiguous()
        # Cross-check: greedy by recomputing the full forward each step (no cache).
        seq = list(PROMPT)
        with torch.no_grad():
            for _ in range(NEW_TOKENS):
                logits = model(torch.tensor([seq])).logits[0, -1]
                seq.append(int(logits.argmax()))
        assert seq[len(PROMPT):] == gen.tolist(), (case, seq, gen)
        save_file({"prompt_ids": torch.tensor(PROMPT, dtype=torch.int64), "generated_ids": gen},
                  os.path.join(d, "greedy.safetensors"))
        print(case, gen.tolist())


if __name__ == "__main__":
    main()
