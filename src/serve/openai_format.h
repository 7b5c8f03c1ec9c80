// The OpenAI response schema: whole responses (chat.completion,
// text_completion) and server-sent-event streams of chunks
// (chat.completion.chunk, text_completion), byte for byte in the shape
// OpenAI's clients parse:
//
//   data: {"id":"chatcmpl-..","object":"chat.completion.chunk","created":..,"model":..,
//          "choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,
//          "finish_reason":null}]}\n\n
//   data: {... "delta":{"content":"Hel"} ...}\n\n
//   data: {... "delta":{},"finish_reason":"stop" ...}\n\n
//   data: {... "choices":[],"usage":{...}}\n\n        (with stream_options.include_usage)
//   data: [DONE]\n\n
//
// Reasoning (R1-style models) goes to `reasoning_content` beside `content`,
// in messages and in deltas, as DeepSeek's API does. Pure functions and a
// per-request formatter; no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "serve/request.h"
#include "serve/text_stream.h"

namespace minke::serve {

struct ResponseMeta {
  Endpoint endpoint = Endpoint::kChat;
  std::string id;  // "chatcmpl-..." / "cmpl-..."
  int64_t created = 0;
  std::string model;
};

struct Usage {
  int64_t prompt_tokens = 0, completion_tokens = 0;
};

// One SSE event carrying `data`.
std::string SseData(const std::string& data);
inline constexpr const char* kSseDone = "data: [DONE]\n\n";

// A whole (non-streamed) response.
std::string FullResponseJson(const ResponseMeta& meta, const SplitText& text, const std::string& finish_reason,
                             const Usage& usage);

// Turns one request's output into SSE events. Not thread-safe.
class StreamFormatter {
 public:
  StreamFormatter(ResponseMeta meta, bool include_usage, ReasoningSplitter splitter)
      : meta_(std::move(meta)), include_usage_(include_usage), splitter_(std::move(splitter)) {}

  // The opening event (chat: the assistant role with empty content; completions: none).
  std::string Begin();
  // Events for newly generated text (possibly none while a marker is held back).
  std::string Text(const std::string& text);
  // Held-back text, the finish_reason chunk, the usage chunk if asked, [DONE].
  std::string End(const std::string& finish_reason, const Usage& usage);
  // An error after the stream began: an error event, then [DONE].
  std::string Error(const std::string& message);

 private:
  std::string Chunk(const SplitText& delta, const std::string& finish_reason);

  ResponseMeta meta_;
  bool include_usage_;
  ReasoningSplitter splitter_;
};

}  // namespace minke::serve
