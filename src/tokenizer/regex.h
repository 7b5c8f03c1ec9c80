// Regex: a pattern from a tokenizer.json, compiled with PCRE2 (UTF + UCP, JIT)
// so that it matches what Hugging Face `tokenizers` matches.
//
// HF patterns are written for Rust-style engines (regex / fancy-regex /
// Oniguruma): \p{L}, \p{N}, lookahead such as \s+(?!\S), (?i:'s|'t|...). Compile()
// first rewrites the few places where PCRE2 10.42 would differ
// (TranslateHfRegex): general categories get the code points Unicode 15/16
// added, \s becomes HF's White_Space set (PCRE2 also has U+180E), \u{..} escapes
// become \x{..}, `$` means end of text. Constructs PCRE2 would read
// differently (nested classes, class set operations && -- ~~) are errors.
//
// FindAll follows the Rust `find_iter` contract: leftmost-first matches, left to
// right, non-overlapping; an empty match right where the previous match ended
// is skipped. A compiled Regex is immutable and safe to share between threads
// (each thread keeps its own PCRE2 match data).
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

// The PCRE2 spelling of an HF (Rust-syntax) pattern; errors name the construct.
Result<std::string> TranslateHfRegex(std::string_view pattern);

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
