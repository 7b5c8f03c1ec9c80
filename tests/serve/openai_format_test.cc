// SSE framing and the exact chunk shapes OpenAI clients parse.
#include "serve/openai_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace minke::serve {
namespace {

using nlohmann::json;

ResponseMeta Meta(Endpoint e) { return {e, e == Endpoint::kChat ? "chatcmpl-1" : "cmpl-1", 1700000000, "tiny"}; }

TEST(Sse, Framing) {
  EXPECT_EQ(SseData("{}"), "data: {}\n\n");
  EXPECT_STREQ(kSseDone, "data: [DONE]\n\n");
}

TEST(StreamFormatter, ChatChunksExactly) {
  StreamFormatter f(Meta(Endpoint::kChat), /*include_usage=*/false, ReasoningSplitter("", "", false));
  EXPECT_EQ(f.Begin(),
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            "\"model\":\"tiny\",\"system_fingerprint\":\"minke\",\"choices\":[{\"index\":0,\"delta\":"
            "{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
  EXPECT_EQ(f.Text("Hi \"x\"\n"),
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            "\"model\":\"tiny\",\"system_fingerprint\":\"minke\",\"choices\":[{\"index\":0,\"delta\":"
            "{\"content\":\"Hi \\\"x\\\"\\n\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
  EXPECT_EQ(f.Text(""), "");
  EXPECT_EQ(f.End("stop", Usage{3, 2}),
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            "\"model\":\"tiny\",\"system_fingerprint\":\"minke\",\"choices\":[{\"index\":0,\"delta\":{},"
            "\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
}

TEST(StreamFormatter, UsageAndReasoning) {
  StreamFormatter f(Meta(Endpoint::kChat), /*include_usage=*/true, ReasoningSplitter("<think>", "</think>", true));
  json begin = json::parse(f.Begin().substr(6));
  EXPECT_TRUE(begin.contains("usage") && begin["usage"].is_null());
  json a = json::parse(f.Text("Hmm.</th").substr(6));
  EXPECT_EQ(a["choices"][0]["delta"], (json{{"reasoning_content", "Hmm."}}));
  json b = json::parse(f.Text("ink>\n\nFour.").substr(6));
  EXPECT_EQ(b["choices"][0]["delta"], (json{{"content", "Four."}}));
  std::string end = f.End("length", Usage{5, 4});
  size_t second = end.find("\n\ndata: ") + 2;
  json fin = json::parse(end.substr(6, second - 8));
  EXPECT_EQ(fin["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(fin["usage"].is_null());
  size_t third = end.find("\n\ndata: ", second) + 2;
  json usage = json::parse(end.substr(second + 6, third - second - 8));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"], (json{{"prompt_tokens", 5}, {"completion_tokens", 4}, {"total_tokens", 9}}));
  EXPECT_EQ(end.substr(third), "data: [DONE]\n\n");
}

TEST(StreamFormatter, CompletionsChunks) {
  StreamFormatter f(Meta(Endpoint::kCompletions), false, ReasoningSplitter("", "", false));
  EXPECT_EQ(f.Begin(), "");
  json j = json::parse(f.Text("abc").substr(6));
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["choices"][0]["text"], "abc");
  EXPECT_NE(f.Error("boom").find("\"type\":\"server_error\""), std::string::npos);
}

TEST(FullResponse, ChatAndCompletion) {
  json c = json::parse(FullResponseJson(Meta(Endpoint::kChat), SplitText{"why", "because"}, "stop", Usage{1, 2}));
  EXPECT_EQ(c["object"], "chat.completion");
  EXPECT_EQ(c["choices"][0]["message"],
            (json{{"role", "assistant"}, {"content", "because"}, {"reasoning_content", "why"}}));
  EXPECT_EQ(c["usage"]["total_tokens"], 3);
  json t = json::parse(FullResponseJson(Meta(Endpoint::kCompletions), SplitText{"", "xyz"}, "length", Usage{1, 2}));
  EXPECT_EQ(t["choices"][0]["text"], "xyz");
  EXPECT_EQ(t["choices"][0]["finish_reason"], "length");
}

}  // namespace
}  // namespace minke::serve
