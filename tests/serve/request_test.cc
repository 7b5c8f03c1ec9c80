// The request parser: valid requests of both endpoints, and every kind of
// bad input gets a 4xx naming the field.
#include "serve/request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace minke::serve {
namespace {

struct Parsed {
  bool ok;
  CompletionRequest req;
  ApiError err;
};

Parsed Parse(const std::string& body, Endpoint e = Endpoint::kChat, ParseLimits limits = {}) {
  Parsed p;
  p.ok = ParseRequest(body, e, limits, &p.req, &p.err);
  return p;
}

// The error's param for a body that must fail with status 400.
std::string Param(const std::string& body, Endpoint e = Endpoint::kChat) {
  Parsed p = Parse(body, e);
  EXPECT_FALSE(p.ok) << body;
  EXPECT_EQ(p.err.status, 400) << body;
  EXPECT_FALSE(p.err.message.empty());
  return p.err.param;
}

TEST(ParseRequest, FullChatRequest) {
  Parsed p = Parse(R"({"model":"m","messages":[{"role":"developer","content":"Be brief."},
    {"role":"user","content":[{"type":"text","text":"Hi "},{"type":"text","text":"there"}]},
    {"role":"assistant","content":"Yes?","reasoning_content":"ignored"}],
    "max_tokens":8,"max_completion_tokens":9,"temperature":0.5,"top_p":0.9,"seed":-3,"stop":["\n","","END"],
    "stream":true,"stream_options":{"include_usage":true},"presence_penalty":0.1,"frequency_penalty":-0.2,
    "n":1,"logprobs":false,"tools":[],"user":"someone","metadata":{"x":1}})");
  ASSERT_TRUE(p.ok) << p.err.message;
  const CompletionRequest& r = p.req;
  EXPECT_EQ(r.model, "m");
  ASSERT_EQ(r.messages.size(), 3u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[1].content, "Hi there");
  EXPECT_EQ(r.max_tokens, 9);  // max_completion_tokens wins
  EXPECT_FLOAT_EQ(r.sampling.temperature, 0.5f);
  EXPECT_FLOAT_EQ(r.sampling.top_p, 0.9f);
  EXPECT_FLOAT_EQ(r.sampling.frequency_penalty, -0.2f);
  EXPECT_TRUE(r.seed_given);
  EXPECT_EQ(r.sampling.seed, static_cast<uint64_t>(-3));
  EXPECT_EQ(r.stop, (std::vector<std::string>{"\n", "END"}));
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
}

TEST(ParseRequest, DefaultsAndNulls) {
  Parsed p = Parse(R"({"messages":[{"role":"user","content":"x"}],"temperature":null,"stop":null,"max_tokens":null})");
  ASSERT_TRUE(p.ok) << p.err.message;
  EXPECT_FALSE(p.req.max_tokens.has_value());
  EXPECT_FLOAT_EQ(p.req.sampling.temperature, 1.0f);
  EXPECT_FALSE(p.req.seed_given);
  EXPECT_FALSE(p.req.stream);
  p = Parse(R"({"messages":[{"role":"user","content":"x"}],"top_p":0})");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.req.sampling.temperature, 0.0f);  // top_p 0 is greedy
}

TEST(ParseRequest, CompletionPrompts) {
  Parsed p = Parse(R"({"prompt":"Once"})", Endpoint::kCompletions);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.req.prompt, "Once");
  p = Parse(R"({"prompt":["Once"]})", Endpoint::kCompletions);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.req.prompt, "Once");
  p = Parse(R"({"prompt":[1,2,3]})", Endpoint::kCompletions);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.req.prompt_tokens, (std::vector<int32_t>{1, 2, 3}));
  p = Parse(R"({"prompt":[[4,5]]})", Endpoint::kCompletions);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.req.prompt_tokens, (std::vector<int32_t>{4, 5}));
  EXPECT_EQ(Param(R"({"prompt":["a","b"]})", Endpoint::kCompletions), "prompt");
  EXPECT_EQ(Param(R"({"prompt":[1,-2]})", Endpoint::kCompletions), "prompt");
  EXPECT_EQ(Param(R"({"prompt":[]})", Endpoint::kCompletions), "prompt");
  EXPECT_EQ(Param(R"({"prompt":3})", Endpoint::kCompletions), "prompt");
  EXPECT_EQ(Param(R"({})", Endpoint::kCompletions), "prompt");
  EXPECT_EQ(Param(R"({"prompt":"a","echo":true})", Endpoint::kCompletions), "echo");
  EXPECT_EQ(Param(R"({"prompt":"a","best_of":2})", Endpoint::kCompletions), "best_of");
  EXPECT_EQ(Param(R"({"prompt":"a","suffix":"b"})", Endpoint::kCompletions), "suffix");
}

