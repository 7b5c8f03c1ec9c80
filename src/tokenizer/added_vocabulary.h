// AddedVocabulary: the tokenizer.json "added_tokens" (e.g. "<｜User｜>",
// "<|im_start|>"), which are cut out of the text before pre-tokenization and
// map straight to their ids (HF tokenizers added_vocabulary.rs).
//
// Matching is leftmost-longest over the token contents, left to right, without
// overlaps (HF: Aho-Corasick, MatchKind::LeftmostLongest). Tokens with
// normalized=false are matched in the raw text; those with normalized=true in
// the normalized text, with their content normalized the same way. Flags:
//  - single_word: the match counts only if the chars on both sides are not
//    word characters (IsSingleWordChar: Rust regex \w); otherwise it is
//    skipped and the search goes on after it.
//  - lstrip / rstrip: the match swallows the whitespace (char::is_whitespace)
//    before / after it.
// encode_special_tokens (treating special tokens as text) is not supported.
// Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tokenizer/json_util.h"
#include "tokenizer/normalizer.h"

namespace minke::tokenizer {

struct AddedToken {
  uint32_t id = 0;
  std::string content;
  bool special = false, single_word = false, lstrip = false, rstrip = false, normalized = false;
};

class AddedVocabulary {
 public:
  // A piece of the text: an added token (id) or plain text to pre-tokenize.
  struct Segment {
    bool is_token;
    uint32_t id;            // when is_token
    std::string_view text;  // the matched or plain text
  };

  // `j` is the "added_tokens" array; normalized contents use `normalizer`.
  static Result<AddedVocabulary> FromJson(const json& j, const Normalizer& normalizer, const std::string& where);

  const std::vector<AddedToken>& tokens() const { return tokens_; }

  // Cuts `text` with the raw-text tokens (normalized == false) or, with
  // `normalized`, the normalized-text tokens; appends segments in order.
  void Split(std::string_view text, bool normalized, std::vector<Segment>* out) const;

 private:
  // A byte trie over token contents; node 0 is the root.
  struct Trie {
    struct Node {
      std::vector<std::pair<unsigned char, uint32_t>> next;
      int32_t token = -1;  // index into tokens_ when a content ends here
    };
    std::vector<Node> nodes{1};
    bool first_byte[256] = {};
    void Insert(std::string_view key, int32_t token);
    // Longest key starting at text[at], as (token index, length); token -1 if none.
    std::pair<int32_t, size_t> Longest(std::string_view text, size_t at) const;
  };
  void Build(const Normalizer& normalizer);

  std::vector<AddedToken> tokens_;
  Trie raw_, normalized_;
};

// Rust char::is_whitespace (Unicode White_Space).
bool IsUnicodeWhiteSpace(char32_t c);

}  // namespace minke::tokenizer
