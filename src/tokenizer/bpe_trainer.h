// BpeTrainer: learns a byte-level BPE vocabulary from a corpus and writes it as
// a Hugging Face tokenizer.json with DeepSeek-V3's pipeline (its Split
// pre-tokenizer regexes + ByteLevel, ByteLevel decoder), which both minke's
// Tokenizer and HF `tokenizers` load and encode identically.
//
// The algorithm is HF tokenizers' BpeTrainer (models/bpe/trainer.rs), step for
// step, so that the same corpus gives the same vocabulary and merges:
//   1. Feed: every line of every file (with its line ending, as HF's
//      train(files) reads them) is pre-tokenized into words, which are counted.
//   2. Vocabulary: the special tokens (ids 0..k-1, in the order given), then
//      the 256 byte-level chars sorted by code point (HF's initial_alphabet =
//      ByteLevel.alphabet()).
//   3. Merges: the pair counts of all words go into a max-heap keyed by
//      (count, then the smaller pair of ids). Pop the best pair; if its count is
//      stale, push it back with the current count; else add the merged token
//      (reusing its id if that string already exists), merge the pair in the
//      words that hold it, update the neighbouring pairs' counts by the words'
//      frequencies (incremental, no recount), and push the pairs that gained
//      occurrences. Stop at vocab_size entries (specials included) or when no
//      pair is left (or below min_frequency).
// Not thread-safe; Feed uses OpenMP threads internally.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "tokenizer/pre_tokenizer.h"

namespace minke::tokenizer {

struct BpeTrainerOptions {
  uint32_t vocab_size = 0;                  // HF vocab_size: specials + 256 bytes + merges
  std::vector<std::string> special_tokens;  // added tokens with special=true, ids 0..k-1
  uint64_t min_frequency = 0;               // a pair seen fewer times is never merged (HF default 0)
  // Called now and then with the stage ("counting words", "merging"), work done and total.
  std::function<void(const std::string& stage, uint64_t done, uint64_t total)> progress;
};

struct BpeTrainingStats {
  uint64_t bytes = 0, words = 0, unique_words = 0;
  uint32_t vocab_size = 0, merges = 0;  // what was reached (vocab_size < requested: corpus exhausted)
};

class BpeTrainer {
 public:
  // Errors when vocab_size < 256 + specials, or a special token is empty or repeated.
  static Result<BpeTrainer> Create(BpeTrainerOptions options);

  // Counts the words of one sequence (HF: one line with its ending).
  // Errors on invalid UTF-8 (HF reads Rust strings), naming the byte offset.
  Status Feed(std::string_view sequence);
  // Counts every line of a file; errors name the file (and line).
  Status FeedFile(const std::string& path);

  // Runs the merges; the tokenizer.json text, and *stats if given.
  // Errors when nothing was fed (an empty corpus).
  Result<std::string> Train(BpeTrainingStats* stats = nullptr);

  // The pre-tokenizer the trained tokenizer.json declares (DeepSeek-V3's).
  static const char* PreTokenizerJson();

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using WordCounts = std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>>;

  Status FeedLines(std::string_view text, const std::string& where);
  void Report(const std::string& stage, uint64_t done, uint64_t total) const {
    if (options_.progress) options_.progress(stage, done, total);
  }

  BpeTrainerOptions options_;
  PreTokenizer pre_tokenizer_;
  WordCounts counts_;
  uint64_t bytes_ = 0;
};

// Trains on `files` and writes the tokenizer.json atomically to `out_path`.
Result<BpeTrainingStats> TrainBpeTokenizer(const BpeTrainerOptions& options, const std::vector<std::string>& files,
                                           const std::string& out_path);

}  // namespace minke::tokenizer
