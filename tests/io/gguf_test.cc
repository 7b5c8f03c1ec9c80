// GGUF v3 reader/writer against gguf-py: the fixture tests/fixtures/gguf/all_types.gguf
// was written by gguf-py's GGUFWriter (tools/gen_gguf_fixture.py). Minke must read every
// value exactly and, given the same inputs, write the same bytes. Then one handcrafted bad
// file per failure mode, and every truncation.
#include "io/gguf.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "kernels/cpu/quant.h"

namespace minke::io {
namespace {

using KV = std::vector<std::pair<std::string, GgufValue>>;

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

const std::string kFixture = std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/gguf/all_types.gguf";

GgufValue Scalar(GgufType t, uint64_t u, int64_t i, double f) {
  GgufValue v;
  v.type = t;
  v.u = u;
  v.i = i;
  v.f = f;
  return v;
}

// The inputs of tools/gen_gguf_fixture.py, in its order.
KV FixtureKv() {
  KV kv;
  kv.emplace_back("general.architecture", GgufValue::Str("deepseek2"));
  kv.emplace_back("t.u8", Scalar(GgufType::kU8, 200, 0, 0));
  kv.emplace_back("t.i8", Scalar(GgufType::kI8, 0, -100, 0));
  kv.emplace_back("t.u16", Scalar(GgufType::kU16, 60000, 0, 0));
  kv.emplace_back("t.i16", Scalar(GgufType::kI16, 0, -30000, 0));
  kv.emplace_back("t.u32", GgufValue::U32(4000000000u));
  kv.emplace_back("t.i32", GgufValue::I32(-2000000000));
  kv.emplace_back("t.f32", GgufValue::F32(0.1f));
  kv.emplace_back("t.bool", GgufValue::Bool(true));
  kv.emplace_back("t.str", GgufValue::Str("h\xc3\xa9llo \xe2\x96\x81 w\xc3\xb6rld"));
  kv.emplace_back("t.u64", GgufValue::U64(18000000000000000000ull));
  kv.emplace_back("t.i64", Scalar(GgufType::kI64, 0, -9000000000000000000ll, 0));
  kv.emplace_back("t.f64", Scalar(GgufType::kF64, 0, 0, 0.1));
  kv.emplace_back("t.arr_i32",
                  GgufValue::Array(GgufType::kI32, {GgufValue::I32(1), GgufValue::I32(-2), GgufValue::I32(3)}));
  kv.emplace_back("t.arr_str", GgufValue::Array(GgufType::kString,
                                                {GgufValue::Str("a"), GgufValue::Str(""), GgufValue::Str("ccc")}));
  kv.emplace_back("t.arr_f32", GgufValue::Array(GgufType::kF32, {GgufValue::F32(0.5f), GgufValue::F32(-1.25f)}));
  return kv;
}

struct FixtureTensors {
  std::vector<float> x, odd = {0, 1, 2};
  std::vector<uint16_t> f16, bf16;
  std::vector<uint8_t> q8, q4;
  std::vector<GgufTensorToWrite> list;
  FixtureTensors() {
    for (int i = 0; i < 128; ++i) x.push_back((i - 50.0f) / 8.0f);
    for (float v : x) f16.push_back(F32ToF16(v)), bf16.push_back(F32ToBf16(v));
    const size_t rq8 = kernels::QuantRowBytes(kernels::QuantType::kQ8_0, 64);
    const size_t rq4 = kernels::QuantRowBytes(kernels::QuantType::kQ4_0, 64);
    q8.resize(2 * rq8);
    q4.resize(2 * rq4);
    for (int r = 0; r < 2; ++r) {
      kernels::QuantizeRow(kernels::QuantType::kQ8_0, &x[r * 64], 64, &q8[r * rq8]);
      kernels::QuantizeRow(kernels::QuantType::kQ4_0, &x[r * 64], 64, &q4[r * rq4]);
    }
    list = {{"f32", 0, {64, 2}, x.data()},   {"f16", 1, {64, 2}, f16.data()},          {"q8_0", 8, {64, 2}, q8.data()},
            {"q4_0", 2, {64, 2}, q4.data()}, {"bf16_3d", 30, {32, 2, 2}, bf16.data()}, {"odd", 0, {3}, odd.data()}};
  }
};

TEST(Gguf, ReadsGgufPyFixtureExactly) {
  const std::vector<uint8_t> bytes = ReadAll(kFixture);
  ASSERT_FALSE(bytes.empty()) << kFixture;
  auto r = ParseGguf(bytes.data(), bytes.size(), "fixture");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const KV want = FixtureKv();
  ASSERT_EQ(r->kv.size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    const auto& [key, v] = r->kv[k];
    const GgufValue& w = want[k].second;
    SCOPED_TRACE(key);
    EXPECT_EQ(key, want[k].first);
    ASSERT_EQ(v.type, w.type);
    EXPECT_EQ(v.u, w.u);
    EXPECT_EQ(v.i, w.i);
    EXPECT_EQ(v.str, w.str);
    if (v.type == GgufType::kF32) {
      EXPECT_EQ(static_cast<float>(v.f), static_cast<float>(w.f));
    }
    if (v.type == GgufType::kF64) {
      EXPECT_EQ(v.f, w.f);
    }
    ASSERT_EQ(v.array.size(), w.array.size());
    if (!v.array.empty()) {
      EXPECT_EQ(v.elem_type, w.elem_type);
    }
    for (size_t e = 0; e < v.array.size(); ++e) {
      EXPECT_EQ(v.array[e].i, w.array[e].i);
      EXPECT_EQ(v.array[e].str, w.array[e].str);
      EXPECT_EQ(static_cast<float>(v.array[e].f), static_cast<float>(w.array[e].f));
    }
  }
  FixtureTensors t;
  ASSERT_EQ(r->tensors.size(), t.list.size());
  for (size_t k = 0; k < t.list.size(); ++k) {
    const GgufTensor& g = r->tensors[k];
    SCOPED_TRACE(g.name);
    EXPECT_EQ(g.name, t.list[k].name);
    EXPECT_EQ(g.type, t.list[k].type);
    EXPECT_EQ(g.ne, t.list[k].ne);
    EXPECT_EQ(0, std::memcmp(g.data, t.list[k].data, g.nbytes));  // Q8_0/Q4_0: our quantizer = gguf-py's
  }
}

TEST(Gguf, WriterReproducesGgufPyBytes) {
  FixtureTensors t;
  const std::string path = ::testing::TempDir() + "/minke_gguf_rewrite.gguf";
  ASSERT_TRUE(WriteGguf(path, FixtureKv(), t.list).ok());
  EXPECT_EQ(ReadAll(path), ReadAll(kFixture));
  std::remove(path.c_str());
}

TEST(Gguf, EveryTruncationIsAnErrorNeverACrash) {
  const std::vector<uint8_t> bytes = ReadAll(kFixture);
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);  // exact-size heap copy: ASan sees overreads
    auto r = ParseGguf(cut.data(), cut.size(), "cut");
    EXPECT_FALSE(r.ok()) << "accepted a file cut to " << n << " bytes";
  }
}

