// Loading checkpoints written by WriteRandomModel, and one broken checkpoint
// per failure mode (made by rewriting a good one with a single change).
#include "io/model_loader.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "io/model_writer.h"
#include "io/safetensors.h"

namespace minke::io {
namespace {

namespace fs = std::filesystem;

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

// deepseek_v3 in miniature: layer 0 dense, layer 1 MoE, MTP module = layer 2.
const char* kTinyConfig = R"({
  "model_type": "deepseek_v3",
  "vocab_size": 64,
  "hidden_size": 32,
  "intermediate_size": 48,
  "moe_intermediate_size": 16,
  "num_hidden_layers": 2,
  "first_k_dense_replace": 1,
  "num_nextn_predict_layers": 1,
  "num_attention_heads": 4,
  "q_lora_rank": 16,
  "kv_lora_rank": 16,
  "qk_nope_head_dim": 8,
  "qk_rope_head_dim": 4,
  "v_head_dim": 8,
  "n_routed_experts": 8,
  "num_experts_per_tok": 2,
  "n_group": 2,
  "topk_group": 1,
  "n_shared_experts": 1,
  "routed_scaling_factor": 2.5,
  "max_position_embeddings": 128,
  "rope_scaling": {"type": "yarn", "factor": 4, "original_max_position_embeddings": 32,
                   "beta_fast": 32, "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0}
})";
constexpr int64_t kVocab = 64, kHidden = 32;
const std::vector<int32_t> kTokens = {1, 5, 9, 63, 0, 17};

model::ModelConfig TinyConfig() {
  auto c = model::ParseModelConfig(kTinyConfig);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return *c;
}

class LoaderTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "minke_ld_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // A fresh tiny checkpoint in root/<name>.
  std::string Write(const std::string& name, DType dtype, uint64_t seed = 7) {
    const std::string dir = root_ + "/" + name;
    Status s = WriteRandomModel(TinyConfig(), dir, seed, dtype);
    EXPECT_TRUE(s.ok()) << s.message();
    return dir;
  }

  // Rewrites dir/model.safetensors after `edit` changes its tensor list.
  void Rewrite(const std::string& dir, const std::function<void(std::vector<TensorToWrite>*)>& edit) {
    auto f = SafetensorsFile::Open(dir + "/model.safetensors");
    ASSERT_TRUE(f.ok()) << f.status().message();
    std::vector<TensorToWrite> tensors;
    for (const auto& [name, v] : (*f)->contents().tensors) tensors.push_back({name, v.dtype, v.shape, v.data});
    edit(&tensors);
    // The old file stays mapped (and valid) while the new one is renamed over it.
    ASSERT_TRUE(WriteSafetensors(dir + "/model.safetensors", tensors).ok());
  }
  static void Drop(std::vector<TensorToWrite>* t, const std::function<bool(const std::string&)>& pred) {
    std::erase_if(*t, [&](const TensorToWrite& x) { return pred(x.name); });
  }
  static TensorToWrite* Get(std::vector<TensorToWrite>* t, const std::string& name) {
    for (auto& x : *t)
      if (x.name == name) return &x;
    ADD_FAILURE() << "no tensor " << name;
    static TensorToWrite dummy;
    return &dummy;
  }
  std::string LoadError(const std::string& dir) {
    auto m = LoadModel(dir);
    EXPECT_FALSE(m.ok()) << "loaded but should not have";
    return m.ok() ? "" : m.status().message();
  }

  std::string root_;
};

std::vector<float> Logits(const model::Transformer& m, const std::vector<int32_t>& tokens,
                          std::vector<float>* hidden = nullptr) {
  std::vector<float> logits;
  Status s = m.Forward(tokens, &logits, hidden);
  EXPECT_TRUE(s.ok()) << s.message();
  return logits;
}

// ---------------------------------------------------------------- good

