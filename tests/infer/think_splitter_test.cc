// The reasoning part of an R1-style reply, split out of a stream whose
// markers may arrive in pieces.
#include "infer/think_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace minke::infer {
namespace {

// Runs the pieces through, merging consecutive runs of the same part.
std::vector<std::pair<ReplyPart, std::string>> Split(ThinkSplitter s, const std::vector<std::string>& pieces) {
  std::vector<std::pair<ReplyPart, std::string>> out;
  auto emit = [&](ReplyPart p, std::string_view t) {
    EXPECT_FALSE(t.empty());
    if (!out.empty() && out.back().first == p)
      out.back().second += t;
    else
      out.emplace_back(p, std::string(t));
  };
  for (const std::string& p : pieces) s.Push(p, emit);
  s.Flush(emit);
  return out;
}

using P = std::vector<std::pair<ReplyPart, std::string>>;
constexpr ReplyPart kThink = ReplyPart::kThink, kAnswer = ReplyPart::kAnswer;

TEST(ThinkSplitter, R1ReplyStartsInsideTheReasoning) {
  ThinkSplitter s("<think>", "</think>", /*start_inside=*/true);
  EXPECT_EQ(Split(s, {"Let me see", ".</th", "ink>\n\nIt is 4."}),
            (P{{kThink, "Let me see."}, {kAnswer, "\n\nIt is 4."}}));
}

TEST(ThinkSplitter, MarkersOneCharacterAtATime) {
  const std::string text = "<think>hmm</think>Yes.";
  std::vector<std::string> chars;
  for (char c : text) chars.push_back(std::string(1, c));
  EXPECT_EQ(Split(ThinkSplitter("<think>", "</think>", false), chars), (P{{kThink, "hmm"}, {kAnswer, "Yes."}}));
}

TEST(ThinkSplitter, NearMissesAreText) {
  EXPECT_EQ(Split(ThinkSplitter("<think>", "</think>", true), {"a </thin", "g> b"}), (P{{kThink, "a </thing> b"}}));
  // A marker cut off by the end of the stream is text.
  EXPECT_EQ(Split(ThinkSplitter("<think>", "</think>", true), {"a </thi"}), (P{{kThink, "a </thi"}}));
}

TEST(ThinkSplitter, NoMarkersMeansAllAnswer) {
  EXPECT_EQ(Split(ThinkSplitter("", "", true), {"<think>x", "</think>"}), (P{{kAnswer, "<think>x</think>"}}));
}

}  // namespace
}  // namespace minke::infer
