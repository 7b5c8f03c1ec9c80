#include "data/scrub.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace minke::data {
namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }
bool Alpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
bool Alnum(char c) { return Digit(c) || Alpha(c); }
bool Hex(char c) { return Digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
bool LocalChar(char c) { return Alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'; }
bool DomainChar(char c) { return Alnum(c) || c == '.' || c == '-'; }

enum Kind { kEmail, kIpv6, kIpv4, kPhone };
struct Span {
  size_t begin, end;
  Kind kind;
};

class Scanner {
 public:
  explicit Scanner(std::string_view t) : t_(t), taken_(t.size(), false) {}
  std::vector<Span> spans;

  char At(size_t i) const { return i < t_.size() ? t_[i] : '\0'; }
  char Before(size_t i) const { return i > 0 ? t_[i - 1] : '\0'; }
  bool Free(size_t b, size_t e) const {
    for (size_t i = b; i < e; ++i)
      if (taken_[i]) return false;
    return true;
  }
  void Take(size_t b, size_t e, Kind k) {
    spans.push_back({b, e, k});
    std::fill(taken_.begin() + b, taken_.begin() + e, true);
  }

  void Emails() {
    for (size_t at = t_.find('@'); at != std::string_view::npos; at = t_.find('@', at + 1)) {
      size_t b = at, e = at + 1;
      while (b > 0 && LocalChar(t_[b - 1])) --b;
      while (b < at && t_[b] == '.') ++b;
      while (e < t_.size() && DomainChar(t_[e])) ++e;
      while (e > at + 1 && (t_[e - 1] == '.' || t_[e - 1] == '-')) --e;
      if (b == at || t_[at - 1] == '.') continue;
      const std::string_view domain = t_.substr(at + 1, e - at - 1);
      const size_t dot = domain.rfind('.');
      if (dot == std::string_view::npos || domain.find("..") != std::string_view::npos || domain[0] == '.') continue;
      const std::string_view tld = domain.substr(dot + 1);
      if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), Alpha)) continue;
      if (Free(b, e)) Take(b, e, kEmail);
    }
  }

  void Ipv6() {
    for (size_t i = 0; i < t_.size();) {
      if (!(Hex(t_[i]) || t_[i] == ':') || Alnum(Before(i)) || Before(i) == ':' || Before(i) == '_') {
        ++i;
        continue;
      }
      size_t e = i;
      while (e < t_.size() && (Hex(t_[e]) || t_[e] == ':' || t_[e] == '.')) ++e;
      size_t end = e;
      while (end > i && t_[end - 1] == '.') --end;
      const std::string_view cand = t_.substr(i, end - i);
      const bool edge_ok = !Alnum(At(e)) && At(e) != '_';
      if (edge_ok && cand.size() >= 3 && cand.size() <= 45 && std::count(cand.begin(), cand.end(), ':') >= 2 &&
          std::any_of(cand.begin(), cand.end(), Digit)) {
        char buf[46];
        std::memcpy(buf, cand.data(), cand.size());
        buf[cand.size()] = '\0';
        unsigned char addr[16];
        if (inet_pton(AF_INET6, buf, addr) == 1 && Free(i, end)) Take(i, end, kIpv6);
      }
      i = e;
    }
  }

  void Ipv4() {
    for (size_t i = 0; i < t_.size();) {
      if (!Digit(t_[i]) || Alnum(Before(i)) || Before(i) == '.') {
        ++i;
        continue;
      }
      size_t e = i;
      while (e < t_.size() && (Digit(t_[e]) || t_[e] == '.')) ++e;
      size_t end = e;
      if (end > i && t_[end - 1] == '.') --end;  // a sentence's full stop
      if (!Alnum(At(e)) && IsDottedQuad(t_.substr(i, end - i)) && Free(i, end)) Take(i, end, kIpv4);
      i = e;
    }
  }

  void Phones() {
    for (size_t i = 0; i < t_.size(); ++i) {
      const char c = t_[i];
      if (!(Digit(c) || ((c == '+' || c == '(') && Digit(At(i + 1))))) continue;
      const char prev = Before(i);
      if (Alnum(prev) || prev == '+' || prev == '-' || prev == '.' || prev == '/') continue;
      size_t e = i + 1;
      while (e < t_.size()) {
        const char d = t_[e];
        if (Digit(d) || d == '-' || d == '.' || d == '(' || d == ')') {
          ++e;
        } else if (d == ' ' && (Digit(At(e + 1)) || At(e + 1) == '(')) {
          ++e;
        } else {
          break;
        }
      }
      size_t end = e;
      while (end > i && !Digit(t_[end - 1])) --end;
      if (!Alnum(At(end)) && IsPhone(t_.substr(i, end - i)) && Free(i, end)) Take(i, end, kPhone);
      // Skip past this run of digits and separators either way.
      i = e - 1;
    }
  }

 private:
  static bool IsDottedQuad(std::string_view s) {
    int parts = 0;
    size_t i = 0;
    while (true) {
      size_t j = i;
      int v = 0;
      while (j < s.size() && Digit(s[j]) && j - i < 4) v = v * 10 + (s[j++] - '0');
      if (j == i || j - i > 3 || v > 255) return false;
      ++parts;
      if (j == s.size()) return parts == 4;
      if (s[j] != '.' || parts == 4) return false;
      i = j + 1;
    }
  }
  static bool IsPhone(std::string_view s) {
    const bool plus = !s.empty() && s[0] == '+';
    bool marked = plus;  // a '+', '-', '.' or parenthesis
    std::vector<size_t> groups;
    size_t run = 0, digits = 0;
    for (char c : s) {
      if (Digit(c)) {
        ++run, ++digits;
        continue;
      }
      if (c != ' ' && c != '+') marked = true;
      if (run) groups.push_back(run);
      run = 0;
    }
    if (run) groups.push_back(run);
    if (!marked || groups.empty() || groups.size() > 6) return false;
    if (digits > 15 || digits < (plus ? 9u : 10u)) return false;
    if (groups.size() == 1) return plus;
    if (groups[0] > 4) return false;
    for (size_t g = 1; g < groups.size(); ++g)
      if (groups[g] < 2 || groups[g] > 8) return false;
    return true;
  }

  std::string_view t_;
  std::vector<bool> taken_;
};

}  // namespace

std::string Scrub(std::string_view text, const ScrubOptions& opt, ScrubCounts* counts) {
  if (!opt.any()) return std::string(text);
  Scanner s(text);
  if (opt.email) s.Emails();
  if (opt.ip) s.Ipv6(), s.Ipv4();
  if (opt.phone) s.Phones();
  if (s.spans.empty()) return std::string(text);
  std::sort(s.spans.begin(), s.spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (const Span& sp : s.spans) {
    out.append(text.substr(pos, sp.begin - pos));
    switch (sp.kind) {
      case kEmail:
        out += opt.email_token, ++counts->email;
        break;
      case kIpv6:
        out += opt.ip_token, ++counts->ipv6;
        break;
      case kIpv4:
        out += opt.ip_token, ++counts->ipv4;
        break;
      case kPhone:
        out += opt.phone_token, ++counts->phone;
        break;
    }
    pos = sp.end;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace minke::data