TEST_F(LoaderTest, EveryDTypeLoadsAndRuns) {
  for (DType t : {DType::F32, DType::BF16, DType::F16, DType::F8_E4M3}) {
    SCOPED_TRACE(std::string(DTypeName(t)));
    const std::string dir = Write(std::string(DTypeName(t)), t);
    auto m = LoadModel(dir);
    ASSERT_TRUE(m.ok()) << m.status().message();
    EXPECT_TRUE(m->warnings.empty()) << m->warnings[0];
    const model::Transformer& tf = *m->model;
    EXPECT_EQ(tf.config().fp8_block_weights, t == DType::F8_E4M3);
    EXPECT_EQ(tf.weights().mtp.size(), 1u);
    std::vector<float> hidden;
    std::vector<float> logits = Logits(tf, kTokens, &hidden);
    ASSERT_EQ(logits.size(), kTokens.size() * kVocab);
    ASSERT_EQ(hidden.size(), kTokens.size() * kHidden);
    for (float x : logits) ASSERT_TRUE(std::isfinite(x));
    std::vector<float> mtp;
    Status s = tf.MtpForward(kTokens, hidden, 1, &mtp);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_EQ(mtp.size(), (kTokens.size() - 1) * kVocab);
    for (float x : mtp) ASSERT_TRUE(std::isfinite(x));
  }
}

TEST_F(LoaderTest, Fp8AgreesWithF32) {
  auto f32 = LoadModel(Write("f32", DType::F32));
  auto fp8 = LoadModel(Write("fp8", DType::F8_E4M3));
  ASSERT_TRUE(f32.ok() && fp8.ok());
  std::vector<float> a = Logits(*f32->model, kTokens), b = Logits(*fp8->model, kTokens);
  ASSERT_EQ(a.size(), b.size());
  double dot = 0, na = 0, nb = 0, max_diff = 0, max_abs = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
    max_diff = std::max<double>(max_diff, std::fabs(a[i] - b[i]));
    max_abs = std::max<double>(max_abs, std::fabs(a[i]));
  }
  double cosine = dot / std::sqrt(na * nb);
  EXPECT_GT(cosine, 0.98) << "max |diff| " << max_diff << ", max |logit| " << max_abs;
  EXPECT_LT(max_diff, 0.25 * max_abs);
}

TEST_F(LoaderTest, DeterministicForASeed) {
  auto a = LoadModel(Write("a", DType::BF16, 3));
  auto b = LoadModel(Write("b", DType::BF16, 3));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Logits(*a->model, kTokens), Logits(*b->model, kTokens));
}

TEST_F(LoaderTest, ExtraTensorIsAWarning) {
  const std::string dir = Write("m", DType::F32);
  float v[2] = {1, 2};
  Rewrite(dir, [&](auto* t) { t->push_back({"model.rotary_emb.inv_freq", DType::F32, {2}, v}); });
  auto m = LoadModel(dir);
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_HAS(m->warnings[0], "model.rotary_emb.inv_freq");
}

TEST_F(LoaderTest, MtpAbsentLoadsWithWarning) {
  const std::string dir = Write("m", DType::BF16);
  Rewrite(dir, [](auto* t) { Drop(t, [](const std::string& n) { return n.rfind("model.layers.2.", 0) == 0; }); });
  auto m = LoadModel(dir);
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_HAS(m->warnings[0], "MTP");
  EXPECT_TRUE(m->model->weights().mtp.empty());
  std::vector<float> hidden;
  std::vector<float> logits = Logits(*m->model, kTokens, &hidden);
  EXPECT_EQ(logits.size(), kTokens.size() * kVocab);
  std::vector<float> mtp;
  Status s = m->model->MtpForward(kTokens, hidden, 1, &mtp);
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.message(), "MTP depth 1");
}

// ---------------------------------------------------------------- bad

TEST_F(LoaderTest, MissingTensor) {
  const std::string dir = Write("m", DType::F32);
  const std::string name = "model.layers.1.mlp.experts.3.up_proj.weight";
  Rewrite(dir, [&](auto* t) { Drop(t, [&](const std::string& n) { return n == name; }); });
  std::string msg = LoadError(dir);
  EXPECT_HAS(msg, "missing tensor '" + name + "'");
  EXPECT_HAS(msg, dir);
}

