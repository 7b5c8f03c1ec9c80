// Safetensors reader/writer: round trips, and one hand-made bad image per
// failure mode. Every rejection must be a Status whose message names the
// tensor / value at fault, never a crash.
#include "io/safetensors.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace minke::io {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = testing::TempDir() + "minke_st_XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::vector<std::string> Entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::string path_;
};

// A safetensors image: 8-byte length, `header` verbatim, `data_bytes` bytes.
std::string Image(const std::string& header, size_t data_bytes = 0, uint64_t claimed_len = UINT64_MAX) {
  uint64_t n = claimed_len == UINT64_MAX ? header.size() : claimed_len;
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
  out += header;
  out.append(data_bytes, '\x01');
  return out;
}

Result<SafetensorsContents> Parse(const std::string& image) {
  return ParseSafetensors(reinterpret_cast<const uint8_t*>(image.data()), image.size(), "t.safetensors");
}

// The error message of parsing `image`; fails the test if it parses.
std::string ParseError(const std::string& image) {
  auto r = Parse(image);
  EXPECT_FALSE(r.ok()) << "parsed but should not have";
  if (r.ok()) return "";
  EXPECT_EQ(r.status().message().rfind("t.safetensors: ", 0), 0u) << r.status().message();
  return r.status().message();
}

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

// ---------------------------------------------------------------- round trip

TEST(Safetensors, RoundTripEveryDType) {
  TempDir dir;
  const std::vector<DType> all = {DType::F32, DType::F16, DType::BF16, DType::F8_E4M3, DType::F64, DType::I64,
                                  DType::I32, DType::I16, DType::I8,   DType::U8,      DType::BOOL};
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<TensorToWrite> tensors;
  for (DType t : all) {
    std::vector<uint8_t> b(2 * 3 * DTypeSize(t));
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 7 + DTypeSize(t));
    if (t == DType::BOOL)
      for (auto& x : b) x &= 1;
    bytes.push_back(std::move(b));
  }
  for (size_t i = 0; i < all.size(); ++i)
    tensors.push_back({"t_" + std::string(DTypeName(all[i])), all[i], {2, 3}, bytes[i].data()});
  const std::string path = dir.path() + "/all.safetensors";
  ASSERT_TRUE(WriteSafetensors(path, tensors, {{"format", "pt"}, {"note", "x"}}).ok());

  auto f = SafetensorsFile::Open(path);
  ASSERT_TRUE(f.ok()) << f.status().message();
  const auto& c = (*f)->contents();
  EXPECT_EQ((*f)->path(), path);
  ASSERT_EQ(c.tensors.size(), all.size());
  EXPECT_EQ(c.metadata, (std::map<std::string, std::string>{{"format", "pt"}, {"note", "x"}}));
  for (size_t i = 0; i < all.size(); ++i) {
    const TensorView& v = c.tensors.at("t_" + std::string(DTypeName(all[i])));
    EXPECT_EQ(v.dtype, all[i]);
    EXPECT_EQ(v.shape, (std::vector<int64_t>{2, 3}));
    ASSERT_EQ(v.nbytes(), bytes[i].size());
    EXPECT_EQ(std::memcmp(v.data, bytes[i].data(), v.nbytes()), 0) << DTypeName(all[i]);
  }
}

TEST(Safetensors, RoundTripEmptyAndScalar) {
  TempDir dir;
  float scalar = 3.5f;
  float row[4] = {1, 2, 3, 4};
  const std::string path = dir.path() + "/x.safetensors";
  ASSERT_TRUE(WriteSafetensors(path, {{"empty", DType::F32, {0, 4}, nullptr},
                                      {"scalar", DType::F32, {}, &scalar},
                                      {"row", DType::F32, {4}, row}})
                  .ok());
  auto f = SafetensorsFile::Open(path);
  ASSERT_TRUE(f.ok()) << f.status().message();
  const auto& t = (*f)->contents().tensors;
  EXPECT_TRUE((*f)->contents().metadata.empty());
  EXPECT_EQ(t.at("empty").shape, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(t.at("empty").nbytes(), 0u);
  EXPECT_TRUE(t.at("scalar").shape.empty());
  EXPECT_EQ(t.at("scalar").numel(), 1);
  EXPECT_EQ(*static_cast<const float*>(t.at("scalar").data), 3.5f);
  EXPECT_EQ(std::memcmp(t.at("row").data, row, sizeof row), 0);
}

TEST(Safetensors, DataAreaIsEightByteAligned) {
  TempDir dir;
  for (int len = 1; len <= 9; ++len) {
    float v = 1.0f;
    const std::string path = dir.path() + "/a.safetensors";
    ASSERT_TRUE(WriteSafetensors(path, {{std::string(len, 'w'), DType::F32, {1}, &v}}).ok());
    auto f = SafetensorsFile::Open(path);
    ASSERT_TRUE(f.ok()) << f.status().message();
    const TensorView& t = (*f)->contents().tensors.begin()->second;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % 8, 0u) << len;
  }
}

