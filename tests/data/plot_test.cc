// `minke plot` (data/plot.h): metrics.jsonl parsing (optional fields, errors
// naming the line) and an SVG that is well-formed XML with the panels drawn.
#include "data/plot.h"

#include <gtest/gtest.h>

#include <regex>

#include "test_corpus.h"

namespace minke::data {
namespace {

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

// A synthetic run: loss falling, warm-up then cosine lr, val every 50 steps.
std::string SyntheticLog(int steps) {
  std::string s;
  for (int i = 0; i <= steps; i += 10) {
    s += "{\"step\":" + std::to_string(i) + ",\"tokens\":" + std::to_string(i * 2048) +
         ",\"loss\":" + std::to_string(10.0 * std::exp(-i / 300.0) + 3) +
         ",\"lr\":" + std::to_string(i < 100 ? 3e-4 * i / 100 : 3e-4 * (0.5 + 0.5 * std::cos(i / 1000.0))) +
         ",\"expert_load_imbalance\":" + std::to_string(1 + 1.0 / (1 + i / 50.0)) + ",\"grad_norm\":0.9";
    if (i % 50 == 0) s += ",\"val_loss\":" + std::to_string(10.0 * std::exp(-i / 300.0) + 3.2);
    s += "}\n";
  }
  return s;
}

// Checks XML well-formedness of our SVG subset: every tag closes in order,
// attributes are quoted, text holds no raw '<' or '&' outside entities.
::testing::AssertionResult WellFormed(const std::string& xml) {
  std::vector<std::string> stack;
  size_t i = 0;
  if (!xml.starts_with("<?xml")) return ::testing::AssertionFailure() << "no XML declaration";
  i = xml.find("?>") + 2;
  const std::regex attrs(R"((\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<&]*")*\s*/?)");
  while ((i = xml.find('<', i)) != std::string::npos) {
    const size_t end = xml.find('>', i);
    if (end == std::string::npos) return ::testing::AssertionFailure() << "unterminated tag at " << i;
    std::string tag = xml.substr(i + 1, end - i - 1);
    if (tag.starts_with("/")) {
      if (stack.empty() || stack.back() != tag.substr(1))
        return ::testing::AssertionFailure()
               << "</" << tag.substr(1) << "> does not close <" << (stack.empty() ? "" : stack.back()) << ">";
      stack.pop_back();
    } else {
      const size_t sp = std::min(tag.find_first_of(" \n/"), tag.size());
      const std::string name = tag.substr(0, sp);
      if (!std::regex_match(tag.substr(sp), attrs))
        return ::testing::AssertionFailure() << "bad attributes in <" << tag << ">";
      if (!tag.ends_with("/")) stack.push_back(name);
    }
    const size_t next = xml.find('<', end);
    const std::string text = xml.substr(end + 1, (next == std::string::npos ? xml.size() : next) - end - 1);
    for (size_t a = text.find('&'); a != std::string::npos; a = text.find('&', a + 1))
      if (!std::regex_search(text.substr(a), std::regex("^&(lt|gt|amp|quot);")))
        return ::testing::AssertionFailure() << "raw & in text: " << text;
    i = end + 1;
  }
  if (!stack.empty()) return ::testing::AssertionFailure() << "<" << stack.back() << "> never closed";
  return ::testing::AssertionSuccess();
}

TEST(Plot, ParsesOptionalFields) {
  auto rows = ParseMetrics(
      "{\"step\": 0, \"loss\": 5}\n\n{\"step\": 10, \"val_loss\": null, \"lr\": 1e-3, \"x\": [1]}\n", "m.jsonl");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].loss, 5);
  EXPECT_TRUE(std::isnan((*rows)[0].lr));
  EXPECT_EQ((*rows)[1].step, 10);
  EXPECT_EQ((*rows)[1].lr, 1e-3);
  EXPECT_TRUE(std::isnan((*rows)[1].val_loss));
}

TEST(Plot, ErrorsNameTheLine) {
  auto r = ParseMetrics("{\"step\": 0}\n{\"step\": 1}\n{\"step\": 2, \"loss\": \n", "run/metrics.jsonl");
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.status().message(), "run/metrics.jsonl:3: malformed JSON");
  r = ParseMetrics("{\"step\": 0}\n{\"loss\": 1}\n", "m");
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.status().message(), "m:2: missing \"step\"");
  r = ParseMetrics("{\"step\": 0, \"loss\": \"high\"}\n", "m");
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.status().message(), "m:1: \"loss\": expected a number, got \"high\"");
  r = ParseMetrics("{\"step\": -4}\n", "m");
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.status().message(), "m:1: \"step\": expected a non-negative integer");
  EXPECT_FALSE(ParseMetrics("\n\n", "m").ok());
}

TEST(Plot, NiceTicksAreRoundAndCover) {
  EXPECT_EQ(NiceTicks(0, 1000), (std::vector<double>{0, 200, 400, 600, 800, 1000}));
  const std::vector<double> t = NiceTicks(3.1, 12.9);
  EXPECT_LE(t.front(), 3.1);
  EXPECT_GE(t.back(), 12.9);
  EXPECT_EQ(t[1] - t[0], 2.0);
}

TEST(Plot, SvgIsWellFormedWithPanelsAndLegend) {
  auto rows = ParseMetrics(SyntheticLog(1000), "m");
  ASSERT_TRUE(rows.ok());
  const std::string svg = RenderMetricsSvg(*rows, "run <a & b>");
  EXPECT_TRUE(WellFormed(svg));
  EXPECT_HAS(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
  EXPECT_HAS(svg, "run &lt;a &amp; b&gt;");
  // One line each for train, val, lr and imbalance; val's 21 points as dots.
  size_t lines = 0, dots = 0;
  for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1)) ++lines;
  for (size_t p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1)) ++dots;
  EXPECT_EQ(lines, 4u);
  EXPECT_EQ(dots, 21u);
  for (const char* s : {">train</text>", ">val</text>", ">Learning rate</text>", ">Expert-load imbalance</text>",
                        ">step</text>", ">1000</text>"})
    EXPECT_HAS(svg, s);
  // A log with only loss still draws, and says where data is missing.
  auto sparse = ParseMetrics("{\"step\":1,\"loss\":2}\n{\"step\":2,\"loss\":1.5}\n", "m");
  const std::string svg2 = RenderMetricsSvg(*sparse, "t");
  EXPECT_TRUE(WellFormed(svg2));
  EXPECT_HAS(svg2, ">no data</text>");
}

TEST(Plot, CliWritesPlotAndNamesBadLines) {
  testing::TempDir dir;
  dir.Write("run/metrics.jsonl", SyntheticLog(200));
  testing::CliOutcome o = testing::RunMinke(dir.path(), "plot '" + dir.path() + "/run'");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_HAS(o.out, "21 rows");
  EXPECT_TRUE(WellFormed(testing::Slurp(dir.path() + "/run/plot.svg")));
  dir.Write("run/metrics.jsonl", SyntheticLog(20) + "{\"step\": 30, \"loss\": 1,}\n");
  o = testing::RunMinke(dir.path(), "plot '" + dir.path() + "/run' --out '" + dir.path() + "/p.svg'");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_HAS(o.err, "metrics.jsonl:4: malformed JSON");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/p.svg"));
}

}  // namespace
}  // namespace minke::data
