// A tiny served model for the serve tests: a random DeepSeek-V3-style
// checkpoint (io::WriteRandomModel) whose vocabulary is a byte-level BPE
// tokenizer made here — the 256 byte tokens plus DeepSeek's chat markers as
// added tokens — so text goes in and out as with a real model. Written to a
// temp directory, loaded once per test process, and removed.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/utf8.h"
#include "io/model_loader.h"
#include "io/model_writer.h"
#include "model/config.h"
#include "serve/chat_format.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"

namespace minke::serve::testing_model {

inline constexpr int32_t kBos = 256, kEos = 257;
inline const char* kBosText = "<｜begin▁of▁sentence｜>";
inline const char* kEosText = "<｜end▁of▁sentence｜>";

inline nlohmann::json TokenizerJson() {
  using nlohmann::json;
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    minke::AppendUtf8(tokenizer::ByteToChar(static_cast<unsigned char>(b)), &ch);
    vocab[ch] = b;
  }
  json added = json::array();
  const char* names[] = {kBosText, kEosText, "<｜User｜>", "<｜Assistant｜>", "<think>", "</think>"};
  for (int i = 0; i < 6; ++i)
    added.push_back({{"id", 256 + i},
                     {"content", names[i]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", i < 2}});
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added},
          {"normalizer", nullptr},
          {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
          {"post_processor", nullptr},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}}}};
}

inline const char* kConfig = R"({
  "model_type": "deepseek_v3", "vocab_size": 264, "hidden_size": 32, "intermediate_size": 48,
  "moe_intermediate_size": 16, "num_hidden_layers": 2, "first_k_dense_replace": 1,
  "num_nextn_predict_layers": 0, "num_attention_heads": 4, "q_lora_rank": 16, "kv_lora_rank": 16,
  "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 8, "n_routed_experts": 8,
  "num_experts_per_tok": 2, "n_group": 2, "topk_group": 1, "n_shared_experts": 1,
  "max_position_embeddings": 96
})";

struct TinyModel {
  std::string dir;
  std::unique_ptr<model::Transformer> model;
  std::unique_ptr<tokenizer::Tokenizer> tok;
};

// Loaded once; a failure fails the calling test (and returns a model-less struct).
inline const TinyModel& Tiny() {
  static TinyModel* m = [] {
    auto* t = new TinyModel;
    t->dir = ::testing::TempDir() + "minke_serve_model_" + std::to_string(::getpid());
    std::filesystem::create_directories(t->dir);
    auto cfg = model::ParseModelConfig(kConfig);
    EXPECT_TRUE(cfg.ok()) << cfg.status().message();
    if (!cfg.ok()) return t;
    Status st = io::WriteRandomModel(*cfg, t->dir, /*seed=*/5, DType::F32);
    EXPECT_TRUE(st.ok()) << st.message();
    std::ofstream(t->dir + "/tokenizer.json") << TokenizerJson().dump();
    auto lm = io::LoadModel(t->dir);
    EXPECT_TRUE(lm.ok()) << lm.status().message();
    if (lm.ok()) t->model = std::move(lm->model);
    auto tok = tokenizer::Tokenizer::FromFile(t->dir + "/tokenizer.json");
    EXPECT_TRUE(tok.ok()) << tok.status().message();
    if (tok.ok()) t->tok = std::make_unique<tokenizer::Tokenizer>(std::move(*tok));
    // Loaded (the weights stay mapped after unlinking): leave nothing behind.
    std::error_code ec;
    std::filesystem::remove_all(t->dir, ec);
    return t;
  }();
  return *m;
}

// DeepSeek-V3's prompt format by hand (the chat-template tests live with the
// tokenizer); `r1` adds R1's "<think>\n" generation prompt.
inline ChatFormat TestChatFormat(bool r1) {
  ChatFormat f;
  f.render = [r1](const std::vector<Message>& ms) -> Result<std::string> {
    std::string s = kBosText;
    for (const Message& m : ms) {
      if (m.role == "system") s += m.content;
      if (m.role == "user") s += "<｜User｜>" + m.content;
      if (m.role == "assistant") s += "<｜Assistant｜>" + m.content + kEosText;
    }
    return s + "<｜Assistant｜>" + (r1 ? "<think>\n" : "");
  };
  f.eos_token = kEosText;
  if (r1) {
    f.think_open = "<think>";
    f.think_close = "</think>";
  }
  return f;
}

}  // namespace minke::serve::testing_model
