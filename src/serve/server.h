// Server: the HTTP face of the engine — an OpenAI-compatible API over
// cpp-httplib (thread per connection). Routes:
//   GET  /                      the web chat page (web_page.h)
//   GET  /health                {"status":"ok"}
//   GET  /metrics               Prometheus text (metrics.h)
//   GET  /v1/models             the one served model
//   POST /v1/chat/completions   messages -> chat template -> engine
//   POST /v1/completions        prompt (text or token ids) -> engine
// With an API key every route but the page needs `Authorization: Bearer KEY`
// (else 401). Bodies over the limit get 413, a full queue 503 (with
// Retry-After), bad requests 400 naming the field; every error body is
// OpenAI's {"error": {...}}. Each socket read waits at most read_timeout_s,
// so a stalled client (slow-loris) is dropped; see docs/serve.md for what
// that does and does not cover.
// A streaming client that goes away is noticed at the next write (text or a
// keep-alive comment, at least every keepalive_ms) and its sequence is
// cancelled, freeing its batch slot.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "serve/chat_format.h"
#include "serve/engine.h"
#include "serve/metrics.h"
#include "serve/request.h"
#include "tokenizer/tokenizer.h"

namespace minke::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (Bind() says which)
  std::string api_key;
  std::string model_id = "minke";
  ParseLimits limits;
  int64_t default_max_tokens = 1024;  // when a request gives none (still capped by the context)
  int64_t max_context = 0;            // positions per request (prompt + output); 0: the model's context
  int read_timeout_s = 10, write_timeout_s = 10;
  int keepalive_ms = 2000;  // SSE comment after this much silence, to notice gone clients
  int http_threads = 96;    // connections served at once (each stream holds one)
};

class Server {
 public:
  // `chat` absent: /v1/chat/completions answers 400 (no chat template).
  // Everything passed must outlive the server.
  Server(Engine* engine, const tokenizer::Tokenizer* tok, std::optional<ChatFormat> chat, ServerOptions opt,
         Metrics* metrics);
  ~Server();

  // Binds the socket; returns the port.
  Result<int> Bind();
  // Serves until Stop(). REQUIRES: Bind() succeeded.
  void Run();
  // Thread-safe; Run() returns soon after.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minke::serve
