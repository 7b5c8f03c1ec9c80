// Text normalisation, the first step of `minke data clean`. In order:
//  1. UTF-8 repair: each ill-formed sequence becomes U+FFFD (see utf8.h).
//  2. Unicode NFC (canonical composition, via utf8proc). Text whose code
//     points are all below U+0300 is NFC already and is left alone.
//  3. Whitespace clean-up, line by line:
//     - CRLF and lone CR become LF; U+0085, U+2028, U+2029 become LF;
//     - C0/C1 control characters other than TAB and LF, U+200B (zero-width
//       space) and U+FEFF (BOM) are dropped;
//     - other Unicode spaces (U+00A0, U+1680, U+2000-U+200A, U+202F, U+205F,
//       U+3000), VT and FF count as spaces;
//     - a line's leading indentation is kept (Unicode spaces become ' '),
//       each run of spaces/tabs inside a line becomes one ' ', and trailing
//       whitespace is removed;
//     - at most one blank line in a row; no blank lines at either end.
// Pure functions; safe to call from many threads.
#pragma once

#include <string>
#include <string_view>

namespace minke::data {

struct NormalizeOptions {
  bool nfc = true;
  bool whitespace = true;
};

struct NormalizeStats {
  int64_t invalid_utf8 = 0;  // sequences replaced by U+FFFD
  bool nfc_changed = false;  // NFC changed the text
};

// Returns the normalised text (always valid UTF-8).
std::string NormalizeText(std::string_view in, const NormalizeOptions& opt, NormalizeStats* stats);

// NFC of valid UTF-8 (step 2 alone).
std::string ToNfc(std::string_view valid_utf8);

// Step 3 alone, on valid UTF-8.
std::string CleanWhitespace(std::string_view valid_utf8);

}  // namespace minke::data
