// `minke data` and `minke cost` end to end: exit codes, what they print,
// and the files they write.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>

#include "data/clean_config.h"
#include "test_corpus.h"

namespace minke::data {
namespace {

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "output: " << (msg)

struct Outcome {
  int exit_code;
  std::string out, err;
};

class DataCliTest : public ::testing::Test {
 protected:
  Outcome Minke(const std::string& args) {
    const std::string out = dir_.path() + "/stdout", err = dir_.path() + "/stderr";
    const std::string cmd =
        std::string("'") + MINKE_BINARY + "' --threads 2 " + args + " >'" + out + "' 2>'" + err + "'";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), testing::Slurp(out), testing::Slurp(err)};
  }
  testing::TempDir dir_;
};

TEST_F(DataCliTest, CleanWritesShardsAndReports) {
  dir_.Write("in/a.txt", testing::GoodDoc(1) + "\n\n" + testing::GoodDoc(1) + "\n\nshort one\n");
  const Outcome o = Minke("data clean '" + dir_.path() + "/in' --out '" + dir_.path() + "/out' --progress");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_HAS(o.out, "kept     1 documents");
  EXPECT_HAS(o.out, "exact_duplicate");
  EXPECT_HAS(o.out, "word_count");
  EXPECT_HAS(o.err, "MB/s");  // the progress bar
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/out/shard-00000.jsonl"));
  EXPECT_HAS(testing::Slurp(dir_.path() + "/out/report.md"), "| exact_duplicate | 1 |");
}

TEST_F(DataCliTest, CleanErrorsNameTheProblem) {
  dir_.Write("bad.jsonl", "{\"text\": \"ok\"}\n{oops\n");
  Outcome o = Minke("data clean '" + dir_.path() + "/bad.jsonl' --out '" + dir_.path() + "/out'");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_HAS(o.err, "bad.jsonl:2: malformed JSON");
  o = Minke("data clean '" + dir_.path() + "/bad.jsonl' --out '" + dir_.path() + "/out' --skip-bad-jsonl");
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_HAS(o.out, "malformed_jsonl");
  dir_.Write("c.toml", "[dedup]\nbandz = 3\n");
  o = Minke("data clean x --out y --config '" + dir_.path() + "/c.toml'");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_HAS(o.err, "c.toml: [dedup] unknown key 'bandz'");
  o = Minke("data clean x --out y --scrub mail");
  EXPECT_HAS(o.err, "--scrub: unknown kind 'mail'");
}

TEST_F(DataCliTest, ConfigPrintsParsableDefaults) {
  const Outcome o = Minke("data config");
  ASSERT_EQ(o.exit_code, 0);
  auto c = ParseCleanConfig(o.out, "stdout");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(CleanConfigToJson(*c), CleanConfigToJson(CleanConfig{}));
}

TEST_F(DataCliTest, CostCalibratesAndCompares) {
  Outcome o = Minke("cost --calibrate-deepseek-v3");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_HAS(o.out, "34.63%");
  EXPECT_HAS(o.out, "2.788M GPU-hours");
  EXPECT_HAS(o.out, "$5.576M");
  o = Minke("cost --total-params 671B --active-params 37B --tokens 14.8T --hardware h800 --mfu 0.346263");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_HAS(o.out, "2.664M");
  EXPECT_HAS(o.out, "$5.328M");
  o = Minke("cost --config '" MINKE_SOURCE_DIR "/examples/tiny_v3.json' --tokens 1B --compare h100,a100");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_HAS(o.out, "NVIDIA A100");
  EXPECT_HAS(o.out, "Dense vs MoE");
  o = Minke("cost --tokens 1T");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_HAS(o.err, "--total-params");
  o = Minke("cost --preset deepseek-v3 --tokens 1T --hardware tpu");
  EXPECT_HAS(o.err, "unknown hardware 'tpu'");
}

}  // namespace
}  // namespace minke::data
