// Decoder: token ids -> text, as HF tokenizers' `decode` with a "ByteLevel"
// decoder (the only one supported; a Sequence holding just ByteLevel is
// accepted; null means the tokenizer cannot decode, which Decode reports).
//
// Each id becomes its token's spelling (an added token's content first, then
// the model vocab; HF spells an added token with normalized=true by its
// normalized content); with skip_special_tokens, tokens whose spelling is a
// special added token's content are dropped (non-special added tokens such as
// "<｜User｜>" stay). Each spelling's chars map back to bytes through the GPT-2
// byte map, or, when some char is outside it ("<｜User｜>"), the spelling's own
// UTF-8 bytes are kept. The bytes of all tokens are then decoded together,
// invalid UTF-8 becoming U+FFFD per maximal subpart (utf8.h, Rust
// from_utf8_lossy). An id with no token is an error (HF silently skips it).
//
// StreamDecoder yields the same text incrementally: Push() returns only text
// that can no longer change (it holds back a trailing incomplete UTF-8
// sequence), Finish() the rest, and their concatenation equals Decode() of
// all ids. Decoder is immutable and thread-safe; a StreamDecoder is not.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tokenizer/json_util.h"

namespace minke::tokenizer {

class Decoder {
 public:
  static Result<Decoder> FromJson(const json& j, const std::string& where);

  // Registers the spelling of `id` (later calls for the same id win).
  void SetToken(uint32_t id, std::string_view spelling, bool special);

  // Appends the bytes of `id` to *bytes (nothing for a skipped special token).
  Status AppendBytes(uint32_t id, bool skip_special_tokens, std::string* bytes) const;

  // The whole decode: bytes of all ids, then lossy UTF-8.
  Result<std::string> Decode(std::span<const uint32_t> ids, bool skip_special_tokens) const;

  bool IsSpecial(uint32_t id) const { return id < entries_.size() && entries_[id].special; }

 private:
  struct Entry {
    std::string bytes;
    bool present = false, special = false;
  };
  bool enabled_ = false;
  std::vector<Entry> entries_;
};

class StreamDecoder {
 public:
  // `decoder` must outlive this object.
  StreamDecoder(const Decoder& decoder, bool skip_special_tokens)
      : decoder_(decoder), skip_special_tokens_(skip_special_tokens) {}

  // The text that `id` completes (often empty or one char; several ids may be
  // needed for one char).
  Result<std::string> Push(uint32_t id);

  // Whatever is held back, with an incomplete trailing sequence as U+FFFD.
  // The decoder is then empty and may be reused.
  std::string Finish();

 private:
  const Decoder& decoder_;
  bool skip_special_tokens_;
  std::string pending_;  // bytes not yet turned into text
};

}  // namespace minke::tokenizer
