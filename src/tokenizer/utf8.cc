#include "tokenizer/utf8.h"

namespace minke::tokenizer {
namespace {

// Result of examining one sequence at the front of `s`.
struct Step {
  size_t len;       // bytes of the sequence (valid) or of the maximal ill-formed subpart
  bool valid;       // a whole well-formed code point
  bool incomplete;  // ill-formed only because `s` ended: more bytes could complete it
};

// Well-formedness per Unicode Table 3-7; mirrors Rust core::str::run_utf8_validation.
Step Examine(const unsigned char* s, size_t n) {
  const unsigned char b0 = s[0];
  if (b0 < 0x80) return {1, true, false};
  size_t width;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    width = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    width = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    width = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {1, false, false};  // 80..C1, F5..FF never start a sequence
  }
  for (size_t k = 1; k < width; ++k) {
    if (k >= n) return {k, false, true};
    const unsigned char b = s[k];
    const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) return {k, false, false};
  }
  return {width, true, false};
}

}  // namespace

size_t ValidUtf8Prefix(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      __builtin_memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    Step st = Examine(p + i, n - i);
    if (!st.valid) return i;
    i += st.len;
  }
  return n;
}

void AppendUtf8(char32_t cp, std::string* out) {
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

size_t AppendUtf8Lossy(std::string_view bytes, bool final, std::string* out) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0, run = 0;  // [run, i) is valid and not yet appended
  while (i < n) {
    Step st = Examine(p + i, n - i);
    if (st.valid) {
      i += st.len;
      continue;
    }
    out->append(bytes.data() + run, i - run);
    if (st.incomplete && !final) return i;  // wait for the rest of the sequence
    out->append(kReplacement, 3);
    i += st.len;
    run = i;
  }
  out->append(bytes.data() + run, i - run);
  return n;
}

}  // namespace minke::tokenizer