TEST(Safetensors, WriteIsAtomicAndLeavesNoTempFile) {
  TempDir dir;
  float v[2] = {1, 2};
  ASSERT_TRUE(WriteSafetensors(dir.path() + "/m.safetensors", {{"w", DType::F32, {2}, v}}).ok());
  // Overwriting an existing file also goes through a temp file.
  ASSERT_TRUE(WriteSafetensors(dir.path() + "/m.safetensors", {{"w", DType::F32, {1}, v}}).ok());
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"m.safetensors"});
  auto f = SafetensorsFile::Open(dir.path() + "/m.safetensors");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->contents().tensors.at("w").shape, std::vector<int64_t>{1});
}

TEST(Safetensors, WriteIntoMissingDirectoryFails) {
  TempDir dir;
  float v = 1;
  Status s = WriteSafetensors(dir.path() + "/no/such/dir/m.safetensors", {{"w", DType::F32, {1}, &v}});
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.message(), "no/such/dir");
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(Safetensors, FailedRenameRemovesTempFile) {
  TempDir dir;
  fs::create_directory(dir.path() + "/taken");  // rename of a file onto a directory fails
  float v = 1;
  Status s = WriteSafetensors(dir.path() + "/taken", {{"w", DType::F32, {1}, &v}});
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.message(), "taken");
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"taken"});
}

TEST(Safetensors, WriteRejectsDuplicateAndReservedNames) {
  TempDir dir;
  float v = 1;
  Status dup =
      WriteSafetensors(dir.path() + "/d.safetensors", {{"w", DType::F32, {1}, &v}, {"w", DType::F32, {1}, &v}});
  ASSERT_FALSE(dup.ok());
  EXPECT_HAS(dup.message(), "'w'");
  Status reserved = WriteSafetensors(dir.path() + "/r.safetensors", {{"__metadata__", DType::F32, {1}, &v}});
  ASSERT_FALSE(reserved.ok());
  EXPECT_HAS(reserved.message(), "__metadata__");
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(Safetensors, OpenMissingFileAndDirectory) {
  TempDir dir;
  auto missing = SafetensorsFile::Open(dir.path() + "/nope.safetensors");
  ASSERT_FALSE(missing.ok());
  EXPECT_HAS(missing.status().message(), "nope.safetensors");
  auto directory = SafetensorsFile::Open(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_HAS(directory.status().message(), dir.path());
}

TEST(Safetensors, EmptyHeaderObjectIsValid) {
  auto r = Parse(Image("{}"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->tensors.empty());
  EXPECT_TRUE(Parse(Image("{}      ")).ok());  // HF pads the header with spaces
}

TEST(Safetensors, ViewsPointIntoTheImage) {
  std::string img = Image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}})",
                          11);
  auto r = Parse(img);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto* base = reinterpret_cast<const uint8_t*>(img.data());
  const size_t data_start = img.size() - 11;
  EXPECT_EQ(static_cast<const uint8_t*>(r->tensors.at("a").data), base + data_start);
  EXPECT_EQ(static_cast<const uint8_t*>(r->tensors.at("b").data), base + data_start + 8);
}

TEST(Safetensors, FuzzSeedParses) {
  auto f = SafetensorsFile::Open(std::string(MINKE_SOURCE_DIR) + "/fuzz/corpus/safetensors/valid.safetensors");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_FALSE((*f)->contents().tensors.empty());
}

// ---------------------------------------------------------------- bad images

TEST(SafetensorsBad, TooShort) {
  for (size_t n = 0; n < 8; ++n) {
    std::string msg = ParseError(std::string(n, '\0'));
    EXPECT_HAS(msg, std::to_string(n) + " bytes");
    EXPECT_HAS(msg, "too short");
  }
}

TEST(SafetensorsBad, HeaderLengthPastEndOfFile) {
  std::string msg = ParseError(Image("{}", 0, 1000));
  EXPECT_HAS(msg, "header length 1000");
  EXPECT_HAS(msg, "10 bytes");  // the file size
  // Length that would wrap around when added to 8.
  msg = ParseError(Image("{}", 0, UINT64_MAX - 3));
  EXPECT_HAS(msg, "header length");
}

TEST(SafetensorsBad, HeaderLengthOverLimit) {
  const uint64_t n = (100u << 20) + 1;
  std::string msg = ParseError(Image("{}", 0, n));
  EXPECT_HAS(msg, std::to_string(n));
  EXPECT_HAS(msg, "100 MiB");
}

