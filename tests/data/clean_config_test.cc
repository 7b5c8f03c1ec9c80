// The TOML configuration of `minke data clean`: defaults round-trip, and
// every mistake is an error naming the section and key.
#include "data/clean_config.h"

#include <gtest/gtest.h>

namespace minke::data {
namespace {

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

std::string Error(const std::string& toml) {
  auto r = ParseCleanConfig(toml, "clean.toml");
  return r.ok() ? "OK" : r.status().message();
}

TEST(CleanConfigTest, DefaultsAreGophers) {
  const CleanConfig c;
  EXPECT_EQ(c.quality.min_words, 50);
  EXPECT_EQ(c.quality.max_words, 100000);
  EXPECT_EQ(c.quality.min_mean_word_length, 3.0);
  EXPECT_EQ(c.quality.max_mean_word_length, 10.0);
  EXPECT_EQ(c.quality.max_symbol_word_ratio, 0.1);
  EXPECT_EQ(c.quality.max_bullet_lines_fraction, 0.9);
  EXPECT_EQ(c.quality.max_ellipsis_lines_fraction, 0.3);
  EXPECT_EQ(c.quality.min_alpha_words_fraction, 0.8);
  EXPECT_EQ(c.repetition.max_top_ngram_char_fraction, (std::vector<double>{0.20, 0.18, 0.16}));
  EXPECT_EQ(c.repetition.max_dup_ngram_char_fraction, (std::vector<double>{0.15, 0.14, 0.13, 0.12, 0.11, 0.10}));
  EXPECT_TRUE(ValidateCleanConfig(c).ok());
}

TEST(CleanConfigTest, RoundTripsThroughToml) {
  CleanConfig c;
  c.quality.min_words = 7;
  c.quality.stop_words = {"der", "die", "\"quoted\""};
  c.dedup.minhash.bands = 20;
  c.dedup.minhash.threshold = 0.75;
  c.scrub.email = true;
  c.input.plain_text_unit = PlainTextUnit::kFile;
  c.input.skip_bad_jsonl = true;
  auto back = ParseCleanConfig(CleanConfigToToml(c), "x.toml");
  ASSERT_TRUE(back.ok()) << back.status().message() << "\n" << CleanConfigToToml(c);
  EXPECT_EQ(CleanConfigToJson(*back), CleanConfigToJson(c));
  auto defaults = ParseCleanConfig("", "empty.toml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(CleanConfigToJson(*defaults), CleanConfigToJson(CleanConfig{}));
}

TEST(CleanConfigTest, AppliesOverDefaults) {
  auto c = ParseCleanConfig("[quality]\nmin_words = 10\nmax_mean_word_length = 12\n[dedup]\nnear = false\n", "c");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->quality.min_words, 10);
  EXPECT_EQ(c->quality.max_mean_word_length, 12.0);  // an integer is accepted for a float
  EXPECT_FALSE(c->dedup.near);
  EXPECT_EQ(c->quality.max_words, 100000);
}

TEST(CleanConfigTest, ErrorsNameTheKey) {
  EXPECT_HAS(Error("[quality]\nmin_wrds = 3\n"), "clean.toml: [quality] unknown key 'min_wrds'");
  EXPECT_HAS(Error("[qualty]\n"), "unknown section [qualty]");
  EXPECT_HAS(Error("[dedup]\nbands = \"14\"\n"), "[dedup] bands: expected an integer, got string");
  EXPECT_HAS(Error("[quality]\nmin_words = 1.5\n"), "[quality] min_words: expected an integer, got float");
  EXPECT_HAS(Error("[quality]\nmin_words = -1\n"), "must not be negative");
  EXPECT_HAS(Error("[input]\nplain_text_unit = \"line\"\n"), "expected \"paragraph\" or \"file\"");
  EXPECT_HAS(Error("[repetition]\nmax_top_ngram_char_fraction = [0.2]\n"), "expected 3 values");
  EXPECT_HAS(Error("[repetition]\nmax_dup_line_fraction = 1.5\n"), "expected a fraction in [0, 1]");
  EXPECT_HAS(Error("[dedup]\njaccard_threshold = 0\n"), "jaccard_threshold must be in (0, 1]");
  EXPECT_HAS(Error("[dedup]\nrows = 0\n"), "bands x rows");
  EXPECT_HAS(Error("[quality]\nstop_words = [\"a\", 1]\n"), "expected an array of strings");
  EXPECT_HAS(Error("quality = 3\n"), "'quality' must be a [section]");
  EXPECT_HAS(Error("[quality\n"), "clean.toml:1:");
}

}  // namespace
}  // namespace minke::data
