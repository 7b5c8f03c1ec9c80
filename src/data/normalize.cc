#include "data/normalize.h"

#include <utf8proc.h>

#include <cstdlib>

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

}  // namespace

std::string ToNfc(std::string_view s) {
  // U+0300 is the first code point that NFC can change (NFC_Quick_Check is
  // Yes below it); its lead byte is 0xCC, so smaller lead bytes are safe.
  bool maybe = false;
  for (unsigned char ch : s) {
    if (ch >= 0xCC) {
      maybe = true;
      break;
    }
  }
  if (!maybe) return std::string(s);
  utf8proc_uint8_t* dst = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &dst,
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) return std::string(s);  // only on ill-formed input, which callers repair first
  std::string out(reinterpret_cast<const char*>(dst), static_cast<size_t>(n));
  std::free(dst);
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
