#include "serve/server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>

#include "serve/openai_format.h"
#include "serve/web_page.h"

namespace minke::serve {
namespace {

using Clock = std::chrono::steady_clock;

ApiError MakeError(int status, std::string message, std::string type = "invalid_request_error", std::string param = "",
                   std::string code = "") {
  ApiError e;
  e.status = status;
  e.message = std::move(message);
  e.type = std::move(type);
  e.param = std::move(param);
  e.code = std::move(code);
  return e;
}

void SendError(httplib::Response& res, const ApiError& e) {
  res.status = e.status;
  res.set_content(e.ToJson(), "application/json");
}

// Compares without an early exit, so response time does not leak the key.
bool SameSecret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % std::max<size_t>(b.size(), 1)]);
  return diff == 0;
}

std::string RandomId(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t salt = std::random_device{}();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%016llx", prefix,
                static_cast<unsigned long long>((salt ^ (counter++ * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull));
  return buf;
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Metrics label for a path: the known routes, else "other" (bounded cardinality).
std::string RouteLabel(const std::string& path) {
  for (const char* p : {"/", "/health", "/metrics", "/v1/models", "/v1/chat/completions", "/v1/completions"})
    if (path == p) return p;
  return "other";
}

}  // namespace

struct Server::Impl {
  Engine* engine;
  const tokenizer::Tokenizer* tok;
  std::optional<ChatFormat> chat;
  ServerOptions opt;
  Metrics* metrics;
  std::vector<int32_t> eos_ids;
  httplib::Server http;

  // The engine request for a parsed API request; false with *err set.
  bool Prepare(const CompletionRequest& req, GenRequest* out, bool* opens_reasoning, ApiError* err) const;
  void HandleCompletion(const httplib::Request& req, httplib::Response& res, Endpoint endpoint);
  void Stream(httplib::Response& res, std::shared_ptr<serve::Stream> stream, ResponseMeta meta, bool include_usage,
              bool opens_reasoning);
  void Routes();
};

bool Server::Impl::Prepare(const CompletionRequest& req, GenRequest* out, bool* opens_reasoning, ApiError* err) const {
  std::string text;
  bool add_special = true;
  std::string param = "prompt";
  *opens_reasoning = false;
  if (req.endpoint == Endpoint::kChat) {
    param = "messages";
    if (!chat) {
      *err = MakeError(400, "this model has no chat template (tokenizer_config.json); use /v1/completions");
      return false;
    }
    Result<std::string> r = chat->render(req.messages);
    if (!r.ok()) {
      *err = MakeError(400, r.status().message(), "invalid_request_error", "messages");
      return false;
    }
    text = std::move(*r);
    add_special = chat->prompt_encodes_special;
    *opens_reasoning = PromptOpensReasoning(text, *chat);
  } else {
    text = req.prompt;
  }
  out->prompt = req.prompt_tokens;
  if (out->prompt.empty()) {
    auto ids = tok->Encode(text, add_special);
    if (!ids.ok()) {
      *err = MakeError(400, ids.status().message(), "invalid_request_error", param);
      return false;
    }
    out->prompt.assign(ids->begin(), ids->end());
  }
  const model::ModelConfig& c = engine->config();
  for (int32_t t : out->prompt)
    if (t >= c.vocab_size) {
      *err = MakeError(
          400,
          "token id " + std::to_string(t) + " is outside the model's vocabulary of " + std::to_string(c.vocab_size),
          "invalid_request_error", param);
      return false;
    }
  const int64_t P = static_cast<int64_t>(out->prompt.size());
  if (P == 0) {
    *err = MakeError(400, "the prompt is empty", "invalid_request_error", param);
    return false;
  }
  const int64_t context =
      opt.max_context > 0 ? std::min(opt.max_context, c.max_position_embeddings) : c.max_position_embeddings;
  if (P >= context) {
    *err = MakeError(400,
                     "this model's maximum context length is " + std::to_string(context) + " tokens; the prompt has " +
                         std::to_string(P),
                     "invalid_request_error", param, "context_length_exceeded");
    return false;
  }
  // A request for more tokens than fit is not an error: it ends with finish_reason "length".
  out->max_tokens = req.max_tokens.value_or(opt.default_max_tokens);
  out->sampling = req.sampling;
  if (!req.seed_given) out->sampling.seed = std::random_device{}() * 0x100000001ull + std::random_device{}();
  Status st = infer::ValidateSampling(out->sampling);
  if (!st.ok()) {
    *err = MakeError(400, st.message());
    return false;
  }
  out->stop = req.stop;
  out->stop_tokens = eos_ids;
  out->context = context;
  return true;
}

void Server::Impl::HandleCompletion(const httplib::Request& hreq, httplib::Response& res, Endpoint endpoint) {
  CompletionRequest req;
  ApiError err;
  if (!ParseRequest(hreq.body, endpoint, opt.limits, &req, &err)) return SendError(res, err);
  GenRequest gen;
  bool opens_reasoning = false;
  if (!Prepare(req, &gen, &opens_reasoning, &err)) return SendError(res, err);
  const int64_t prompt_tokens = static_cast<int64_t>(gen.prompt.size());
  std::shared_ptr<serve::Stream> stream = engine->Submit(std::move(gen));
  if (!stream) {
    res.set_header("Retry-After", "1");
    return SendError(res, MakeError(503,
                                    "the server is at capacity (" + std::to_string(engine->queue_depth()) +
                                        " requests queued); retry later",
                                    "server_overloaded", "", "queue_full"));
  }
  ResponseMeta meta{endpoint, RandomId(endpoint == Endpoint::kChat ? "chatcmpl-" : "cmpl-"), UnixNow(), opt.model_id};
  if (req.stream) return Stream(res, std::move(stream), std::move(meta), req.include_usage, opens_reasoning);

  // Whole response: collect everything, then split reasoning from content once.
  std::string text;
  StreamChunk c;
  do {
    c = stream->Take(std::chrono::milliseconds(1000));
    text += c.text;
  } while (!c.finished);
  if (!c.error.empty()) return SendError(res, MakeError(500, c.error, "server_error"));
  SplitText split;
  if (endpoint == Endpoint::kChat && chat) {
    ReasoningSplitter s(chat->think_open, chat->think_close, opens_reasoning);
    split = s.Push(text);
    SplitText rest = s.Flush();
    split.reasoning += rest.reasoning;
    split.content += rest.content;
  } else {
    split.content = text;
  }
  res.set_content(FullResponseJson(meta, split, c.finish_reason, Usage{prompt_tokens, c.completion_tokens}),
                  "application/json");
}

void Server::Impl::Stream(httplib::Response& res, std::shared_ptr<serve::Stream> stream, ResponseMeta meta,
                          bool include_usage, bool opens_reasoning) {
  ReasoningSplitter splitter =
      chat ? ReasoningSplitter(chat->think_open, chat->think_close, opens_reasoning) : ReasoningSplitter("", "", false);
  auto fmt = std::make_shared<StreamFormatter>(std::move(meta), include_usage, std::move(splitter));
  auto begun = std::make_shared<bool>(false);
  const auto keepalive = std::chrono::milliseconds(opt.keepalive_ms);
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [stream, fmt, begun, keepalive](size_t, httplib::DataSink& sink) {
        std::string out;
        if (!*begun) {
          *begun = true;
          out = fmt->Begin();
        }
        StreamChunk c = stream->Take(keepalive);
        out += fmt->Text(c.text);
        if (c.finished) {
          out += c.error.empty() ? fmt->End(c.finish_reason, Usage{c.prompt_tokens, c.completion_tokens})
                                 : fmt->Error(c.error);
        } else if (out.empty()) {
          out = ": keep-alive\n\n";  // an SSE comment: clients skip it; a write to a gone client fails
        }
        if (!sink.write(out.data(), out.size())) return false;  // client gone: the releaser cancels
        if (c.finished) sink.done();
        return true;
      },
      // Called when the response ends, completed or not: a no-op for a finished
      // sequence, otherwise frees its slot at the engine's next step.
      [stream](bool) { stream->Cancel(); });
}

