// CleanCorpus end to end on small corpora built here: planted exact and
// near duplicates (known Jaccard) and junk, checking exactly which
// documents are kept, what each rule removed, and that the shards do not
// depend on the thread count or batch size.
#include "data/pipeline.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "data/minhash.h"
#include "test_corpus.h"

namespace minke::data {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::GoodDoc;
using testing::GoodWords;
using testing::Slurp;
using testing::TempDir;

std::string JsonLine(const std::string& text, const std::string& extra = "") {
  std::string s = "{\"text\":";
  AppendJsonString(text, &s);
  return s + extra + "}\n";
}

std::string Words(const std::vector<std::string>& w) {
  std::string s;
  for (size_t i = 0; i < w.size(); ++i) s += (i ? " " : "") + w[i];
  return s;
}

// a with every k-th word replaced by a fresh one.
std::vector<std::string> Mutate(std::vector<std::string> a, int every, uint64_t seed) {
  testing::WordGen g(seed);
  for (size_t i = 0; i < a.size(); i += every) a[i] = g.Word() + "zz";
  return a;
}

struct Kept {
  std::string source;  // file name:line
  std::string text;
  json meta;
};

std::vector<Kept> ReadShards(const CleanReport& r) {
  std::vector<Kept> out;
  for (const std::string& shard : r.shards) {
    std::istringstream in(Slurp(shard));
    std::string line;
    while (std::getline(in, line)) {
      json j = json::parse(line);
      out.push_back(
          {fs::path(j["source"].get<std::string>()).filename().string() + ":" + std::to_string(j["line"].get<int>()),
           j["text"], j.value("meta", json())});
    }
  }
  return out;
}

std::map<std::string, int64_t> RemovedDocs(const CleanReport& r) {
  std::map<std::string, int64_t> m;
  for (int i = 1; i < kRuleCount; ++i)
    if (r.removed[i].docs) m[std::string(RuleName(static_cast<Rule>(i)))] = r.removed[i].docs;
  return m;
}

class PipelineTest : public ::testing::Test {
 protected:
  Result<CleanReport> Run(const std::vector<std::string>& inputs, const std::string& out, int threads = 2) {
    CleanOptions o;
    o.inputs = inputs;
    o.out_dir = out;
    o.config = config_;
    o.threads = threads;
    return CleanCorpus(o);
  }
  TempDir dir_;
  CleanConfig config_;
};

TEST_F(PipelineTest, KeepsAndRemovesExactlyWhatIsPlanted) {
  const std::vector<std::string> g2 = GoodWords(2, 200), g3 = GoodWords(3, 200);
  const std::vector<std::string> g2_near = Mutate(g2, 100, 1), g3_far = Mutate(g3, 4, 2);
  MinHasher h(config_.dedup.minhash);
  const double j_near = ExactJaccard(h, Words(g2), Words(g2_near)), j_far = ExactJaccard(h, Words(g3), Words(g3_far));
  ASSERT_GT(j_near, 0.9);  // well above the 0.8 threshold
  ASSERT_LT(j_far, 0.5);   // well below

  std::string g1 = GoodDoc(1), g1_spaced = g1;
  for (size_t p = g1_spaced.find(' '); p != std::string::npos; p = g1_spaced.find(' ', p + 3))
    g1_spaced.insert(p, "  ");
  const std::string junk_short = "The cat and the dog.";
  std::string no_stop;
  for (int i = 0; i < 60; ++i) no_stop += testing::WordGen(50 + i).Word() + " ";
  dir_.Write("in/a.jsonl", JsonLine(g1) +                                        // 1 kept
                               JsonLine(g1_spaced) +                             // 2 exact (after whitespace clean-up)
                               JsonLine(Words(g2)) +                             // 3 kept
                               JsonLine(Words(g2_near)) +                        // 4 near duplicate of 3
                               JsonLine(Words(g3)) +                             // 5 kept
                               JsonLine(Words(g3_far)) +                         // 6 kept: Jaccard < 0.5
                               JsonLine(junk_short) +                            // 7 word_count
                               JsonLine(no_stop) +                               // 8 stop_words
                               "   \n" +                                         // 9 blank: not a document
                               JsonLine(" \n\t ") +                              // 10 empty
                               JsonLine(GoodDoc(4), ",\"url\":\"u\",\"n\":7"));  // 11 kept, with meta
  dir_.Write("in/sub/b.txt", GoodDoc(5) + "\n\n" + GoodDoc(6) + "\n  \n" + g1 + "\n\n\n" + junk_short + "\n");
  dir_.Write("in/.hidden.txt", GoodDoc(7));

  auto r = Run({dir_.path() + "/in"}, dir_.path() + "/out");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->input_files.size(), 2u);  // .hidden.txt skipped
  EXPECT_EQ(r->input_docs, 14);
  std::vector<std::string> kept;
  for (const Kept& k : ReadShards(*r)) kept.push_back(k.source);
  EXPECT_EQ(kept, (std::vector<std::string>{"a.jsonl:1", "a.jsonl:3", "a.jsonl:5", "a.jsonl:6", "a.jsonl:11", "b.txt:1",
                                            "b.txt:6"}));
  EXPECT_EQ(RemovedDocs(*r),
            (std::map<std::string, int64_t>{
                {"exact_duplicate", 2}, {"near_duplicate", 1}, {"word_count", 2}, {"stop_words", 1}, {"empty", 1}}));
  EXPECT_EQ(r->output_docs, 7);
  const RuleTally& near = r->tally(Rule::kNearDuplicate);
  EXPECT_EQ(near.bytes, static_cast<int64_t>(Words(g2_near).size()));
  ASSERT_EQ(near.examples.size(), 1u);
  EXPECT_NE(near.examples[0].detail.find("a.jsonl:3"), std::string::npos) << near.examples[0].detail;
  EXPECT_NE(near.examples[0].source.find("a.jsonl:4"), std::string::npos);
  const RuleTally& exact = r->tally(Rule::kExactDuplicate);
  ASSERT_EQ(exact.examples.size(), 2u);
  EXPECT_NE(exact.examples[1].source.find("b.txt:11"), std::string::npos);
  EXPECT_NE(exact.examples[1].detail.find("a.jsonl:1"), std::string::npos);
  EXPECT_EQ(r->tally(Rule::kWordCount).bytes, 2 * static_cast<int64_t>(junk_short.size()));