TEST(SafetensorsBad, ZeroLengthHeader) { EXPECT_HAS(ParseError(Image("")), "'{'"); }

TEST(SafetensorsBad, HeaderNotJson) {
  EXPECT_HAS(ParseError(Image("{not json")), "not valid JSON");
  EXPECT_HAS(ParseError(Image(R"({"a": {"dtype": "F32",})")), "not valid JSON");
  EXPECT_HAS(ParseError(Image(std::string("{\"a\"\0:1}", 8))), "not valid JSON");
}

TEST(SafetensorsBad, HeaderNotAnObject) {
  EXPECT_HAS(ParseError(Image("[1, 2]")), "'{'");
  EXPECT_HAS(ParseError(Image("\"str\"")), "'{'");
  EXPECT_HAS(ParseError(Image("42")), "'{'");
}

TEST(SafetensorsBad, EntryNotAnObject) {
  std::string msg = ParseError(Image(R"({"w": [1, 2]})"));
  EXPECT_HAS(msg, "'w'");
  EXPECT_HAS(msg, "not a JSON object");
}

TEST(SafetensorsBad, EntryMissingFields) {
  for (const char* h : {R"({"w":{"shape":[1],"data_offsets":[0,4]}})", R"({"w":{"dtype":"F32","data_offsets":[0,4]}})",
                        R"({"w":{"dtype":"F32","shape":[1]}})"}) {
    std::string msg = ParseError(Image(h, 4));
    EXPECT_HAS(msg, "tensor 'w'");
    EXPECT_HAS(msg, "dtype, shape and data_offsets");
  }
}

TEST(SafetensorsBad, UnknownFieldInEntry) {
  std::string msg = ParseError(Image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"offset":0}})", 4));
  EXPECT_HAS(msg, "tensor 'w'");
  EXPECT_HAS(msg, "unknown field 'offset'");
}

TEST(SafetensorsBad, UnknownDType) {
  std::string msg = ParseError(Image(R"({"w":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}})", 16));
  EXPECT_HAS(msg, "tensor 'w'");
  EXPECT_HAS(msg, "'F128'");
  // Case matters, as in the reference implementation.
  EXPECT_HAS(ParseError(Image(R"({"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}})", 4)), "'f32'");
  EXPECT_HAS(ParseError(Image(R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", 4)), "dtype is not a string");
}

TEST(SafetensorsBad, ShapeNotAnArray) {
  std::string msg = ParseError(Image(R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})", 16));
  EXPECT_HAS(msg, "tensor 'w'");
  EXPECT_HAS(msg, "shape");
}

TEST(SafetensorsBad, NegativeDimension) {
  std::string msg = ParseError(Image(R"({"w":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,0]}})"));
  EXPECT_HAS(msg, "tensor 'w'");
  EXPECT_HAS(msg, "-1");
}

TEST(SafetensorsBad, NonIntegerDimension) {
  std::string msg = ParseError(Image(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4));
  EXPECT_HAS(msg, "tensor 'w'");
  EXPECT_HAS(msg, "1.5");
  msg = ParseError(Image(R"({"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}})", 4));
  EXPECT_HAS(msg, "\"1\"");
  msg = ParseError(Image(R"({"w":{"dtype":"F32","shape":[null],"data_offsets":[0,4]}})", 4));
  EXPECT_HAS(msg, "null");
}

TEST(SafetensorsBad, ShapeOverflow) {
  // 2^32 * 2^32 * 16 overflows 64 bits.
  std::string msg =
      ParseError(Image(R"({"w":{"dtype":"U8","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}})"));
  EXPECT_HAS(msg, "tensor 'w'");
  EXPECT_HAS(msg, "overflows");
  // A single huge dimension.
  msg = ParseError(Image(R"({"w":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,0]}})"));
  EXPECT_HAS(msg, "tensor 'w'");
}

TEST(SafetensorsBad, ByteSizeOverflow) {
  // numel 2^61 fits, but numel * 8 bytes is 2^64, which wraps to 0 and would
  // match data_offsets [0, 0]: a view of 2^61 doubles over no bytes.
  std::string msg = ParseError(Image(R"({"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})"));
  EXPECT_HAS(msg, "tensor 'w'");
  EXPECT_HAS(msg, "overflows");
  msg = ParseError(Image(R"({"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})"));
  EXPECT_HAS(msg, "tensor 'w'");
}

TEST(SafetensorsBad, DataOffsetsMalformed) {
  for (const char* off : {"[0]", "[0,4,8]", "4", "[-4,0]", "[0,4.0]", "[\"0\",4]", "{}"}) {
    std::string msg =
        ParseError(Image(std::string(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":)") + off + "}}", 8));
    EXPECT_HAS(msg, "tensor 'w'");
    EXPECT_HAS(msg, "data_offsets");
  }
}

TEST(SafetensorsBad, DataOffsetsBeginAfterEnd) {
  std::string msg = ParseError(Image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8));
  EXPECT_HAS(msg, "tensor 'w'");
  EXPECT_HAS(msg, "begin 8 > end 4");
}

