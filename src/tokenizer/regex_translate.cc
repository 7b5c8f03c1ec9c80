// TranslateHfRegex: Oniguruma (Ruby syntax) patterns, as HF tokenizers runs
// them, -> PCRE2. See regex.h for what changes and why; regex_classes.inc for
// the data (read off HF itself by tools/gen_regex_classes.py).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

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

// HF's set for \s \w \d \h (or their negations), else nullptr.
const std::string* PerlClass(char e) {
  static const std::string kS = Ranges(kWhiteSpace), kW = Ranges(kWord), kD = Ranges(kDigit), kH = "0-9a-fA-F";
  switch (e) {
    case 'h':
    case 'H':
      return &kH;  // Oniguruma: a hex digit (PCRE2: horizontal space)
    case 's':
    case 'S':
      return &kS;
    case 'w':
    case 'W':
      return &kW;
    case 'd':
    case 'D':
      return &kD;
    default:
      return nullptr;
  }
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

bool IsSingleWordChar(char32_t c) {
  const auto* end = kSingleWordChar + sizeof kSingleWordChar / sizeof kSingleWordChar[0];
  const auto* it =
      std::upper_bound(kSingleWordChar, end, c, [](char32_t v, const char32_t(&r)[2]) { return v < r[0]; });
  return it != kSingleWordChar && c <= (it - 1)[0][1];
}

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
      if ((e == 'p' || e == 'P') && i + 2 < p.size() && p[i + 2] == '{') {
        const size_t close = p.find('}', i + 3);
        if (close == std::string_view::npos) return Status::Error("unterminated \\p{...}");
        const std::string name(p.substr(i + 3, close - i - 3));
        const std::string* extra = ExtraFor(name);
        const std::string native = std::string("\\") + e + "{" + name + "}";
        if (extra == nullptr || (e == 'P' && in_class))
          out += native;  // PCRE2's own table (\P{..} inside a class: see regex.h)
        else if (in_class)
          out += native + *extra;
        else
          out += (e == 'p' ? "[\\p{" : "[^\\p{") + name + "}" + *extra + "]";
        i = close + 1;
        continue;
      }
      if (e == 'p' || e == 'P') {  // Oniguruma: \pL without braces is the letters "pL"
        out += e;
        i += 2;
        continue;
      }
      if (const std::string* set = PerlClass(e); set != nullptr && (!in_class || std::islower(e))) {
        // \s \w \d \h (and \S \W \D \H outside classes) as HF's explicit sets
        if (in_class)
          out += *set;
        else
          out += (std::islower(e) ? "[" : "[^") + *set + "]";
        i += 2;
        continue;
      }
      if (e == 'u') {  // \u007F -> \x{007F}
        for (size_t k = i + 2; k < i + 6; ++k)
          if (k >= p.size() || !IsHex(p[k])) return Status::Error("\\u must be followed by 4 hex digits");
        out += "\\x{" + std::string(p.substr(i + 2, 4)) + "}";
        i += 6;
        continue;
      }
      if (e == 'v') {  // Oniguruma: the VT char (PCRE2: vertical space)
        out += "\\x0B";
        i += 2;
        continue;
      }
      if (std::isalpha(static_cast<unsigned char>(e))) {
        if (std::strchr("yYOM", e) != nullptr) return Status::Error(std::string("escape \\") + e + " is not supported");
        if (std::strchr("tnrfaexwWsSdDhHbBAZzGkgpPXRKNcC", e) == nullptr) {  // not an Oniguruma escape: the letter
          out += e;
          i += 2;
          continue;
        }
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
      } else if (c == '&' && i + 1 < p.size() && p[i + 1] == '&') {
        return Status::Error("character class intersection '&&' is not supported");
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
    if (c == '(' && i + 2 < p.size() && p[i + 1] == '?' && std::strchr("imx-", p[i + 2]) != nullptr) {
      // Inline options (?imx-imx) / (?imx-imx: ; Ruby's m is PCRE2's s (dot matches newline).
      size_t j = i + 2;
      out += "(?";
      for (; j < p.size() && std::strchr("imx-", p[j]) != nullptr; ++j) out += p[j] == 'm' ? 's' : p[j];
      i = j;
      continue;
    }
    if (c == '{' && i + 1 < p.size() && p[i + 1] == ',') {  // Oniguruma a{,n} = a{0,n}
      size_t j = i + 2;
      while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j;
      if (j > i + 2 && j < p.size() && p[j] == '}') {
        out += "{0," + std::string(p.substr(i + 2, j - i - 2)) + "}";
        i = j + 1;
        continue;
      }
    }
    out += c;
    ++i;
  }
  if (in_class) return Status::Error("unterminated character class");
  return out;
}

}  // namespace minke::tokenizer
