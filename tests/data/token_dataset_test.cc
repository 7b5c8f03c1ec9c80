// TokenDataset (data/token_dataset.h): batches are contiguous windows with
// shifted targets, a pure function of (seed, step, row), covering every
// start; sequential windows tile the split; bad shards are clear errors.
#include "data/token_dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "test_corpus.h"

namespace minke::data {
namespace {

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

// A shard dir whose token i is i % vocab, so a window's position is readable from its ids.
class TokenDatasetTest : public ::testing::Test {
 protected:
  std::string Make(uint64_t train_tokens, uint64_t val_tokens, uint32_t vocab, const std::string& name = "ds") {
    TokenShardMeta m;
    m.vocab_size = vocab;
    m.token_bytes = TokenBytesFor(vocab);
    m.eos_token = "<eos>";
    m.document_unit = "paragraph";
    m.train = {"train.bin", train_tokens, 1, "x"};
    m.val = {"val.bin", val_tokens, 1, "x"};
    auto bin = [&](uint64_t n) {
      std::string s;
      for (uint64_t i = 0; i < n; ++i)
        for (int b = 0; b < m.token_bytes; ++b) s.push_back(static_cast<char>((i % vocab) >> (8 * b)));
      return s;
    };
    dir_.Write(name + "/train.bin", bin(train_tokens));
    dir_.Write(name + "/val.bin", bin(val_tokens));
    dir_.Write(name + "/meta.json", TokenShardMetaToJson(m));
    return dir_.path() + "/" + name;
  }
  testing::TempDir dir_;
};

TEST_F(TokenDatasetTest, BatchRowsAreContiguousWindowsWithShiftedTargets) {
  for (uint32_t vocab : {1000u, 100000u}) {  // uint16 and uint32 shards
    auto ds = TokenDataset::Open(Make(5000, 300, vocab, "v" + std::to_string(vocab)), 42);
    ASSERT_TRUE(ds.ok()) << ds.status().message();
    std::vector<int32_t> t;
    ASSERT_TRUE(ds->Batch(Split::kTrain, 7, 4, 16, &t).ok());
    ASSERT_EQ(t.size(), 4u * 17);
    for (int r = 0; r < 4; ++r) {
      const uint64_t off = ds->Offset(Split::kTrain, 7, r, 16);
      for (int i = 0; i < 17; ++i) EXPECT_EQ(t[r * 17 + i], static_cast<int32_t>((off + i) % vocab));
    }
  }
}

TEST_F(TokenDatasetTest, BatchesArePureFunctionsOfSeedStepRow) {
  const std::string dir = Make(100000, 1000, 50000);
  auto a = TokenDataset::Open(dir, 1), b = TokenDataset::Open(dir, 1), c = TokenDataset::Open(dir, 2);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  std::vector<int32_t> x, y, z, w;
  ASSERT_TRUE(a->Batch(Split::kTrain, 1000, 8, 32, &x).ok());
  ASSERT_TRUE(a->Batch(Split::kTrain, 3, 8, 32, &w).ok());  // an unrelated call in between changes nothing
  ASSERT_TRUE(b->Batch(Split::kTrain, 1000, 8, 32, &y).ok());
  ASSERT_TRUE(c->Batch(Split::kTrain, 1000, 8, 32, &z).ok());
  EXPECT_EQ(x, y);  // a "resumed" run (fresh object) sees the same batch
  EXPECT_NE(x, z);  // another seed, other batches
  EXPECT_NE(x, w);  // another step, other batches
  // Rows differ from each other and a larger batch extends a smaller one.
  std::set<uint64_t> offs;
  for (int r = 0; r < 8; ++r) offs.insert(a->Offset(Split::kTrain, 1000, r, 32));
  EXPECT_EQ(offs.size(), 8u);
  std::vector<int32_t> big;
  ASSERT_TRUE(a->Batch(Split::kTrain, 1000, 16, 32, &big).ok());
  EXPECT_TRUE(std::equal(x.begin(), x.end(), big.begin()));
}

TEST_F(TokenDatasetTest, OffsetsCoverEveryStartAndNeverOverrun) {
  // 20 tokens, windows of 8 + 1: starts 0..11, each about 1/12 of draws.
  auto ds = TokenDataset::Open(Make(20, 9, 100), 9);
  ASSERT_TRUE(ds.ok());
  std::vector<int> count(12, 0);
  for (uint64_t step = 0; step < 6000; ++step) {
    const uint64_t o = ds->Offset(Split::kTrain, step, 0, 8);
    ASSERT_LT(o, 12u);
    ++count[o];
  }
  for (int c : count) {
    EXPECT_GT(c, 380);  // 500 expected; a 5-sigma band is about +-110
    EXPECT_LT(c, 620);
  }
  std::vector<int32_t> t;
  ASSERT_TRUE(ds->Batch(Split::kVal, 0, 2, 8, &t).ok());  // val: exactly seq_len + 1 tokens
  EXPECT_EQ(t[0], 0);
  EXPECT_EQ(t[8], 8);
  Status s = ds->Batch(Split::kVal, 0, 2, 9, &t);
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.message(), "val split has 9 tokens, fewer than seq_len + 1 = 10");
  EXPECT_FALSE(ds->Batch(Split::kTrain, 0, 0, 8, &t).ok());
}

TEST_F(TokenDatasetTest, SequentialWindowsTileTheSplit) {
  auto ds = TokenDataset::Open(Make(100, 53, 1000), 0);
  ASSERT_TRUE(ds.ok());
  SequentialBatches it(*ds, Split::kVal, 4, 5);
  EXPECT_EQ(it.num_windows(), 10u);  // (53 - 1) / 5
  std::vector<int32_t> t;
  int rows = 0, total = 0;
  std::vector<int> sizes;
  for (;;) {
    auto more = it.Next(&t, &rows);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    for (int r = 0; r < rows; ++r)
      for (int i = 0; i < 6; ++i) EXPECT_EQ(t[r * 6 + i], (total + r) * 5 + i);
    total += rows;
    sizes.push_back(rows);
  }
  EXPECT_EQ(sizes, (std::vector<int>{4, 4, 2}));
  SequentialBatches capped(*ds, Split::kVal, 4, 5, 3);
  EXPECT_EQ(capped.num_windows(), 3u);
  SequentialBatches too_long(*ds, Split::kVal, 4, 60);
  EXPECT_FALSE(too_long.Next(&t, &rows).ok());
}

TEST_F(TokenDatasetTest, CorruptShardsAreErrorsNamingTheFile) {
  const std::string dir = Make(100, 10, 1000);
  std::filesystem::resize_file(dir + "/train.bin", 199);
  auto ds = TokenDataset::Open(dir, 0);
  ASSERT_FALSE(ds.ok());
  EXPECT_HAS(ds.status().message(), "train.bin: 199 bytes, but meta.json says 100 tokens x 2 bytes = 200");
  EXPECT_HAS(ds.status().message(), "truncated or corrupt");

  const std::string dir2 = Make(100, 10, 1000, "ds2");
  std::string bin = testing::Slurp(dir2 + "/val.bin");
  bin[6] = '\xff', bin[7] = '\xff';  // token 3 = 65535 >= vocab 1000
  dir_.Write("ds2/val.bin", bin);
  ds = TokenDataset::Open(dir2, 0);
  ASSERT_TRUE(ds.ok());
  std::vector<int32_t> t(10);
  Status s = ds->Window(Split::kVal, 0, 9, t.data());
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.message(), "val.bin: token 3 is id 65535, not below vocab_size 1000");
  EXPECT_FALSE(ds->VerifyChecksums().ok());  // the meta's "x" is no digest

  std::string meta = testing::Slurp(dir2 + "/meta.json");
  meta.replace(meta.find("\"dtype\""), 7, "\"dtipe\"");
  dir_.Write("ds2/meta.json", meta);
  ds = TokenDataset::Open(dir2, 0);
  ASSERT_FALSE(ds.ok());
  EXPECT_HAS(ds.status().message(), "ds2/meta.json: missing key 'dtype'");
  std::filesystem::remove(dir2 + "/meta.json");
  ds = TokenDataset::Open(dir2, 0);
  ASSERT_FALSE(ds.ok());
  EXPECT_HAS(ds.status().message(), "meta.json");
}

}  // namespace
}  // namespace minke::data
