#!/usr/bin/env bash
# The main job: from raw text to a trained, auditable DeepSeek-V3-style model.
#   1. learn a 4096-token byte-level BPE vocabulary on the bundled corpus
#      (King James Bible + The Devil's Dictionary, data/corpus/),
#   2. tokenize the corpus into train/val token shards,
#   3. train a small MoE (MLA, 16 experts top-2 + 1 shared, MTP) from scratch
#      (examples/train_tiny.toml; rerunning resumes from the last checkpoint),
#   4. plot the curves, verify the ledger, and generate text from the result.
# Everything lands in run/ (RUN=dir to change). STEPS=n overrides the step count.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
RUN=${RUN:-run}
mkdir -p "$RUN"
M=./build/minke
corpus=(data/corpus/kjv.txt.gz data/corpus/devil.txt.gz)

if [ ! -f "$RUN/tokenizer.json" ]; then
  for f in "${corpus[@]}"; do gzip -dc "$f" > "$RUN/$(basename "${f%.gz}")"; done
  $M tokenizer train --vocab-size 4096 --out "$RUN/tokenizer.json" "$RUN/kjv.txt" "$RUN/devil.txt"
fi
[ -f "$RUN/shards/meta.json" ] ||
  $M data tokenize --tokenizer "$RUN/tokenizer.json" --val-fraction 0.02 --out "$RUN/shards" "${corpus[@]}"

sed -e "s#\"run/#\"$RUN/#" examples/train_tiny.toml > "$RUN/train.toml"
$M train --config "$RUN/train.toml" ${STEPS:+--steps "$STEPS"}
$M plot "$RUN/train" --out "$RUN/train/plot.svg"
$M verify "$RUN/train/model"
$M info --model "$RUN/train/model"
for prompt in "And God said" "LAWYER, n."; do
  echo "== $prompt"
  $M generate --model "$RUN/train/model" --prompt "$prompt" --max-new-tokens 60 --temperature 0.8 --top-p 0.95 --seed 1
  echo
done
echo "run directory: $RUN (metrics.jsonl, plot.svg, model/ with provenance.json and MODEL_CARD.md)"
