// BpeTrainer: merges worked out by hand on tiny corpora (counts, the
// smaller-pair tie break, merge order), the trained tokenizer.json loading in
// minke's Tokenizer with the exact vocab size and round-tripping text, and
// bad input. tools/check_bpe_trainer.py compares whole trainings with HF.
#include "tokenizer/bpe_trainer.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tokenizer/tokenizer.h"

namespace minke::tokenizer {
namespace {

namespace fs = std::filesystem;

Result<std::string> TrainOn(const std::vector<std::string>& sequences, uint32_t vocab_size,
                            std::vector<std::string> specials = {}) {
  BpeTrainerOptions o;
  o.vocab_size = vocab_size;
  o.special_tokens = std::move(specials);
  MINKE_ASSIGN_OR_RETURN(BpeTrainer t, BpeTrainer::Create(o));
  for (const std::string& s : sequences) MINKE_RETURN_IF_ERROR(t.Feed(s));
  return t.Train();
}

std::vector<std::vector<std::string>> Merges(const std::string& tokenizer_json) {
  return nlohmann::json::parse(tokenizer_json)["model"]["merges"].get<std::vector<std::vector<std::string>>>();
}

std::vector<std::string> Tokens(const Tokenizer& t, const std::string& text) {
  std::vector<std::string> out;
  // (The ids are held in a variable: a range-for over `Encode(...).value()` would dangle.)
  const std::vector<uint32_t> ids = t.Encode(text, false).value();
  for (uint32_t id : ids) out.push_back(t.IdToToken(id).value_or("<no token " + std::to_string(id) + ">"));
  return out;
}

// Words "ab", " ab" x2, " abc": (a,b) is seen 4 times, then (Ġ,ab) 3 times,
// then (Ġab,c) once; the merges come in that order and encoding uses them.
TEST(BpeTrainer, MergesByCountInOrder) {
  Result<std::string> json = TrainOn({"ab ab ab abc"}, 256 + 3);
  ASSERT_TRUE(json.ok()) << json.status().message();
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(Merges(*json), (V{{"a", "b"}, {"Ġ", "ab"}, {"Ġab", "c"}}));
  Result<Tokenizer> t = Tokenizer::FromJson(*json);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->vocab_size(), 256u + 3);
  EXPECT_EQ(Tokens(*t, " abc"), (std::vector<std::string>{"Ġabc"}));
  EXPECT_EQ(Tokens(*t, " abd ab"), (std::vector<std::string>{"Ġab", "d", "Ġab"}));
  EXPECT_EQ(Tokens(*t, "cab"), (std::vector<std::string>{"c", "ab"}));
  // The new tokens take the next ids in merge order, after the 256 bytes.
  EXPECT_EQ(t->TokenToId("ab").value(), 256u);
  EXPECT_EQ(t->TokenToId("Ġab").value(), 257u);
  EXPECT_EQ(t->TokenToId("Ġabc").value(), 258u);
  // Bytes are ordered by their byte-level code point: '!' (U+0021) first, 'Ā' (byte 0) at 188.
  EXPECT_EQ(t->TokenToId("!").value(), 0u);
  EXPECT_EQ(t->TokenToId("Ā").value(), 188u);
}

// Equal counts: the pair of smaller ids wins (HF's tie break), whatever the
// order in the corpus.
TEST(BpeTrainer, TieGoesToTheSmallerPair) {
  Result<std::string> json = TrainOn({"xy\n", "ab\n"}, 256 + 2);
  ASSERT_TRUE(json.ok()) << json.status().message();
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(Merges(*json), (V{{"a", "b"}, {"x", "y"}}));
}

// A merged pair's neighbours are recounted incrementally: in "aaaa" x3 the
// pair (a,a) is counted 3 per word, then (aa,aa) once per word after merging.
TEST(BpeTrainer, OverlappingPairs) {
  Result<std::string> json = TrainOn({"aaaa aaaa aaaa"}, 256 + 3);
  ASSERT_TRUE(json.ok()) << json.status().message();
  const auto merges = Merges(*json);
  ASSERT_GE(merges.size(), 2u);
  EXPECT_EQ(merges[0], (std::vector<std::string>{"a", "a"}));
  EXPECT_EQ(merges[1], (std::vector<std::string>{"aa", "aa"}));
}

TEST(BpeTrainer, TrainsLoadsAndRoundTrips) {
  const std::vector<std::string> corpus = {
      "In the beginning God created the heaven and the earth.\n",
      "And the earth was without form, and void; and darkness was upon the face of the deep.\n",
      "And God said, Let there be light: and there was light.\n",
      "Numbers 1234567 and 3.14159, prices $42.00 -- email me@example.com!\n",
      "Unicode: 你好，世界。 こんにちは Ünïcödé 🙂🙂 naïve café\r\n",
      "    indented code() { return x + y; }\n\n\n"};
  std::vector<std::string> many;
  for (int i = 0; i < 20; ++i) many.insert(many.end(), corpus.begin(), corpus.end());
  const std::vector<std::string> specials = {"<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<pad>"};
  const uint32_t vocab_size = 256 + 3 + 150;
  Result<std::string> json = TrainOn(many, vocab_size, specials);
  ASSERT_TRUE(json.ok()) << json.status().message();
  Result<Tokenizer> t = Tokenizer::FromJson(*json, "trained");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->vocab_size(), vocab_size);
  EXPECT_EQ(Merges(*json).size(), 150u);
  for (uint32_t i = 0; i < specials.size(); ++i) {
    EXPECT_EQ(t->TokenToId(specials[i]).value(), i);
    EXPECT_TRUE(t->IsSpecial(i));
  }
  size_t corpus_tokens = 0, corpus_bytes = 0;
  for (const std::string& text : corpus) {
    std::vector<uint32_t> ids = t->Encode(text, false).value();
    corpus_tokens += ids.size();
    corpus_bytes += text.size();
    EXPECT_EQ(t->Decode(ids, false).value(), text);
  }
  EXPECT_LT(corpus_tokens * 2, corpus_bytes) << "150 merges should at least halve the training text";
  for (const std::string text : {"Unseen words: zygote, quixotic. 987654321 Ωμέγα ∑ 🚀", "",
                                 "<｜begin▁of▁sentence｜>Hello<｜end▁of▁sentence｜>"}) {
    std::vector<uint32_t> ids = t->Encode(text, false).value();
    EXPECT_EQ(t->Decode(ids, false).value(), text);
  }
  EXPECT_EQ(t->Encode("<pad>x", false).value().front(), 2u);
  // Every byte is in the vocabulary, seen in the corpus or not.
  for (int b = 0; b < 256; ++b) {
    std::string s(1, static_cast<char>(b));
    if (b >= 0x80) continue;  // lone high bytes are not valid UTF-8 text
    EXPECT_EQ(t->Decode(t->Encode(s, false).value(), false).value(), s) << b;
  }
}

