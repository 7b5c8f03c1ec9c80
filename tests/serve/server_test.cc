// The server end to end over real HTTP on an ephemeral loopback port, with
// the tiny random model: answers equal infer::Generate, SSE framing as
// OpenAI clients parse it, reasoning split, API key, 503 on a full queue,
// 4xx for bad input, slow clients and clients that go away.
#include "serve/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "infer/generator.h"
#include "serve_fixture.h"

namespace minke::serve {
namespace {

using nlohmann::json;
using testing_model::Tiny;

struct Running {
  Metrics metrics;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Server> server;
  std::thread thread;
  int port = 0;

  Running(ServerOptions so, EngineOptions eo, std::optional<ChatFormat> chat) {
    engine = std::make_unique<Engine>(*Tiny().model, Tiny().tok.get(), eo, &metrics);
    so.host = "127.0.0.1";
    so.port = 0;
    so.model_id = "tiny";
    server = std::make_unique<Server>(engine.get(), Tiny().tok.get(), std::move(chat), so, &metrics);
    auto p = server->Bind();
    EXPECT_TRUE(p.ok()) << p.status().message();
    port = p.ok() ? *p : 0;
    thread = std::thread([this] { server->Run(); });
  }
  ~Running() {
    server->Stop();
    thread.join();
  }
  httplib::Client Client() {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(20, 0);
    return c;
  }
};

std::unique_ptr<Running> Start(ServerOptions so = {}, EngineOptions eo = {}, bool r1 = false) {
  return std::make_unique<Running>(so, eo, testing_model::TestChatFormat(r1));
}

std::vector<int32_t> GenerateAlone(const std::vector<int32_t>& prompt, int64_t n, float temperature, uint64_t seed) {
  infer::GenerateOptions opt;
  opt.max_new_tokens = n;
  opt.sampling.temperature = temperature;
  opt.sampling.seed = seed;
  opt.stop_tokens = {testing_model::kEos};
  infer::GenerateResult r;
  EXPECT_TRUE(infer::Generate(*Tiny().model, prompt, opt, nullptr, &r).ok());
  return r.tokens;
}

// A plain TCP connection to the server, for requests httplib would not send
// (stalled, half-written, abandoned). -1 if it fails.
int ConnectRaw(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

std::string Text(const std::vector<int32_t>& ids) {
  std::vector<uint32_t> u(ids.begin(), ids.end());
  return Tiny().tok->Decode(u, true).value();
}

// The "data:" payloads of an SSE body, checking the framing on the way.
std::vector<std::string> SseEvents(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "unterminated event at " << pos;
    if (end == std::string::npos) break;
    std::string ev = body.substr(pos, end - pos);
    pos = end + 2;
    if (ev[0] == ':') continue;  // comment
    EXPECT_EQ(ev.rfind("data: ", 0), 0u) << ev;
    out.push_back(ev.substr(6));
  }
  return out;
}

TEST(Server, CompletionsEqualGenerate) {
  ASSERT_TRUE(Tiny().model);
  auto s = Start();
  auto c = s->Client();
  for (float temp : {0.0f, 0.9f}) {
    json body = {{"prompt", {5, 17, 3}}, {"max_tokens", 10}, {"temperature", temp}, {"seed", 42}};
    auto res = c.Post("/v1/completions", body.dump(), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    json j = json::parse(res->body);
    std::vector<int32_t> want = GenerateAlone({5, 17, 3}, 10, temp, 42);
    EXPECT_EQ(j["object"], "text_completion");
    EXPECT_EQ(j["model"], "tiny");
    EXPECT_EQ(j["choices"][0]["text"], Text(want));
    EXPECT_EQ(j["usage"]["prompt_tokens"], 3);
    EXPECT_EQ(j["usage"]["completion_tokens"], want.size());
    EXPECT_EQ(j["choices"][0]["finish_reason"], want.size() == 10 ? "length" : "stop");
  }
}

TEST(Server, ChatStreamsOpenAiChunks) {
  ASSERT_TRUE(Tiny().model);
  auto s = Start();
  auto c = s->Client();
  json body = {{"messages", {{{"role", "user"}, {"content", "Hi"}}}},
               {"max_tokens", 8},
               {"temperature", 0},
               {"stream", true},
               {"stream_options", {{"include_usage", true}}}};
  auto res = c.Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  std::vector<std::string> ev = SseEvents(res->body);
  ASSERT_GE(ev.size(), 4u);
  EXPECT_EQ(ev.back(), "[DONE]");
  json first = json::parse(ev[0]);
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["choices"][0]["delta"], (json{{"role", "assistant"}, {"content", ""}}));
  std::string text;
  for (size_t i = 1; i + 3 < ev.size(); ++i) {  // the text chunks: before finish, usage, [DONE]
    json j = json::parse(ev[i]);
    EXPECT_EQ(j["id"], first["id"]);
    EXPECT_TRUE(j["usage"].is_null());
    EXPECT_TRUE(j["choices"][0]["finish_reason"].is_null());
    text += j["choices"][0]["delta"].value("content", "");
  }
  json fin = json::parse(ev[ev.size() - 3]);
  json usage = json::parse(ev[ev.size() - 2]);
  // Same prompt through the template, alone: the same text.
  std::string prompt = testing_model::TestChatFormat(false).render({{"user", "Hi"}}).value();
  auto ids = Tiny().tok->Encode(prompt, false).value();
  std::vector<int32_t> want = GenerateAlone(std::vector<int32_t>(ids.begin(), ids.end()), 8, 0, 0);
  EXPECT_EQ(text + fin["choices"][0]["delta"].value("content", ""), Text(want));
  EXPECT_EQ(fin["choices"][0]["finish_reason"], want.size() == 8 ? "length" : "stop");
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], want.size());
  EXPECT_EQ(usage["usage"]["prompt_tokens"], ids.size());
}

