#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/utf8.h"

namespace minke::tokenizer {
namespace {

struct Tables {
  std::array<char32_t, 256> byte_to_char;
  std::array<int16_t, 0x144> char_to_byte;  // all mapped chars are < U+0144
  Tables() {
    char_to_byte.fill(-1);
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      byte_to_char[b] = printable ? static_cast<char32_t>(b) : next++;
      char_to_byte[byte_to_char[b]] = static_cast<int16_t>(b);
    }
  }
};

const Tables& T() {
  static const Tables t;
  return t;
}

}  // namespace

char32_t ByteToChar(unsigned char b) { return T().byte_to_char[b]; }

int CharToByte(char32_t c) { return c < T().char_to_byte.size() ? T().char_to_byte[c] : -1; }

void BytesToByteLevel(std::string_view bytes, std::string* out) {
  for (unsigned char b : bytes) AppendUtf8(ByteToChar(b), out);
}

bool ByteLevelToBytes(std::string_view token, std::string* out) {
  const size_t start = out->size();
  for (size_t i = 0; i < token.size();) {
    size_t len;
    const int b = CharToByte(DecodeUtf8At(token, i, &len));
    if (b < 0) {
      out->resize(start);
      return false;
    }
    out->push_back(static_cast<char>(b));
    i += len;
  }
  return true;
}

}  // namespace minke::tokenizer
