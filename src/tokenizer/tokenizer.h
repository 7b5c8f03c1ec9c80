// Tokenizer: a Hugging Face tokenizer.json (byte-level BPE: DeepSeek-V3/R1/V2,
// Qwen2, Llama-3, GPT-2) that encodes text to exactly the ids HF `tokenizers`
// gives, and decodes ids back to text.
//
// Encode(text) runs HF's pipeline (tokenizer.rs `encode_single_sequence`):
//   1. added tokens with normalized=false are cut out of the raw text;
//   2. each remaining span is normalized (normalizer.h), then added tokens
//      with normalized=true are cut out of that;
//   3. each remaining span is pre-tokenized (pre_tokenizer.h) into words;
//   4. each word is BPE-encoded over its bytes (bpe.h);
//   5. with add_special_tokens, the post-processor adds its tokens
//      (post_processor.h; none for DeepSeek-V3, whose post-processor is ByteLevel).
// Input must be valid UTF-8 (else an error naming the byte offset; HF only
// accepts Rust strings) and below 4 GiB.
//
// Every part of tokenizer.json is checked when loading: a component type or
// field we do not implement is an error naming it, e.g.
//   "tokenizer.json: pre_tokenizer type 'Metaspace' is not supported".
// Only byte-level BPE is supported: the pre-tokenizer must end with ByteLevel.
// Token ids must be below 2^21 (kMaxTokenId).
// A loaded Tokenizer is immutable; Encode/Decode are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tokenizer/added_vocabulary.h"
#include "tokenizer/bpe.h"
#include "tokenizer/decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"

namespace minke::tokenizer {

class Tokenizer {
 public:
  // Reads and parses a tokenizer.json file; errors are prefixed with its path.
  static Result<Tokenizer> FromFile(const std::string& path);
  // Parses tokenizer.json text; `name` prefixes errors.
  static Result<Tokenizer> FromJson(std::string_view text, const std::string& name = "tokenizer.json");

  // Appends the ids of `text` to *ids (HF: encode(text, add_special_tokens)).
  Status Encode(std::string_view text, bool add_special_tokens, std::vector<uint32_t>* ids) const;
  Result<std::vector<uint32_t>> Encode(std::string_view text, bool add_special_tokens) const;

  // HF: decode(ids, skip_special_tokens). Unknown ids are an error.
  Result<std::string> Decode(std::span<const uint32_t> ids, bool skip_special_tokens) const {
    return decoder_.Decode(ids, skip_special_tokens);
  }
  // Incremental decoding (see decoder.h); the Tokenizer must outlive it.
  StreamDecoder NewStreamDecoder(bool skip_special_tokens) const {
    return StreamDecoder(decoder_, skip_special_tokens);
  }

  // Token spelling <-> id, added tokens first (as HF token_to_id / id_to_token;
  // like HF, IdToToken gives a normalized added token's normalized content).
  std::optional<uint32_t> TokenToId(std::string_view token) const;
  std::optional<std::string> IdToToken(uint32_t id) const;
  bool IsSpecial(uint32_t id) const { return decoder_.IsSpecial(id); }

  // One more than the largest id (model vocab or added token).
  uint32_t vocab_size() const { return vocab_size_; }
  const std::vector<AddedToken>& added_tokens() const { return added_.tokens(); }

 private:
  Status EncodeText(std::string_view text, std::vector<uint32_t>* ids) const;
  std::string AddedSpelling(const AddedToken& a) const;

  Normalizer normalizer_;
  PreTokenizer pre_tokenizer_;
  Bpe model_;
  AddedVocabulary added_;
  PostProcessor post_processor_;
  Decoder decoder_;
  uint32_t vocab_size_ = 0;
};

}  // namespace minke::tokenizer
