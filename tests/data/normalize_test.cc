// Normalisation: UTF-8 repair by maximal subparts, NFC (checked against
// code points from the Unicode data, not our own output), whitespace rules.
#include "data/normalize.h"

#include <gtest/gtest.h>

#include "data/utf8.h"

namespace minke::data {
namespace {

std::string Norm(std::string_view s, NormalizeStats* st = nullptr) {
  NormalizeStats local;
  return NormalizeText(s, NormalizeOptions{}, st ? st : &local);
}

TEST(Utf8Test, RepairsMaximalSubparts) {
  std::string out;
  // Stray continuation byte, truncated 3-byte sequence, overlong, surrogate, > U+10FFFF.
  EXPECT_EQ(RepairUtf8("a\x80z", &out), 1);
  EXPECT_EQ(out, "a\uFFFDz");
  EXPECT_EQ(RepairUtf8("\xE2\x82z", &out), 1);  // E2 82 is one maximal subpart of "€"
  EXPECT_EQ(out, "\uFFFDz");
  EXPECT_EQ(RepairUtf8("\xC0\xAF", &out), 2);  // C0 is never valid: one U+FFFD per byte
  EXPECT_EQ(out, "\uFFFD\uFFFD");
  EXPECT_EQ(RepairUtf8("\xED\xA0\x80", &out), 3);  // surrogate U+D800
  EXPECT_EQ(RepairUtf8("\xF4\x90\x80\x80", &out), 4);
  EXPECT_EQ(RepairUtf8("ok \xE2\x82\xAC \xF0\x9F\x98\x80", &out), 0);
  EXPECT_EQ(out, "ok \u20AC \U0001F600");
  EXPECT_EQ(RepairUtf8("\xF0\x9F\x98", &out), 1);  // truncated at the end
  EXPECT_EQ(CountCodePoints("a\u00E9\u20AC\U0001F600"), 4);
}

TEST(NormalizeTest, ComposesToNfc) {
  NormalizeStats st;
  // e + COMBINING ACUTE -> U+00E9; A + RING ABOVE -> U+00C5; ANGSTROM SIGN U+212B -> U+00C5 (singleton).
  EXPECT_EQ(Norm("Cafe\u0301", &st), "Caf\u00E9");
  EXPECT_TRUE(st.nfc_changed);
  EXPECT_EQ(Norm("A\u030A \u212B"), "\u00C5 \u00C5");
  // Hangul L + V + T jamo compose to one syllable U+D55C.
  EXPECT_EQ(Norm("\u1112\u1161\u11AB"), "\uD55C");
  // Canonical reordering: dot below (ccc 220) before dot above (ccc 230); q has no precomposed form.
  EXPECT_EQ(Norm("q\u0307\u0323"), "q\u0323\u0307");
  // Already NFC: unchanged and not counted.
  EXPECT_EQ(Norm("na\u00EFve \u65E5\u672C", &st), "na\u00EFve \u65E5\u672C");
  EXPECT_FALSE(st.nfc_changed);
  NormalizeOptions no_nfc;
  no_nfc.nfc = false;
  EXPECT_EQ(NormalizeText("Cafe\u0301", no_nfc, &st), "Cafe\u0301");
}

TEST(NormalizeTest, RepairsBeforeNormalising) {
  NormalizeStats st;
  EXPECT_EQ(Norm("bad \xFF byte", &st), "bad \uFFFD byte");
  EXPECT_EQ(st.invalid_utf8, 1);
}

TEST(NormalizeTest, CleansWhitespace) {
  EXPECT_EQ(Norm("a  b\t\tc   \r\nd\re"), "a b c\nd\ne");
  EXPECT_EQ(Norm("\n\n  indented  line  \n\n\n\nnext\n\n"), "  indented line\n\nnext");
  EXPECT_EQ(Norm("no\u00A0break\u3000ideographic\u2009thin"), "no break ideographic thin");
  EXPECT_EQ(Norm("\uFEFFzero\u200Bwidth\x01\x1B ctl\u0085nel\u2028ls"), "zerowidth ctl\nnel\nls");
  EXPECT_EQ(Norm("   \n \t \n"), "");
  EXPECT_EQ(Norm("keep\ttab indent\n\tx"), "keep tab indent\n\tx");
  NormalizeOptions raw;
  raw.whitespace = false;
  NormalizeStats st;
  EXPECT_EQ(NormalizeText("a  b\r\n", raw, &st), "a  b\r\n");
}

}  // namespace
}  // namespace minke::data
