// UTF-8 helpers for the tokenizer: validation, code point iteration, and
// lossy decoding exactly as Rust's `String::from_utf8_lossy` (what Hugging
// Face `tokenizers` uses to turn decoded bytes into text).
//
// Lossy decoding replaces each "maximal subpart" of an ill-formed sequence
// with one U+FFFD (Unicode §3.9, "U+FFFD substitution of maximal subparts"):
//   ED A0 80 (a UTF-8 surrogate) -> 3 x U+FFFD  (ED may only be followed by 80..9F)
//   F0 9F 98 (truncated emoji)    -> 1 x U+FFFD
//   C0 AF (overlong '/')          -> 2 x U+FFFD  (C0 is never a valid lead byte)
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.h"

namespace minke::tokenizer {

// Length of the well-formed UTF-8 prefix of `s` (== s.size() iff valid).
size_t ValidUtf8Prefix(std::string_view s);

// Decodes the code point at s[i]. REQUIRES: s is valid UTF-8 and i < s.size()
// is a code point boundary. Stores its byte length in *len.
inline char32_t DecodeUtf8At(std::string_view s, size_t i, size_t* len) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  if (p[0] < 0x80) return *len = 1, p[0];
  if (p[0] < 0xE0) return *len = 2, ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
  if (p[0] < 0xF0) return *len = 3, ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
  return *len = 4, ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
}

// Byte length of the code point whose lead byte is `lead`. REQUIRES: valid UTF-8 lead byte.
inline size_t Utf8LenFromLead(unsigned char lead) { return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4; }

// Appends the lossy decoding of `bytes` to *out and returns how many bytes it
// consumed. With `final` every byte is consumed (a truncated sequence at the
// end becomes one U+FFFD, as from_utf8_lossy does). Without it, a trailing
// sequence that is incomplete but could still become valid is left unconsumed,
// so that LossyDecode(a + b) == LossyDecode(a, !final) + LossyDecode(rest + b):
// this is what makes streaming decode agree with one-shot decode.
size_t AppendUtf8Lossy(std::string_view bytes, bool final, std::string* out);

}  // namespace minke::tokenizer
