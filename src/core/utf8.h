// UTF-8 primitives shared by the tokenizer and the data pipeline.
//
// Well-formed sequences are those of Unicode §3.9 Table 3-7 (no overlongs,
// no surrogates, nothing above U+10FFFF), as Rust's str validation checks.
// An ill-formed sequence is measured by its "maximal subpart" (Unicode §3.9
// "U+FFFD substitution of maximal subparts", as Rust's from_utf8_lossy,
// WHATWG and ICU do): one U+FFFD for a truncated but well-begun sequence,
// one per byte for stray bytes. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace minke {

constexpr char32_t kReplacementChar = 0xFFFD;

// One sequence at the front of a byte range.
struct Utf8Seq {
  size_t len;       // bytes of the code point (valid) or of the maximal ill-formed subpart
  char32_t cp;      // the code point, or U+FFFD when !valid
  bool valid;       // a whole well-formed code point
  bool incomplete;  // ill-formed only because the range ended: more bytes could complete it
};

// REQUIRES: n >= 1.
inline Utf8Seq NextUtf8(const uint8_t* s, size_t n) {
  const uint8_t b0 = s[0];
  if (b0 < 0x80) return {1, b0, true, false};
  size_t width;
  char32_t c;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    width = 2, c = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    width = 3, c = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    width = 4, c = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    return {1, kReplacementChar, false, false};  // 80..C1, F5..FF never start a sequence
  }
  for (size_t k = 1; k < width; ++k) {
    if (k >= n) return {k, kReplacementChar, false, true};
    const uint8_t b = s[k];
    const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) return {k, kReplacementChar, false, false};
    c = (c << 6) | (b & 0x3F);
  }
  return {width, c, true, false};
}

// Appends the UTF-8 encoding of `cp` (REQUIRES: a Unicode scalar value).
inline void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace minke
