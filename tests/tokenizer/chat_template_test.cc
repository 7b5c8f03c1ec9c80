// ChatTemplate against transformers: every rendering in
// tests/fixtures/tokenizer/chat/golden.jsonl.gz (tools/gen_chat_golden.py,
// apply_chat_template with the real template texts) must come out byte for
// byte, and what the template rejects must be rejected. chat_cases.jsonl (a
// second, independent reference: @huggingface/jinja and Python jinja2) is
// checked from the committed copy and from ../shared when that is present.
#include "tokenizer/chat_template.h"

#include <gtest/gtest.h>

#include <map>

#include "test_data.h"

namespace minke::tokenizer {
namespace {

using testing_data::FixtureDir;
using testing_data::Gunzip;

ChatMessage M(std::string role, std::string content) {
  ChatMessage m;
  m.role = std::move(role);
  m.content = std::move(content);
  return m;
}

std::string ChatFixture(const std::string& file) { return FixtureDir() + "chat/" + file; }

const ChatTemplate& Family(const std::string& name) {
  static std::map<std::string, ChatTemplate>* cache = new std::map<std::string, ChatTemplate>();
  auto it = cache->find(name);
  if (it == cache->end()) {
    Result<ChatTemplate> t = ChatTemplate::FromConfigFile(ChatFixture(name + ".json"));
    EXPECT_TRUE(t.ok()) << t.status().message();
    it = cache->emplace(name, t.ok() ? t.value() : ChatTemplate()).first;
  }
  return it->second;
}

std::vector<ChatMessage> Messages(const nlohmann::json& j) {
  Result<ChatRequest> r = ParseChatJson(j.dump(), "case");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r->messages : std::vector<ChatMessage>{};
}

TEST(ChatTemplate, GoldenFromTransformers) {
  const auto rows = testing_data::ParseJsonl(Gunzip(ChatFixture("golden.jsonl.gz")));
  ASSERT_GE(rows.size(), 240u);
  size_t rendered = 0, rejected = 0;
  for (const auto& row : rows) {
    const std::string fam = row["family"], what = fam + "/" + row["name"].get<std::string>() +
                                                  (row["add_generation_prompt"].get<bool>() ? " +gen" : "");
    Result<std::string> out = Family(fam).Render(Messages(row["messages"]), row["add_generation_prompt"]);
    if (row.contains("error")) {
      EXPECT_FALSE(out.ok()) << what << ": transformers rejects it (" << row["error"] << ") but minke rendered";
      ++rejected;
    } else {
      ASSERT_TRUE(out.ok()) << what << ": " << out.status().message();
      EXPECT_EQ(*out, row["rendered"].get<std::string>()) << what;
      ++rendered;
    }
  }
  EXPECT_GT(rendered, 220u);
  EXPECT_GT(rejected, 5u);
}

TEST(ChatTemplate, RecognisesFamilies) {
  EXPECT_EQ(Family("deepseek_v3").family(), ChatFamily::kDeepSeekV3);
  EXPECT_EQ(Family("deepseek_r1_distill").family(), ChatFamily::kDeepSeekR1);
  EXPECT_EQ(Family("deepseek_r1").family(), ChatFamily::kDeepSeekR1);
  EXPECT_EQ(Family("qwen2_5").family(), ChatFamily::kQwen2);
  EXPECT_EQ(Family("qwen2").family(), ChatFamily::kQwen2);
  EXPECT_EQ(Family("llama3").family(), ChatFamily::kLlama3);
  EXPECT_EQ(Family("llama3_1").family(), ChatFamily::kLlama3);
  EXPECT_EQ(Family("deepseek_r1_distill").think_open(), "<think>");
  EXPECT_EQ(Family("deepseek_r1_distill").think_close(), "</think>");
  EXPECT_EQ(Family("deepseek_v3").think_close(), "");
  EXPECT_EQ(Family("deepseek_v3").bos_token(), "<｜begin▁of▁sentence｜>");  // from an AddedToken object
  EXPECT_EQ(Family("qwen2_5").bos_token(), "");                             // null
  EXPECT_EQ(Family("qwen2_5").eos_token(), "<|im_end|>");
  EXPECT_STREQ(ChatFamilyName(Family("deepseek_r1_distill").family()), "deepseek_r1");
}

// chat_cases rows -> the fixture config of their template.
void CheckChatCases(const std::string& jsonl, const std::string& source) {
  const auto rows = testing_data::ParseJsonl(jsonl);
  ASSERT_FALSE(rows.empty()) << source;
  for (const auto& row : rows) {
    const std::string tmpl = row["template"];
    const std::string what = source + ": " + tmpl + "/" + row["name"].get<std::string>();
    ASSERT_TRUE(tmpl == "deepseek_v3" || tmpl == "deepseek_r1_distill") << what;
    Result<std::string> out = Family(tmpl).Render(Messages(row["messages"]), row["add_generation_prompt"]);
    ASSERT_TRUE(out.ok()) << what << ": " << out.status().message();
    EXPECT_EQ(*out, row["rendered"].get<std::string>()) << what;
    const Tokenizer* v3 = testing_data::DeepSeekV3();
    ASSERT_NE(v3, nullptr);
    EXPECT_EQ(v3->Encode(*out, false).value(), row["ids"].get<std::vector<uint32_t>>()) << what;
  }
}

TEST(ChatTemplate, ChatCasesCommittedCopy) {
  CheckChatCases(Gunzip(FixtureDir() + "chat_cases.jsonl.gz"), "chat_cases.jsonl.gz");
}

TEST(ChatTemplate, ChatCasesFromShared) {
  std::optional<std::string> cases = testing_data::ReadShared("chat_cases.jsonl");
  if (!cases) GTEST_SKIP() << testing_data::SharedDir() << "chat_cases.jsonl is missing (no ../shared beside the repo)";
  CheckChatCases(*cases, "../shared chat_cases.jsonl");
  // The templates in ../shared are the ones the fixtures were made from.
  Result<ChatTemplate> v3 =
      ChatTemplate::FromConfigFile(testing_data::SharedDir() + "deepseek_v3/tokenizer_config.json");
  ASSERT_TRUE(v3.ok()) << v3.status().message();
  EXPECT_EQ(v3->family(), ChatFamily::kDeepSeekV3);
  std::optional<std::string> r1 =
      testing_data::ReadShared("templates/deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.llama_cpp.jinja");
  ASSERT_TRUE(r1.has_value());
  Result<ChatTemplate> r1t = ChatTemplate::FromTemplate(*r1, "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
  ASSERT_TRUE(r1t.ok()) << r1t.status().message();
  EXPECT_EQ(r1t->family(), ChatFamily::kDeepSeekR1);
  Result<ChatTemplate> qwen = ChatTemplate::FromConfigFile(testing_data::SharedDir() + "qwen2_5/tokenizer_config.json");
  ASSERT_TRUE(qwen.ok()) << qwen.status().message();
  EXPECT_EQ(qwen->Render({M("user", "Hi")}, true).value(),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplate, R1DropsReasoningOfEarlierTurns) {
  const ChatTemplate& r1 = Family("deepseek_r1_distill");
  Result<std::string> out = r1.Render({M("user", "Q"), M("assistant", "<think>\nhmm\n</think>\n\nA")}, true);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "<｜begin▁of▁sentence｜><｜User｜>Q<｜Assistant｜>\n\nA<｜end▁of▁sentence｜><｜Assistant｜><think>\n");
}

TEST(ChatTemplate, UnknownTemplatesAreErrors) {
  Result<ChatTemplate> t = ChatTemplate::FromTemplate("{{ messages[0]['content'] }} [INST]", "<s>", "</s>");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("not a known family"), std::string::npos) << t.status().message();
  EXPECT_NE(t.status().message().find("[INST]"), std::string::npos) << t.status().message();
  // The excerpt stops at 60 bytes, never inside a UTF-8 character.
  Result<ChatTemplate> cjk = ChatTemplate::FromTemplate(std::string(59, 'x') + "你好", "", "");
  ASSERT_FALSE(cjk.ok());
  EXPECT_NE(cjk.status().message().find(std::string(59, 'x') + "...'"), std::string::npos) << cjk.status().message();

  auto config_error = [](const std::string& json) {
    Result<ChatTemplate> r = ChatTemplate::FromConfigJson(json, "cfg.json");
    return r.ok() ? std::string("OK") : r.status().message();
  };
  EXPECT_EQ(config_error("{"), "cfg.json: not valid JSON");
  EXPECT_EQ(config_error("[]"), "cfg.json: top level must be a JSON object");
  EXPECT_NE(config_error("{\"bos_token\": \"<s>\"}").find("no 'chat_template'"), std::string::npos);
  EXPECT_NE(config_error("{\"chat_template\": 3}").find("must be a string or a list"), std::string::npos);
  EXPECT_NE(config_error("{\"chat_template\": \"<|im_start|>\", \"bos_token\": 7}").find("'bos_token'"),
            std::string::npos);
  EXPECT_NE(config_error(std::string(100, '[')).find("deeper than 64"), std::string::npos);
  // Qwen3-style (reasoning in ChatML) is recognised as unsupported, not rendered as Qwen2.
  EXPECT_NE(config_error("{\"chat_template\": \"<|im_start|>assistant\\n<think>\\n\"}").find("Qwen3"),
            std::string::npos);
  // Later versions of a family (logic the renderers do not implement) are refused by name.
  EXPECT_NE(
      config_error("{\"chat_template\": \"{%- set ns.is_last_user = true -%}{{'<｜User｜>' + c}}<｜Assistant｜>\"}")
          .find("DeepSeek chat template uses 'is_last_user'"),
      std::string::npos);
  EXPECT_NE(
      config_error("{\"chat_template\": \"<|start_header_id|>{{ strftime_now('%d %b %Y') }}\"}").find("strftime_now"),
      std::string::npos);
  // A list of named templates: "default" is used, as in transformers.
  Result<ChatTemplate> listed = ChatTemplate::FromConfigJson(
      "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"x\"}, {\"name\": \"default\", \"template\": "
      "\"{{ bos_token }}<|start_header_id|>\"}], \"bos_token\": \"<|begin_of_text|>\"}",
      "list.json");
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  EXPECT_EQ(listed->family(), ChatFamily::kLlama3);
}

TEST(ChatTemplate, BadConversationsNameTheMessage) {
  auto render_error = [](const std::string& fam, const std::vector<ChatMessage>& msgs) {
    Result<std::string> r = Family(fam).Render(msgs, true);
    return r.ok() ? std::string("OK") : r.status().message();
  };
  EXPECT_EQ(render_error("deepseek_v3", {M("user", "a"), M("robot", "b")}),
            "message 1 (robot): role must be one of system, user, assistant, tool");
  ChatMessage null_user = M("user", "");
  null_user.content_is_null = true;
  EXPECT_EQ(render_error("qwen2_5", {null_user}), "message 0 (user): content is null; this template needs a string");
  EXPECT_EQ(render_error("llama3", {}), "no messages: a conversation needs at least one");
  ChatMessage call = M("assistant", "");
  call.content_is_null = true;
  call.tool_calls.push_back({"function", "f", "{}"});
  EXPECT_NE(render_error("llama3_1", {M("user", "a"), call}).find("message 1 (assistant): tool calls"),
            std::string::npos);

  auto parse_error = [](const std::string& json) {
    Result<ChatRequest> r = ParseChatJson(json, "chat.json");
    return r.ok() ? std::string("OK") : r.status().message();
  };
  EXPECT_EQ(parse_error("[{\"role\": \"user\", \"content\": \"hi\"}]"), "OK");
  EXPECT_EQ(parse_error("{\"messages\": [], \"add_generation_prompt\": true}"), "OK");
  EXPECT_EQ(parse_error("[1"), "chat.json: not valid JSON");
  EXPECT_EQ(parse_error("\"hi\""), "chat.json: expected a list of messages or {\"messages\": [...]}, got string");
  EXPECT_EQ(parse_error("[{\"content\": \"hi\"}]"), "chat.json: messages[0]: 'role' must be a string");
  EXPECT_EQ(parse_error("[{\"role\": \"user\", \"content\": 5}]"),
            "chat.json: messages[0]: 'content' must be a string or null (content parts are not supported)");
  EXPECT_EQ(parse_error("[{\"role\": \"user\", \"content\": \"x\", \"nme\": 1}]"),
            "chat.json: messages[0]: unknown field 'nme'");
  EXPECT_EQ(parse_error("{\"messages\": [], \"add_generation_prompt\": 1}"),
            "chat.json: 'add_generation_prompt' must be true or false");
  EXPECT_EQ(parse_error("{\"msgs\": []}"),
            "chat.json: unknown field 'msgs' (expected 'messages', 'add_generation_prompt')");
  EXPECT_EQ(parse_error("[{\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"name\": \"f\", \"arguments\": "
                        "{}}}]}]"),
            "chat.json: messages[0].tool_calls[0].function: 'arguments' must be a string");
}

}  // namespace
}  // namespace minke::tokenizer
