// The GPT-2 byte <-> Unicode map that byte-level BPE vocabularies are written in.
//
// Every byte 0..255 maps to one printable code point (GPT-2 `bytes_to_unicode`,
// HF tokenizers `bytes_char`): the printable Latin-1 bytes ! .. ~, ¡ .. ¬ and
// ® .. ÿ map to themselves; the other 68 bytes map, in order, to U+0100.. U+0143
// (so ' ' is 'Ġ' U+0120 and '\n' is 'Ċ' U+010A). A vocabulary entry such as
// "Ġthe" therefore stands for the bytes " the". Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace minke::tokenizer {

// The code point byte `b` is written as.
char32_t ByteToChar(unsigned char b);

// The byte that code point `c` stands for, or -1 when `c` is not in the map.
int CharToByte(char32_t c);

// Appends the byte-level spelling of raw `bytes` (UTF-8 of the mapped chars).
void BytesToByteLevel(std::string_view bytes, std::string* out);

// Appends the raw bytes a byte-level string `token` (valid UTF-8) stands for.
// Returns false, leaving *out unchanged, when some char of `token` is not in the
// map (HF's ByteLevel decoder then keeps that token's own UTF-8 bytes).
bool ByteLevelToBytes(std::string_view token, std::string* out);

}  // namespace minke::tokenizer
