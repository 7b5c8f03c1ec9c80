// Document quality rules in the style of Gopher (Rae et al. 2021, "Scaling
// Language Models", App. A.1.1 "MassiveWeb" quality and repetition filters),
// with the paper's published thresholds as defaults. The measurements follow
// the reference implementation in HuggingFace datatrove
// (GopherQualityFilter, GopherRepetitionFilter); differences are noted at
// each field. A word is a maximal run of non-whitespace characters;
// "characters" are Unicode code points. A threshold of 0 disables its rule.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/flat_hash.h"

namespace minke::data {

// Why a document was removed, in the order rules are checked: a document is
// charged to the first rule it fails.
enum class Rule : uint8_t {
  kKept = 0,
  kMalformedJsonl,  // input line is not a JSON object with a string text field
  kOversized,       // longer than [input] max_doc_bytes
  kEmpty,           // nothing left after normalisation
  // Gopher quality filter.
  kWordCount,        // words outside [min_words, max_words]
  kMeanWordLength,   // mean word length outside [min, max]
  kSymbolWordRatio,  // '#' per word, or ellipses per word, above max
  kBulletLines,      // fraction of lines starting with a bullet above max
  kEllipsisLines,    // fraction of lines ending with an ellipsis above max
  kAlphaWords,       // fraction of words with a letter below min
  kStopWords,        // fewer stop words than min
  // Gopher repetition filter.
  kDupLineFraction,
  kDupParagraphFraction,
  kDupLineCharFraction,
  kDupParagraphCharFraction,
  kTop2GramCharFraction,
  kTop3GramCharFraction,
  kTop4GramCharFraction,
  kDup5GramCharFraction,
  kDup6GramCharFraction,
  kDup7GramCharFraction,
  kDup8GramCharFraction,
  kDup9GramCharFraction,
  kDup10GramCharFraction,
  // Deduplication.
  kExactDuplicate,
  kNearDuplicate,
  kCount
};
constexpr int kRuleCount = static_cast<int>(Rule::kCount);

// Snake-case name used in reports and docs, e.g. "mean_word_length".
std::string_view RuleName(Rule r);

struct QualityThresholds {
  int64_t min_words = 50;  // counts words with a non-symbol character (datatrove)
  int64_t max_words = 100000;
  double min_mean_word_length = 3.0;  // over words with a non-symbol character
  double max_mean_word_length = 10.0;
  double max_symbol_word_ratio = 0.1;  // checked for '#' and for "..."/"…" separately
  double max_bullet_lines_fraction = 0.9;
  double max_ellipsis_lines_fraction = 0.3;
  double min_alpha_words_fraction = 0.8;
  int64_t min_stop_words = 2;  // matched after trimming ASCII punctuation, case-folded
  std::vector<std::string> stop_words = {"the", "be", "to", "of", "and", "that", "have", "with"};
};

struct RepetitionThresholds {
  double max_dup_line_fraction = 0.30;  // duplicate lines / lines
  double max_dup_paragraph_fraction = 0.30;
  double max_dup_line_char_fraction = 0.20;  // chars in duplicate lines / chars in text
  double max_dup_paragraph_char_fraction = 0.20;
  // Chars covered by the most frequent n-gram, n = 2, 3, 4, / chars in text.
  std::vector<double> max_top_ngram_char_fraction = {0.20, 0.18, 0.16};
  // Chars in repeated n-grams, n = 5..10, / chars in words.
  std::vector<double> max_dup_ngram_char_fraction = {0.15, 0.14, 0.13, 0.12, 0.11, 0.10};
};

// What one document measures; the rules compare these with the thresholds.
struct QualityStats {
  int64_t words = 0;
  int64_t non_symbol_words = 0;  // words with a character outside Unicode P*/S*
  double mean_word_length = 0;   // code points, over non-symbol words
  int64_t hashes = 0;            // '#' characters
  int64_t ellipses = 0;          // non-overlapping "..." plus "…"
  int64_t lines = 0, bullet_lines = 0, ellipsis_lines = 0;
  int64_t alpha_words = 0;  // words with a letter (Unicode L*)
  int64_t stop_words = 0;
};

struct RepetitionStats {
  double dup_line_fraction = 0, dup_paragraph_fraction = 0;
  double dup_line_char_fraction = 0, dup_paragraph_char_fraction = 0;
  double top_ngram_char_fraction[3] = {0, 0, 0};           // n = 2, 3, 4
  double dup_ngram_char_fraction[6] = {0, 0, 0, 0, 0, 0};  // n = 5..10
};

// The first rule a document fails, with the measured value and the limit.
struct Verdict {
  Rule rule = Rule::kKept;
  double value = 0, threshold = 0;
  bool below = false;  // failed a minimum (else a maximum)
  bool kept() const { return rule == Rule::kKept; }
  // e.g. "mean_word_length 2.14 < 3"
  std::string Describe() const;
};

// Per-thread working memory, reused across documents.
struct QualityScratch {
  CountTable table;
  std::vector<uint64_t> word_hash, window_hash;
  std::vector<uint32_t> word_chars;
};

// The quality + repetition rules, prepared once from their thresholds.
// Thread-safe (const) once built.
class QualityFilter {
 public:
  QualityFilter(QualityThresholds q, RepetitionThresholds r, bool quality_enabled, bool repetition_enabled);

  QualityStats MeasureQuality(std::string_view text) const;
  RepetitionStats MeasureRepetition(std::string_view text, QualityScratch* scratch) const;
  // Checks text (already normalised, non-empty) against every enabled rule.
  Verdict Check(std::string_view text, QualityScratch* scratch) const;

 private:
  Verdict CheckQuality(const QualityStats& s) const;
  Verdict CheckRepetition(const RepetitionStats& s) const;
  QualityThresholds q_;
  RepetitionThresholds r_;
  bool quality_enabled_, repetition_enabled_;
  std::vector<uint64_t> stop_word_hashes_;  // sorted
  size_t max_stop_word_len_ = 0;
};

}  // namespace minke::data