  const std::vector<Kept> docs = ReadShards(*r);
  EXPECT_EQ(docs[0].text, g1);
  EXPECT_EQ(docs[4].meta, json::parse(R"({"url":"u","n":7})"));
  EXPECT_TRUE(fs::exists(dir_.path() + "/out/report.md"));
  const json report = json::parse(Slurp(dir_.path() + "/out/report.json"));
  EXPECT_EQ(report["removed"]["near_duplicate"]["documents"], 1);
  EXPECT_EQ(report["output"]["documents"], 7);
}

TEST_F(PipelineTest, OutputDoesNotDependOnThreadsOrBatches) {
  // 300 documents: fresh ones, exact repeats, near duplicates and junk.
  std::string a, b;
  for (int i = 0; i < 200; ++i) {
    const auto w = GoodWords(1000 + i % 150, 150);
    std::string text = i % 7 == 3 ? Words(Mutate(w, 50, i)) : Words(w);
    if (i % 11 == 5) text = "short junk " + std::to_string(i);
    (i % 2 ? a : b) += i % 2 ? JsonLine(text) : text + "\n\n";
  }
  dir_.Write("in/a.jsonl", a);
  dir_.Write("in/b.txt", b);
  config_.output.shard_bytes = 20000;  // several shards
  std::vector<std::string> reference;
  const std::pair<int, int64_t> runs[] = {{1, 8 << 20}, {2, 3000}, {4, 50000}, {3, 1}};
  for (const auto& [threads, batch] : runs) {
    config_.output.batch_bytes = batch;
    const std::string out = dir_.path() + "/out" + std::to_string(threads);
    auto r = Run({dir_.path() + "/in"}, out, threads);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_GT(r->shards.size(), 2u);
    std::vector<std::string> shards;
    for (const auto& s : r->shards) shards.push_back(Slurp(s));
    if (reference.empty()) {
      reference = shards;
      EXPECT_GT(r->tally(Rule::kExactDuplicate).docs, 0);
      EXPECT_GT(r->tally(Rule::kNearDuplicate).docs, 0);
    } else {
      EXPECT_EQ(shards, reference) << threads << " threads, batch " << batch;
    }
  }
}

