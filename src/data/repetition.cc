// The Gopher repetition measurements (QualityFilter::MeasureRepetition).
// Lines split on "\n+" and paragraphs on "\n\n+" (empty pieces skipped); a
// piece is a duplicate if an equal piece came before it. Top n-gram: the
// most frequent word n-gram (ties: the one seen first), its characters
// including the joining spaces times its count. Duplicate n-grams: scanning
// left to right, an n-gram seen before adds its characters (without spaces)
// and the scan jumps past it (datatrove's find_all_duplicate). n-grams are
// compared by a rolling hash of their words' 64-bit hashes.
#include <algorithm>

#include "data/hash.h"
#include "data/quality.h"
#include "data/utf8.h"

namespace minke::data {
namespace {

constexpr uint64_t kPoly = 0x100000001b3ULL * 2 + 1;  // odd multiplier of the rolling hash

struct Dups {
  int64_t pieces = 0, dup_pieces = 0, dup_chars = 0;
};

// Pieces of text between runs of at least min_newlines '\n'.
Dups CountDuplicatePieces(std::string_view text, size_t min_newlines, CountTable* table) {
  table->Reset(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  Dups d;
  const size_t n = text.size();
  size_t start = 0;
  while (start <= n) {
    size_t end = n, next = n + 1, j = start;
    while (true) {
      j = text.find('\n', j);
      if (j == std::string_view::npos) break;
      size_t k = j;
      while (k < n && text[k] == '\n') ++k;
      if (k - j >= min_newlines) {
        end = j, next = k;
        break;
      }
      j = k;
    }
    const std::string_view piece = text.substr(start, end - start);
    if (!piece.empty()) {
      ++d.pieces;
      if (table->Add(Hash64(piece), 0).count > 1) ++d.dup_pieces, d.dup_chars += CountCodePoints(piece);
    }
    start = next;
  }
  return d;
}

// Fills hashes of the n-word windows: out[i] covers words i..i+n-1.
void WindowHashes(const std::vector<uint64_t>& words, size_t n, std::vector<uint64_t>* out) {
  out->clear();
  if (words.size() < n) return;
  uint64_t pow = 1, h = 0;
  for (size_t k = 0; k < n; ++k) h = h * kPoly + words[k];
  for (size_t k = 1; k < n; ++k) pow *= kPoly;
  for (size_t i = 0;; ++i) {
    out->push_back(Mix64(h + n));
    if (i + n >= words.size()) break;
    h = (h - words[i] * pow) * kPoly + words[i + n];
  }
}

}  // namespace

RepetitionStats QualityFilter::MeasureRepetition(std::string_view text, QualityScratch* sc) const {
  RepetitionStats r;
  const double text_chars = std::max<double>(1, CountCodePoints(text));
  const Dups lines = CountDuplicatePieces(text, 1, &sc->table);
  const Dups paras = CountDuplicatePieces(text, 2, &sc->table);
  r.dup_line_fraction = static_cast<double>(lines.dup_pieces) / std::max<int64_t>(1, lines.pieces);
  r.dup_line_char_fraction = lines.dup_chars / text_chars;
  r.dup_paragraph_fraction = static_cast<double>(paras.dup_pieces) / std::max<int64_t>(1, paras.pieces);
  r.dup_paragraph_char_fraction = paras.dup_chars / text_chars;

  // Words: hashes and a prefix sum of their lengths in code points.
  std::vector<uint64_t>& wh = sc->word_hash;
  std::vector<uint32_t>& prefix = sc->word_chars;
  wh.clear();
  prefix.assign(1, 0);
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    while (i < n && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) ++i;
    size_t j = i;
    while (j < n && !(text[j] == ' ' || text[j] == '\n' || text[j] == '\t' || text[j] == '\r')) ++j;
    if (j > i) {
      const std::string_view w = text.substr(i, j - i);
      wh.push_back(Hash64(w));
      prefix.push_back(prefix.back() + static_cast<uint32_t>(CountCodePoints(w)));
    }
    i = j;
  }
  const size_t words = wh.size();
  auto chars = [&](size_t a, size_t len) { return static_cast<double>(prefix[a + len] - prefix[a]); };

