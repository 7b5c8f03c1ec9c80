// UTF-8 decoding for the data pipeline. Well-formed sequences are those of
// Unicode §3.9 Table 3-7 (no overlongs, no surrogates, nothing above
// U+10FFFF). An ill-formed sequence decodes to U+FFFD and consumes its
// "maximal subpart" (Unicode §3.9, as WHATWG and ICU do): one U+FFFD for a
// truncated but well-begun sequence, one per byte for stray bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace minke::data {

constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes the code point at p (p < end) into *cp and returns the number of
// bytes consumed (>= 1). Sets *valid to false for an ill-formed sequence.
inline size_t DecodeUtf8(const uint8_t* p, const uint8_t* end, char32_t* cp, bool* valid) {
  const uint8_t b0 = p[0];
  *valid = true;
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  char32_t c;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, c = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, c = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, c = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    *cp = kReplacementChar, *valid = false;
    return 1;
  }
  for (size_t i = 1; i < n; ++i) {
    const uint8_t lo_i = i == 1 ? lo : 0x80, hi_i = i == 1 ? hi : 0xBF;
    if (p + i >= end || p[i] < lo_i || p[i] > hi_i) {
      *cp = kReplacementChar, *valid = false;
      return i;  // the maximal subpart read so far
    }
    c = (c << 6) | (p[i] & 0x3F);
  }
  *cp = c;
  return n;
}

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