void Server::Impl::Routes() {
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (opt.api_key.empty() || (req.method == "GET" && req.path == "/"))
      return httplib::Server::HandlerResponse::Unhandled;
    const std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) == 0 && SameSecret(auth.substr(7), opt.api_key))
      return httplib::Server::HandlerResponse::Unhandled;
    SendError(res, MakeError(401,
                             auth.empty() ? "missing API key: send 'Authorization: Bearer KEY'"
                                          : "incorrect API key in the Authorization header",
                             "invalid_request_error", "", "invalid_api_key"));
    return httplib::Server::HandlerResponse::Handled;
  });
  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kWebPageHtml, "text/html; charset=utf-8");
  });
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics->Render(), "text/plain; version=0.0.4");
  });
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json j = {{"object", "list"},
                        {"data", {{{"id", opt.model_id}, {"object", "model"}, {"created", 0}, {"owned_by", "minke"}}}}};
    res.set_content(j.dump(), "application/json");
  });
  http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    HandleCompletion(req, res, Endpoint::kChat);
  });
  http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
    HandleCompletion(req, res, Endpoint::kCompletions);
  });
  // Errors httplib produces itself (404, 413 over the body limit, 400 bad
  // request line) get an OpenAI error body too.
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string msg = res.status == 404   ? "no route for " + req.method + " " + req.path
                      : res.status == 413 ? "request body too large"
                                          : "bad request";
    SendError(res, MakeError(res.status, msg));
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    SendError(res, MakeError(500, "internal error", "server_error"));
  });
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    metrics->CountRequest(RouteLabel(req.path), res.status);
  });
}

Server::Server(Engine* engine, const tokenizer::Tokenizer* tok, std::optional<ChatFormat> chat, ServerOptions opt,
               Metrics* metrics)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.engine = engine;
  s.tok = tok;
  s.chat = std::move(chat);
  s.opt = std::move(opt);
  s.metrics = metrics;
  if (s.chat && !s.chat->eos_token.empty())
    if (auto id = tok->TokenToId(s.chat->eos_token)) s.eos_ids.push_back(static_cast<int32_t>(*id));
  const int threads = s.opt.http_threads;
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.http.set_read_timeout(s.opt.read_timeout_s, 0);
  s.http.set_write_timeout(s.opt.write_timeout_s, 0);
  s.http.set_payload_max_length(s.opt.limits.max_body_bytes);
  s.http.set_keep_alive_max_count(1000);
  // An idle or stalled connection holds a thread: give it no longer than a read.
  s.http.set_keep_alive_timeout(std::min(5, s.opt.read_timeout_s));
  s.http.set_tcp_nodelay(true);  // stream tokens as they come, not in Nagle-sized lumps
  s.Routes();
}

Server::~Server() { Stop(); }

Result<int> Server::Bind() {
  const int port = impl_->opt.port == 0
                       ? impl_->http.bind_to_any_port(impl_->opt.host)
                       : (impl_->http.bind_to_port(impl_->opt.host, impl_->opt.port) ? impl_->opt.port : -1);
  if (port < 0)
    return Status::Error("cannot listen on " + impl_->opt.host + ":" + std::to_string(impl_->opt.port) +
                         " (in use, or not an address of this machine?)");
  return port;
}

void Server::Run() { impl_->http.listen_after_bind(); }

void Server::Stop() { impl_->http.stop(); }

}  // namespace minke::serve
