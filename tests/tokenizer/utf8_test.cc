// UTF-8 helpers: lossy decoding must equal Rust's String::from_utf8_lossy
// (U+FFFD per maximal subpart), and decoding in pieces must equal decoding at
// once, whatever the cut points.
#include "tokenizer/utf8.h"

#include <gtest/gtest.h>

#include <random>

#include "tokenizer/byte_level.h"

namespace minke::tokenizer {
namespace {

std::string Lossy(std::string_view bytes) {
  std::string out;
  EXPECT_EQ(AppendUtf8Lossy(bytes, true, &out), bytes.size());
  return out;
}

const std::string kR = "\xEF\xBF\xBD";  // U+FFFD

TEST(TokenizerUtf8, LossyMaximalSubparts) {
  EXPECT_EQ(Lossy("abc"), "abc");
  EXPECT_EQ(Lossy("\xC3\xA9"), "\xC3\xA9");
  EXPECT_EQ(Lossy("\x80"), kR);
  EXPECT_EQ(Lossy("\xED\xA0\x80"), kR + kR + kR);  // surrogate
  EXPECT_EQ(Lossy("\xF0\x9F\x98"), kR);            // truncated 4-byte
  EXPECT_EQ(Lossy("\xF0\x9F\x98"
                  "A"),
            kR + "A");                                      // truncated then ASCII
  EXPECT_EQ(Lossy("\xC0\xAF"), kR + kR);                    // overlong
  EXPECT_EQ(Lossy("\xE0\x80\x80"), kR + kR + kR);           // overlong 3-byte
  EXPECT_EQ(Lossy("\xF4\x90\x80\x80"), kR + kR + kR + kR);  // above U+10FFFF
  EXPECT_EQ(Lossy("\xFE\xFF"), kR + kR);
  EXPECT_EQ(Lossy("\xE2\x82"), kR);
  EXPECT_EQ(Lossy("\xE2\x82\xE2\x82\xAC"), kR + "\xE2\x82\xAC");
}

TEST(TokenizerUtf8, ValidPrefix) {
  EXPECT_EQ(ValidUtf8Prefix("hello world, long ascii run"), 27u);
  EXPECT_EQ(ValidUtf8Prefix("ab\xC3"), 2u);
  EXPECT_EQ(ValidUtf8Prefix("abcdefghij\xED\xA0\x80"), 10u);
  EXPECT_EQ(ValidUtf8Prefix("\xF0\x9F\x98\x80"), 4u);
}

// Random byte strings cut at every point: piecewise lossy decoding (holding
// back an incomplete tail) equals one-shot decoding.
TEST(TokenizerUtf8, PiecewiseEqualsWhole) {
  std::mt19937 rng(7);
  const unsigned char pool[] = {'a',  0x80, 0x9F, 0xA0, 0xBF, 0xC2, 0xC3, 0xE0,
                                0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF, 0x82};
  for (int iter = 0; iter < 2000; ++iter) {
    std::string bytes;
    for (int k = rng() % 12; k > 0; --k) bytes.push_back(static_cast<char>(pool[rng() % sizeof pool]));
    const std::string whole = Lossy(bytes);
    for (size_t cut = 0; cut <= bytes.size(); ++cut) {
      std::string out, pending = bytes.substr(0, cut);
      pending.erase(0, AppendUtf8Lossy(pending, false, &out));
      pending += bytes.substr(cut);
      AppendUtf8Lossy(pending, true, &out);
      ASSERT_EQ(out, whole) << "cut " << cut;
    }
  }
}

TEST(TokenizerUtf8, ByteLevelMapIsABijection) {
  for (int b = 0; b < 256; ++b) EXPECT_EQ(CharToByte(ByteToChar(static_cast<unsigned char>(b))), b);
  EXPECT_EQ(ByteToChar(' '), U'\u0120');   // 'Ġ'
  EXPECT_EQ(ByteToChar('\n'), U'\u010A');  // 'Ċ'
  EXPECT_EQ(ByteToChar('a'), U'a');
  std::string out;
  EXPECT_FALSE(ByteLevelToBytes("a\xEF\xBD\x9C", &out));  // '｜' is not in the map
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(ByteLevelToBytes("\xC4\xA0the", &out));
  EXPECT_EQ(out, " the");
}

}  // namespace
}  // namespace minke::tokenizer
