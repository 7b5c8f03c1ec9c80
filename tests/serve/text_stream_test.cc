// Stop strings and the reasoning split, fed in every possible piece size:
// the result must not depend on how the text was cut into tokens.
#include "serve/text_stream.h"

#include "infer/stop_strings.h"

#include <gtest/gtest.h>

namespace minke::serve {
namespace {

// Feeds `text` in pieces of `step` bytes.
std::string RunStop(const std::vector<std::string>& stops, const std::string& text, size_t step, bool* stopped) {
  infer::StopStrings m(stops);
  std::string out;
  for (size_t i = 0; i < text.size() && !m.stopped(); i += step) out += m.Push(text.substr(i, step));
  out += m.Flush();
  *stopped = m.stopped();
  return out;
}

TEST(ServeStopStrings, AnyPieceSize) {
  const std::string text = "Hello, wor\xE2\x82\xAC ld. END and more";
  for (size_t step = 1; step <= text.size(); ++step) {
    bool stopped;
    EXPECT_EQ(RunStop({"END"}, text, step, &stopped), "Hello, wor\xE2\x82\xAC ld. ") << step;
    EXPECT_TRUE(stopped);
    EXPECT_EQ(RunStop({"ld.", "wor"}, text, step, &stopped), "Hello, ") << step;  // the earliest wins
    EXPECT_EQ(RunStop({"ENDX", "Hello!"}, text, step, &stopped), text) << step;   // near misses are released
    EXPECT_FALSE(stopped);
  }
}

TEST(ServeStopStrings, HoldsBackOnlyPossiblePrefixes) {
  infer::StopStrings m({"abc"});
  EXPECT_EQ(m.Push("xxa"), "xx");
  EXPECT_EQ(m.Push("b"), "");
  EXPECT_EQ(m.Push("x"), "abx");
  EXPECT_EQ(m.Push("ab"), "");
  EXPECT_EQ(m.Flush(), "ab");
}

SplitText RunSplit(const std::string& text, size_t step, bool starts_in_reasoning) {
  ReasoningSplitter s("<think>", "</think>", starts_in_reasoning);
  SplitText all;
  for (size_t i = 0; i < text.size(); i += step) {
    SplitText p = s.Push(text.substr(i, step));
    all.reasoning += p.reasoning;
    all.content += p.content;
  }
  SplitText p = s.Flush();
  all.reasoning += p.reasoning;
  all.content += p.content;
  return all;
}

TEST(ReasoningSplitter, AnyPieceSize) {
  struct Case {
    std::string text;
    bool starts_in_reasoning;
    std::string reasoning, content;
  };
  std::vector<Case> cases = {
      {"Let me see. 2+2=4.</think>\n\nIt is 4.", true, "Let me see. 2+2=4.", "It is 4."},
      {"\n<think>\nhmm</think>ok", false, "\nhmm", "ok"},
      {"no reasoning at all", false, "", "no reasoning at all"},
      {"still thinking <thi", true, "still thinking <thi", ""},
      {"a <think> later is content", false, "", "a <think> later is content"},
      {"<thin", false, "", "<thin"},
      {"  ", false, "", "  "},
  };
  for (const Case& c : cases)
    for (size_t step = 1; step <= c.text.size(); ++step) {
      SplitText got = RunSplit(c.text, step, c.starts_in_reasoning);
      EXPECT_EQ(got.reasoning, c.reasoning) << c.text << " step " << step;
      EXPECT_EQ(got.content, c.content) << c.text << " step " << step;
    }
}

TEST(ReasoningSplitter, NoMarkersMeansContent) {
  ReasoningSplitter s("", "", true);
  EXPECT_EQ(s.Push("<think>x</think>").content, "<think>x</think>");
}

}  // namespace
}  // namespace minke::serve