TEST_F(LoaderTest, OneMtpTensorMissing) {
  // MTP present but incomplete is an error, not a silent drop.
  const std::string dir = Write("m", DType::F32);
  const std::string name = "model.layers.2.eh_proj.weight";
  Rewrite(dir, [&](auto* t) { Drop(t, [&](const std::string& n) { return n == name; }); });
  EXPECT_HAS(LoadError(dir), "'" + name + "'");
}

TEST_F(LoaderTest, WrongShape) {
  const std::string dir = Write("m", DType::F32);
  const std::string name = "model.layers.0.self_attn.kv_b_proj.weight";  // [4 * (8 + 8), 16]
  std::vector<float> data(64 * 15);
  Rewrite(dir, [&](auto* t) {
    TensorToWrite* w = Get(t, name);
    w->shape = {64, 15};
    w->data = data.data();
  });
  std::string msg = LoadError(dir);
  EXPECT_HAS(msg, "'" + name + "'");
  EXPECT_HAS(msg, "[64, 15]");
  EXPECT_HAS(msg, "[64, 16]");
  EXPECT_HAS(msg, "model.safetensors");
}

TEST_F(LoaderTest, TransposedShape) {
  const std::string dir = Write("m", DType::F32);
  const std::string name = "model.layers.1.mlp.gate.weight";  // [8, 32]
  Rewrite(dir, [&](auto* t) { Get(t, name)->shape = {32, 8}; });
  std::string msg = LoadError(dir);
  EXPECT_HAS(msg, "'" + name + "'");
  EXPECT_HAS(msg, "[32, 8]");
  EXPECT_HAS(msg, "[8, 32]");
}

TEST_F(LoaderTest, IntegerWeight) {
  const std::string dir = Write("m", DType::F32);
  const std::string name = "model.layers.0.mlp.down_proj.weight";
  Rewrite(dir, [&](auto* t) { Get(t, name)->dtype = DType::I32; });  // same byte size as F32
  std::string msg = LoadError(dir);
  EXPECT_HAS(msg, "'" + name + "'");
  EXPECT_HAS(msg, "I32");
}

TEST_F(LoaderTest, Fp8Norm) {
  const std::string dir = Write("m", DType::F32);
  const std::string name = "model.norm.weight";
  std::vector<uint8_t> data(kHidden, 0x38);
  Rewrite(dir, [&](auto* t) {
    TensorToWrite* w = Get(t, name);
    w->dtype = DType::F8_E4M3;
    w->data = data.data();
  });
  std::string msg = LoadError(dir);
  EXPECT_HAS(msg, "'" + name + "'");
  EXPECT_HAS(msg, "F8_E4M3");
}

TEST_F(LoaderTest, Fp8WeightWithoutScale) {
  const std::string dir = Write("m", DType::F8_E4M3);
  const std::string name = "model.layers.1.self_attn.q_b_proj.weight";
  Rewrite(dir, [&](auto* t) { Drop(t, [&](const std::string& n) { return n == name + "_scale_inv"; }); });
  std::string msg = LoadError(dir);
  EXPECT_HAS(msg, "'" + name + "_scale_inv'");
  EXPECT_HAS(msg, "'" + name + "'");
}

TEST_F(LoaderTest, Fp8ScaleWrongShape) {
  const std::string dir = Write("m", DType::F8_E4M3);
  const std::string name = "model.layers.0.mlp.gate_proj.weight_scale_inv";  // [1, 1] for 48x32 in 128x128 blocks
  float scale[2] = {1, 1};
  Rewrite(dir, [&](auto* t) {
    TensorToWrite* s = Get(t, name);
    s->shape = {2, 1};
    s->data = scale;
  });
  std::string msg = LoadError(dir);
  EXPECT_HAS(msg, "'" + name + "'");
  EXPECT_HAS(msg, "[2, 1]");
  EXPECT_HAS(msg, "[1, 1]");
}

