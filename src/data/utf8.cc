#include "data/utf8.h"

#include <cstring>

namespace minke::data {

bool IsAscii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size(), i = 0;
  uint64_t acc = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    acc |= w;
  }
  for (; i < n; ++i) acc |= static_cast<unsigned char>(p[i]);
  return (acc & 0x8080808080808080ULL) == 0;
}

int64_t RepairUtf8(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  const uint8_t* end = p + in.size();
  int64_t bad = 0;
  while (p < end) {
    if (*p < 0x80) {
      out->push_back(static_cast<char>(*p++));
      continue;
    }
    char32_t cp;
    bool valid;
    size_t n = DecodeUtf8(p, end, &cp, &valid);
    if (valid) {
      out->append(reinterpret_cast<const char*>(p), n);
    } else {
      AppendUtf8(kReplacementChar, out);
      ++bad;
    }
    p += n;
  }
  return bad;
}

}  // namespace minke::data
