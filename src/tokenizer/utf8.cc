#include "tokenizer/utf8.h"

namespace minke::tokenizer {

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
    const Utf8Seq st = NextUtf8(p + i, n - i);
    if (!st.valid) return i;
    i += st.len;
  }
  return n;
}

size_t AppendUtf8Lossy(std::string_view bytes, bool final, std::string* out) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0, run = 0;  // [run, i) is valid and not yet appended
  while (i < n) {
    const Utf8Seq st = NextUtf8(p + i, n - i);
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
