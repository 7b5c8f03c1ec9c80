// Regex: a pattern from a tokenizer.json, compiled with PCRE2 (UTF + UCP, JIT)
// so that it matches what Hugging Face `tokenizers` matches.
//
// HF tokenizers (its default build, as in the Python package) runs Split
// patterns with Oniguruma in Ruby syntax, Unicode 16 tables. The patterns real
// files use (GPT-2, Llama-3, Qwen2, DeepSeek: \p{L}, \p{N}, \s+(?!\S),
// (?i:'s|'t|...)) read the same in PCRE2 except for Unicode data, which
// TranslateHfRegex patches: general categories \p{L} \p{N} \p{M} \p{P} \p{S}
// get the code points Unicode 15/16 added; \s \w \d become HF's explicit sets
// (PCRE2 10.42's \s also has U+180E; its \w lacks marks). Oniguruma syntax is
// kept: \h is a hex digit, \v the VT char, \uHHHH a code point, an escaped
// letter Oniguruma does not define (\pL without braces, \U, \Q, \E, \q) is
// that letter, ^ and $ match at line ends, (?m) is dot-all, a{,n} is a{0,n}.
// Oniguruma constructs PCRE2 10.42 lacks (nested classes, class intersection
// &&, \y \Y \O) are errors. Known gaps: \S \W \D and \P{..} inside a
// [...] class, \b, POSIX [:classes:] and other properties use PCRE2's tables.
//
// FindAll follows the find_iter contract of HF's engine: leftmost-first
// matches, left to right, non-overlapping; an empty match right where the
// previous match ended is skipped. A compiled Regex is immutable and safe to
// share between threads (each thread keeps its own PCRE2 match data).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace minke::tokenizer {

// [begin, end) byte offsets of a match.
using Span = std::pair<uint32_t, uint32_t>;

// The PCRE2 spelling of an HF (Oniguruma) pattern; errors name the construct.
Result<std::string> TranslateHfRegex(std::string_view pattern);

// Whether `c` is a word character for HF's single_word check on added tokens
// (the Rust regex crate's \w there, unlike the \w of Split patterns).
bool IsSingleWordChar(char32_t c);

class Regex {
 public:
  // Translates and compiles; errors quote the pattern and PCRE2's message.
  static Result<Regex> Compile(std::string_view pattern);

  // Appends every match in `subject` to *matches (cleared first).
  // REQUIRES: subject is valid UTF-8 (PCRE2 is run without re-checking it).
  Status FindAll(std::string_view subject, std::vector<Span>* matches) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  Regex(std::string pattern, std::shared_ptr<const Code> code) : pattern_(std::move(pattern)), code_(std::move(code)) {}
  std::string pattern_;
  std::shared_ptr<const Code> code_;
};

}  // namespace minke::tokenizer
