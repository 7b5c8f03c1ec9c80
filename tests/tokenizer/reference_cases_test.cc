// The tokenizer against reference data made with Hugging Face `tokenizers`:
// every line of public_cases.jsonl (DeepSeek-V3) and qwen2_5_public_cases.jsonl
// must encode to exactly the reference ids and decode to exactly the reference
// strings; decode_cases.jsonl pins U+FFFD handling; streaming decode must equal
// one-shot decode everywhere.
#include <gtest/gtest.h>

#include "test_data.h"

namespace minke::tokenizer {
namespace {

using testing_data::DeepSeekV3;
using testing_data::FixtureDir;
using testing_data::Gunzip;
using testing_data::ParseJsonl;
using testing_data::Qwen25;
using testing_data::ReadShared;

std::string Streamed(const Tokenizer& t, const std::vector<uint32_t>& ids, bool skip) {
  StreamDecoder d = t.NewStreamDecoder(skip);
  std::string out;
  for (uint32_t id : ids) {
    auto piece = d.Push(id);
    EXPECT_TRUE(piece.ok()) << piece.status().message();
    if (piece.ok()) out += *piece;
  }
  return out + d.Finish();
}

// Checks every case line; returns the number that passed.
int CheckCases(const Tokenizer& t, const std::vector<nlohmann::json>& cases, const std::string& file) {
  int passed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::string text = c["text"];
    const std::vector<uint32_t> want = c["ids"];
    auto got = t.Encode(text, /*add_special_tokens=*/false);
    if (!got.ok()) {
      ADD_FAILURE() << file << " line " << i + 1 << ": " << got.status().message();
      continue;
    }
    bool ok = true;
    if (*got != want) {
      ok = false;
      ADD_FAILURE() << file << " line " << i + 1 << " (" << c["category"] << "): encode differs for "
                    << nlohmann::json(text).dump() << "\n  want " << nlohmann::json(want).dump() << "\n  got  "
                    << nlohmann::json(*got).dump();
    }
    for (bool skip : {false, true}) {
      const std::string key = skip ? "decoded_skip_special" : "decoded";
      if (!c.contains(key)) continue;  // the Qwen file has no skip-special column
      auto dec = t.Decode(want, skip);
      if (!dec.ok()) {
        ok = false;
        ADD_FAILURE() << file << " line " << i + 1 << ": " << dec.status().message();
        continue;
      }
      if (*dec != c[key].get<std::string>()) {
        ok = false;
        ADD_FAILURE() << file << " line " << i + 1 << ": " << key << " differs: want " << nlohmann::json(c[key]).dump()
                      << " got " << nlohmann::json(*dec).dump();
      }
      EXPECT_EQ(Streamed(t, want, skip), *dec) << file << " line " << i + 1 << ": streaming decode differs";
    }
    passed += ok;
  }
  return passed;
}

TEST(TokenizerReference, DeepSeekV3PublicCases) {
  const Tokenizer* t = DeepSeekV3();
  ASSERT_NE(t, nullptr);
  auto cases = ParseJsonl(Gunzip(FixtureDir() + "public_cases.jsonl.gz"));
  ASSERT_EQ(cases.size(), 151u);
  EXPECT_EQ(CheckCases(*t, cases, "public_cases.jsonl"), 151);
}

TEST(TokenizerReference, DeepSeekV3DecodeCases) {
  const Tokenizer* t = DeepSeekV3();
  ASSERT_NE(t, nullptr);
  auto cases = ParseJsonl(Gunzip(FixtureDir() + "decode_cases.jsonl.gz"));
  ASSERT_EQ(cases.size(), 27u);
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::vector<uint32_t> ids = c["ids"];
    const bool skip = c["skip_special_tokens"];
    auto dec = t->Decode(ids, skip);
    ASSERT_TRUE(dec.ok()) << dec.status().message();
    EXPECT_EQ(*dec, c["decoded"].get<std::string>()) << "decode_cases.jsonl line " << i + 1 << ": " << c["note"];
    EXPECT_EQ(Streamed(*t, ids, skip), *dec) << "decode_cases.jsonl line " << i + 1 << ": streaming differs";
  }
}

// The rendered chat conversations of chat_cases.jsonl (V3 and R1 templates)
// tokenize to the reference ids and decode back.
TEST(TokenizerReference, DeepSeekV3ChatCases) {
  const Tokenizer* t = DeepSeekV3();
  ASSERT_NE(t, nullptr);
  auto cases = ParseJsonl(Gunzip(FixtureDir() + "chat_cases.jsonl.gz"));
  ASSERT_EQ(cases.size(), 14u);
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::vector<uint32_t> want = c["ids"];
    EXPECT_EQ(t->Encode(c["rendered"].get<std::string>(), false).value(), want) << "chat_cases.jsonl line " << i + 1;
    EXPECT_EQ(t->Decode(want, false).value(), c["decoded"].get<std::string>()) << "chat_cases.jsonl line " << i + 1;
  }
}

TEST(TokenizerReference, Qwen25PublicCases) {
  const Tokenizer* t = Qwen25();
  auto cases_text = ReadShared("qwen2_5_public_cases.jsonl");
  if (t == nullptr || !cases_text)
    GTEST_SKIP() << "../shared/tokenizer/qwen2_5 is missing (Qwen2.5's tokenizer is not committed): skipped";
  auto cases = ParseJsonl(*cases_text);
  ASSERT_EQ(cases.size(), 151u);
  EXPECT_EQ(CheckCases(*t, cases, "qwen2_5_public_cases.jsonl"), 151);
}

// The committed copies are byte-identical to ../shared's originals.
TEST(TokenizerReference, FixturesMatchShared) {
  const std::pair<const char*, const char*> files[] = {{"deepseek_v3_tokenizer.json.gz", "deepseek_v3/tokenizer.json"},
                                                       {"public_cases.jsonl.gz", "public_cases.jsonl"},
                                                       {"decode_cases.jsonl.gz", "decode_cases.jsonl"},
                                                       {"chat_cases.jsonl.gz", "chat_cases.jsonl"}};
  for (const auto& [fixture, shared] : files) {
    auto original = ReadShared(shared);
    if (!original) GTEST_SKIP() << "../shared/tokenizer is missing: nothing to compare the fixtures with";
    EXPECT_TRUE(Gunzip(FixtureDir() + fixture) == *original)
        << fixture << " differs from ../shared/tokenizer/" << shared;
  }
}

}  // namespace
}  // namespace minke::tokenizer
