// Small tokenizers in the pipeline configurations of each supported family
// (GPT-2, Llama-3, ByteLevel add_prefix_space, every Split behaviour, NFD /
// NFKC / NFKD, Bert/Template post-processors), with reference results from
// Hugging Face `tokenizers` (tools/gen_tokenizer_fixtures.py): encode with and
// without special tokens, decode with and without skipping them, streaming.
#include <gtest/gtest.h>

#include "test_data.h"

namespace minke::tokenizer {
namespace {

using testing_data::FixtureDir;
using testing_data::Gunzip;
using testing_data::ParseJsonl;

class TokenizerFamilies : public ::testing::TestWithParam<const char*> {};

TEST_P(TokenizerFamilies, MatchesHuggingFace) {
  const std::string dir = FixtureDir() + "families/";
  const std::string name = GetParam();
  auto t = Tokenizer::FromJson(Gunzip(dir + name + ".json.gz"), name + ".json");
  ASSERT_TRUE(t.ok()) << t.status().message();
  auto cases = ParseJsonl(Gunzip(dir + name + ".cases.jsonl.gz"));
  ASSERT_GT(cases.size(), 150u);
  int failures = 0;
  for (size_t i = 0; i < cases.size() && failures < 10; ++i) {
    const auto& c = cases[i];
    const std::string text = c["text"];
    const std::string where = name + " case " + std::to_string(i + 1) + " " + nlohmann::json(text).dump();
    for (bool special : {false, true}) {
      const std::vector<uint32_t> want = c[special ? "ids_special" : "ids"];
      auto got = t->Encode(text, special);
      ASSERT_TRUE(got.ok()) << where << ": " << got.status().message();
      if (*got != want) {
        ++failures;
        ADD_FAILURE() << where << (special ? " (add_special_tokens)" : "") << "\n  want " << nlohmann::json(want).dump()
                      << "\n  got  " << nlohmann::json(*got).dump();
      }
    }
    const std::vector<uint32_t> ids = c["ids"];
    for (bool skip : {false, true}) {
      auto dec = t->Decode(ids, skip);
      ASSERT_TRUE(dec.ok()) << where << ": " << dec.status().message();
      EXPECT_EQ(*dec, c[skip ? "decoded_skip_special" : "decoded"].get<std::string>()) << where;
      StreamDecoder s = t->NewStreamDecoder(skip);
      std::string streamed;
      for (uint32_t id : ids) streamed += s.Push(id).value();
      EXPECT_EQ(streamed + s.Finish(), *dec) << where << ": streaming";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(, TokenizerFamilies,
                         ::testing::Values("gpt2", "gpt2_prefix_space", "llama3", "behaviours_nfkc", "regex_syntax",
                                           "nfd_digits", "nfkd"));

}  // namespace
}  // namespace minke::tokenizer
