// ChatSession over a tiny random model with DeepSeek-V3's real tokenizer
// (vocab_size 129280 so every token id exists; hidden 32 keeps it small) and
// the DeepSeek-V3 / R1 chat templates from the tokenizer fixtures.
#include "infer/chat_session.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

#include "../tokenizer/test_data.h"
#include "io/model_loader.h"
#include "io/model_writer.h"

namespace minke::infer {
namespace {

namespace fs = std::filesystem;

bool EndsWith(const std::string& s, const std::string& end) {
  return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

const char* kConfig = R"({
  "model_type": "deepseek_v3", "vocab_size": 129280, "hidden_size": 32, "intermediate_size": 48,
  "moe_intermediate_size": 16, "num_hidden_layers": 2, "first_k_dense_replace": 1,
  "num_nextn_predict_layers": 0, "num_attention_heads": 4, "q_lora_rank": 16, "kv_lora_rank": 16,
  "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 8, "n_routed_experts": 8,
  "num_experts_per_tok": 2, "n_group": 2, "topk_group": 1, "n_shared_experts": 1,
  "max_position_embeddings": 512
})";

// One model for the whole suite (writing 129280 x 32 embeddings twice is the slow part).
class ChatSessionTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = testing::TempDir() + "minke_chat_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = new std::string(tmpl);
    auto c = model::ParseModelConfig(kConfig);
    ASSERT_TRUE(c.ok()) << c.status().message();
    ASSERT_TRUE(io::WriteRandomModel(*c, *dir_ + "/model", 11, DType::BF16).ok());
    auto lm = io::LoadModel(*dir_ + "/model");
    ASSERT_TRUE(lm.ok()) << lm.status().message();
    model_ = lm->model.release();
  }
  static void TearDownTestSuite() {
    delete model_;
    std::error_code ec;
    if (dir_ != nullptr) fs::remove_all(*dir_, ec);
    delete dir_;
  }

  static tokenizer::ChatTemplate Template(const std::string& name) {
    auto t = tokenizer::ChatTemplate::FromConfigFile(tokenizer::testing_data::FixtureDir() + "chat/" + name + ".json");
    EXPECT_TRUE(t.ok()) << t.status().message();
    return *t;
  }
  static ChatSession Session(const std::string& tmpl, ChatOptions opt = Greedy()) {
    auto s = ChatSession::Create(*model_, *Tok(), Template(tmpl), opt);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return std::move(s.value());
  }
  static ChatOptions Greedy() {
    ChatOptions o;
    o.generate.max_new_tokens = 10;
    o.generate.sampling.temperature = 0;
    return o;
  }
  static const tokenizer::Tokenizer* Tok() { return tokenizer::testing_data::DeepSeekV3(); }
  static std::vector<int32_t> Encode(const std::string& text) {
    auto ids = Tok()->Encode(text, false);
    EXPECT_TRUE(ids.ok());
    return std::vector<int32_t>(ids->begin(), ids->end());
  }
  // Collects a reply's streamed text by part.
  static Status Send(ChatSession& s, const std::string& user, ChatTurn* turn, std::string* think = nullptr,
                     std::string* answer = nullptr) {
    return s.Send(
        user,
        [&](ReplyPart p, std::string_view t) {
          std::string* to = p == ReplyPart::kThink ? think : answer;
          if (to != nullptr) to->append(t);
          return true;
        },
        turn);
  }

  static std::string* dir_;
  static model::Transformer* model_;
};
std::string* ChatSessionTest::dir_ = nullptr;
model::Transformer* ChatSessionTest::model_ = nullptr;

// Turn 2's prompt is the tokenized rendering of the whole conversation, its
// cached part is reused, and the cache then holds exactly what a fresh
// forward over the conversation computes.
TEST_F(ChatSessionTest, SecondTurnReusesTheCacheExactly) {
  ASSERT_NE(model_, nullptr);
  ChatOptions opt = Greedy();
  opt.system = "You are terse.";
  ChatSession s = Session("deepseek_v3", opt);
  ChatTurn t1, t2;
  std::string answer1;
  ASSERT_TRUE(Send(s, "Hello there", &t1, nullptr, &answer1).ok());
  EXPECT_EQ(t1.reused_tokens, 0);
  EXPECT_EQ(t1.result.tokens.size(), 10u);
  EXPECT_EQ(answer1, t1.result.text);
  const std::vector<int32_t> prompt1 = s.last_prompt();
  EXPECT_EQ(prompt1, Encode("<｜begin▁of▁sentence｜>You are terse.<｜User｜>Hello there<｜Assistant｜>"));

  ASSERT_TRUE(Send(s, "And again?", &t2).ok());
  ASSERT_EQ(s.messages().size(), 4u);
  EXPECT_EQ(s.messages()[1].role, "assistant");
  EXPECT_EQ(s.messages()[1].content, answer1);
  std::vector<tokenizer::ChatMessage> conversation(4);
  const char* turns[4][2] = {
      {"system", "You are terse."}, {"user", "Hello there"}, {"assistant", ""}, {"user", "And again?"}};
  for (int i = 0; i < 4; ++i) conversation[i].role = turns[i][0], conversation[i].content = turns[i][1];
  conversation[2].content = answer1;
  auto rendered = s.chat_template().Render(conversation, true);
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(s.last_prompt(), Encode(*rendered));
  EXPECT_EQ(t2.prompt_tokens, static_cast<int64_t>(s.last_prompt().size()));
  EXPECT_GE(t2.reused_tokens, static_cast<int64_t>(prompt1.size()));
  EXPECT_EQ(t2.result.prefilled, t2.prompt_tokens - t2.reused_tokens);

  // Greedy output with reuse = greedy output of a fresh prefill.
  GenerateOptions g = opt.generate;
  g.stop_tokens = {1};
  GenerateResult fresh;
  ASSERT_TRUE(Generate(*model_, s.last_prompt(), g, nullptr, &fresh).ok());
  EXPECT_EQ(t2.result.tokens, fresh.tokens);

  // Logits after the cached conversation = a cache-free forward over it
  // (fp32 to 1e-4, as the absorbed decode form is checked against the expanded).
  const std::vector<int32_t>& seq = s.cached_tokens();
  ASSERT_EQ(static_cast<int64_t>(seq.size()), s.cache().length());
  model::LatentCache c = s.cache();
  c.set_length(c.length() - 1);
  std::vector<float> step, full;
  ASSERT_TRUE(model_->Step({{&c, {seq.back()}}}, &step).ok());
  ASSERT_TRUE(model_->Forward(seq, &full, nullptr, model::Transformer::LogitRows::kLast).ok());
  ASSERT_EQ(step.size(), full.size());
  float worst = 0;
  for (size_t i = 0; i < step.size(); ++i) worst = std::max(worst, std::abs(step[i] - full[i]));
  EXPECT_LT(worst, 1e-4f);
}

