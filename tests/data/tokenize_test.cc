// `minke data tokenize` (data/tokenize.h): the shards hold exactly the
// tokenizer's ids per document plus the end-of-document id, split by the
// content hash, the same for any thread count, from plain, JSONL and .gz
// inputs; errors name file and line.
#include "data/tokenize.h"

#include <gtest/gtest.h>
#include <omp.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "core/mapped_file.h"
#include "core/sha256.h"
#include "test_corpus.h"

namespace minke::data {
namespace {

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

const std::string kGpt2 = std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/tokenizer/families/gpt2.json.gz";
const std::string kDeepSeek = std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/tokenizer/deepseek_v3_tokenizer.json.gz";

std::vector<uint32_t> ReadIds(const std::string& path, int token_bytes) {
  const std::string bytes = testing::Slurp(path);
  std::vector<uint32_t> ids;
  for (size_t i = 0; i + token_bytes <= bytes.size(); i += token_bytes) {
    uint32_t v = 0;
    for (int b = 0; b < token_bytes; ++b) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + b])) << (8 * b);
    ids.push_back(v);
  }
  return ids;
}

void WriteGzip(const std::string& path, const std::string& content) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, content.data(), static_cast<unsigned>(content.size())), static_cast<int>(content.size()));
  gzclose(f);
}

class TokenizeTest : public ::testing::Test {
 protected:
  TokenizeOptions Options(const std::string& out) {
    TokenizeOptions o;
    o.tokenizer_path = kGpt2;
    o.out_dir = dir_.path() + "/" + out;
    o.inputs = {dir_.path() + "/in"};
    return o;
  }
  testing::TempDir dir_;
};