  uint32_t prev_best = 0;
  for (size_t g = 2; g <= 4; ++g) {
    if (words < g) continue;
    if (prev_best == 1) {  // no (g-1)-gram repeats, so no g-gram does: the first one wins with count 1
      r.top_ngram_char_fraction[g - 2] = (chars(0, g) + (g - 1)) / text_chars;
      continue;
    }
    WindowHashes(wh, g, &sc->window_hash);
    sc->table.Reset(sc->window_hash.size());
    uint32_t best_count = 0, best_first = 0;
    for (size_t k = 0; k < sc->window_hash.size(); ++k) {
      const CountTable::Entry& e = sc->table.Add(sc->window_hash[k], static_cast<uint32_t>(k));
      if (e.count > best_count || (e.count == best_count && e.first < best_first))
        best_count = e.count, best_first = e.first;
    }
    r.top_ngram_char_fraction[g - 2] = (chars(best_first, g) + (g - 1)) * best_count / text_chars;
    prev_best = best_count;
  }
  const double word_chars = std::max<double>(1, prefix.back());
  for (size_t g = 5; g <= 10; ++g) {
    if (words < g) continue;
    WindowHashes(wh, g, &sc->window_hash);
    sc->table.Reset(sc->window_hash.size());
    double repeated = 0;
    for (size_t k = 0; k + g <= words;) {
      if (sc->table.Add(sc->window_hash[k], static_cast<uint32_t>(k)).count > 1) {
        repeated += chars(k, g);
        k += g;
      } else {
        ++k;
      }
    }
    r.dup_ngram_char_fraction[g - 5] = repeated / word_chars;
    if (repeated == 0) break;  // no g-gram repeats, so no longer one does either
  }
  return r;
}

Verdict QualityFilter::CheckRepetition(const RepetitionStats& s) const {
  auto over = [](Rule rule, double v, double t) { return t > 0 && v > t; };
  const std::pair<Rule, std::pair<double, double>> checks[] = {
      {Rule::kDupLineFraction, {s.dup_line_fraction, r_.max_dup_line_fraction}},
      {Rule::kDupParagraphFraction, {s.dup_paragraph_fraction, r_.max_dup_paragraph_fraction}},
      {Rule::kDupLineCharFraction, {s.dup_line_char_fraction, r_.max_dup_line_char_fraction}},
      {Rule::kDupParagraphCharFraction, {s.dup_paragraph_char_fraction, r_.max_dup_paragraph_char_fraction}},
  };
  for (const auto& [rule, vt] : checks)
    if (over(rule, vt.first, vt.second)) return Verdict{rule, vt.first, vt.second, false};
  for (int k = 0; k < 3; ++k) {
    const double t =
        k < static_cast<int>(r_.max_top_ngram_char_fraction.size()) ? r_.max_top_ngram_char_fraction[k] : 0;
    const Rule rule = static_cast<Rule>(static_cast<int>(Rule::kTop2GramCharFraction) + k);
    if (over(rule, s.top_ngram_char_fraction[k], t)) return Verdict{rule, s.top_ngram_char_fraction[k], t, false};
  }
  for (int k = 0; k < 6; ++k) {
    const double t =
        k < static_cast<int>(r_.max_dup_ngram_char_fraction.size()) ? r_.max_dup_ngram_char_fraction[k] : 0;
    const Rule rule = static_cast<Rule>(static_cast<int>(Rule::kDup5GramCharFraction) + k);
    if (over(rule, s.dup_ngram_char_fraction[k], t)) return Verdict{rule, s.dup_ngram_char_fraction[k], t, false};
  }
  return Verdict{};
}

}  // namespace minke::data