TEST_F(PipelineTest, MalformedJsonlStopsWithFileAndLine) {
  dir_.Write("bad.jsonl", JsonLine(GoodDoc(1)) + "{\"text\": unquoted}\n" + "{\"body\": \"x\"}\n[1]\n");
  auto r = Run({dir_.path() + "/bad.jsonl"}, dir_.path() + "/out");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.jsonl:2: malformed JSON"), std::string::npos) << r.status().message();
  EXPECT_FALSE(fs::exists(dir_.path() + "/out/shard-00000.jsonl"));
  EXPECT_FALSE(fs::exists(dir_.path() + "/out/report.json"));

  config_.input.skip_bad_jsonl = true;
  r = Run({dir_.path() + "/bad.jsonl"}, dir_.path() + "/out");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const RuleTally& bad = r->tally(Rule::kMalformedJsonl);
  EXPECT_EQ(bad.docs, 3);
  ASSERT_EQ(bad.examples.size(), 3u);
  EXPECT_NE(bad.examples[1].source.find("bad.jsonl:3"), std::string::npos);
  EXPECT_EQ(bad.examples[1].detail, "no string field \"text\"");
  EXPECT_EQ(bad.examples[2].detail, "expected a JSON object, got array");
  EXPECT_EQ(r->output_docs, 1);
}

TEST_F(PipelineTest, NormalisesScrubsAndFlagsOversized) {
  const std::string doc = GoodDoc(1) + " Cafe\u0301 mail ann@example.com or call (555) 123-4567 from 10.1.2.3.";
  dir_.Write("a.txt", doc + "\n\n" + GoodDoc(2, 2000) + "\n\nbad \xFF utf8 " + GoodDoc(3));
  config_.scrub.email = config_.scrub.phone = config_.scrub.ip = true;
  config_.input.max_doc_bytes = 5000;
  auto r = Run({dir_.path() + "/a.txt"}, dir_.path() + "/out", 1);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::vector<Kept> docs = ReadShards(*r);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_NE(docs[0].text.find("Caf\u00E9 mail <EMAIL> or call <PHONE> from <IP_ADDRESS>."), std::string::npos);
  EXPECT_EQ(r->nfc_changed_docs, 1);
  EXPECT_EQ(r->scrubbed.email + r->scrubbed.phone + r->scrubbed.ipv4, 3);
  EXPECT_EQ(r->scrubbed_docs, 1);
  EXPECT_EQ(r->tally(Rule::kOversized).docs, 1);
  EXPECT_GT(r->tally(Rule::kOversized).bytes, 5000);
  EXPECT_EQ(r->invalid_utf8_docs, 1);
  EXPECT_NE(docs[1].text.find("bad \uFFFD utf8"), std::string::npos);
  EXPECT_EQ(Slurp(dir_.path() + "/out/report.md").find("ann@"), std::string::npos);  // never quoted
}

TEST_F(PipelineTest, FileUnitAndStaleShards) {
  dir_.Write("a.txt", GoodDoc(1) + "\n\n" + GoodDoc(2));
  dir_.Write("out/shard-00001.jsonl", "stale\n");
  dir_.Write("out/shard-00002.jsonl", "stale\n");
  config_.input.plain_text_unit = PlainTextUnit::kFile;
  auto r = Run({dir_.path() + "/a.txt"}, dir_.path() + "/out");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->input_docs, 1);
  EXPECT_EQ(r->shards.size(), 1u);
  EXPECT_FALSE(fs::exists(dir_.path() + "/out/shard-00001.jsonl"));
  EXPECT_FALSE(fs::exists(dir_.path() + "/out/shard-00002.jsonl"));
  EXPECT_EQ(ReadShards(*r)[0].text, GoodDoc(1) + "\n\n" + GoodDoc(2));
}

TEST_F(PipelineTest, SkipsItsOwnOutput) {
  dir_.Write("in/a.txt", GoodDoc(1));
  for (int run = 0; run < 2; ++run) {
    auto r = Run({dir_.path() + "/in"}, dir_.path() + "/in/clean");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->input_files.size(), 1u);
    EXPECT_EQ(r->output_docs, 1);
  }
}

TEST_F(PipelineTest, ReportsMissingInputs) {
  auto r = Run({dir_.path() + "/nope.txt"}, dir_.path() + "/out");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nope.txt: no such file or directory"), std::string::npos);
}

}  // namespace
}  // namespace minke::data