TEST(SafetensorsBad, DataOffsetsEndBeyondData) {
  std::string msg = ParseError(Image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 7));
  EXPECT_HAS(msg, "tensor 'w'");
  EXPECT_HAS(msg, "end 8");
  EXPECT_HAS(msg, "data size 7");
}

TEST(SafetensorsBad, SizeMismatchDTypeTimesShape) {
  std::string msg = ParseError(Image(R"({"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,16]}})", 16));
  EXPECT_HAS(msg, "tensor 'w'");
  EXPECT_HAS(msg, "16 bytes");
  EXPECT_HAS(msg, "BF16");
  EXPECT_HAS(msg, "[2, 3]");
  EXPECT_HAS(msg, "12");
}

TEST(SafetensorsBad, OverlappingTensors) {
  std::string msg = ParseError(Image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                     R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                     12));
  EXPECT_HAS(msg, "'a'");
  EXPECT_HAS(msg, "'b'");
  EXPECT_HAS(msg, "overlap");
  // Identical ranges.
  msg = ParseError(Image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                         R"("b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})",
                         4));
  EXPECT_HAS(msg, "overlap");
}

TEST(SafetensorsBad, OverlapHiddenBehindAnEmptyTensor) {
  // 'big' covers [0, 16); 'c' sits inside it. The empty tensor 'b' sorts
  // between them and must not hide the overlap.
  std::string msg = ParseError(Image(R"({"big":{"dtype":"U8","shape":[16],"data_offsets":[0,16]},)"
                                     R"("b":{"dtype":"U8","shape":[0],"data_offsets":[4,4]},)"
                                     R"("c":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}})",
                                     16));
  EXPECT_HAS(msg, "'big'");
  EXPECT_HAS(msg, "'c'");
}

TEST(SafetensorsBad, AdjacentAndEmptyTensorsAreFine) {
  auto r = Parse(Image(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                       R"("e":{"dtype":"U8","shape":[0],"data_offsets":[2,2]},)"
                       R"("b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})",
                       8));
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST(SafetensorsBad, MetadataNotAnObject) {
  std::string msg = ParseError(Image(R"({"__metadata__": ["format", "pt"]})"));
  EXPECT_HAS(msg, "__metadata__");
}

TEST(SafetensorsBad, MetadataNonStringValue) {
  std::string msg = ParseError(Image(R"({"__metadata__": {"format": "pt", "total_size": 12}})"));
  EXPECT_HAS(msg, "__metadata__");
  EXPECT_HAS(msg, "'total_size'");
}

TEST(SafetensorsBad, EveryTruncationIsAnError) {
  TempDir dir;
  float a[3] = {1, 2, 3};
  uint16_t b[2] = {7, 8};
  const std::string path = dir.path() + "/t.safetensors";
  ASSERT_TRUE(WriteSafetensors(path, {{"a", DType::F32, {3}, a}, {"b", DType::BF16, {2}, b}}, {{"k", "v"}}).ok());
  auto f = SafetensorsFile::Open(path);
  ASSERT_TRUE(f.ok());
  std::string full(fs::file_size(path), '\0');
  {
    FILE* fp = std::fopen(path.c_str(), "rb");
    ASSERT_NE(fp, nullptr);
    ASSERT_EQ(std::fread(full.data(), 1, full.size(), fp), full.size());
    std::fclose(fp);
  }
  for (size_t n = 0; n < full.size(); ++n) {
    // A copy of exactly n bytes, so reading past it is caught by ASan.
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = ParseSafetensors(cut.data(), cut.size(), "t.safetensors");
    EXPECT_FALSE(r.ok()) << "truncated to " << n << " of " << full.size() << " bytes parsed";
  }
  EXPECT_TRUE(Parse(full).ok());
}

}  // namespace
}  // namespace minke::io

namespace minke::io {
namespace {

// Deep nesting must be an error, not a stack overflow in an error message.
TEST(SafetensorsHostile, DeeplyNestedShape) {
  std::string hdr = "{\"x\":{\"dtype\":\"F32\",\"shape\":" + std::string(200000, '[') + std::string(200000, ']') +
                    ",\"data_offsets\":[0,0]}}";
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i) file[i] = static_cast<char>((hdr.size() >> (8 * i)) & 0xff);
  file += hdr;
  auto r = ParseSafetensors(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "deep.safetensors");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nests deeper"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace minke::io
