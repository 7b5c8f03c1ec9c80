// TranslateHfRegex: Rust-syntax patterns (as in tokenizer.json) -> PCRE2.
// See regex.h for what changes and why; regex_classes.inc for the data.
#include <cstdio>

#include "tokenizer/regex.h"

namespace minke::tokenizer {
namespace {

#include "tokenizer/regex_classes.inc"

template <size_t N>
std::string Ranges(const char32_t (&r)[N][2]) {
  std::string out;
  char buf[40];
  for (size_t i = 0; i < N; ++i) {
    if (r[i][0] == r[i][1])
      std::snprintf(buf, sizeof buf, "\\x{%X}", static_cast<unsigned>(r[i][0]));
    else
      std::snprintf(buf, sizeof buf, "\\x{%X}-\\x{%X}", static_cast<unsigned>(r[i][0]), static_cast<unsigned>(r[i][1]));
    out += buf;
  }
  return out;
}

// The extra code points of general category `cat` ("L", "Letter", ...), or
// nullptr when `cat` is not one we patch (it is then left to PCRE2).
const std::string* ExtraFor(const std::string& cat) {
  static const std::string kL = Ranges(kExtraL), kN = Ranges(kExtraN), kM = Ranges(kExtraM), kP = Ranges(kExtraP),
                           kS = Ranges(kExtraS);
  if (cat == "L" || cat == "Letter") return &kL;
  if (cat == "N" || cat == "Number") return &kN;
  if (cat == "M" || cat == "Mark" || cat == "Combining_Mark") return &kM;
  if (cat == "P" || cat == "Punctuation" || cat == "punct") return &kP;
  if (cat == "S" || cat == "Symbol") return &kS;
  return nullptr;
}

const std::string& WhiteSpace() {
  static const std::string kWs = Ranges(kWhiteSpace);
  return kWs;
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

Result<std::string> TranslateHfRegex(std::string_view p) {
  std::string out;
  out.reserve(p.size() * 2);
  bool in_class = false;
  size_t class_start = 0;  // index in `p` just after '[' or '[^'
  size_t i = 0;
  while (i < p.size()) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return Status::Error("trailing backslash");
      const char e = p[i + 1];
      if (e == 'p' || e == 'P') {
        // \pL or \p{Name}
        std::string name;
        size_t end;
        if (i + 2 < p.size() && p[i + 2] == '{') {
          size_t close = p.find('}', i + 3);
          if (close == std::string_view::npos) return Status::Error("unterminated \\p{...}");
          name = std::string(p.substr(i + 3, close - i - 3));
          end = close + 1;
        } else {
          if (i + 2 >= p.size()) return Status::Error("incomplete \\p escape");
          name = std::string(1, p[i + 2]);
          end = i + 3;
        }
        const std::string* extra = ExtraFor(name);
        const std::string native = std::string("\\") + e + "{" + name + "}";
        if (extra == nullptr || (e == 'P' && in_class)) {
          out += native;  // PCRE2's own table (\P{..} inside a class: see regex.h)
        } else if (in_class) {
          out += native + *extra;
        } else {
          out += (e == 'p' ? "[\\p{" : "[^\\p{") + name + "}" + *extra + "]";
        }
        i = end;
        continue;
      }
      if (e == 's' || (e == 'S' && !in_class)) {
        if (in_class)
          out += WhiteSpace();
        else
          out += (e == 's' ? "[" : "[^") + WhiteSpace() + "]";
        i += 2;
        continue;
      }
      if (e == 'u' || e == 'U') {
        // Rust \u007F, \u{7F}, \U0000007F, \U{7F}  ->  \x{7F}
        size_t j = i + 2, digits_begin, digits_end;
        if (j < p.size() && p[j] == '{') {
          size_t close = p.find('}', j);
          if (close == std::string_view::npos) return Status::Error("unterminated \\u{...}");
          digits_begin = j + 1, digits_end = close, j = close + 1;
        } else {
          const size_t n = e == 'u' ? 4 : 8;
          digits_begin = j, digits_end = j + n, j += n;
          if (digits_end > p.size()) return Status::Error("incomplete \\" + std::string(1, e) + " escape");
        }
        for (size_t k = digits_begin; k < digits_end; ++k)
          if (!IsHex(p[k])) return Status::Error("bad hex digit in \\" + std::string(1, e) + " escape");
        out += "\\x{" + std::string(p.substr(digits_begin, digits_end - digits_begin)) + "}";
        i = j;
        continue;
      }
      out += p.substr(i, 2);  // every other escape means the same in PCRE2
      i += 2;
      continue;
    }
    if (in_class) {
      if (c == ']' && i != class_start) {
        in_class = false;
      } else if (c == '[') {
        if (i + 1 < p.size() && p[i + 1] == ':') {  // POSIX class [:alpha:]
          size_t close = p.find(":]", i + 2);
          if (close == std::string_view::npos) return Status::Error("unterminated [: :] class");
          out += p.substr(i, close + 2 - i);
          i = close + 2;
          continue;
        }
        return Status::Error("nested character classes are not supported");
      } else if ((c == '&' || c == '-' || c == '~') && i + 1 < p.size() && p[i + 1] == c && i != class_start) {
        return Status::Error(std::string("character class set operation '") + c + c + "' is not supported");
      }
      out += c;
      ++i;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      ++i;
      if (i < p.size() && p[i] == '^') out += p[i++];
      class_start = i;
      continue;
    }
    out += c;
    ++i;
  }
  if (in_class) return Status::Error("unterminated character class");
  return out;
}

}  // namespace minke::tokenizer
