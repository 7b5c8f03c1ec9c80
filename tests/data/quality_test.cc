// The Gopher quality and repetition rules: measurements against values
// worked out by hand from datatrove's definitions, and one document per
// rule that is removed by exactly that rule.
#include "data/quality.h"

#include <gtest/gtest.h>

#include <functional>

#include "test_corpus.h"

namespace minke::data {
namespace {

using testing::GoodDoc;
using testing::GoodWords;
using testing::WordGen;

QualityFilter Defaults() { return QualityFilter(QualityThresholds{}, RepetitionThresholds{}, true, true); }

std::string Words(const std::vector<std::string>& w, const char* sep = " ") {
  std::string s;
  for (size_t i = 0; i < w.size(); ++i) s += (i ? sep : "") + w[i];
  return s;
}

TEST(QualityTest, MeasuresWordsAndLines) {
  // Words: - The cat sat... * on #tag 42 ... end … (11); symbol-only: - * ... … (4).
  const std::string text = "- The cat sat...\n  * on #tag 42 ...\nend \u2026";
  const QualityStats s = Defaults().MeasureQuality(text);
  EXPECT_EQ(s.words, 11);
  EXPECT_EQ(s.non_symbol_words, 7);
  EXPECT_DOUBLE_EQ(s.mean_word_length, 23.0 / 7);  // The cat sat... on #tag 42 end
  EXPECT_EQ(s.alpha_words, 6);                     // all but 42 and the symbols
  EXPECT_EQ(s.hashes, 1);
  EXPECT_EQ(s.ellipses, 3);
  EXPECT_EQ(s.lines, 3);
  EXPECT_EQ(s.bullet_lines, 2);                                        // "-" and, after indentation, "*"
  EXPECT_EQ(s.ellipsis_lines, 3);                                      // "...", "...", "…"
  EXPECT_EQ(s.stop_words, 1);                                          // "The", case-folded
  EXPECT_EQ(Defaults().MeasureQuality("a.....b ......").ellipses, 3);  // non-overlapping "...", like str.count
}

TEST(QualityTest, MeasuresRepetition) {
  QualityScratch sc;
  const QualityFilter f = Defaults();
  RepetitionStats r = f.MeasureRepetition("a b c a b c", &sc);  // 11 characters
  EXPECT_DOUBLE_EQ(r.top_ngram_char_fraction[0], 6.0 / 11);     // "a b" x 2
  EXPECT_DOUBLE_EQ(r.top_ngram_char_fraction[1], 10.0 / 11);    // "a b c" x 2
  EXPECT_DOUBLE_EQ(r.top_ngram_char_fraction[2], 7.0 / 11);     // all 4-grams once: the first, "a b c a"
  EXPECT_EQ(r.dup_ngram_char_fraction[0], 0.0);

  // 47 characters, 38 in words. "one two" and "two three" both occur twice;
  // the first seen wins the tie.
  r = f.MeasureRepetition("one two three four five one two three four five", &sc);
  EXPECT_DOUBLE_EQ(r.top_ngram_char_fraction[0], 14.0 / 47);
  EXPECT_DOUBLE_EQ(r.dup_ngram_char_fraction[0], 19.0 / 38);  // the second "onetwothreefourfive"
  EXPECT_EQ(r.dup_ngram_char_fraction[1], 0.0);

  const std::string text = "aa\nbb\naa\n\ncc\n\naa\nbb\naa";
  r = f.MeasureRepetition(text, &sc);
  EXPECT_DOUBLE_EQ(r.dup_line_fraction, 4.0 / 7);  // aa bb aa cc aa bb aa
  EXPECT_DOUBLE_EQ(r.dup_line_char_fraction, 8.0 / text.size());
  EXPECT_DOUBLE_EQ(r.dup_paragraph_fraction, 1.0 / 3);  // "aa\nbb\naa" twice, "cc"
  EXPECT_DOUBLE_EQ(r.dup_paragraph_char_fraction, 8.0 / text.size());
}

TEST(QualityTest, GoodDocumentsPass) {
  QualityScratch sc;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    const Verdict v = Defaults().Check(GoodDoc(seed), &sc);
    EXPECT_TRUE(v.kept()) << "seed " << seed << ": " << v.Describe();
  }
}

struct RuleCase {
  Rule rule;
  std::string text;
  std::function<void(QualityThresholds*, RepetitionThresholds*)> tweak;  // disables overlapping earlier rules
};

std::vector<RuleCase> RuleCases() {
  std::vector<RuleCase> cases;
  auto good = [](uint64_t seed, int n) { return GoodWords(seed, n); };
  cases.push_back({Rule::kWordCount, Words(good(1, 30)), nullptr});
  {
    std::vector<std::string> w;
    const char* two[] = {"to", "of", "an", "it", "is", "we", "he", "me", "by", "up"};
    for (int i = 0; i < 60; ++i) w.push_back(two[i % 10]);
    w.push_back("the"), w.push_back("and");
    cases.push_back({Rule::kMeanWordLength, Words(w), nullptr});
  }
  {
    std::vector<std::string> w = good(2, 90);
    for (int i = 0; i < 12; ++i) w.push_back("#x" + std::string(1, static_cast<char>('a' + i)));
    cases.push_back({Rule::kSymbolWordRatio, Words(w), nullptr});
  }
  {
    std::string t;
    for (int i = 0; i < 20; ++i) t += "- " + Words(good(100 + i, 6)) + "\n";
    cases.push_back({Rule::kBulletLines, t, nullptr});
  }
  {
    std::string t;
    for (int i = 0; i < 10; ++i) t += Words(good(200 + i, 12)) + (i < 4 ? "...\n" : ".\n");
    cases.push_back({Rule::kEllipsisLines, t, nullptr});
  }
  {
    std::vector<std::string> w = good(3, 80);
    for (int i = 0; i < 25; ++i) w.push_back(std::to_string(1000 + i));
    cases.push_back({Rule::kAlphaWords, Words(w), nullptr});
  }
  {
    WordGen g(4);
    std::vector<std::string> w;
    for (int i = 0; i < 80; ++i) w.push_back(g.Word());
    cases.push_back({Rule::kStopWords, Words(w), nullptr});
  }
  {
    std::vector<std::string> lines;
    for (int i = 0; i < 10; ++i) lines.push_back(Words(good(300 + i, 12)));
    for (int i = 0; i < 5; ++i) lines.push_back(lines[0]);
    cases.push_back({Rule::kDupLineFraction, Words(lines, "\n"), nullptr});
  }
  {
    // Four long unique paragraphs, then a one-line paragraph four times:
    // 3 of 8 paragraphs repeat, but only 3 of 44 lines.
    std::vector<std::string> paras;
    for (int p = 0; p < 4; ++p) {
      std::vector<std::string> lines;
      for (int i = 0; i < 10; ++i) lines.push_back(Words(good(400 + 10 * p + i, 12)));
      paras.push_back(Words(lines, "\n"));
    }
    for (int i = 0; i < 4; ++i) paras.push_back("the short refrain");
    cases.push_back({Rule::kDupParagraphFraction, Words(paras, "\n\n"), nullptr});
  }
  {
    // 2 repeats among 13 lines, but the repeated line is long.
    std::vector<std::string> lines;
    for (int i = 0; i < 10; ++i) lines.push_back(Words(good(500 + i, 4)));
    const std::string long_line = Words(good(510, 60));
    for (int i = 0; i < 3; ++i) lines.push_back(long_line);
    cases.push_back({Rule::kDupLineCharFraction, Words(lines, "\n"), nullptr});
  }
  {
    // A paragraph repeated three times. The line and paragraph-count
    // rules, which would fire first, are turned off.
    std::vector<std::string> paras = {Words(good(600, 60))};
    for (int i = 0; i < 3; ++i) paras.push_back(Words(good(601, 40)));
    cases.push_back(
        {Rule::kDupParagraphCharFraction, Words(paras, "\n\n"), [](QualityThresholds*, RepetitionThresholds* r) {
           r->max_dup_line_fraction = r->max_dup_line_char_fraction = 0;
           r->max_dup_paragraph_fraction = 0;
         }});
  }
  // Top n-grams: a phrase repeated among fresh words.
  const char* phrases[] = {"lorem ipsum", "lorem ipsum dolor", "lorem ipsum dolor sit"};
  for (int n = 2; n <= 4; ++n) {
    std::vector<std::string> w;
    const std::vector<std::string> fill = good(700 + n, 60);
    for (int i = 0; i < 60; ++i) {
      w.push_back(fill[i]);
      if (i % 4 == 3) w.push_back(phrases[n - 2]);
    }
    cases.push_back({static_cast<Rule>(static_cast<int>(Rule::kTop2GramCharFraction) + n - 2), Words(w),
                     [n](QualityThresholds*, RepetitionThresholds* r) {
                       for (int k = 0; k < n - 2; ++k) r->max_top_ngram_char_fraction[k] = 0;
                     }});
  }
  // Repeated n-grams, n = 5..10: a 20-word passage three times.
  for (int n = 5; n <= 10; ++n) {
    std::vector<std::string> w = good(800 + n, 60);
    const std::vector<std::string> passage = good(900 + n, 20);
    for (int rep = 0; rep < 3; ++rep) w.insert(w.begin() + 20 * (rep + 1), passage.begin(), passage.end());
    cases.push_back({static_cast<Rule>(static_cast<int>(Rule::kDup5GramCharFraction) + n - 5), Words(w),
                     [n](QualityThresholds*, RepetitionThresholds* r) {
                       for (int k = 0; k < n - 5; ++k) r->max_dup_ngram_char_fraction[k] = 0;
                     }});
  }
  return cases;
}

TEST(QualityTest, EachRuleRemovesItsJunk) {
  QualityScratch sc;
  for (const RuleCase& c : RuleCases()) {
    QualityThresholds q;
    RepetitionThresholds r;
    if (c.tweak) c.tweak(&q, &r);
    const Verdict v = QualityFilter(q, r, true, true).Check(c.text, &sc);
    EXPECT_EQ(RuleName(v.rule), RuleName(c.rule)) << v.Describe() << "\n" << c.text;
    // Disabling the rule (threshold 0 / the filter off) lets the document past it.
    QualityFilter off(q, r, c.rule >= Rule::kDupLineFraction, c.rule < Rule::kDupLineFraction);
    EXPECT_NE(off.Check(c.text, &sc).rule, c.rule);
  }
}

TEST(QualityTest, MaxWordsAndDescribe) {
  QualityThresholds q;
  q.max_words = 100;
  QualityScratch sc;
  const Verdict v = QualityFilter(q, RepetitionThresholds{}, true, true).Check(GoodDoc(9, 150), &sc);
  EXPECT_EQ(v.rule, Rule::kWordCount);
  EXPECT_FALSE(v.below);
  EXPECT_EQ(v.Describe(), "word_count 150 > 100");
}

}  // namespace
}  // namespace minke::data