TEST_F(LoaderTest, Fp8ScaleWrongDType) {
  const std::string dir = Write("m", DType::F8_E4M3);
  const std::string name = "model.layers.0.mlp.gate_proj.weight_scale_inv";
  uint16_t scale = 0x3f80;
  Rewrite(dir, [&](auto* t) {
    TensorToWrite* s = Get(t, name);
    s->dtype = DType::BF16;
    s->data = &scale;
  });
  std::string msg = LoadError(dir);
  EXPECT_HAS(msg, "'" + name + "'");
  EXPECT_HAS(msg, "BF16");
}

TEST_F(LoaderTest, TruncatedSafetensors) {
  const std::string dir = Write("m", DType::BF16);
  const std::string path = dir + "/model.safetensors";
  fs::resize_file(path, fs::file_size(path) / 2);
  std::string msg = LoadError(dir);
  EXPECT_HAS(msg, path);
}

TEST_F(LoaderTest, CorruptConfig) {
  const std::string dir = Write("m", DType::F32);
  std::ofstream(dir + "/config.json") << "{\"model_type\": \"deepseek_v3\", ";
  std::string msg = LoadError(dir);
  EXPECT_HAS(msg, dir + "/config.json");
  EXPECT_HAS(msg, "JSON");
}

TEST_F(LoaderTest, ConfigDisagreesWithWeights) {
  const std::string dir = Write("m", DType::F32);
  std::string text = kTinyConfig;
  text.replace(text.find("\"hidden_size\": 32"), 17, "\"hidden_size\": 64");
  std::ofstream(dir + "/config.json") << text;
  std::string msg = LoadError(dir);
  EXPECT_HAS(msg, "model.embed_tokens.weight");
  EXPECT_HAS(msg, "[64, 32]");
  EXPECT_HAS(msg, "[64, 64]");
}

TEST_F(LoaderTest, MissingConfig) {
  const std::string dir = Write("m", DType::F32);
  fs::remove(dir + "/config.json");
  EXPECT_HAS(LoadError(dir), "config.json");
}

TEST_F(LoaderTest, MissingDirectory) { EXPECT_HAS(LoadError(root_ + "/nope"), root_ + "/nope"); }

TEST_F(LoaderTest, BadTokens) {
  auto m = LoadModel(Write("m", DType::F32));
  ASSERT_TRUE(m.ok()) << m.status().message();
  const model::Transformer& tf = *m->model;
  std::vector<float> logits;
  Status s = tf.Forward({}, &logits);
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.message(), "no input tokens");
  s = tf.Forward({1, 64}, &logits);
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.message(), "token 1 = 64");
  EXPECT_HAS(s.message(), "[0, 64)");
  s = tf.Forward({-1}, &logits);
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.message(), "-1");
  s = tf.Forward(std::vector<int32_t>(129, 1), &logits);  // max_position_embeddings 128
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.message(), "max_position_embeddings");
}

TEST_F(LoaderTest, BadMtpCalls) {
  auto m = LoadModel(Write("m", DType::F32));
  ASSERT_TRUE(m.ok()) << m.status().message();
  const model::Transformer& tf = *m->model;
  std::vector<float> hidden, out;
  Logits(tf, kTokens, &hidden);
  EXPECT_FALSE(tf.MtpForward(kTokens, hidden, 2, &out).ok());  // only one module
  EXPECT_FALSE(tf.MtpForward(kTokens, hidden, 0, &out).ok());
  EXPECT_FALSE(tf.MtpForward(kTokens, std::vector<float>(3), 1, &out).ok());
  std::vector<float> h1;
  Logits(tf, {5}, &h1);
  Status s = tf.MtpForward({5}, h1, 1, &out);  // needs at least 2 tokens
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.message(), "needs more than 1 tokens");
  EXPECT_FALSE(tf.MtpForward({}, {}, 1, &out).ok());
}

}  // namespace
}  // namespace minke::io
