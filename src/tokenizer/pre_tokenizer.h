// PreTokenizer: the tokenizer.json "pre_tokenizer" step, which cuts normalized
// text into pieces ("words") that BPE then encodes one by one.
//
// Supported (HF tokenizers semantics):
//  - "Split": pattern {"Regex": ..} (regex.h) or {"String": ..} (literal);
//    behavior Removed | Isolated | MergedWithPrevious | MergedWithNext |
//    Contiguous; invert (the non-matches become the delimiters).
//  - "ByteLevel": add_prefix_space (a ' ' is prepended to every piece not
//    starting with one), use_regex (split with the GPT-2 pattern). It must be
//    the last step: it switches to the byte alphabet, which the BPE model's
//    byte-level input (bpe.h) realises.
//  - "Digits": individual_digits or not (\p{N} runs or single \p{N}).
//  - "Sequence": each step splits every piece of the previous one; a regex
//    never sees beyond its piece (lookahead included).
// Empty pieces are dropped, as HF does. Other types are errors naming them.
// Immutable after construction; thread-safe.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tokenizer/json_util.h"
#include "tokenizer/regex.h"

namespace minke::tokenizer {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Applies `behavior` to the (span, is_match) list covering a piece; returns
// the spans to keep. Exposed for tests.
std::vector<Span> ApplySplitBehavior(const std::vector<std::pair<Span, bool>>& parts, SplitBehavior behavior);

class PreTokenizer {
 public:
  // Working memory for Run(); reuse one per thread to avoid allocations.
  struct Scratch {
    std::vector<std::string_view> next;
    std::vector<Span> matches;
    std::vector<std::pair<Span, bool>> parts;
    std::deque<std::string> owned;  // pieces with a prepended space
  };

  // `j` is the "pre_tokenizer" value; `where` prefixes errors.
  static Result<PreTokenizer> FromJson(const json& j, const std::string& where);

  // True when the last step is ByteLevel (the tokenizer is byte-level).
  bool byte_level() const { return byte_level_; }

  // Replaces *pieces (one piece of text) with its pieces. The views point into
  // the original text or into scratch->owned: valid until the next Run with
  // the same scratch. REQUIRES: every piece is valid UTF-8.
  Status Run(std::vector<std::string_view>* pieces, Scratch* scratch) const;

 private:
  struct Step {
    enum Kind { kSplit, kByteLevel } kind = kSplit;
    std::optional<Regex> regex;  // kSplit (a String pattern is compiled escaped); kByteLevel with use_regex
    SplitBehavior behavior = SplitBehavior::kIsolated;
    bool invert = false;
    bool add_prefix_space = false;  // kByteLevel
  };
  static Status Collect(const json& j, const std::string& where, std::vector<Step>* steps);
  Status SplitPiece(const Step& s, std::string_view piece, Scratch* scratch) const;

  std::vector<Step> steps_;
  bool byte_level_ = false;
};

}  // namespace minke::tokenizer
