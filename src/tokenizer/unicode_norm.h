// Unicode normalization (NFC, NFD, NFKC, NFKD) with the tables Hugging Face
// `tokenizers` uses, so that its "NFC" etc. normalizers are reproduced exactly.
//
// HF's tables are older than Unicode 13 (tools/gen_unicode_norm.py reads them
// off HF itself into unicode_norm.inc): for example HF leaves U+11935 U+11930
// uncomposed, where a Unicode 13+ library composes them to U+11938; marks
// newer than HF's tables have combining class 0 there and are never reordered.
// The algorithm is the standard one (UAX #15): full decomposition, canonical
// ordering, then (for NFC/NFKC) canonical composition; Hangul is algorithmic.
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace minke::tokenizer {

// *out = normalization of `text`: compatibility decomposition when `compat`
// (NFK*), recomposition when `compose` (NF*C). REQUIRES: text is valid UTF-8.
void UnicodeNormalize(std::string_view text, bool compat, bool compose, std::string* out);

}  // namespace minke::tokenizer
