#!/usr/bin/env bash
# The main job (for now): build, create a small random DeepSeek-V3-style
# checkpoint from the bundled config, describe it, and print its logits.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
OUT=${OUT:-out/tiny_v3}
mkdir -p "$(dirname "$OUT")"
./build/minke init --config examples/tiny_v3.json --out "$OUT" --dtype bf16 --seed 1
./build/minke info --model "$OUT"
./build/minke logits --model "$OUT" --tokens 1,2,3,4 --out "$OUT/logits.f32"
echo "logits [4, 512] (little-endian float32) written to $OUT/logits.f32; first values of row 0:"
./build/minke logits --model "$OUT" --tokens 1,2,3,4 > "$OUT/logits.txt"
head -1 "$OUT/logits.txt" | cut -d' ' -f1-8
echo "MTP module logits (row i predicts token i+2), first values of row 0:"
./build/minke logits --model "$OUT" --tokens 1,2,3,4 --mtp > "$OUT/mtp_logits.txt"
head -1 "$OUT/mtp_logits.txt" | cut -d' ' -f1-8
echo "greedy continuation of tokens 1,2,3,4 with the MLA latent KV cache:"
./build/minke generate --model "$OUT" --tokens 1,2,3,4 --max-new-tokens 16 --temperature 0