TEST(ParseRequest, BadFieldsNameTheField) {
  const std::string m = R"("messages":[{"role":"user","content":"x"}])";
  EXPECT_EQ(Param("{}"), "messages");
  EXPECT_EQ(Param(R"({"messages":[]})"), "messages");
  EXPECT_EQ(Param(R"({"messages":{}})"), "messages");
  EXPECT_EQ(Param(R"({"messages":[3]})"), "messages[0]");
  EXPECT_EQ(Param(R"({"messages":[{"content":"x"}]})"), "messages[0].role");
  EXPECT_EQ(Param(R"({"messages":[{"role":"tool","content":"x"}]})"), "messages[0].role");
  EXPECT_EQ(Param(R"({"messages":[{"role":"user"}]})"), "messages[0].content");
  EXPECT_EQ(Param(R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})"), "messages[0].content[0].type");
  EXPECT_EQ(Param("{" + m + R"(,"model":1})"), "model");
  EXPECT_EQ(Param("{" + m + R"(,"max_tokens":0})"), "max_tokens");
  EXPECT_EQ(Param("{" + m + R"(,"max_tokens":1.5})"), "max_tokens");
  EXPECT_EQ(Param("{" + m + R"(,"max_tokens":99999999999999999999})"), "max_tokens");
  EXPECT_EQ(Param("{" + m + R"(,"max_completion_tokens":"8"})"), "max_completion_tokens");
  EXPECT_EQ(Param("{" + m + R"(,"temperature":2.5})"), "temperature");
  EXPECT_EQ(Param("{" + m + R"(,"temperature":"1"})"), "temperature");
  EXPECT_EQ(Param("{" + m + R"(,"top_p":1.01})"), "top_p");
  EXPECT_EQ(Param("{" + m + R"(,"presence_penalty":-3})"), "presence_penalty");
  EXPECT_EQ(Param("{" + m + R"(,"seed":"1"})"), "seed");
  EXPECT_EQ(Param("{" + m + R"(,"seed":18446744073709551615})"), "seed");
  EXPECT_EQ(Param("{" + m + R"(,"stop":5})"), "stop");
  EXPECT_EQ(Param("{" + m + R"(,"stop":["a",1]})"), "stop");
  EXPECT_EQ(Param("{" + m + R"(,"stop":["a","b","c","d","e"]})"), "stop");
  EXPECT_EQ(Param("{" + m + R"(,"stream":"yes"})"), "stream");
  EXPECT_EQ(Param("{" + m + R"(,"stream_options":{"include_usage":true}})"), "stream_options");
  EXPECT_EQ(Param("{" + m + R"(,"stream":true,"stream_options":{"include_usage":1}})"), "stream_options.include_usage");
  EXPECT_EQ(Param("{" + m + R"(,"n":2})"), "n");
  EXPECT_EQ(Param("{" + m + R"(,"logprobs":true})"), "logprobs");
  EXPECT_EQ(Param("{" + m + R"(,"tools":[{"type":"function"}]})"), "tools");
}

TEST(ParseRequest, MalformedBodies) {
  for (const std::string body : {"", "{", "[1,2]", "null", "\"str\"", "{\"messages\":[}", "{} x"}) {
    Parsed p = Parse(body);
    EXPECT_FALSE(p.ok) << body;
    EXPECT_EQ(p.err.status, 400) << body;
    EXPECT_EQ(p.err.type, "invalid_request_error");
  }
  // Ill-formed UTF-8 in a string (an overlong '/' and a lone continuation byte).
  for (const std::string bad : {"\xc0\xaf", "\x80", "\xed\xa0\x80"}) {
    Parsed p = Parse(R"({"messages":[{"role":"user","content":")" + bad + "\"}]}");
    EXPECT_FALSE(p.ok);
    EXPECT_EQ(p.err.status, 400);
  }
  // Deep nesting is refused before parsing.
  Parsed p = Parse(std::string(10000, '[') + std::string(10000, ']'));
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.err.message.find("nests"), std::string::npos);
  // Over the size limit: 413.
  ParseLimits small;
  small.max_body_bytes = 10;
  p = Parse(R"({"messages":[{"role":"user","content":"x"}]})", Endpoint::kChat, small);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.err.status, 413);
}

TEST(ApiError, JsonShape) {
  ApiError e;
  e.message = "bad \xff";
  e.param = "messages";
  auto j = nlohmann::json::parse(e.ToJson());
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_EQ(j["error"]["param"], "messages");
  EXPECT_TRUE(j["error"]["code"].is_null());
  EXPECT_EQ(j["error"]["message"], "bad \xEF\xBF\xBD");
}

}  // namespace
}  // namespace minke::serve