// An R1-style prompt (ending in "<think>\n") puts the output in
// reasoning_content until "</think>", which a random model never writes.
TEST(Server, ReasoningGoesToReasoningContent) {
  ASSERT_TRUE(Tiny().model);
  auto s = Start({}, {}, /*r1=*/true);
  auto c = s->Client();
  json body = {{"messages", {{{"role", "user"}, {"content", "Why?"}}}}, {"max_tokens", 6}, {"temperature", 0}};
  auto res = c.Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json msg = json::parse(res->body)["choices"][0]["message"];
  std::string prompt = testing_model::TestChatFormat(true).render({{"user", "Why?"}}).value();
  auto ids = Tiny().tok->Encode(prompt, false).value();
  std::string want = Text(GenerateAlone(std::vector<int32_t>(ids.begin(), ids.end()), 6, 0, 0));
  EXPECT_EQ(msg.value("reasoning_content", ""), want);
  EXPECT_EQ(msg["content"], "");
}

// The model's own chat templates (the tokenizer's fixtures) through
// LoadChatFormat's path: V3 answers in content, R1 (generation prompt
// "<think>\n") in reasoning_content; both equal Generate on the rendered prompt.
TEST(Server, RealChatTemplates) {
  ASSERT_TRUE(Tiny().model);
  for (const char* family : {"deepseek_v3", "deepseek_r1"}) {
    auto t = tokenizer::ChatTemplate::FromConfigFile(std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/tokenizer/chat/" +
                                                     family + ".json");
    ASSERT_TRUE(t.ok()) << t.status().message();
    ChatFormat f = ChatFormatFrom(std::move(*t));
    std::vector<Message> msgs = {{"system", "Be brief."}, {"user", "Why?"}};
    std::string prompt = f.render(msgs).value();
    auto s = std::make_unique<Running>(ServerOptions(), EngineOptions(), f);
    json body = {
        {"messages", {{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "Why?"}}}},
        {"max_tokens", 6},
        {"temperature", 0}};
    auto res = s->Client().Post("/v1/chat/completions", body.dump(), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    json msg = json::parse(res->body)["choices"][0]["message"];
    auto ids = Tiny().tok->Encode(prompt, false).value();
    std::string want = Text(GenerateAlone(std::vector<int32_t>(ids.begin(), ids.end()), 6, 0, 0));
    const bool r1 = std::string(family) == "deepseek_r1";
    EXPECT_EQ(r1, PromptOpensReasoning(prompt, f)) << prompt;
    EXPECT_EQ(msg.value("reasoning_content", ""), r1 ? want : "") << family;
    EXPECT_EQ(msg["content"], r1 ? "" : want) << family;
  }
}