TEST_F(TokenizeTest, ShardsHoldEachDocumentsIdsThenEos) {
  // Two paragraphs in a text file, two JSONL documents (one empty: skipped), one in a .gz.
  dir_.Write("in/a.txt", "First paragraph, line one.\nLine two.\n\n\nSecond paragraph é.\n");
  dir_.Write("in/b.jsonl", "{\"text\": \"A JSON document.\", \"id\": 3}\n\n{\"text\": \"\"}\n");
  WriteGzip(dir_.path() + "/in/c.txt.gz", "Compressed text.\n");
  TokenizeOptions o = Options("out");
  o.val_fraction = 0;
  auto r = TokenizeCorpus(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto tok = LoadTokenizer(kGpt2);
  ASSERT_TRUE(tok.ok());
  const uint32_t eos = *tok->TokenToId("<|endoftext|>");
  std::vector<uint32_t> want;
  for (const char* doc :
       {"First paragraph, line one.\nLine two.", "Second paragraph é.", "A JSON document.", "Compressed text."}) {
    auto ids = tok->Encode(doc, false);
    want.insert(want.end(), ids->begin(), ids->end());
    want.push_back(eos);
  }
  const TokenShardMeta& m = r->meta;
  EXPECT_EQ(m.token_bytes, 2);  // GPT-2: 50,257 ids fit in uint16
  EXPECT_EQ(m.eos_id, eos);
  EXPECT_EQ(m.eos_token, "<|endoftext|>");
  EXPECT_EQ(m.train.documents, 4u);
  EXPECT_EQ(m.val.documents, 0u);
  EXPECT_EQ(m.skipped_empty, 1u);
  EXPECT_EQ(ReadIds(o.out_dir + "/train.bin", 2), want);
  EXPECT_EQ(m.train.tokens, want.size());
  EXPECT_EQ(testing::Slurp(o.out_dir + "/val.bin"), "");
  // meta.json on disk says the same and carries every input's hash and size.
  auto text = ReadFileToString(o.out_dir + "/meta.json");
  ASSERT_TRUE(text.ok());
  auto parsed = ParseTokenShardMeta(*text, "meta.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(TokenShardMetaToJson(*parsed), *text);
  ASSERT_EQ(parsed->inputs.size(), 3u);
  EXPECT_EQ(parsed->inputs[0].sha256, Sha256File(dir_.path() + "/in/a.txt").value());
  EXPECT_EQ(parsed->inputs[2].bytes, std::filesystem::file_size(dir_.path() + "/in/c.txt.gz"));
  EXPECT_EQ(parsed->train.sha256, Sha256File(o.out_dir + "/train.bin").value());
  EXPECT_EQ(parsed->tokenizer_sha256, Sha256File(kGpt2).value());
}

TEST_F(TokenizeTest, SplitIsByContentHashAndThreadCountFree) {
  std::string text;
  for (int i = 0; i < 400; ++i) text += testing::GoodDoc(i, 20) + "\n\n";
  text += testing::GoodDoc(7, 20) + "\n\n";  // a duplicate must land with its twin
  dir_.Write("in/corpus.txt", text);
  TokenizeOptions o = Options("one");
  o.val_fraction = 0.25;
  o.seed = 5;
  o.threads = 1;
  o.batch_bytes = 4096;  // many batches
  auto a = TokenizeCorpus(o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  o.out_dir = dir_.path() + "/two";
  o.threads = 2;
  o.batch_bytes = 1 << 20;
  auto b = TokenizeCorpus(o);
  ASSERT_TRUE(b.ok());
  for (const char* f : {"/train.bin", "/val.bin"})
    EXPECT_EQ(testing::Slurp(dir_.path() + "/one" + f), testing::Slurp(dir_.path() + "/two" + f)) << f;
  const TokenShardMeta& m = a->meta;
  EXPECT_EQ(m.train.documents + m.val.documents, 401u);
  // 401 documents at 25%: a binomial draw, well inside 60..140.
  EXPECT_GT(m.val.documents, 60u);
  EXPECT_LT(m.val.documents, 140u);
  EXPECT_EQ(
      m.val.documents, (IsValDocument(testing::GoodDoc(7, 20), 5, 0.25) ? 2u : 0u) + [&] {
        uint64_t n = 0;
        for (int i = 0; i < 400; ++i)
          if (i != 7) n += IsValDocument(testing::GoodDoc(i, 20), 5, 0.25);
        return n;
      }());
  // Another seed, another split.
  o.out_dir = dir_.path() + "/three";
  o.seed = 6;
  auto c = TokenizeCorpus(o);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(testing::Slurp(dir_.path() + "/three/val.bin"), testing::Slurp(dir_.path() + "/one/val.bin"));
}

TEST_F(TokenizeTest, DeepSeekVocabularyIsUint32WithItsEos) {
  dir_.Write("in/a.txt", "Hello world.\n");
  TokenizeOptions o = Options("out");
  o.tokenizer_path = kDeepSeek;
  o.val_fraction = 0;
  auto r = TokenizeCorpus(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->meta.token_bytes, 4);
  EXPECT_EQ(r->meta.eos_token, "<｜end▁of▁sentence｜>");
  EXPECT_EQ(r->meta.eos_id, 1u);
  const std::vector<uint32_t> ids = ReadIds(o.out_dir + "/train.bin", 4);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.back(), 1u);
}

TEST_F(TokenizeTest, SkipsItsOwnOutput) {
  dir_.Write("in/a.txt", "Some text.\n");
  TokenizeOptions o = Options("in/shards");  // output inside the input directory
  o.val_fraction = 0;
  ASSERT_TRUE(TokenizeCorpus(o).ok());
  auto again = TokenizeCorpus(o);  // would read train.bin as text if it did not skip it
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->meta.inputs.size(), 1u);
  EXPECT_EQ(again->meta.train.documents, 1u);
}

TEST_F(TokenizeTest, ErrorsNameFileAndLine) {
  dir_.Write("in/bad.jsonl", "{\"text\": \"ok\"}\n{\"txt\": \"no\"}\n");
  auto r = TokenizeCorpus(Options("out"));
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.status().message(), "bad.jsonl:2: no string field \"text\"");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/out/train.bin"));  // nothing committed
  std::filesystem::remove(dir_.path() + "/in/bad.jsonl");
  dir_.Write("in/utf8.txt", "fine\n\nbad \xff byte\n");
  r = TokenizeCorpus(Options("out"));
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.status().message(), "utf8.txt:3: ");
  TokenizeOptions o = Options("out");
  o.eos = "<nope>";
  r = TokenizeCorpus(o);
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.status().message(), "--eos: '<nope>' is not a token");
  // A .gz cut short is an error, not a silently shorter corpus.
  std::filesystem::remove(dir_.path() + "/in/utf8.txt");
  WriteGzip(dir_.path() + "/in/t.txt.gz", testing::GoodDoc(1, 3000));
  std::filesystem::resize_file(dir_.path() + "/in/t.txt.gz",
                               std::filesystem::file_size(dir_.path() + "/in/t.txt.gz") / 2);
  r = TokenizeCorpus(Options("out"));
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.status().message(), "t.txt.gz: gzip data corrupt or truncated");
}

TEST_F(TokenizeTest, CliWritesShardsAndShowsProgress) {
  dir_.Write("in/a.txt", testing::GoodDoc(1) + "\n\n" + testing::GoodDoc(2) + "\n");
  testing::CliOutcome o =
      testing::RunMinke(dir_.path(), "data tokenize --tokenizer '" + kGpt2 + "' --out '" + dir_.path() +
                                         "/out' --val-fraction 0 --progress '" + dir_.path() + "/in'");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_HAS(o.out, "train    ");
  EXPECT_HAS(o.out, "2 documents");
  EXPECT_HAS(o.out, "format   uint16");
  EXPECT_HAS(o.err, "MB/s");
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/out/meta.json"));
  o = testing::RunMinke(dir_.path(),
                        "data tokenize --tokenizer '" + dir_.path() + "/none.json' --out x '" + dir_.path() + "/in'");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_HAS(o.err, "none.json");
}

TEST(TokenizeCorpusFiles, BundledCorpusIsThere) {
  // The main job trains on data/corpus/*.gz; they must stay readable gzip.
  const std::string dir = std::string(MINKE_SOURCE_DIR) + "/data/corpus/";
  auto kjv = ReadGzipFile(dir + "kjv.txt.gz");
  ASSERT_TRUE(kjv.ok()) << kjv.status().message();
  EXPECT_GT(kjv->size(), 4000000u);
  EXPECT_NE(kjv->find("In the beginning God created the heaven and the earth."), std::string::npos);
}

}  // namespace
}  // namespace minke::data
