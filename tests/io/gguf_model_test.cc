// deepseek2 GGUF files: minke's converter and loader against the safetensors
// models they come from (the golden fixtures of tests/fixtures/model, whose
// logits are checked against HF transformers by golden_test.cc), and one
// broken file per failure mode.
#include "io/gguf_model.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "io/model_writer.h"
#include "model/linear.h"

namespace minke::io {
namespace {

namespace fs = std::filesystem;

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

const std::vector<int32_t> kTokens = {1, 5, 9, 63, 0, 17, 100, 2};

std::string Fixture(const std::string& name) { return std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/model/" + name; }

// Per process: ctest runs each parameter of a suite as its own process, in parallel.
std::string Tmp(const std::string& name) {
  return ::testing::TempDir() + "/minke_gguf_model_" + std::to_string(getpid()) + "_" + name;
}

std::vector<float> Logits(const LoadedModel& m, const std::vector<int32_t>& tokens) {
  std::vector<float> logits;
  EXPECT_TRUE(m.model->Forward(tokens, &logits).ok());
  return logits;
}

float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float d = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) d = std::fmax(d, std::fabs(a[i] - b[i]));
  return d;
}

float MaxAbs(const std::vector<float>& a) {
  float m = 0;
  for (float v : a) m = std::fmax(m, std::fabs(v));
  return m;
}

Result<LoadedModel> Convert(const std::string& src, GgufOutType type, const std::string& path,
                            const GgufLoadOptions& opt = {}) {
  MINKE_ASSIGN_OR_RETURN(LoadedModel m, LoadModel(src));
  MINKE_RETURN_IF_ERROR(WriteModelGguf(*m.model, type, path));
  return LoadGgufModel(path, opt);
}

// F32 GGUF = the safetensors model: only kv_b_proj is re-assembled (exactly)
// from attn_k_b / attn_v_b; BF16 and FP8 weights widen to f32 exactly.
class GgufFixture : public testing::TestWithParam<const char*> {};

TEST_P(GgufFixture, F32GgufGivesTheSameLogits) {
  auto st = LoadModel(Fixture(GetParam()));
  ASSERT_TRUE(st.ok()) << st.status().message();
  auto gg = Convert(Fixture(GetParam()), GgufOutType::kF32, Tmp("f32.gguf"));
  ASSERT_TRUE(gg.ok()) << gg.status().message();
  // 1e-5: the same weights; only GEMM blocking differs (FP8 is dequantized once
  // at conversion instead of per call).
  EXPECT_LE(MaxAbsDiff(Logits(*st, kTokens), Logits(*gg, kTokens)), 1e-5f);
  std::remove(Tmp("f32.gguf").c_str());
}

INSTANTIATE_TEST_SUITE_P(Models, GgufFixture,
                         testing::Values("v3_full", "v2_lite", "v2_group_bf16", "v3_fp8", "v3_noshared"));

TEST(GgufModel, LlamaKeysAloneDescribeTheModel) {
  // v3_fp8 has mscale == mscale_all_dim, which llama.cpp's keys can express:
  // reading the file as a foreign GGUF (ignoring minke.hf_config) must agree.
  auto st = LoadModel(Fixture("v3_fp8"));
  ASSERT_TRUE(st.ok());
  auto gg = Convert(Fixture("v3_fp8"), GgufOutType::kF32, Tmp("keys.gguf"), {.llama_keys_only = true});
  ASSERT_TRUE(gg.ok()) << gg.status().message();
  EXPECT_EQ(gg->model->config().topk_method, model::TopkMethod::kNoauxTc);
  EXPECT_LE(MaxAbsDiff(Logits(*st, kTokens), Logits(*gg, kTokens)), 1e-5f);
  std::remove(Tmp("keys.gguf").c_str());
}

// A model whose every row length is a multiple of 32, so each linear layer
// really is Q8_0 / Q4_0 (the fixtures' 8- and 24-wide rows fall back to F16).
const char* kBlockConfig = R"({
  "model_type": "deepseek_v3", "vocab_size": 128, "hidden_size": 64, "intermediate_size": 96,
  "moe_intermediate_size": 32, "num_hidden_layers": 2, "first_k_dense_replace": 1,
  "num_attention_heads": 2, "q_lora_rank": 32, "kv_lora_rank": 32, "qk_nope_head_dim": 32,
  "qk_rope_head_dim": 16, "v_head_dim": 32, "n_routed_experts": 4, "num_experts_per_tok": 2,
  "n_group": 1, "topk_group": 1, "n_shared_experts": 1, "routed_scaling_factor": 2.5,
  "norm_topk_prob": true, "scoring_func": "sigmoid", "topk_method": "noaux_tc",
  "max_position_embeddings": 64})";

