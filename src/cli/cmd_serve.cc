// `minke serve --model DIR [--host H --port P --api-key KEY --max-batch N --queue N]`:
// an OpenAI-compatible HTTP server (src/serve/) over the model in DIR
// (config.json + safetensors + tokenizer.json, and tokenizer_config.json for
// the chat template). Runs until SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "cli/commands.h"
#include "io/model_loader.h"
#include "serve/chat_format.h"
#include "serve/engine.h"
#include "serve/server.h"
#include "tokenizer/tokenizer.h"

namespace minke::cli {
namespace {

struct ServeArgs {
  std::string model;
  serve::ServerOptions server;
  serve::EngineOptions engine;
};

Status Serve(ServeArgs a) {
  if (a.server.api_key.empty())
    if (const char* k = std::getenv("MINKE_API_KEY")) a.server.api_key = k;
  if (a.engine.scheduler.max_batch < 1) return Status::Error("--max-batch must be >= 1");
  if (a.engine.max_queue < 0) return Status::Error("--queue must be >= 0");
  MINKE_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::FromFile(a.model + "/tokenizer.json"));
  std::optional<serve::ChatFormat> chat;
  if (std::filesystem::exists(a.model + "/tokenizer_config.json")) {
    Result<serve::ChatFormat> f = serve::LoadChatFormat(a.model);
    if (f.ok())
      chat = std::move(*f);
    else
      std::fprintf(stderr, "minke: warning: %s; /v1/chat/completions is off\n", f.status().message().c_str());
  } else {
    std::fprintf(stderr, "minke: warning: no tokenizer_config.json in %s; /v1/chat/completions is off\n",
                 a.model.c_str());
  }
  MINKE_ASSIGN_OR_RETURN(io::LoadedModel lm, io::LoadModel(a.model));
  for (const auto& w : lm.warnings) std::fprintf(stderr, "minke: warning: %s\n", w.c_str());
  if (a.server.model_id.empty()) a.server.model_id = std::filesystem::path(a.model).filename().string();
  if (a.server.model_id.empty()) a.server.model_id = "minke";
  // Every stream holds an HTTP thread; leave room for queued requests and quick calls.
  a.server.http_threads = a.engine.scheduler.max_batch + a.engine.max_queue + 16;

  // SIGINT/SIGTERM are taken by one thread (sigwait), not a handler, so
  // stopping the server runs as ordinary code. Block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  serve::Metrics metrics;
  serve::Engine engine(*lm.model, &tok, a.engine, &metrics);
  serve::Server server(&engine, &tok, std::move(chat), a.server, &metrics);
  MINKE_ASSIGN_OR_RETURN(int port, server.Bind());
  std::fprintf(stderr, "minke: serving %s as '%s' on http://%s:%d (max batch %d, queue %d%s)\n", a.model.c_str(),
               a.server.model_id.c_str(), a.server.host.c_str(), port, a.engine.scheduler.max_batch, a.engine.max_queue,
               a.server.api_key.empty() ? "" : ", API key required");
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "minke: signal %d, stopping\n", sig);
    server.Stop();
  });
  server.Run();
  // Run() also returns if listening failed; wake the waiter either way.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return Status::Ok();
}

}  // namespace

void RegisterServe(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("serve", "OpenAI-compatible HTTP server with continuous batching");
  auto a = std::make_shared<ServeArgs>();
  a->server.model_id.clear();  // default: the model directory's name
  cmd->add_option("--model", a->model, "Model directory (config.json, safetensors, tokenizer.json)")->required();
  cmd->add_option("--host", a->server.host, "Address to bind (loopback by default)")->capture_default_str();
  cmd->add_option("--port", a->server.port, "Port (0: any free port)")->capture_default_str();
  cmd->add_option("--api-key", a->server.api_key, "Require 'Authorization: Bearer KEY' (or set MINKE_API_KEY)");
  cmd->add_option("--model-id", a->server.model_id, "Model name in responses (default: the directory name)");
  cmd->add_option("--max-batch", a->engine.scheduler.max_batch, "Sequences decoded together")->capture_default_str();
  cmd->add_option("--queue", a->engine.max_queue, "Requests waiting for a slot before 503")->capture_default_str();
  cmd->add_option("--max-tokens", a->server.default_max_tokens, "Default max_tokens of a request")
      ->capture_default_str();
  cmd->add_option("--max-context", a->server.max_context,
                  "Positions per request, prompt + output (0: the model's; bounds each KV cache)")
      ->capture_default_str();
  cmd->add_option("--max-body", a->server.limits.max_body_bytes, "Largest request body in bytes")
      ->capture_default_str();
  cmd->add_option("--read-timeout", a->server.read_timeout_s, "Seconds a socket read may wait")->capture_default_str();
  cmd->callback([=] { *action = [=] { return Serve(*a); }; });
}

}  // namespace minke::cli
