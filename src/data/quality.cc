#include "data/quality.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdio>

#include "data/hash.h"
#include "data/utf8.h"

namespace minke::data {
namespace {

constexpr std::string_view kRuleNames[] = {
    "kept",
    "malformed_jsonl",
    "oversized",
    "empty",
    "word_count",
    "mean_word_length",
    "symbol_word_ratio",
    "bullet_lines",
    "ellipsis_lines",
    "alpha_words",
    "stop_words",
    "dup_line_fraction",
    "dup_paragraph_fraction",
    "dup_line_char_fraction",
    "dup_paragraph_char_fraction",
    "top_2gram_char_fraction",
    "top_3gram_char_fraction",
    "top_4gram_char_fraction",
    "dup_5gram_char_fraction",
    "dup_6gram_char_fraction",
    "dup_7gram_char_fraction",
    "dup_8gram_char_fraction",
    "dup_9gram_char_fraction",
    "dup_10gram_char_fraction",
    "exact_duplicate",
    "near_duplicate",
};
static_assert(std::size(kRuleNames) == kRuleCount, "one name per Rule");

bool IsSpace(uint8_t c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
bool IsAsciiPunct(uint8_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}
bool IsAsciiAlpha(uint8_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// Letter (Unicode L*) and symbol (P* or S*) classes of a code point.
void Classify(char32_t cp, bool* alpha, bool* symbol) {
  if (cp < 0x80) {
    *alpha = IsAsciiAlpha(static_cast<uint8_t>(cp));
    *symbol = IsAsciiPunct(static_cast<uint8_t>(cp));
    return;
  }
  const int cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  *alpha = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
  *symbol = cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_SO;
}

bool IsBullet(char32_t cp) {
  return cp == '-' || cp == '*' || cp == 0x2022 || cp == 0x2023 || cp == 0x25E6 || cp == 0x2043 || cp == 0x25CF ||
         cp == 0x25AA;
}

uint64_t StopWordHash(std::string_view w) {
  char buf[64];
  const size_t n = std::min(w.size(), sizeof buf);
  for (size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(IsAsciiAlpha(w[i]) ? (w[i] | 0x20) : w[i]);
  return Hash64(buf, n, 0x5709);
}

}  // namespace

std::string_view RuleName(Rule r) { return kRuleNames[static_cast<int>(r)]; }

std::string Verdict::Describe() const {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s %.4g %s %.4g", std::string(RuleName(rule)).c_str(), value, below ? "<" : ">",
                threshold);
  return buf;
}

QualityFilter::QualityFilter(QualityThresholds q, RepetitionThresholds r, bool quality_enabled, bool repetition_enabled)
    : q_(std::move(q)), r_(std::move(r)), quality_enabled_(quality_enabled), repetition_enabled_(repetition_enabled) {
  for (const std::string& w : q_.stop_words) {
    stop_word_hashes_.push_back(StopWordHash(w));
    max_stop_word_len_ = std::max(max_stop_word_len_, w.size());
  }
  std::sort(stop_word_hashes_.begin(), stop_word_hashes_.end());
}

QualityStats QualityFilter::MeasureQuality(std::string_view text) const {
  QualityStats s;
  // Words: counts, lengths, letters, symbols, stop words; '#' and ellipses.
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const uint8_t* end = p + text.size();
  const uint8_t* word = nullptr;  // start of the current word
  int64_t chars = 0, non_symbol_chars = 0, dots = 0;
  bool alpha = false, non_symbol = false;
  auto end_word = [&](const uint8_t* stop) {
    ++s.words;
    s.alpha_words += alpha;
    if (non_symbol) ++s.non_symbol_words, non_symbol_chars += chars;
    const uint8_t *a = word, *b = stop;
    while (a < b && IsAsciiPunct(*a)) ++a;
    while (b > a && IsAsciiPunct(b[-1])) --b;
    const std::string_view w(reinterpret_cast<const char*>(a), b - a);
    if (!w.empty() && w.size() <= max_stop_word_len_ &&
        std::binary_search(stop_word_hashes_.begin(), stop_word_hashes_.end(), StopWordHash(w)))
      ++s.stop_words;
    word = nullptr;
  };
  while (p < end) {
    char32_t cp = *p;
    size_t n = 1;
    bool valid;
    if (cp >= 0x80) n = DecodeUtf8(p, end, &cp, &valid);
    if (cp != '.') s.ellipses += dots / 3, dots = 0;
    if (cp < 0x80 && IsSpace(static_cast<uint8_t>(cp))) {
      if (word) end_word(p);
    } else {
      if (!word) word = p, chars = 0, alpha = non_symbol = false;
      bool a, sym;
      Classify(cp, &a, &sym);
      ++chars;
      alpha |= a;
      non_symbol |= !sym;
      if (cp == '#') ++s.hashes;
      if (cp == '.') ++dots;
      if (cp == 0x2026) ++s.ellipses;
    }
    p += n;
  }
  s.ellipses += dots / 3;
  if (word) end_word(end);
  s.mean_word_length = s.non_symbol_words ? static_cast<double>(non_symbol_chars) / s.non_symbol_words : 0.0;

  // Lines: bullets at the start (after indentation), ellipses at the end.
  size_t pos = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ++s.lines;
    size_t i = line.find_first_not_of(" \t");
    if (i != std::string_view::npos) {
      const auto* lp = reinterpret_cast<const uint8_t*>(line.data());
      char32_t cp;
      bool valid;
      DecodeUtf8(lp + i, lp + line.size(), &cp, &valid);
      s.bullet_lines += IsBullet(cp);
      line = line.substr(0, line.find_last_not_of(" \t") + 1);
      s.ellipsis_lines += line.ends_with("...") || line.ends_with("\u2026");
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return s;
}

Verdict QualityFilter::CheckQuality(const QualityStats& s) const {
  auto below = [](Rule r, double v, double t) { return Verdict{r, v, t, true}; };
  auto above = [](Rule r, double v, double t) { return Verdict{r, v, t, false}; };
  const double nsw = static_cast<double>(s.non_symbol_words), words = std::max<double>(1, s.words);
  const double lines = std::max<double>(1, s.lines);
  if (q_.min_words > 0 && nsw < q_.min_words) return below(Rule::kWordCount, nsw, q_.min_words);
  if (q_.max_words > 0 && nsw > q_.max_words) return above(Rule::kWordCount, nsw, q_.max_words);
  if (q_.min_mean_word_length > 0 && s.mean_word_length < q_.min_mean_word_length)
    return below(Rule::kMeanWordLength, s.mean_word_length, q_.min_mean_word_length);
  if (q_.max_mean_word_length > 0 && s.mean_word_length > q_.max_mean_word_length)
    return above(Rule::kMeanWordLength, s.mean_word_length, q_.max_mean_word_length);
  if (q_.max_symbol_word_ratio > 0) {
    const double ratio = std::max(s.hashes / words, s.ellipses / words);
    if (ratio > q_.max_symbol_word_ratio) return above(Rule::kSymbolWordRatio, ratio, q_.max_symbol_word_ratio);
  }
  if (q_.max_bullet_lines_fraction > 0 && s.bullet_lines / lines > q_.max_bullet_lines_fraction)
    return above(Rule::kBulletLines, s.bullet_lines / lines, q_.max_bullet_lines_fraction);
  if (q_.max_ellipsis_lines_fraction > 0 && s.ellipsis_lines / lines > q_.max_ellipsis_lines_fraction)
    return above(Rule::kEllipsisLines, s.ellipsis_lines / lines, q_.max_ellipsis_lines_fraction);
  if (q_.min_alpha_words_fraction > 0 && s.alpha_words / words < q_.min_alpha_words_fraction)
    return below(Rule::kAlphaWords, s.alpha_words / words, q_.min_alpha_words_fraction);
  if (q_.min_stop_words > 0 && s.stop_words < q_.min_stop_words)
    return below(Rule::kStopWords, static_cast<double>(s.stop_words), q_.min_stop_words);
  return Verdict{};
}

Verdict QualityFilter::Check(std::string_view text, QualityScratch* scratch) const {
  if (quality_enabled_) {
    Verdict v = CheckQuality(MeasureQuality(text));
    if (!v.kept()) return v;
  }
  if (repetition_enabled_) return CheckRepetition(MeasureRepetition(text, scratch));
  return Verdict{};
}

}  // namespace minke::data