TEST(Server, ApiKey) {
  ASSERT_TRUE(Tiny().model);
  ServerOptions so;
  so.api_key = "sekrit";
  auto s = Start(so);
  auto c = s->Client();
  auto res = c.Get("/v1/models");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(json::parse(res->body)["error"]["code"], "invalid_api_key");
  res = c.Get("/v1/models", {{"Authorization", "Bearer wrong"}});
  EXPECT_EQ(res->status, 401);
  res = c.Get("/v1/models", {{"Authorization", "Bearer sekrit"}});
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["data"][0]["id"], "tiny");
  EXPECT_EQ(c.Get("/")->status, 200);  // the page itself is public; its requests carry the key
}

TEST(Server, BadRequestsGetOpenAiErrors) {
  ASSERT_TRUE(Tiny().model);
  ServerOptions so;
  so.limits.max_body_bytes = 4096;
  auto s = Start(so);
  auto c = s->Client();
  struct Case {
    const char* path;
    std::string body;
    int status;
    const char* param;
  };
  std::vector<Case> cases = {
      {"/v1/chat/completions", "{not json", 400, nullptr},
      {"/v1/chat/completions", R"({"model":"x"})", 400, "messages"},
      {"/v1/chat/completions", R"({"messages":"hi"})", 400, "messages"},
      {"/v1/chat/completions", R"({"messages":[{"role":"user","content":"a"}],"n":2})", 400, "n"},
      {"/v1/chat/completions", R"({"messages":[{"role":"user","content":"a"}],"temperature":"hot"})", 400,
       "temperature"},
      {"/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}", 400, nullptr},
      {"/v1/completions", R"({"prompt":[1,2,9999]})", 400, "prompt"},
      {"/v1/completions", "", 400, "prompt"},  // set below
      {"/v1/completions", "{\"prompt\":\"" + std::string(5000, 'a') + "\"}", 413, nullptr},
  };
  // A prompt as long as the context (96 positions): 400 context_length_exceeded.
  std::string ids;
  for (int i = 0; i < 96; ++i) ids += (i ? ",1" : "1");
  cases[7].body = "{\"prompt\":[" + ids + "]}";
  for (const Case& k : cases) {
    auto res = c.Post(k.path, k.body, "application/json");
    ASSERT_TRUE(res) << k.body.substr(0, 80);
    EXPECT_EQ(res->status, k.status) << k.body.substr(0, 80) << " -> " << res->body;
    json j = json::parse(res->body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << res->body;
    EXPECT_TRUE(j["error"]["message"].is_string());
    EXPECT_TRUE(j["error"]["type"].is_string());
    if (k.param) {
      EXPECT_EQ(j["error"]["param"], k.param) << res->body;
    }
  }
  EXPECT_EQ(json::parse(s->Client().Get("/nope")->body)["error"]["type"], "invalid_request_error");
  EXPECT_EQ(s->Client().Get("/nope")->status, 404);
  EXPECT_EQ(s->Client().Get("/health")->status, 200);  // still serving
}

TEST(Server, FullQueueIs503ThenServesAgain) {
  ASSERT_TRUE(Tiny().model);
  EngineOptions eo;
  eo.scheduler.max_batch = 1;
  eo.max_queue = 0;
  auto s = Start({}, eo);
  // A raw socket streams a long request and reads one event: the only slot
  // is taken. The tiny model can finish its tokens before the probe arrives
  // (then the probe is served): try again, the refusal is what is tested.
  auto open_long_stream = [&] {
    const int fd = ConnectRaw(s->port);
    EXPECT_GE(fd, 0);
    std::string body = R"({"prompt":[1,2],"max_tokens":90,"stream":true})";
    std::string req = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    EXPECT_EQ(::write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
    char buf[256];
    EXPECT_GT(::read(fd, buf, sizeof buf), 0);  // headers (and maybe a chunk): it is running
    return fd;
  };
  int fd = -1, status = 0;
  std::string retry_after, body;
  for (int attempt = 0; attempt < 20 && status != 503; ++attempt) {
    if (fd >= 0) ::close(fd);
    fd = open_long_stream();
    auto probe = s->Client().Post("/v1/completions", R"({"prompt":[3],"max_tokens":2})", "application/json");
    ASSERT_TRUE(probe);
    status = probe->status;
    retry_after = probe->get_header_value("Retry-After");
    body = probe->body;
  }
  ASSERT_EQ(status, 503) << "the long request always finished before the probe";
  EXPECT_EQ(retry_after, "1");
  EXPECT_EQ(json::parse(body)["error"]["code"], "queue_full");
  ::close(fd);
  // The slot frees (at once if the request was still running: then it counts
  // as cancelled; the tiny model may also just have finished its 90 tokens).
  bool served = false;
  for (int i = 0; i < 200 && !served; ++i) {
    auto res = s->Client().Post("/v1/completions", R"({"prompt":[3],"max_tokens":2})", "application/json");
    served = res && res->status == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served);
  EXPECT_NE(s->metrics.Render().find("code=\"503\""), std::string::npos);
}

TEST(Server, MaxContextBoundsEachRequest) {
  ASSERT_TRUE(Tiny().model);
  ServerOptions so;
  so.max_context = 20;
  auto s = Start(so);
  std::string ids = "1";
  for (int i = 1; i < 20; ++i) ids += ",1";
  auto res = s->Client().Post("/v1/completions", "{\"prompt\":[" + ids + "]}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"]["code"], "context_length_exceeded");
  res = s->Client().Post("/v1/completions", R"({"prompt":[1,2,3],"max_tokens":100000,"temperature":0})",
                         "application/json");
  ASSERT_EQ(res->status, 200) << res->body;
  json j = json::parse(res->body);
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 20 - 3 + 1);  // the last token needs no cache slot
}

