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
# Q4_0: x * (1/d) + 8.5 lands exactly on an integer here (x[12] = 0.9375 * max), so a
# quantizer that fuses the multiply-add (FMA) truncates one step lower than ggml's
# reference; a block of BF16 weights seen in a real conversion.
x[6, :32] = np.array([0.00027657, 0.01489258, -0.01855469, -0.04492188, -0.01538086, -0.01177979, 0.00558472,
                      -0.0300293, 0.046875, -0.00958252, -0.01745605, -0.00787354, 0.04394531, 0.01422119,
                      0.0009613, -0.02087402, 0.01434326, -0.00418091, -0.02148438, 0.02490234, -0.0177002,
                      -0.00726318, -0.01843262, 0.01275635, 0.01000977, -0.00650024, 0.00723267, -0.00358582,
                      0.00662231, 0.00946045, -0.00396729, 0.02001953], dtype=np.float32)
x[6, 8] = 0.046875
x[6, 12] = 0.046875 * 0.9375
os.makedirs(OUT, exist_ok=True)
x.astype("<f4").tofile(os.path.join(OUT, "input.f32"))
quants.quantize(x, T.Q8_0).tofile(os.path.join(OUT, "q8_0.bin"))
quants.quantize(x, T.Q4_0).tofile(os.path.join(OUT, "q4_0.bin"))
print("wrote", OUT)
