// Regex: PCRE2 must match exactly where Hugging Face tokenizers' Oniguruma
// matches. The expected spans below were read off HF tokenizers 0.23 (a
// Split pre-tokenizer, isolated vs removed), byte offsets.
#include "tokenizer/regex.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace minke::tokenizer {
namespace {

struct Case {
  const char* pattern;
  std::string text;
  std::vector<Span> want;  // non-empty matches
};

TEST(TokenizerRegex, MatchesLikeHuggingFace) {
  const Case cases[] = {
      {R"(\pL)", "pL a", {{0, 2}}},
      {R"(\h+)", "a f 9 \x09G", {{0, 1}, {2, 3}, {4, 5}}},
      {R"((?i)k)", "K k \xe2\x84\xaa", {{0, 1}, {2, 3}, {4, 7}}},
      {R"((?i:'s|'t))", "'S 'T '\xc5\xbf", {{0, 2}, {3, 5}, {6, 9}}},
      {R"(a.b)",
       "a\x0a"
       "b axb",
       {{4, 7}}},
      {R"((?m)a.b)",
       "a\x0a"
       "b",
       {{0, 3}}},
      {R"(^\w)",
       "ab\x0a"
       "cd\x0a",
       {{0, 1}, {3, 4}}},
      {R"(\w$)",
       "ab\x0a"
       "cd\x0a",
       {{1, 2}, {4, 5}}},
      {R"(\s+(?!\S)|\s+)", "a   b  \x0a c   ", {{1, 3}, {3, 4}, {5, 8}, {8, 9}, {10, 13}}},
      {R"(\p{L}+)", "abc\xf0\x9e\x93\x90\xf0\x9e\x93\x91 d", {{0, 11}, {12, 13}}},
      {R"(\p{N}{1,3})", "12345\xf0\x90\xb5\x80\xf0\x90\xb5\x81", {{0, 3}, {3, 9}, {9, 13}}},
      {R"(\d+)", "12\xf0\x90\xb5\x80\xd9\xa5x", {{0, 8}}},
      {R"(\w+)",
       "a\xcc\x81"
       "b c\xc2\xb2"
       "d e\xe2\x80\x8c"
       "f",
       {{0, 4}, {5, 9}, {10, 11}, {14, 15}}},
      {R"(\s)",
       "a\xc2\x85"
       "b\xe1\xa0\x8e"
       "c\xe3\x80\x80"
       "d",
       {{1, 3}, {8, 11}}},
      {R"(\S+)",
       "a\xc2\x85"
       "b\xe1\xa0\x8e"
       "c",
       {{0, 1}, {3, 8}}},
      {R"([^\s\p{L}]+)",
       "a1!\xe1\xa0\x8e\xc2\x85"
       "b",
       {{1, 6}}},
      {R"(\uD55C|\U0001F600)", "\xed\x95\x9c\xf0\x9f\x98\x80 U0001F600", {{0, 3}, {8, 17}}},
      {R"(a{,2})", "aaaaa", {{0, 2}, {2, 4}, {4, 5}}},
      {R"(\x41\x{42})", "AB", {{0, 2}}},
      {R"([\p{L}\p{N}]+)", "ab12\xf0\x9e\x93\x90 x", {{0, 8}, {9, 10}}},
      {R"(\P{L}+)", "ab12 \xf0\x9e\x93\x90x", {{2, 5}}},
      {R"(\v|\q)", "\x0b\x0aq", {{0, 1}, {2, 3}}},
      {R"([!"#$%&\'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
       "Hello, world!\x0a\x0a 'tis \xc2\x85x \xcc\x81"
       "e",
       {{0, 5}, {5, 6}, {6, 12}, {12, 15}, {15, 17}, {17, 20}, {20, 21}, {21, 24}, {24, 28}}},
      {R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)",
       "I'm  here\x09 42!! \xe2\x80\xa8x",
       {{0, 1}, {1, 3}, {3, 4}, {4, 9}, {9, 10}, {10, 13}, {13, 15}, {15, 16}, {16, 19}, {19, 20}}},
  };
  for (const Case& c : cases) {
    auto re = Regex::Compile(c.pattern);
    ASSERT_TRUE(re.ok()) << re.status().message();
    std::vector<Span> got;
    ASSERT_TRUE(re->FindAll(c.text, &got).ok());
    std::erase_if(got, [](const Span& s) { return s.first == s.second; });
    EXPECT_EQ(got, c.want) << "pattern " << c.pattern << " on '" << c.text << "'";
  }
}

// Empty matches: reported once, never right after the previous match (onig
// FindMatches), so "a*" on "baab" gives (0,0) (1,3) (4,4).
TEST(TokenizerRegex, EmptyMatches) {
  auto re = Regex::Compile("a*");
  ASSERT_TRUE(re.ok());
  std::vector<Span> got;
  ASSERT_TRUE(re->FindAll("baab", &got).ok());
  EXPECT_EQ(got, (std::vector<Span>{{0, 0}, {1, 3}, {4, 4}}));
  ASSERT_TRUE(re->FindAll("", &got).ok());
  EXPECT_EQ(got, (std::vector<Span>{{0, 0}}));
  ASSERT_TRUE(re->FindAll("\xc3\xa9", &got).ok());  // steps over a whole char
  EXPECT_EQ(got, (std::vector<Span>{{0, 0}, {2, 2}}));
}

TEST(TokenizerRegex, Translation) {
  EXPECT_EQ(TranslateHfRegex(R"(a\u00e9b)").value(), R"(a\x{00e9}b)");
  EXPECT_EQ(TranslateHfRegex(R"(\pL\U)").value(), "pLU");
  EXPECT_EQ(TranslateHfRegex(R"(\h[\h])").value(), "[0-9a-fA-F][0-9a-fA-F]");
  EXPECT_EQ(TranslateHfRegex("(?mi:a.)").value(), "(?si:a.)");
  EXPECT_EQ(TranslateHfRegex("a{,3}").value(), "a{0,3}");
  EXPECT_EQ(TranslateHfRegex(R"([]a])").value(), "[]a]");
  EXPECT_EQ(TranslateHfRegex(R"([[:alpha:]])").value(), "[[:alpha:]]");
  EXPECT_EQ(TranslateHfRegex(R"(\p{Han})").value(), R"(\p{Han})");  // left to PCRE2
  const std::string s = TranslateHfRegex(R"(\s)").value();
  EXPECT_EQ(s.find("180E"), std::string::npos) << s;  // HF's \s lacks U+180E
  EXPECT_NE(s.find("\\x{85}"), std::string::npos) << s;
  for (const char* bad : {"[a[b]]", "[a&&b]", "\\y", "\\u12", "[abc", "\\"})
    EXPECT_FALSE(TranslateHfRegex(bad).ok()) << bad;
}

TEST(TokenizerRegex, CompileErrorsNameThePattern) {
  auto re = Regex::Compile("(a");
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.status().message().rfind("regex '(a': ", 0), 0u) << re.status().message();
}

// A long input: no JIT stack overflow or quadratic blow-up.
TEST(TokenizerRegex, LongInput) {
  auto re = Regex::Compile(R"(\s+(?!\S)|\s+|\p{L}+)");
  ASSERT_TRUE(re.ok());
  std::string text(1 << 20, ' ');
  text += "x";
  std::vector<Span> got;
  ASSERT_TRUE(re->FindAll(text, &got).ok());
  EXPECT_EQ(got, (std::vector<Span>{{0, (1 << 20) - 1}, {(1 << 20) - 1, 1 << 20}, {1 << 20, (1 << 20) + 1}}));
}

}  // namespace
}  // namespace minke::tokenizer