// A small valid file to corrupt: one KV, one tensor.
std::vector<uint8_t> Small(const std::string& key = "k", uint32_t vtype = 4, uint64_t n_dims = 1, uint64_t ne0 = 32,
                           uint32_t ttype = 8, uint64_t offset = 0) {
  std::vector<uint8_t> b;
  auto put = [&](const void* p, size_t n) { b.insert(b.end(), (const uint8_t*)p, (const uint8_t*)p + n); };
  auto u32 = [&](uint32_t v) { put(&v, 4); };
  auto u64 = [&](uint64_t v) { put(&v, 8); };
  put("GGUF", 4);
  u32(3);
  u64(1);
  u64(1);
  u64(key.size());
  put(key.data(), key.size());
  u32(vtype);
  u32(7);
  u64(1);
  put("w", 1);
  u32(static_cast<uint32_t>(n_dims));
  u64(ne0);
  u32(ttype);
  u64(offset);
  b.resize((b.size() + 31) / 32 * 32, 0);
  b.resize(b.size() + 64, 0);
  return b;
}

std::string ErrorOf(const std::vector<uint8_t>& b) {
  auto r = ParseGguf(b.data(), b.size(), "bad.gguf");
  return r.ok() ? "OK" : r.status().message();
}

TEST(Gguf, BadFilesNameTheProblem) {
  EXPECT_EQ(ErrorOf(Small()), "OK");
  std::vector<uint8_t> b = Small();
  b[0] = 'X';
  EXPECT_NE(ErrorOf(b).find("bad magic"), std::string::npos);
  b = Small();
  b[4] = 1;
  EXPECT_NE(ErrorOf(b).find("version 1"), std::string::npos);
  EXPECT_NE(ErrorOf(Small("k", 13)).find("unknown value type 13"), std::string::npos);
  EXPECT_NE(ErrorOf(Small("k", 4, 5)).find("n_dims 5"), std::string::npos);
  EXPECT_NE(ErrorOf(Small("k", 4, 1, 33)).find("not a multiple of Q8_0's block size 32"), std::string::npos);
  EXPECT_NE(ErrorOf(Small("k", 4, 1, 32, 99)).find("unknown ggml type 99"), std::string::npos);
  EXPECT_NE(ErrorOf(Small("k", 4, 1, 32, 8, 16)).find("not a multiple of the 32-byte alignment"), std::string::npos);
  EXPECT_NE(ErrorOf(Small("k", 4, 1, 32, 8, 64)).find("runs past the end of the data area"), std::string::npos);
  EXPECT_NE(ErrorOf(Small("k", 4, 1, uint64_t{1} << 63)).find("overflows"), std::string::npos);
  // A bool that is neither 0 nor 1.
  b = Small("k", 7);
  EXPECT_NE(ErrorOf(b).find("bool value 7"), std::string::npos);
  // An array count far beyond the file: rejected before allocating.
  std::vector<uint8_t> arr;
  auto put = [&](const void* p, size_t n) { arr.insert(arr.end(), (const uint8_t*)p, (const uint8_t*)p + n); };
  uint32_t v3 = 3, t9 = 9, t4 = 4;
  uint64_t one = 1, zero = 0, huge = uint64_t{1} << 60, klen = 1;
  put("GGUF", 4), put(&v3, 4), put(&zero, 8), put(&one, 8), put(&klen, 8), put("k", 1), put(&t9, 4), put(&t4, 4),
      put(&huge, 8);
  EXPECT_NE(ErrorOf(arr).find("cannot fit"), std::string::npos);
}