TEST(BpeTrainer, BadInputIsAnError) {
  auto create_error = [](uint32_t vocab, std::vector<std::string> specials) {
    BpeTrainerOptions o;
    o.vocab_size = vocab;
    o.special_tokens = std::move(specials);
    Result<BpeTrainer> t = BpeTrainer::Create(o);
    return t.ok() ? std::string("OK") : t.status().message();
  };
  EXPECT_EQ(create_error(257, {"<s>", "</s>"}),
            "vocab size 257 must be at least 256 bytes + 2 special tokens = 258 and at most 2097152");
  EXPECT_EQ(create_error(258, {"<s>", "</s>"}), "OK");
  EXPECT_EQ(create_error(300, {"<s>", "<s>"}), "special token '<s>' is given twice");
  EXPECT_EQ(create_error(300, {""}), "special token 0 is empty");

  Result<std::string> empty = TrainOn({}, 300);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "the corpus is empty: no words to learn merges from");
  EXPECT_FALSE(TrainOn({"bad \xff byte"}, 300).ok());

  const std::string dir = testing::TempDir() + "bpe_trainer_test";
  fs::create_directories(dir);
  std::ofstream(dir + "/empty.txt").close();
  std::ofstream(dir + "/bad.txt", std::ios::binary) << "fine\nstill fine\nbad \xc3( here\n";
  BpeTrainerOptions o;
  o.vocab_size = 300;
  Result<BpeTrainingStats> r = TrainBpeTokenizer(o, {dir + "/missing.txt"}, dir + "/out.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("missing.txt"), std::string::npos) << r.status().message();
  r = TrainBpeTokenizer(o, {dir + "/empty.txt"}, dir + "/out.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), dir + "/empty.txt: the corpus is empty: no words to learn merges from");
  r = TrainBpeTokenizer(o, {dir + "/bad.txt"}, dir + "/out.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.txt: line 3: not valid UTF-8"), std::string::npos) << r.status().message();
  r = TrainBpeTokenizer(o, {}, dir + "/out.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "no training files given");
  EXPECT_FALSE(fs::exists(dir + "/out.json"));
  fs::remove_all(dir);
}

// `minke tokenizer train` end to end: writes a tokenizer.json that
// `minke tokenize` uses; errors are one line on stderr and exit code 1.
TEST(BpeTrainer, Cli) {
  const std::string dir = testing::TempDir() + "bpe_trainer_cli";
  fs::create_directories(dir);
  {
    std::ofstream c(dir + "/corpus.txt");
    for (int i = 0; i < 50; ++i) c << "the quick brown fox jumps over the lazy dog " << i << "\n";
  }
  auto run = [&](const std::string& args) {
    const std::string cmd = std::string("'") + MINKE_BINARY + "' tokenizer train " + args + " 2>'" + dir + "/err'";
    const int status = std::system(cmd.c_str());
    std::ifstream in(dir + "/err");
    std::string err((std::istreambuf_iterator<char>(in)), {});
    return std::make_pair(WIFEXITED(status) ? WEXITSTATUS(status) : 128, err);
  };
  auto [rc, err] =
      run("--vocab-size 300 --special-tokens '<s>,</s>' --out '" + dir + "/tok.json' '" + dir + "/corpus.txt'");
  ASSERT_EQ(rc, 0) << err;
  EXPECT_NE(err.find("300 tokens (2 special, 256 bytes, 42 merges)"), std::string::npos) << err;
  Result<Tokenizer> t = Tokenizer::FromFile(dir + "/tok.json");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->vocab_size(), 300u);
  EXPECT_EQ(t->TokenToId("</s>").value(), 1u);

  std::tie(rc, err) = run("--vocab-size 100 --out '" + dir + "/x.json' '" + dir + "/corpus.txt'");
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(err,
            "minke: error: vocab size 100 must be at least 256 bytes + 2 special tokens = 258 and at most "
            "2097152\n");
  std::tie(rc, err) = run("--vocab-size 300 --out '" + dir + "/x.json' '" + dir + "/nope.txt'");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("nope.txt"), std::string::npos) << err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace minke::tokenizer
