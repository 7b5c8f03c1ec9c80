// Checkpoint directories: single file, sharded with an index, and one bad
// directory per failure mode (each error names the file and the tensor).
#include "io/checkpoint.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace minke::io {
namespace {

namespace fs = std::filesystem;

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

class CheckpointTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "minke_ck_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A shard holding F32 tensors of shape [2] (values name-dependent).
  void WriteShard(const std::string& file, const std::vector<std::string>& names) {
    std::vector<std::vector<float>> data;
    std::vector<TensorToWrite> tensors;
    data.reserve(names.size());
    for (const auto& n : names) data.push_back({static_cast<float>(n.size()), static_cast<float>(n[0])});
    for (size_t i = 0; i < names.size(); ++i) tensors.push_back({names[i], DType::F32, {2}, data[i].data()});
    ASSERT_TRUE(WriteSafetensors(dir_ + "/" + file, tensors).ok());
  }
  void WriteText(const std::string& file, const std::string& text) {
    std::ofstream(dir_ + "/" + file, std::ios::binary) << text;
  }
  void WriteIndex(const std::string& weight_map_json) {
    WriteText("model.safetensors.index.json",
              R"({"metadata": {"total_size": 24}, "weight_map": )" + weight_map_json + "}");
  }
  // Two shards: a, b in the first, c in the second, and a matching index.
  void WriteSharded() {
    WriteShard("model-00001-of-00002.safetensors", {"a", "b"});
    WriteShard("model-00002-of-00002.safetensors", {"c"});
    WriteIndex(R"({"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
                   "c": "model-00002-of-00002.safetensors"})");
  }
  std::string OpenError() {
    auto ck = Checkpoint::Open(dir_);
    EXPECT_FALSE(ck.ok()) << "opened but should not have";
    return ck.ok() ? "" : ck.status().message();
  }

  std::string dir_;
};

TEST_F(CheckpointTest, SingleFile) {
  WriteShard("model.safetensors", {"x", "yy"});
  auto ck = Checkpoint::Open(dir_);
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  EXPECT_EQ((*ck)->num_files(), 1u);
  EXPECT_EQ((*ck)->dir(), dir_);
  EXPECT_EQ((*ck)->Names(), (std::vector<std::string>{"x", "yy"}));
  const TensorView* v = (*ck)->Find("yy");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(static_cast<const float*>(v->data)[0], 2.0f);
  EXPECT_EQ((*ck)->Find("z"), nullptr);
  EXPECT_EQ((*ck)->FileOf("x"), dir_ + "/model.safetensors");
}

TEST_F(CheckpointTest, OnlyOtherSafetensorsFile) {
  WriteShard("weights.safetensors", {"x"});
  auto ck = Checkpoint::Open(dir_);
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  EXPECT_NE((*ck)->Find("x"), nullptr);
}

TEST_F(CheckpointTest, ShardedWithIndex) {
  WriteSharded();
  auto ck = Checkpoint::Open(dir_);
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  EXPECT_EQ((*ck)->num_files(), 2u);
  EXPECT_EQ((*ck)->Names(), (std::vector<std::string>{"a", "b", "c"}));
  for (const char* n : {"a", "b", "c"}) {
    const TensorView* v = (*ck)->Find(n);
    ASSERT_NE(v, nullptr) << n;
    EXPECT_EQ(v->dtype, DType::F32);
    EXPECT_EQ(v->shape, std::vector<int64_t>{2});
    EXPECT_EQ(static_cast<const float*>(v->data)[1], static_cast<float>(n[0]));
  }
  EXPECT_EQ((*ck)->FileOf("b"), dir_ + "/model-00001-of-00002.safetensors");
  EXPECT_EQ((*ck)->FileOf("c"), dir_ + "/model-00002-of-00002.safetensors");
  EXPECT_EQ((*ck)->Find("d"), nullptr);
}

TEST_F(CheckpointTest, IndexWinsOverStrayFiles) {
  WriteSharded();
  WriteShard("model.safetensors", {"stale"});
  auto ck = Checkpoint::Open(dir_);
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  EXPECT_EQ((*ck)->Find("stale"), nullptr);
}

TEST_F(CheckpointTest, DirectoryDoesNotExist) {
  auto ck = Checkpoint::Open(dir_ + "/missing");
  ASSERT_FALSE(ck.ok());
  EXPECT_HAS(ck.status().message(), dir_ + "/missing");
  EXPECT_HAS(ck.status().message(), "not a directory");
}

TEST_F(CheckpointTest, PathIsAFile) {
  WriteText("f", "x");
  auto ck = Checkpoint::Open(dir_ + "/f");
  ASSERT_FALSE(ck.ok());
  EXPECT_HAS(ck.status().message(), "not a directory");
}

TEST_F(CheckpointTest, NoSafetensors) {
  WriteText("config.json", "{}");
  std::string msg = OpenError();
  EXPECT_HAS(msg, dir_);
  EXPECT_HAS(msg, "no model.safetensors");
}