class GgufQuant : public testing::TestWithParam<GgufOutType> {};

TEST_P(GgufQuant, BlockWeightsStayBlocksAndTrackF32) {
  auto c = model::ParseModelConfig(kBlockConfig);
  ASSERT_TRUE(c.ok()) << c.status().message();
  const std::string dir = Tmp("block_model");
  ASSERT_TRUE(WriteRandomModel(*c, dir, 7, DType::F32).ok());
  auto st = LoadModel(dir);
  ASSERT_TRUE(st.ok());
  auto q = Convert(dir, GetParam(), Tmp("q.gguf"));
  ASSERT_TRUE(q.ok()) << q.status().message();
  const bool q8 = GetParam() == GgufOutType::kQ8_0;
  const model::ModelWeights& w = q->model->weights();
  EXPECT_EQ(w.layers[0].attn.q_b_proj.weight.dtype, q8 ? DType::Q8_0 : DType::Q4_0);
  EXPECT_EQ(w.layers[1].moe.experts[3].down_proj.weight.dtype, q8 ? DType::Q8_0 : DType::Q4_0);
  EXPECT_EQ(w.lm_head.weight.dtype, DType::Q8_0);  // the head stays 8-bit
  EXPECT_EQ(w.layers[1].moe.gate.dtype, DType::F32);
  // The expert slices are where LinearForward reads them: expert 3's down
  // weight dequantizes to (nearly) the f32 original.
  std::vector<float> a = model::DequantizeLinear(st->model->weights().layers[1].moe.experts[3].down_proj);
  std::vector<float> b = model::DequantizeLinear(w.layers[1].moe.experts[3].down_proj);
  // Per-weight error <= one quantization step of its block (|w| <~ 0.1 here).
  EXPECT_LE(MaxAbsDiff(a, b), q8 ? 0.1f / 127 : 0.1f / 8);
  // Logits: weights ~N(0, 0.02) give logits of magnitude ~0.5. Bound the
  // error relative to the largest logit, with margin over what was measured
  // on this model (q8_0 1.3%, q4_0 12.7%; activations are quantized to Q8_0 too).
  std::vector<float> lf = Logits(*st, kTokens), lq = Logits(*q, kTokens);
  EXPECT_LE(MaxAbsDiff(lf, lq), (q8 ? 0.02f : 0.25f) * MaxAbs(lf));
  // Decode over the quantized weights (MatmulQ on the blocks, the activation
  // quantized to Q8_0) tracks the float32 model as closely as the prefill
  // GEMM path (dequantized weights, float32 activations) does.
  model::LatentCache cache(q->model->config(), 16);
  std::vector<float> step;
  ASSERT_TRUE(q->model->Step({{&cache, {kTokens[0], kTokens[1], kTokens[2]}}}, &step).ok());
  for (size_t i = 3; i < kTokens.size(); ++i) ASSERT_TRUE(q->model->Step({{&cache, {kTokens[i]}}}, &step).ok());
  const int64_t V = c->vocab_size;
  const std::vector<float> last_f32(lf.end() - V, lf.end());
  EXPECT_LE(MaxAbsDiff(step, last_f32), (q8 ? 0.02f : 0.25f) * MaxAbs(lf));
  fs::remove_all(dir);
  std::remove(Tmp("q.gguf").c_str());
}

INSTANTIATE_TEST_SUITE_P(Types, GgufQuant, testing::Values(GgufOutType::kQ8_0, GgufOutType::kQ4_0));

