// The OpenAI request schema: JSON text of a POST /v1/chat/completions or
// /v1/completions body -> a validated CompletionRequest, or an OpenAI-style
// error ({"error": {"message", "type", "param", "code"}}) naming the field.
//
// ParseRequest is a pure function (no model, no I/O), so it is unit-tested and
// fuzzed (fuzz/fuzz_request.cc) on its own.
//
// Policy for fields (documented in docs/serve.md):
// - Unknown fields are ignored: OpenAI clients send fields we do not know
//   (user, metadata, store, ...), and rejecting them would break them.
// - Known fields with a wrong type or out of range are a 400 naming the field.
// - Known features we do not implement, asked for explicitly (n > 1,
//   logprobs, tools, echo, best_of > 1, suffix), are a 400 rather than a
//   silently different answer.
// - A JSON null is the same as the field being absent.
// - `model` is optional and not checked against the served model (as
//   llama.cpp's server does); the response names the served model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "infer/sampler.h"

namespace minke::serve {

enum class Endpoint { kChat, kCompletions };

// An OpenAI-style error; `status` is the HTTP status it travels with.
struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // the offending field ("" -> null)
  std::string code;   // "" -> null
  std::string ToJson() const;
};

struct Message {
  std::string role;  // "system", "user" or "assistant" ("developer" is read as "system")
  std::string content;
};

struct CompletionRequest {
  Endpoint endpoint = Endpoint::kChat;
  std::string model;
  std::vector<Message> messages;       // chat
  std::string prompt;                  // completions, text prompt
  std::vector<int32_t> prompt_tokens;  // completions, token-id prompt (used instead of `prompt` when non-empty)
  std::optional<int64_t> max_tokens;   // max_completion_tokens, else max_tokens; absent: up to the server default
  infer::SamplingParams sampling;      // temperature, top_p, penalties, seed
  bool seed_given = false;             // else the server picks a random seed
  std::vector<std::string> stop;       // stop strings (empty ones dropped), at most kMaxStop
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct ParseLimits {
  size_t max_body_bytes = 1 << 20;  // also enforced by the HTTP layer before reading
  size_t max_messages = 1024;
  static constexpr size_t kMaxStop = 4;  // as OpenAI
  size_t max_stop_bytes = 256;
};

// Fills *out, or returns false with *err set (status 400, or 413 for a body
// over the limit).
bool ParseRequest(std::string_view body, Endpoint endpoint, const ParseLimits& limits, CompletionRequest* out,
                  ApiError* err);

}  // namespace minke::serve
