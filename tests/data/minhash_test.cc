// MinHash + LSH: estimates against exact Jaccard (counted here with plain
// sets), the LSH S-curve at the default bands x rows, and determinism.
#include "data/minhash.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "test_corpus.h"

namespace minke::data {
namespace {

using testing::GoodWords;

// Exact Jaccard of 5-word shingle sets, from the test's own tokenisation
// (the words are lower-case letters separated by spaces).
double OracleJaccard(const std::vector<std::string>& a, const std::vector<std::string>& b, size_t n) {
  auto shingles = [n](const std::vector<std::string>& w) {
    std::set<std::string> s;
    for (size_t i = 0; i + n <= w.size(); ++i) {
      std::string sh;
      for (size_t k = 0; k < n; ++k) sh += w[i + k] + " ";
      s.insert(sh);
    }
    return s;
  };
  const std::set<std::string> sa = shingles(a), sb = shingles(b);
  size_t both = 0;
  for (const auto& x : sa) both += sb.count(x);
  return static_cast<double>(both) / (sa.size() + sb.size() - both);
}

std::string Join(const std::vector<std::string>& w) {
  std::string s;
  for (const auto& x : w) s += x + " ";
  return s;
}

// b = a with every k-th word replaced.
std::vector<std::string> Mutate(std::vector<std::string> a, int every, uint64_t seed) {
  testing::WordGen g(seed);
  for (size_t i = 0; i < a.size(); i += every) a[i] = g.Word() + "zz";
  return a;
}

TEST(MinHashTest, ExactJaccardMatchesOracle) {
  MinHashParams p;
  MinHasher h(p);
  const auto a = GoodWords(1, 200);
  for (int every : {3, 10, 40}) {
    const auto b = Mutate(a, every, every);
    EXPECT_NEAR(ExactJaccard(h, Join(a), Join(b)), OracleJaccard(a, b, 5), 1e-12);
  }
  EXPECT_DOUBLE_EQ(ExactJaccard(h, "One, two; THREE four five six", "one two three four five six"), 1.0);
}

// Over many pairs, every estimate is within 4 standard deviations
// (sqrt(J(1-J)/P)) plus 1/P of the exact value, and the mean error is small.
TEST(MinHashTest, EstimatesTrackExactJaccard) {
  MinHashParams p;
  p.bands = 16, p.rows = 8;  // 128 permutations
  MinHasher h(p);
  std::vector<uint32_t> sa(p.num_perm()), sb(p.num_perm());
  std::vector<uint64_t> scratch;
  double sum_err = 0;
  int pairs = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const auto a = GoodWords(seed, 300);
    for (int every : {2, 4, 8, 16, 64}) {
      const auto b = Mutate(a, every, seed * 100 + every);
      const double exact = OracleJaccard(a, b, 5);
      ASSERT_TRUE(h.Signature(Join(a), sa.data(), &scratch));
      ASSERT_TRUE(h.Signature(Join(b), sb.data(), &scratch));
      const double est = EstimateJaccard(sa.data(), sb.data(), p.num_perm());
      const double sd = std::sqrt(exact * (1 - exact) / p.num_perm());
      EXPECT_NEAR(est, exact, 4 * sd + 1.0 / p.num_perm()) << "seed " << seed << " every " << every;
      sum_err += est - exact;
      ++pairs;
    }
  }
  EXPECT_LT(std::fabs(sum_err / pairs), 0.02);  // no bias
}

TEST(MinHashTest, SignaturesAreDeterministic) {
  MinHashParams p;
  MinHasher h1(p), h2(p);
  p.seed = 2;
  MinHasher h3(p);
  std::vector<uint32_t> a(h1.num_perm()), b(h1.num_perm()), c(h1.num_perm());
  std::vector<uint64_t> s;
  const std::string text = Join(GoodWords(5, 100));
  h1.Signature(text, a.data(), &s);
  h2.Signature(text, b.data(), &s);
  h3.Signature(text, c.data(), &s);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_FALSE(h1.Signature(" ,;. ", a.data(), &s));  // no words
}

TEST(MinHashTest, LshFindsNearDuplicatesOnly) {
  MinHashParams p;  // defaults: 5-word shingles, 14 x 8, threshold 0.8
  MinHasher h(p);
  LshIndex index(p);
  std::vector<uint64_t> s;
  std::vector<uint32_t> sig(h.num_perm());
  const auto a = GoodWords(7, 400);
  ASSERT_TRUE(h.Signature(Join(a), sig.data(), &s));
  EXPECT_EQ(index.Add(sig.data()), 0u);
  for (uint64_t k = 0; k < 20; ++k) {
    ASSERT_TRUE(h.Signature(Join(GoodWords(100 + k, 400)), sig.data(), &s));
    index.Add(sig.data());
  }

  const auto near = Mutate(a, 80, 1);  // J about 0.88
  const auto far = Mutate(a, 6, 2);    // J about 0.2
  ASSERT_GT(OracleJaccard(a, near, 5), 0.84);
  ASSERT_LT(OracleJaccard(a, far, 5), 0.3);
  double est = 0;
  ASSERT_TRUE(h.Signature(Join(near), sig.data(), &s));
  EXPECT_EQ(index.Query(sig.data(), &est), 0);
  EXPECT_GE(est, 0.8);
  ASSERT_TRUE(h.Signature(Join(far), sig.data(), &s));
  EXPECT_EQ(index.Query(sig.data(), &est), -1);
}

}  // namespace
}  // namespace minke::data
