// TokenDataset: a token-shard directory (token_meta.h, written by
// `minke data tokenize`) mapped read-only, serving training batches.
//
//   auto ds = data::TokenDataset::Open("shards/", /*seed=*/1234);
//   std::vector<int32_t> tokens;  // [B, T + 1]
//   MINKE_RETURN_IF_ERROR(ds->Batch(data::Split::kTrain, step, B, T, &tokens));
//   // row b: inputs tokens[b*(T+1) + 0 .. T-1], targets tokens[b*(T+1) + 1 .. T]
//
// Random batches have no hidden state: row r of step s starts at an offset
// drawn by a counter-based generator, Hash64 of (seed, split, s, r), uniform
// over every start that fits. Batch(s) is the same at every call, so a run
// resumed at step s sees exactly the batches it would have seen. Rows may
// cross document boundaries (the end-of-document token separates them), as
// in GPT-style pre-training.
//
// Open checks meta.json (token_meta.h) and that each .bin holds exactly
// tokens × dtype bytes, naming the file on mismatch ("truncated or
// corrupt"). Every id copied out is checked against vocab_size, so a
// corrupt shard is an error naming the file and token offset, never an
// out-of-range embedding row. The shard's sha256 is not recomputed on open
// (seconds per GB); VerifyChecksums() does that on demand.
//
// Thread safety: const methods are safe to call concurrently. The mapping
// lives as long as the TokenDataset.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/status.h"
#include "data/token_meta.h"

namespace minke::data {

class TokenDataset {
 public:
  // Opens DIR/meta.json, DIR/train.bin and DIR/val.bin. `seed` keys Batch().
  static Result<TokenDataset> Open(const std::string& dir, uint64_t seed);

  const TokenShardMeta& meta() const { return meta_; }
  const std::string& dir() const { return dir_; }
  uint64_t seed() const { return seed_; }
  uint64_t num_tokens(Split s) const { return s == Split::kTrain ? meta_.train.tokens : meta_.val.tokens; }
  uint32_t vocab_size() const { return meta_.vocab_size; }
  uint32_t eos_id() const { return meta_.eos_id; }

  // Fills *tokens with [batch_size, seq_len + 1] ids, row-major: row r is
  // the split's tokens [o, o + seq_len + 1) for o = Offset(split, step, r).
  // REQUIRES: batch_size >= 1, seq_len >= 1 (else an error); errors if the
  // split holds fewer than seq_len + 1 tokens.
  Status Batch(Split split, uint64_t step, int batch_size, int seq_len, std::vector<int32_t>* tokens) const;
  // The start of row `row` of step `step`: uniform in [0, n - seq_len - 1].
  // REQUIRES: num_tokens(split) > seq_len (Batch checks it).
  uint64_t Offset(Split split, uint64_t step, int row, int seq_len) const;

  // Sequential evaluation: window w is tokens [w*seq_len, w*seq_len + seq_len + 1),
  // so windows tile the split and every token but the first is a target once.
  uint64_t NumWindows(Split split, int seq_len) const;
  // Copies window w to out[0 .. seq_len]. REQUIRES: w < NumWindows(split, seq_len).
  Status Window(Split split, uint64_t w, int seq_len, int32_t* out) const;

  // Recomputes the SHA-256 of each .bin and compares it with meta.json.
  Status VerifyChecksums() const;

 private:
  TokenDataset() = default;
  Status Copy(Split split, uint64_t offset, int count, int32_t* out) const;
  const MappedFile& file(Split s) const { return s == Split::kTrain ? *train_ : *val_; }

  std::string dir_;
  uint64_t seed_ = 0;
  TokenShardMeta meta_;
  std::unique_ptr<MappedFile> train_, val_;
};

// Walks a split's windows in order, batch_size at a time (the last batch may
// be short): a deterministic validation pass. Holds a reference to the
// dataset, which must outlive it. Not thread-safe.
class SequentialBatches {
 public:
  // max_windows > 0 caps the pass (a quick validation on a prefix).
  SequentialBatches(const TokenDataset& ds, Split split, int batch_size, int seq_len, uint64_t max_windows = 0);
  // Fills *tokens with [*rows, seq_len + 1] ids; false once the pass is over.
  Result<bool> Next(std::vector<int32_t>* tokens, int* rows);
  uint64_t num_windows() const { return windows_; }
  void Reset() { next_ = 0; }

 private:
  const TokenDataset& ds_;
  Split split_;
  int batch_size_, seq_len_;
  uint64_t windows_, next_ = 0;
};

}  // namespace minke::data