// A client that sends half a request and stalls is dropped after the read timeout.
TEST(Server, SlowClientTimesOut) {
  ASSERT_TRUE(Tiny().model);
  ServerOptions so;
  so.read_timeout_s = 1;
  auto s = Start(so);
  const int fd = ConnectRaw(s->port);
  ASSERT_GE(fd, 0);
  const char* partial = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Le";
  ASSERT_GT(::write(fd, partial, strlen(partial)), 0);
  const auto t0 = std::chrono::steady_clock::now();
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) {
  }  // the server closes (maybe after a 400): read returns 0
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  ::close(fd);
}

TEST(Server, ManyRequestsInARow) {
  ASSERT_TRUE(Tiny().model);
  auto s = Start();
  auto c = s->Client();
  for (int i = 0; i < 200; ++i) {
    auto res = i % 2 ? c.Post("/v1/completions", R"({"prompt":[1],"max_tokens":1})", "application/json")
                     : c.Post("/v1/chat/completions", R"({"messages":[]})", "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, i % 2 ? 200 : 400);
  }
  // Requests are counted just after their response is sent: allow a moment.
  std::string m;
  for (int i = 0; i < 100; ++i) {
    m = c.Get("/metrics")->body;
    if (m.find("code=\"200\"} 100") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(m.find("minke_requests_total{endpoint=\"/v1/completions\",code=\"200\"} 100"), std::string::npos) << m;
  EXPECT_NE(m.find("# TYPE minke_request_seconds histogram"), std::string::npos);
  EXPECT_NE(c.Get("/")->body.find("<title>minke chat</title>"), std::string::npos);
}

}  // namespace
}  // namespace minke::serve
