// The transparency ledger: what went into a trained model and what it cost.
//
// The trainer fills a RunRecord and calls WriteProvenance(dir, record) on
// the output directory; that writes, each through an AtomicFile,
//   dir/provenance.json  machine-readable: the record, the derived figures
//                        below, and the SHA-256 + size of every output file
//                        (OutputFilesToHash: weights, configs, tokenizer);
//   dir/MODEL_CARD.md    the same for people.
// `minke verify DIR` (VerifyProvenance) recomputes those hashes later.
//
// Derived figures (Derive), each stated with its method in the record:
//   achieved FLOP/s = flops / wall_seconds  (flops: the trainer's analytic
//                     count, e.g. 6N + 3A per token as in data/cost.h)
//   MFU             = achieved / peak_flops (peak: a measured GEMM rate,
//                     hardware.h MeasureGemmPeakFlops, or the trainer's own)
//   energy (kWh)    = power_watts × wall hours. No meter is read: power is a
//                     TDP-style estimate. Given power_watts <= 0, the default
//                     is each GPU's nvidia-smi power limit, or without GPUs
//                     kDefaultWattsPerThread × threads used.
//   cost            = price_per_hour × wall hours (0 when no price is given).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/hardware.h"

namespace minke::data {

constexpr double kDefaultWattsPerThread = 10.0;

struct FileDigest {
  std::string path;  // as given (inputs) or relative to the run directory (outputs)
  uint64_t bytes = 0;
  std::string sha256;
};

struct RunRecord {
  std::string model_name;                  // a title for the model card
  std::vector<FileDigest> inputs;          // training data (HashFiles), e.g. train.bin, val.bin, meta.json
  std::string data_report;                 // the `data clean` report.json the data came from, if any
  std::string config_text, config_format;  // the full run config, verbatim ("json", "toml", ...)
  std::string code_version = CodeVersion();
  uint64_t seed = 0;
  HardwareInfo hardware;  // DetectHardware()
  int threads = 0;        // compute threads used
  uint64_t steps = 0, tokens_seen = 0;
  std::string started_at, finished_at;  // UTC, ISO 8601 (UtcNow())
  double wall_seconds = 0;
  double flops = 0;  // analytic total training FLOPs
  std::string flops_method;
  double peak_flops = 0;  // FLOP/s that MFU is stated against
  std::string peak_method;
  double power_watts = 0;  // <= 0: the default estimate above
  std::string power_method;
  double price_per_hour = 0;  // USD per hour for the machine
  double final_train_loss = NAN, final_val_loss = NAN;

  static std::string CodeVersion();  // `git describe` at build time, or "unknown"
};

// The figures WriteProvenance derives from a record (see the header comment).
struct DerivedFigures {
  double achieved_flops_per_s = 0, mfu = 0;
  double power_watts = 0, energy_kwh = 0, cost = 0;
  std::string power_method;
};
DerivedFigures Derive(const RunRecord& r);

// SHA-256 and size of each file; errors name the file.
Result<std::vector<FileDigest>> HashFiles(const std::vector<std::string>& paths);
// The inputs of a run trained on a token-shard directory (token_meta.h):
// meta.json, train.bin and val.bin, hashed now (so the record holds what was
// read, not what meta.json claims; ~250 MB/s), then the corpus files that
// meta.json lists, with the size and SHA-256 recorded when they were tokenized.
Result<std::vector<FileDigest>> TokenShardInputs(const std::string& shard_dir);
// Regular files directly in dir that a model consists of, sorted: *.safetensors,
// *.safetensors.index.json, config.json, generation_config.json, tokenizer.json,
// tokenizer_config.json (not logs or metrics, which may still grow).
std::vector<std::string> OutputFilesToHash(const std::string& dir);
std::string UtcNow();

Status WriteProvenance(const std::string& dir, const RunRecord& record);

struct VerifyResult {
  int checked = 0;
  std::vector<std::string> problems;  // one line per missing or changed file
  bool ok() const { return problems.empty(); }
};
// Recomputes every output hash listed in dir/provenance.json (and, with
// check_inputs, the inputs' at their recorded paths). A missing or malformed
// provenance.json is an error; mismatches are listed in the result.
Result<VerifyResult> VerifyProvenance(const std::string& dir, bool check_inputs);

}  // namespace minke::data
