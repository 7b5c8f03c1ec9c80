// UTF-8 helpers of the data pipeline, on top of core/utf8.h (well-formedness
// and maximal-subpart rules are documented there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.h"

namespace minke::data {

// Decodes the code point at p (p < end) into *cp and returns the number of
// bytes consumed (>= 1). Sets *valid to false for an ill-formed sequence
// (*cp = U+FFFD, the maximal subpart consumed).
inline size_t DecodeUtf8(const uint8_t* p, const uint8_t* end, char32_t* cp, bool* valid) {
  const Utf8Seq seq = NextUtf8(p, static_cast<size_t>(end - p));
  *cp = seq.cp;
  *valid = seq.valid;
  return seq.len;
}

// Characters (code points) in valid UTF-8: bytes that are not continuations.
inline int64_t CountCodePoints(std::string_view s) {
  int64_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

// True when every byte is ASCII (< 0x80).
bool IsAscii(std::string_view s);

// Copies `in` with each ill-formed sequence replaced by U+FFFD. Returns the
// number of replacements.
int64_t RepairUtf8(std::string_view in, std::string* out);

}  // namespace minke::data