TEST(GgufModel, TiedEmbeddingsHaveNoOutputTensor) {
  std::string cfg = kBlockConfig;
  cfg.insert(cfg.find('{') + 1, R"("tie_word_embeddings": true, )");
  auto c = model::ParseModelConfig(cfg);
  ASSERT_TRUE(c.ok()) << c.status().message();
  const std::string dir = Tmp("tied_model"), path = Tmp("tied.gguf");
  ASSERT_TRUE(WriteRandomModel(*c, dir, 9, DType::F32).ok());
  auto st = LoadModel(dir);
  ASSERT_TRUE(st.ok());
  auto gg = Convert(dir, GgufOutType::kF32, path, {.llama_keys_only = true});  // tying read from the tensors
  ASSERT_TRUE(gg.ok()) << gg.status().message();
  EXPECT_TRUE(gg->model->config().tie_word_embeddings);
  auto f = GgufFile::Open(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->contents().FindTensor("output.weight"), nullptr);
  EXPECT_LE(MaxAbsDiff(Logits(*st, kTokens), Logits(*gg, kTokens)), 1e-5f);
  fs::remove_all(dir);
  std::remove(path.c_str());
}

// Rewrites `src` with `edit` applied to its KV list and tensors.
void Rewrite(
    const std::string& src, const std::string& dst,
    const std::function<void(std::vector<std::pair<std::string, GgufValue>>*, std::vector<GgufTensorToWrite>*)>& edit) {
  auto f = GgufFile::Open(src);
  ASSERT_TRUE(f.ok());
  auto kv = (*f)->contents().kv;
  std::vector<GgufTensorToWrite> ts;
  for (const GgufTensor& t : (*f)->contents().tensors) ts.push_back({t.name, t.type, t.ne, t.data});
  edit(&kv, &ts);
  ASSERT_TRUE(WriteGguf(dst, kv, ts).ok());
}

TEST(GgufModel, BrokenFilesNameTheProblem) {
  const std::string good = Tmp("good.gguf"), bad = Tmp("bad.gguf");
  ASSERT_TRUE(Convert(Fixture("v3_full"), GgufOutType::kF16, good).ok());
  auto error = [&](auto edit) {
    Rewrite(good, bad, edit);
    auto r = LoadModel(bad);
    return r.ok() ? std::string("OK") : r.status().message();
  };
  EXPECT_HAS(error([](auto* kv, auto*) { (*kv)[0].second.str = "llama"; }), "general.architecture is 'llama'");
  EXPECT_HAS(error([](auto*, auto* ts) {
               std::erase_if(*ts, [](const GgufTensorToWrite& t) { return t.name == "blk.1.attn_v_b.weight"; });
             }),
             "missing tensor 'blk.1.attn_v_b.weight'");
  EXPECT_HAS(error([](auto*, auto* ts) {
               for (auto& t : *ts)
                 if (t.name == "blk.2.ffn_up_exps.weight") t.ne[2] = 4;
             }),
             "tensor 'blk.2.ffn_up_exps.weight' has ne [32, 16, 4], the metadata implies [32, 16, 8]");
  EXPECT_HAS(error([](auto*, auto* ts) {
               for (auto& t : *ts)
                 if (t.name == "blk.0.attn_norm.weight") t.type = 8, t.ne = {32};  // Q8_0 norm
             }),
             "tensor 'blk.0.attn_norm.weight' is Q8_0; it must be F32, F16 or BF16");
  EXPECT_HAS(error([](auto* kv, auto*) {
               for (auto& [k, v] : *kv)
                 if (k == "deepseek2.block_count") v.u = 2;
             }),
             "minke.hf_config says 3 but deepseek2.block_count is 2");
  EXPECT_HAS(error([](auto* kv, auto*) {
               std::erase_if(*kv, [](const auto& p) { return p.first == "deepseek2.attention.kv_lora_rank"; });
             }),
             "missing metadata key 'deepseek2.attention.kv_lora_rank'");
  // A file cut short (an interrupted download): the parser names the tensor that runs past the end.
  fs::copy_file(good, bad, fs::copy_options::overwrite_existing);
  fs::resize_file(bad, fs::file_size(good) / 2);
  auto cut = LoadModel(bad);
  ASSERT_FALSE(cut.ok());
  EXPECT_HAS(cut.status().message(), "truncated file?");
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

}  // namespace
}  // namespace minke::io