TEST_F(CheckpointTest, SeveralSafetensorsWithoutIndex) {
  WriteShard("a.safetensors", {"x"});
  WriteShard("b.safetensors", {"y"});
  EXPECT_HAS(OpenError(), "several");
}

TEST_F(CheckpointTest, CorruptSingleFileNamesIt) {
  WriteText("model.safetensors", "garbage, not a safetensors file");
  EXPECT_HAS(OpenError(), dir_ + "/model.safetensors");
}

TEST_F(CheckpointTest, IndexNotJson) {
  WriteShard("model.safetensors", {"x"});
  WriteText("model.safetensors.index.json", "{\"weight_map\": ");
  std::string msg = OpenError();
  EXPECT_HAS(msg, "model.safetensors.index.json");
  EXPECT_HAS(msg, "JSON");
}

TEST_F(CheckpointTest, IndexWeightMapMissing) {
  WriteShard("model.safetensors", {"x"});
  WriteText("model.safetensors.index.json", R"({"metadata": {}})");
  std::string msg = OpenError();
  EXPECT_HAS(msg, "model.safetensors.index.json");
  EXPECT_HAS(msg, "weight_map");
}

TEST_F(CheckpointTest, IndexWeightMapNotAnObject) {
  WriteShard("model.safetensors", {"x"});
  WriteText("model.safetensors.index.json", R"({"weight_map": ["model.safetensors"]})");
  EXPECT_HAS(OpenError(), "weight_map");
}

TEST_F(CheckpointTest, IndexWeightMapEmpty) {
  WriteShard("model.safetensors", {"x"});
  WriteIndex("{}");
  EXPECT_HAS(OpenError(), "weight_map is empty");
}

TEST_F(CheckpointTest, IndexFileNameWithSlash) {
  WriteShard("model.safetensors", {"x"});
  fs::create_directory(dir_ + "/sub");
  WriteShard("sub/model.safetensors", {"x"});
  WriteIndex(R"({"x": "sub/model.safetensors"})");
  std::string msg = OpenError();
  EXPECT_HAS(msg, "weight_map['x']");
  EXPECT_HAS(msg, "not a file name");
}

TEST_F(CheckpointTest, IndexFileNameEscapingTheDirectory) {
  WriteShard("model.safetensors", {"x"});
  WriteIndex(R"({"x": "../model.safetensors"})");
  EXPECT_HAS(OpenError(), "weight_map['x']");
  WriteIndex(R"({"x": ".."})");
  EXPECT_HAS(OpenError(), "weight_map['x']");
  WriteIndex(R"({"x": "/etc/passwd"})");
  EXPECT_HAS(OpenError(), "weight_map['x']");
  WriteIndex(R"({"x": ""})");
  EXPECT_HAS(OpenError(), "weight_map['x']");
}

TEST_F(CheckpointTest, IndexFileNameNotAString) {
  WriteShard("model.safetensors", {"x"});
  WriteIndex(R"({"x": 1})");
  EXPECT_HAS(OpenError(), "weight_map['x']");
}

TEST_F(CheckpointTest, TensorMappedToShardThatLacksIt) {
  WriteShard("model-00001-of-00002.safetensors", {"a", "b"});
  WriteShard("model-00002-of-00002.safetensors", {"c"});
  WriteIndex(R"({"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors",
                 "c": "model-00002-of-00002.safetensors"})");
  std::string msg = OpenError();
  EXPECT_HAS(msg, "'b'");
  EXPECT_HAS(msg, "model-00002-of-00002.safetensors");
}

TEST_F(CheckpointTest, TensorMappedButInNoShard) {
  WriteSharded();
  WriteIndex(R"({"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
                 "c": "model-00002-of-00002.safetensors", "ghost": "model-00002-of-00002.safetensors"})");
  std::string msg = OpenError();
  EXPECT_HAS(msg, "'ghost'");
  EXPECT_HAS(msg, "model-00002-of-00002.safetensors");
}

TEST_F(CheckpointTest, SameTensorInTwoShards) {
  WriteShard("model-00001-of-00002.safetensors", {"a", "b"});
  WriteShard("model-00002-of-00002.safetensors", {"b", "c"});
  WriteIndex(R"({"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
                 "c": "model-00002-of-00002.safetensors"})");
  std::string msg = OpenError();
  EXPECT_HAS(msg, "'b'");
  EXPECT_HAS(msg, "model-00001-of-00002.safetensors");
  EXPECT_HAS(msg, "model-00002-of-00002.safetensors");
}

TEST_F(CheckpointTest, MissingShardFile) {
  WriteSharded();
  fs::remove(dir_ + "/model-00002-of-00002.safetensors");
  std::string msg = OpenError();
  EXPECT_HAS(msg, "model-00002-of-00002.safetensors");
  EXPECT_HAS(msg, "cannot open");
}

TEST_F(CheckpointTest, CorruptShardNamesIt) {
  WriteSharded();
  WriteText("model-00002-of-00002.safetensors", std::string(7, '\0'));
  std::string msg = OpenError();
  EXPECT_HAS(msg, "model-00002-of-00002.safetensors");
  EXPECT_HAS(msg, "too short");
}

}  // namespace
}  // namespace minke::io
