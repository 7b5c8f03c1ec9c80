// Stop strings found across piece (token) boundaries, and nothing of one
// ever shown before it is ruled out.
#include "infer/stop_strings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace minke::infer {
namespace {

TEST(PartialMatchLength, LongestSuffixThatIsAProperPrefix) {
  EXPECT_EQ(PartialMatchLength("abc<", "</s>"), 1u);
  EXPECT_EQ(PartialMatchLength("abc</", "</s>"), 2u);
  EXPECT_EQ(PartialMatchLength("abc</s", "</s>"), 3u);
  EXPECT_EQ(PartialMatchLength("abc</s>", "</s>"), 0u);  // whole: a match, not a partial one
  EXPECT_EQ(PartialMatchLength("aa", "aab"), 2u);
  EXPECT_EQ(PartialMatchLength("xab", "abab"), 2u);
  EXPECT_EQ(PartialMatchLength("", "ab"), 0u);
  EXPECT_EQ(PartialMatchLength("ab", ""), 0u);
}

// Feeds `pieces`, checking at every step that what has been shown is a
// prefix of `want` (nothing after the cut ever leaks), then the final text.
void ExpectStream(const std::vector<std::string>& stops, const std::vector<std::string>& pieces,
                  const std::string& want, bool want_stopped) {
  StopStrings s(stops);
  std::string shown;
  for (const std::string& p : pieces) {
    shown += s.Push(p);
    ASSERT_EQ(want.compare(0, shown.size(), shown), 0) << "shown '" << shown << "' is not a prefix of '" << want << "'";
  }
  shown += s.Flush();
  EXPECT_EQ(shown, want);
  EXPECT_EQ(s.stopped(), want_stopped);
}

TEST(StopStrings, SplitAcrossPieces) {
  ExpectStream({"</s>"}, {"ab<", "/", "s>cd"}, "ab", true);
  ExpectStream({"</s>"}, {"ab</s", ">"}, "ab", true);
  ExpectStream({"</s>"}, {"</s>"}, "", true);
}

TEST(StopStrings, HeldBackThenReleased) {
  StopStrings s({"</s>"});
  EXPECT_EQ(s.Push("a<"), "a");  // "<" might begin "</s>"
  EXPECT_EQ(s.Push("/"), "");
  EXPECT_EQ(s.Push("x"), "</x");  // ruled out
  EXPECT_EQ(s.Push("</"), "");
  EXPECT_EQ(s.Flush(), "</");  // the stream ended: the held tail is text after all
  EXPECT_FALSE(s.stopped());
}

TEST(StopStrings, SelfOverlappingStop) {
  // "aa" is held; "a" arrives: "aaa" has no "aab", and only "aa" may still
  // begin one, so the first "a" goes out.
  StopStrings s({"aab"});
  EXPECT_EQ(s.Push("aa"), "");
  EXPECT_EQ(s.Push("a"), "a");
  EXPECT_EQ(s.Push("b"), "");
  EXPECT_TRUE(s.stopped());
  EXPECT_EQ(s.matched(), "aab");
  EXPECT_EQ(s.Push("more"), "");  // nothing after a stop
}

TEST(StopStrings, EarliestOfSeveralWins) {
  std::vector<std::string> chars;
  for (char c : std::string("hello world")) chars.push_back(std::string(1, c));
  ExpectStream({"world", "lo w"}, chars, "hel", true);
  StopStrings s({"world", "lo w"});
  for (const std::string& c : chars) s.Push(c);
  EXPECT_EQ(s.matched(), "lo w");
}

TEST(StopStrings, EmptyStopsAreIgnored) { ExpectStream({""}, {"abc", "def"}, "abcdef", false); }

TEST(StopStrings, MultiByteCharacters) {
  ExpectStream({"世界"}, {"你好", "世", "界!"}, "你好", true);
  ExpectStream({"世界"}, {"你好", "世", "人"}, "你好世人", false);
}

// Every way of cutting a text into three pieces gives the text cut before
// the first stop string.
TEST(StopStrings, EverySplitAgreesWithWholeTextSearch) {
  const std::vector<std::string> stops = {"<|end|>", "\n\nUser:", "ee"};
  for (const std::string text : {"one <|en two <|end|> three", "a\n\nUse\n\nUser: b", "pe e pee <|end|>", "nothing"}) {
    size_t cut = std::string::npos;
    for (const std::string& s : stops) cut = std::min(cut, text.find(s));
    const std::string want = text.substr(0, cut);
    for (size_t i = 0; i <= text.size(); ++i)
      for (size_t j = i; j <= text.size(); ++j)
        ExpectStream(stops, {text.substr(0, i), text.substr(i, j - i), text.substr(j)}, want, cut != std::string::npos);
  }
}

}  // namespace
}  // namespace minke::infer