TEST(Gguf, DuplicatesAndOverlapsAreErrors) {
  const std::string path = ::testing::TempDir() + "/minke_gguf_dup.gguf";
  float data[32] = {};
  KV kv = {{"a", GgufValue::U32(1)}, {"a", GgufValue::U32(2)}};
  EXPECT_FALSE(WriteGguf(path, kv, {}).ok());
  EXPECT_FALSE(WriteGguf(path, {}, {{"t", 0, {32}, data}, {"t", 0, {32}, data}}).ok());
  // Two tensors at the same offset: patch the second info's offset to 0.
  ASSERT_TRUE(WriteGguf(path, {}, {{"t1", 0, {32}, data}, {"t2", 0, {32}, data}}).ok());
  std::vector<uint8_t> b = ReadAll(path);
  // Header 24 bytes; info = 8 + 2 + 4 + 8 + 4 + 8 = 34 bytes each; t2's offset is its last 8 bytes.
  const size_t off2 = 24 + 34 + 34 - 8;
  std::memset(&b[off2], 0, 8);
  EXPECT_NE(ErrorOf(b).find("overlap"), std::string::npos);
  std::remove(path.c_str());
}

TEST(Gguf, AlignmentKeyIsHonoured) {
  const std::string path = ::testing::TempDir() + "/minke_gguf_align.gguf";
  float data[3] = {1, 2, 3};
  ASSERT_TRUE(
      WriteGguf(path, {{"general.alignment", GgufValue::U32(64)}}, {{"a", 0, {3}, data}, {"b", 0, {3}, data}}, 64)
          .ok());
  std::vector<uint8_t> b = ReadAll(path);
  auto r = ParseGguf(b.data(), b.size(), "aligned");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->alignment, 64u);
  EXPECT_EQ(r->tensors[1].offset, 64u);
  EXPECT_EQ((r->tensors[1].data - b.data()) % 64, 0);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace minke::io
