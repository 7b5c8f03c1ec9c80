#!/usr/bin/env python3
"""Check that a checkpoint minke wrote (e.g. `minke train`'s OUT/model) loads unchanged in Hugging Face
transformers' DeepseekV3ForCausalLM and gives the same logits as `minke logits`.

    python3 tools/check_hf_load.py run/train/model [--minke build/minke]

Needs torch + transformers (not used by the build or CI). Exits 1 on a mismatch.
MTP layers (model.layers.{L}.*) are not part of transformers' model; they are reported as unused.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from transformers import AutoModelForCausalLM


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--minke", default=os.path.join(os.path.dirname(__file__), "..", "build", "minke"))
    ap.add_argument("--tokens", default="0,5,17,300,42,7,1000,3,9,64,128,2")
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    torch.set_num_threads(2)
    model, info = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32, attn_implementation="eager",
                                                       output_loading_info=True)
    model.eval()
    unexpected = [k for k in info["unexpected_keys"] if not k.startswith(f"model.layers.{model.config.num_hidden_layers}.")]
    if info["missing_keys"] or unexpected:
        print("FAIL: missing", info["missing_keys"], "unexpected", unexpected)
        sys.exit(1)
    print(f"loaded {type(model).__name__}: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters, "
          f"{len(info['unexpected_keys'])} MTP tensors unused by transformers")
    ids = [int(x) for x in a.tokens.split(",")]
    with torch.no_grad():
        ref = model(input_ids=torch.tensor([ids])).logits[0].numpy()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "logits.bin")
        subprocess.run([a.minke, "logits", "--model", a.model, "--tokens", a.tokens, "--out", out], check=True,
                       stdout=subprocess.DEVNULL)
        got = np.fromfile(out, dtype="<f4").reshape(ref.shape)
    err = float(np.abs(got - ref).max())
    print(f"max |minke - transformers| over {ref.shape} logits: {err:.2e} (tolerance {a.tol})")
    sys.exit(0 if err <= a.tol else 1)


if __name__ == "__main__":
    main()
