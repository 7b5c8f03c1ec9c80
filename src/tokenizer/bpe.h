// Bpe: the tokenizer.json "model" of type "BPE" over the byte alphabet.
//
// A word (one pre-tokenized piece, as raw bytes) starts as one symbol per byte
// (the vocabulary id of that byte's GPT-2 char, byte_level.h); then the
// adjacent pair with the lowest merge rank is merged, leftmost first among
// equal ranks, until no pair has a merge (HF tokenizers model/bpe/word.rs
// `merge_all`). With ignore_merges, a word that is itself a vocabulary entry
// is emitted as that one id (Llama-3). A byte whose char is not in the vocab
// becomes unk_token if there is one (fused runs with fuse_unk) and is dropped
// otherwise, as HF does.
//
// Merges are a hash map keyed by the pair of ids. Encoded words are cached per
// thread and model (words up to kMaxCachedWordBytes, at most 2^17 of them: the
// cache is cleared when full; a thread keeps the caches of its last 4 models).
// Unsupported: dropout, byte_fallback, continuing_subword_prefix,
// end_of_word_suffix (errors). Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "tokenizer/json_util.h"

namespace minke::tokenizer {

class Bpe {
 public:
  static constexpr size_t kMaxCachedWordBytes = 64;

  // `j` is the "model" object; `where` prefixes errors.
  static Result<Bpe> FromJson(const json& j, const std::string& where);

  // Appends the ids of one word given as raw bytes (non-empty).
  void EncodeWord(std::string_view bytes, std::vector<uint32_t>* ids) const;

  // The same without the cache, with the O(n^2) scan or the heap forced:
  // references for tests.
  void EncodeWordUncached(std::string_view bytes, bool use_heap, std::vector<uint32_t>* ids) const;

  // Vocabulary lookups in the byte-level spelling ("Ġthe").
  std::optional<uint32_t> TokenToId(std::string_view token) const;
  const std::string* IdToToken(uint32_t id) const;
  // The raw bytes of a byte-level vocabulary entry, or nullptr when its
  // spelling has chars outside the byte map.
  const std::string* IdToBytes(uint32_t id) const;
  // One more than the largest id.
  uint32_t id_limit() const { return static_cast<uint32_t>(id_to_token_.size()); }
  size_t num_merges() const { return merges_.size(); }

 private:
  struct Merge {
    uint32_t rank, new_id;
  };
  // Open addressing, linear probing, keys are (left << 32 | right).
  class MergeMap {
   public:
    void Reserve(size_t n);
    void Put(uint64_t key, Merge m);  // overwrites, like HF's HashMap collect
    const Merge* Get(uint64_t key) const {
      for (size_t i = Hash(key) & mask_;; i = (i + 1) & mask_) {
        if (keys_[i] == key) return &vals_[i];
        if (keys_[i] == kEmpty) return nullptr;
      }
    }
    size_t size() const { return size_; }

   private:
    static constexpr uint64_t kEmpty = ~0ull;
    size_t Hash(uint64_t k) const { return static_cast<size_t>((k * 0x9E3779B97F4A7C15ull) >> shift_); }
    std::vector<uint64_t> keys_{kEmpty};
    std::vector<Merge> vals_{Merge{}};
    size_t mask_ = 0, size_ = 0;
    int shift_ = 63;
  };
  static uint64_t Key(uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }

  void Symbols(std::string_view bytes, std::vector<uint32_t>* syms) const;
  void MergeScan(std::vector<uint32_t>* syms) const;
  void MergeHeap(std::vector<uint32_t>* syms) const;

  std::unordered_map<std::string, uint32_t> bytes_to_id_;  // byte-level entries, by raw bytes
  std::unordered_map<std::string, uint32_t> other_to_id_;  // entries outside the byte map
  std::vector<std::string> id_to_token_;                   // "" where no entry
  std::vector<std::string> id_to_bytes_;
  std::vector<uint8_t> id_kind_;  // 0 none, 1 byte-level, 2 other
  int64_t byte_id_[256];          // id of each byte's char, -1 if absent
  MergeMap merges_;
  std::optional<uint32_t> unk_id_;
  bool fuse_unk_ = false, ignore_merges_ = false;
  uint64_t uid_;  // identifies this model's entries in the per-thread caches
};

}  // namespace minke::tokenizer
