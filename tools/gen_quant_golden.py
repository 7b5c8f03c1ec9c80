#!/usr/bin/env python3
"""Golden Q8_0 / Q4_0 blocks from gguf-py (llama.cpp's Python reference of the GGML
quantizers), run by hand: `pip install gguf numpy; python3 tools/gen_quant_golden.py`.

Writes tests/fixtures/quant/input.f32 (little-endian float32 [8, 256], includes zeros,
ties and outliers), q8_0.bin and q4_0.bin (the quantized rows, GGML block layout).
"""
import os

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fixtures", "quant")

rng = np.random.default_rng(2024)
x = rng.standard_normal((8, 256)).astype(np.float32)
x[1] *= 1e-3                      # small scales
x[2, :32] = 0.0                   # an all-zero block
x[3, 5] = 40.0                    # an outlier dominating its block
x[4, :32] = np.arange(32) - 16.0  # exact grid values and ties
x[5] = np.round(x[5] * 8) / 8     # many values on halves
os.makedirs(OUT, exist_ok=True)
x.astype("<f4").tofile(os.path.join(OUT, "input.f32"))
quants.quantize(x, T.Q8_0).tofile(os.path.join(OUT, "q8_0.bin"))
quants.quantize(x, T.Q4_0).tofile(os.path.join(OUT, "q4_0.bin"))
print("wrote", OUT)