// R1's generation prompt opens the reasoning, so the reply streams as
// "think" until "</think>"; the whole reply is stored and the template drops
// the reasoning part itself when rendering the next turn.
TEST_F(ChatSessionTest, R1ReplyStartsInTheReasoningPart) {
  ChatSession s = Session("deepseek_r1");
  ChatTurn t;
  std::string think, answer;
  ASSERT_TRUE(Send(s, "What is 2+2?", &t, &think, &answer).ok());
  EXPECT_TRUE(
      EndsWith(Tok()->Decode(std::vector<uint32_t>(s.last_prompt().begin(), s.last_prompt().end()), false).value(),
               "<｜Assistant｜><think>\n"));
  // A random model will not close its reasoning in 10 tokens.
  EXPECT_EQ(think + answer, t.result.text);
  if (t.result.text.find("</think>") == std::string::npos) {
    EXPECT_EQ(think, t.result.text);
    EXPECT_EQ(answer, "");
  }
  EXPECT_EQ(s.messages().back().content, t.result.text);
  ASSERT_TRUE(Send(s, "Sure?", &t).ok());
  std::vector<tokenizer::ChatMessage> before(s.messages().begin(), s.messages().end() - 1);
  auto rendered = s.chat_template().Render(before, true);
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(s.last_prompt(), Encode(*rendered));
  // The template cut the reasoning: the second prompt repeats only the answer.
  const std::string answer1 = before[1].content.substr(
      before[1].content.find("</think>") == std::string::npos ? 0 : before[1].content.rfind("</think>") + 8);
  EXPECT_NE(rendered->find("<｜Assistant｜>" + answer1 + "<｜end▁of▁sentence｜>"), std::string::npos);
}

TEST_F(ChatSessionTest, ContextOverflowIsAnErrorAndResetRecovers) {
  ChatOptions opt = Greedy();
  opt.context = 24;
  ChatSession s = Session("deepseek_v3", opt);
  ChatTurn t;
  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += "word ";
  Status st = Send(s, long_text, &t);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("context"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("/reset"), std::string::npos) << st.message();
  EXPECT_TRUE(s.messages().empty());  // the failed turn left no trace

  // Turns until the conversation outgrows the context: the turn that does
  // fails with the same message, and after /reset the conversation goes on.
  size_t turns = 0;
  for (; turns < 20; ++turns) {
    st = Send(s, "hi", &t);
    if (!st.ok()) break;
  }
  ASSERT_LT(turns, 20u);
  EXPECT_NE(st.message().find("/reset"), std::string::npos) << st.message();
  EXPECT_EQ(s.messages().size(), 2 * turns);
  s.Reset();
  EXPECT_TRUE(s.messages().empty());
  ASSERT_TRUE(Send(s, "hi", &t).ok());
  EXPECT_GT(t.reused_tokens, 0);  // "<｜begin▁of▁sentence｜><｜User｜>hi" is still cached
}

TEST_F(ChatSessionTest, ReplyThatFillsTheContextIsReported) {
  ChatOptions opt = Greedy();
  opt.context = 9;  // the prompt "<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜>" is 4 tokens
  ChatSession s = Session("deepseek_v3", opt);
  ChatTurn t;
  ASSERT_TRUE(Send(s, "hi", &t).ok());
  EXPECT_EQ(t.prompt_tokens, 4);
  EXPECT_EQ(t.result.finish_reason, "length");
  EXPECT_EQ(t.result.tokens.size(), 6u);  // 5 fed back fill the 9 positions, then one more sampled
  EXPECT_TRUE(t.context_full);
}

TEST_F(ChatSessionTest, TokenizerLargerThanTheModelIsAnError) {
  auto small = io::LoadModel(std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/model/v3_full");
  ASSERT_TRUE(small.ok());
  auto s = ChatSession::Create(*small->model, *Tok(), Template("deepseek_v3"), Greedy());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("vocab_size"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace minke::infer
