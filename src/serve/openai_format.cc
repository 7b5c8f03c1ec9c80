#include "serve/openai_format.h"

#include <nlohmann/json.hpp>

namespace minke::serve {
namespace {

using nlohmann::ordered_json;  // keys in OpenAI's order, for readable output

// Generated text is valid UTF-8 (the stream decoder replaces bad bytes), but
// never let a dump throw in the server.
std::string Dump(const ordered_json& j) { return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace); }

ordered_json Head(const ResponseMeta& m, bool chunk) {
  const bool chat = m.endpoint == Endpoint::kChat;
  return {{"id", m.id},
          {"object", chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion"},
          {"created", m.created},
          {"model", m.model},
          {"system_fingerprint", "minke"}};
}

ordered_json UsageJson(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

ordered_json FinishReason(const std::string& r) { return r.empty() ? ordered_json(nullptr) : ordered_json(r); }

}  // namespace

std::string SseData(const std::string& data) { return "data: " + data + "\n\n"; }

std::string FullResponseJson(const ResponseMeta& meta, const SplitText& text, const std::string& finish_reason,
                             const Usage& usage) {
  ordered_json j = Head(meta, /*chunk=*/false);
  ordered_json choice;
  if (meta.endpoint == Endpoint::kChat) {
    ordered_json msg = {{"role", "assistant"}, {"content", text.content}};
    if (!text.reasoning.empty()) msg["reasoning_content"] = text.reasoning;
    choice = {{"index", 0}, {"message", msg}, {"logprobs", nullptr}, {"finish_reason", FinishReason(finish_reason)}};
  } else {
    choice = {{"text", text.reasoning + text.content},
              {"index", 0},
              {"logprobs", nullptr},
              {"finish_reason", FinishReason(finish_reason)}};
  }
  j["choices"] = ordered_json::array({choice});
  j["usage"] = UsageJson(usage);
  return Dump(j);
}

std::string StreamFormatter::Chunk(const SplitText& delta, const std::string& finish_reason) {
  ordered_json j = Head(meta_, /*chunk=*/true);
  ordered_json choice;
  if (meta_.endpoint == Endpoint::kChat) {
    ordered_json d = ordered_json::object();
    if (!delta.reasoning.empty()) d["reasoning_content"] = delta.reasoning;
    if (!delta.content.empty()) d["content"] = delta.content;
    choice = {{"index", 0}, {"delta", d}, {"logprobs", nullptr}, {"finish_reason", FinishReason(finish_reason)}};
  } else {
    choice = {{"text", delta.reasoning + delta.content},
              {"index", 0},
              {"logprobs", nullptr},
              {"finish_reason", FinishReason(finish_reason)}};
  }
  j["choices"] = ordered_json::array({choice});
  if (include_usage_) j["usage"] = nullptr;  // as OpenAI: every chunk but the last has "usage": null
  return SseData(Dump(j));
}

std::string StreamFormatter::Begin() {
  if (meta_.endpoint != Endpoint::kChat) return "";
  ordered_json j = Head(meta_, /*chunk=*/true);
  j["choices"] = ordered_json::array({{{"index", 0},
                                       {"delta", {{"role", "assistant"}, {"content", ""}}},
                                       {"logprobs", nullptr},
                                       {"finish_reason", nullptr}}});
  if (include_usage_) j["usage"] = nullptr;
  return SseData(Dump(j));
}

std::string StreamFormatter::Text(const std::string& text) {
  SplitText d = meta_.endpoint == Endpoint::kChat ? splitter_.Push(text) : SplitText{"", text};
  if (d.reasoning.empty() && d.content.empty()) return "";
  return Chunk(d, "");
}

std::string StreamFormatter::End(const std::string& finish_reason, const Usage& usage) {
  std::string out;
  if (meta_.endpoint == Endpoint::kChat) {
    SplitText rest = splitter_.Flush();
    if (!rest.reasoning.empty() || !rest.content.empty()) out += Chunk(rest, "");
  }
  out += Chunk(SplitText{}, finish_reason);
  if (include_usage_) {
    ordered_json j = Head(meta_, /*chunk=*/true);
    j["choices"] = ordered_json::array();
    j["usage"] = UsageJson(usage);
    out += SseData(Dump(j));
  }
  return out + kSseDone;
}

std::string StreamFormatter::Error(const std::string& message) {
  ApiError e;
  e.status = 500;
  e.type = "server_error";
  e.message = message;
  return SseData(e.ToJson()) + kSseDone;
}

}  // namespace minke::serve
