// `minke train` end to end through the binary: a tokenizer trained on a
// corpus, token shards, a few training steps, the ledger, a resume, and
// generation from the result; bad configs fail before any work.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "../data/test_corpus.h"
#include "model/config.h"
#include "tiny_model.h"

namespace minke::train {
namespace {

using data::testing::GoodDoc;
using data::testing::RunMinke;
using data::testing::Slurp;
using data::testing::TempDir;

std::string TinyModelJson(int64_t vocab) {
  model::ModelConfig c = TinyConfig(vocab);
  c.max_position_embeddings = 128;
  return model::ModelConfigToJson(c);
}

class TrainCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string corpus;
    for (int i = 0; i < 60; ++i) corpus += GoodDoc(i, 60) + "\n\n";
    tmp_.Write("corpus.txt", corpus);
    ASSERT_EQ(Run("tokenizer train --vocab-size 300 --out " + P("tok.json") + " " + P("corpus.txt")).exit_code, 0);
    ASSERT_EQ(Run("data tokenize --tokenizer " + P("tok.json") + " --val-fraction 0.2 --out " + P("shards") + " " +
                  P("corpus.txt"))
                  .exit_code,
              0);
    tmp_.Write("model.json", TinyModelJson(300));
  }
  std::string P(const std::string& name) const { return tmp_.path() + "/" + name; }
  data::testing::CliOutcome Run(const std::string& args) const { return RunMinke(tmp_.path(), args); }
  std::string Config(const std::string& extra = "") const {
    return "[model]\nconfig = \"" + P("model.json") + "\"\n[data]\ndir = \"" + P("shards") +
           "\"\n[train]\nout_dir = \"" + P("run") +
           "\"\nsteps = 6\nbatch_size = 2\nseq_len = 16\neval_every = 3\neval_batches = 1\n" +
           "checkpoint_every = 2\n" + extra;
  }
  TempDir tmp_;
};

TEST_F(TrainCli, TrainsResumesAndLeavesAnAuditableModel) {
  tmp_.Write("t.toml", Config());
  auto r = Run("train --no-progress --config " + P("t.toml"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string metrics = Slurp(P("run/metrics.jsonl"));
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 6);
  EXPECT_NE(metrics.find("\"val_loss\""), std::string::npos);
  // The ledger: hashes verify, and the card names the data and the cost inputs.
  r = Run("verify " + P("run/model"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(Slurp(P("run/model/provenance.json")).find("train.bin"), std::string::npos);
  EXPECT_FALSE(Slurp(P("run/model/MODEL_CARD.md")).empty());
  // The result loads and generates with its own tokenizer.
  r = Run("generate --model " + P("run/model") + " --prompt \"the\" --max-new-tokens 4 --temperature 0");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Run("plot " + P("run"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // More steps on the same run directory continue from the last checkpoint.
  r = Run("train --no-progress --steps 8 --config " + P("t.toml"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string more = Slurp(P("run/metrics.jsonl"));
  EXPECT_EQ(std::count(more.begin(), more.end(), '\n'), 8);
}

TEST_F(TrainCli, BadConfigsFailBeforeWork) {
  struct Case {
    std::string toml, error;
  } cases[] = {
      {Config("lr = 0.1\n"), "unknown key [train] lr"},
      {std::regex_replace(Config(), std::regex("seq_len = 16"), "seq_len = 1000"), "max_position_embeddings"},
      {"[model]\nconfig = \"" + P("model.json") + "\"\n[data]\ndir = \"" + P("nope") + "\"\n", "nope"},
  };
  for (const Case& c : cases) {
    tmp_.Write("bad.toml", c.toml);
    auto r = Run("train --no-progress --config " + P("bad.toml"));
    EXPECT_EQ(r.exit_code, 1) << c.toml;
    EXPECT_NE(r.err.find(c.error), std::string::npos) << r.err;
    EXPECT_EQ(Slurp(P("run/metrics.jsonl")), "") << "work started despite a bad config";
  }
  tmp_.Write("model.json", TinyModelJson(100));  // smaller than the tokenizer's 300
  tmp_.Write("t.toml", Config());
  auto r = Run("train --no-progress --config " + P("t.toml"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("vocab_size is 100"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace minke::train
