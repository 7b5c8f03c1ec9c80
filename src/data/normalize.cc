#include "data/normalize.h"

#include <utf8proc.h>

#include <cstdlib>
#include <vector>

#include "data/utf8.h"

namespace minke::data {
namespace {

enum class WsClass { kText, kSpace, kNewline, kDrop };

WsClass Classify(char32_t cp) {
  if (cp < 0x80) {
    if (cp == '\n' || cp == '\r') return WsClass::kNewline;
    if (cp == ' ' || cp == '\t' || cp == '\v' || cp == '\f') return WsClass::kSpace;
    if (cp < 0x20 || cp == 0x7F) return WsClass::kDrop;
    return WsClass::kText;
  }
  if (cp == 0x85 || cp == 0x2028 || cp == 0x2029) return WsClass::kNewline;
  if (cp < 0xA0 || cp == 0x200B || cp == 0xFEFF) return WsClass::kDrop;  // C1 controls, ZWSP, BOM
  if (cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000)
    return WsClass::kSpace;
  return WsClass::kText;
}

// Code points NFC never changes and never joins to what precedes them:
// canonical combining class 0, no canonical decomposition, and not the
// second element of any canonical decomposition (which over-covers the
// characters that can compose with a preceding starter, e.g. Hangul V/T
// jamo). Text splits into independent NFC segments before each of them.
// Built once from utf8proc's tables (one bit per code point).
const std::vector<uint64_t>& InertTable() {
  static const std::vector<uint64_t> table = [] {
    constexpr int32_t kMax = 0x110000;
    std::vector<uint64_t> bits(kMax / 64, ~0ULL);
    auto clear = [&](int32_t cp) { bits[cp >> 6] &= ~(1ULL << (cp & 63)); };
    utf8proc_int32_t dst[32];
    for (int32_t cp = 0x80; cp < kMax; ++cp) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      if (utf8proc_get_property(cp)->combining_class != 0) clear(cp);
      int boundclass = 0;
      const utf8proc_ssize_t n = utf8proc_decompose_char(cp, dst, 32, UTF8PROC_DECOMPOSE, &boundclass);
      if (n == 1 && dst[0] == cp) continue;
      clear(cp);
      for (utf8proc_ssize_t i = 1; i < n && i < 32; ++i) clear(dst[i]);
    }
    return bits;
  }();
  return table;
}

bool Inert(char32_t cp, const std::vector<uint64_t>& t) { return cp < 0x80 || ((t[cp >> 6] >> (cp & 63)) & 1); }

std::string NfcSegment(std::string_view s) {
  utf8proc_uint8_t* dst = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()), &dst,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) return std::string(s);  // only on ill-formed input, which callers repair first
  std::string out(reinterpret_cast<const char*>(dst), static_cast<size_t>(n));
  std::free(dst);
  return out;
}

}  // namespace

std::string ToNfc(std::string_view s) {
  // U+0300 is the first code point that NFC can change; its lead byte is
  // 0xCC, so text without larger lead bytes is NFC already.
  bool maybe = false;
  for (unsigned char ch : s) {
    if (ch >= 0xCC) {
      maybe = true;
      break;
    }
  }
  if (!maybe) return std::string(s);
  // Copy runs of inert-led segments verbatim; hand each segment holding a
  // code point that is not inert (from the inert code point before it up
  // to the next one) to utf8proc.
  const std::vector<uint64_t>& table = InertTable();
  std::string out;
  out.reserve(s.size());
  const auto* base = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t* end = base + s.size();
  size_t verbatim_from = 0, segment = 0;
  bool dirty = false;
  for (const uint8_t* p = base; p < end;) {
    char32_t cp = *p;
    size_t n = 1;
    bool valid;
    if (cp >= 0x80) n = DecodeUtf8(p, end, &cp, &valid);
    const size_t pos = static_cast<size_t>(p - base);
    if (Inert(cp, table)) {
      if (dirty) {
        out.append(s.substr(verbatim_from, segment - verbatim_from));
        out += NfcSegment(s.substr(segment, pos - segment));
        verbatim_from = pos;
        dirty = false;
      }
      segment = pos;
    } else {
      dirty = true;
    }
    p += n;
  }
  if (dirty) {
    out.append(s.substr(verbatim_from, segment - verbatim_from));
    out += NfcSegment(s.substr(segment));
  } else {
    out.append(s.substr(verbatim_from));
  }
  return out;
}

std::string CleanWhitespace(std::string_view s) {
  std::string out, indent;
  out.reserve(s.size());
  bool line_has_text = false, pending_space = false;
  int pending_newlines = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t* end = p + s.size();
  while (p < end) {
    char32_t cp = *p;
    size_t n = 1;
    bool valid = true;
    if (cp >= 0x80) n = DecodeUtf8(p, end, &cp, &valid);
    if (cp == '\r' && p + 1 < end && p[1] == '\n') {
      ++p;  // CRLF: the LF does the work
      continue;
    }
    switch (Classify(cp)) {
      case WsClass::kNewline:
        ++pending_newlines;
        line_has_text = pending_space = false;
        indent.clear();
        break;
      case WsClass::kSpace:
        if (line_has_text)
          pending_space = true;
        else
          indent.push_back(cp == '\t' ? '\t' : ' ');
        break;
      case WsClass::kDrop:
        break;
      case WsClass::kText:
        if (!line_has_text) {
          if (!out.empty()) out.append(pending_newlines >= 2 ? 2 : 1, '\n');
          out += indent;
          line_has_text = true;
          pending_newlines = 0;
        } else if (pending_space) {
          out.push_back(' ');
        }
        pending_space = false;
        while (p + n < end && p[n] > 0x20 && p[n] < 0x7F) ++n;  // the rest of a run of printable ASCII
        out.append(reinterpret_cast<const char*>(p), n);
        break;
    }
    p += n;
  }
  return out;
}

std::string NormalizeText(std::string_view in, const NormalizeOptions& opt, NormalizeStats* stats) {
  *stats = NormalizeStats{};
  if (IsAscii(in)) return opt.whitespace ? CleanWhitespace(in) : std::string(in);
  std::string text;
  stats->invalid_utf8 = RepairUtf8(in, &text);
  if (opt.nfc) {
    std::string nfc = ToNfc(text);
    stats->nfc_changed = nfc != text;
    text.swap(nfc);
  }
  return opt.whitespace ? CleanWhitespace(text) : text;
}

}  // namespace minke::data
