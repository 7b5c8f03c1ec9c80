// BPE merging: the O(n^2) scan (short words) and the heap (long words, as HF
// word.rs) must agree on every word; the per-thread cache must not change
// results; long words must be fast. Uses DeepSeek-V3's real merges.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include "test_data.h"
#include "tokenizer/unicode_norm.h"

namespace minke::tokenizer {
namespace {

TEST(TokenizerBpe, ScanAndHeapAgree) {
  const Tokenizer* t = testing_data::DeepSeekV3();
  ASSERT_NE(t, nullptr);
  auto j = nlohmann::json::parse(testing_data::Gunzip(testing_data::FixtureDir() + "deepseek_v3_tokenizer.json.gz"));
  auto bpe = Bpe::FromJson(j["model"], "model");
  ASSERT_TRUE(bpe.ok()) << bpe.status().message();
  std::mt19937 rng(3);
  const std::string alphabet[] = {"e", "t", "a", " ", "th", "in", "\xE4\xB8\xAD", "1", "'", "\n", "\xC3\xA9", "ing"};
  for (int iter = 0; iter < 3000; ++iter) {
    std::string word;
    for (int k = 1 + rng() % 40; k > 0; --k) word += alphabet[rng() % std::size(alphabet)];
    std::vector<uint32_t> scan, heap, cached;
    bpe->EncodeWordUncached(word, false, &scan);
    bpe->EncodeWordUncached(word, true, &heap);
    bpe->EncodeWord(word, &cached);
    ASSERT_EQ(scan, heap) << "word '" << word << "'";
    ASSERT_EQ(cached, scan) << "word '" << word << "'";
  }
}

TEST(TokenizerBpe, LongWordsAreFast) {
  const Tokenizer* t = testing_data::DeepSeekV3();
  ASSERT_NE(t, nullptr);
  std::string text;
  for (int i = 0; i < 200000; ++i) text += static_cast<char>('a' + (i * 7919) % 26);  // one 200 KB "word"
  const auto start = std::chrono::steady_clock::now();
  auto ids = t->Encode(text, false);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(ids.ok());
  EXPECT_LT(s, 2.0) << "encoding a 200 KB word took " << s << " s";
  EXPECT_EQ(t->Decode(*ids, false).value(), text);
}

// Concurrent encoders (per-thread caches) give the same ids.
TEST(TokenizerBpe, ThreadsAgree) {
  const Tokenizer* t = testing_data::DeepSeekV3();
  ASSERT_NE(t, nullptr);
  const std::string text = "The quick brown fox jumps over the lazy dog; 12345 \xE4\xB8\xAD\xE6\x96\x87 ";
  std::string big;
  for (int i = 0; i < 200; ++i) big += text + std::to_string(i);
  const std::vector<uint32_t> want = t->Encode(big, false).value();
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int rep = 0; rep < 5; ++rep) ok[k] += t->Encode(big, false).value() == want;
    });
  for (auto& th : threads) th.join();
  for (int k = 0; k < 4; ++k) EXPECT_EQ(ok[k], 5);
}

std::string Norm(const std::string& s, bool compat, bool compose) {
  std::string out;
  UnicodeNormalize(s, compat, compose, &out);
  return out;
}

// Spot checks; the families fixtures and tools/compare_tokenizer_hf.py cover more.
TEST(TokenizerNormalize, HuggingFaceTables) {
  EXPECT_EQ(Norm("e\xCC\x81", false, true), "\xC3\xA9");                      // e + U+0301 -> é
  EXPECT_EQ(Norm("\xC3\xA9", false, false), "e\xCC\x81");                     // NFD
  EXPECT_EQ(Norm("A\xCC\x81\xCC\xA7", false, true), "\xC3\x81\xCC\xA7");      // reorder, then Á + U+0327
  EXPECT_EQ(Norm("\xEF\xAC\x81", true, true), "fi");                          // NFKC ligature
  EXPECT_EQ(Norm("\xEA\xB0\x80", false, false), "\xE1\x84\x80\xE1\x85\xA1");  // Hangul
  EXPECT_EQ(Norm("\xE1\x84\x80\xE1\x85\xA1", false, true), "\xEA\xB0\x80");
  // HF's tables predate Unicode 13: U+11935 U+11930 stays as it is.
  EXPECT_EQ(Norm("\xF0\x91\xA4\xB5\xF0\x91\xA4\xB0", false, true), "\xF0\x91\xA4\xB5\xF0\x91\xA4\xB0");
}

}  // namespace
}  // namespace minke::tokenizer
