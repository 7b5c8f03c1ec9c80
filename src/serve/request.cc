#include "serve/request.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/json_depth.h"

namespace minke::serve {
namespace {

using nlohmann::json;

// A parse failure: the message and the field it is about.
struct Bad {
  std::string param, message;
};

std::string JsonTypeName(const json& j) { return j.type_name(); }

// The field, or nullptr when absent or null (OpenAI treats null as unset).
const json* Field(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<Bad> GetBool(const json& obj, const char* key, bool* out) {
  const json* v = Field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) return Bad{key, std::string("'") + key + "' must be a boolean, got " + JsonTypeName(*v)};
  *out = v->get<bool>();
  return std::nullopt;
}

std::optional<Bad> GetNumber(const json& obj, const char* key, double lo, double hi, float* out) {
  const json* v = Field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) return Bad{key, std::string("'") + key + "' must be a number, got " + JsonTypeName(*v)};
  const double d = v->get<double>();
  if (!(d >= lo && d <= hi))
    return Bad{key, std::string("'") + key + "' must be in [" + std::to_string(lo).substr(0, 4) + ", " +
                        std::to_string(hi).substr(0, 4) + "], got " + v->dump()};
  *out = static_cast<float>(d);
  return std::nullopt;
}

// Integers only (10.0 is not a token count); `present` says whether it was given.
std::optional<Bad> GetInt(const json& obj, const char* key, int64_t lo, int64_t hi, int64_t* out, bool* present) {
  const json* v = Field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer())
    return Bad{key, std::string("'") + key + "' must be an integer, got " + JsonTypeName(*v)};
  // Unsigned values above the int64 range are out of range, not wrapped.
  const bool too_big = v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(hi);
  const int64_t x = too_big ? hi : v->get<int64_t>();
  if (too_big || x < lo || x > hi)
    return Bad{key, std::string("'") + key + "' must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                        "], got " + v->dump()};
  *out = x;
  if (present) *present = true;
  return std::nullopt;
}

// Message content: a string, or an array of {"type": "text", "text": ...} parts.
std::optional<Bad> GetContent(const json& m, const std::string& where, std::string* out) {
  const json* c = Field(m, "content");
  if (!c) return Bad{where + ".content", where + ": 'content' is missing"};
  if (c->is_string()) {
    *out = c->get<std::string>();
    return std::nullopt;
  }
  if (!c->is_array())
    return Bad{where + ".content",
               where + ": 'content' must be a string or an array of text parts, got " + JsonTypeName(*c)};
  for (size_t i = 0; i < c->size(); ++i) {
    const json& part = (*c)[i];
    const std::string pw = where + ".content[" + std::to_string(i) + "]";
    if (!part.is_object()) return Bad{pw, pw + ": must be an object"};
    const json* type = Field(part, "type");
    if (!type || !type->is_string() || type->get<std::string>() != "text")
      return Bad{pw + ".type", pw + ": only parts of type 'text' are supported"};
    const json* text = Field(part, "text");
    if (!text || !text->is_string()) return Bad{pw + ".text", pw + ": 'text' must be a string"};
    *out += text->get<std::string>();
  }
  return std::nullopt;
}

std::optional<Bad> ParseMessages(const json& body, const ParseLimits& limits, std::vector<Message>* out) {
  const json* ms = Field(body, "messages");
  if (!ms) return Bad{"messages", "'messages' is required"};
  if (!ms->is_array()) return Bad{"messages", "'messages' must be an array, got " + JsonTypeName(*ms)};
  if (ms->empty()) return Bad{"messages", "'messages' must not be empty"};
  if (ms->size() > limits.max_messages)
    return Bad{"messages", "'messages' has " + std::to_string(ms->size()) + " entries, more than the limit of " +
                               std::to_string(limits.max_messages)};
  for (size_t i = 0; i < ms->size(); ++i) {
    const json& m = (*ms)[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return Bad{where, where + ": must be an object, got " + JsonTypeName(m)};
    const json* role = Field(m, "role");
    if (!role || !role->is_string()) return Bad{where + ".role", where + ": 'role' must be a string"};
    Message msg;
    msg.role = role->get<std::string>();
    if (msg.role == "developer") msg.role = "system";  // OpenAI's newer name for the system prompt
    if (msg.role != "system" && msg.role != "user" && msg.role != "assistant")
      return Bad{where + ".role",
                 where + ": role '" + msg.role + "' is not supported (use system, developer, user or assistant)"};
    if (auto b = GetContent(m, where, &msg.content)) return b;
    out->push_back(std::move(msg));
  }
  return std::nullopt;
}

// prompt: a string, [string], [int, ...] or [[int, ...]] (one prompt only).
std::optional<Bad> ParsePrompt(const json& body, CompletionRequest* r) {
  const json* p = Field(body, "prompt");
  if (!p) return Bad{"prompt", "'prompt' is required"};
  if (p->is_string()) {
    r->prompt = p->get<std::string>();
    return std::nullopt;
  }
  if (!p->is_array())
    return Bad{"prompt", "'prompt' must be a string or an array of token ids, got " + JsonTypeName(*p)};
  const json* ids = p;
  if (p->size() == 1 && (*p)[0].is_string()) {
    r->prompt = (*p)[0].get<std::string>();
    return std::nullopt;
  }
  if (p->size() == 1 && (*p)[0].is_array()) ids = &(*p)[0];
  for (const json& t : *ids) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > INT32_MAX)
      return Bad{"prompt", "'prompt' must be one string or one array of token ids (several prompts are not supported)"};
    r->prompt_tokens.push_back(static_cast<int32_t>(t.get<int64_t>()));
  }
  if (r->prompt_tokens.empty()) return Bad{"prompt", "'prompt' must not be empty"};
  return std::nullopt;
}

std::optional<Bad> ParseStop(const json& body, const ParseLimits& limits, std::vector<std::string>* out) {
  const json* s = Field(body, "stop");
  if (!s) return std::nullopt;
  std::vector<json> items;
  if (s->is_string()) {
    items.push_back(*s);
  } else if (s->is_array()) {
    if (s->size() > ParseLimits::kMaxStop)
      return Bad{"stop", "'stop' has " + std::to_string(s->size()) + " entries; at most " +
                             std::to_string(ParseLimits::kMaxStop) + " are allowed"};
    items.assign(s->begin(), s->end());
  } else {
    return Bad{"stop", "'stop' must be a string or an array of strings, got " + JsonTypeName(*s)};
  }
  for (const json& i : items) {
    if (!i.is_string()) return Bad{"stop", "'stop' entries must be strings, got " + JsonTypeName(i)};
    std::string v = i.get<std::string>();
    if (v.size() > limits.max_stop_bytes)
      return Bad{"stop", "a 'stop' string is longer than " + std::to_string(limits.max_stop_bytes) + " bytes"};
    if (!v.empty()) out->push_back(std::move(v));
  }
  return std::nullopt;
}

// Features we do not implement: a 400 when the client explicitly asks for them.
std::optional<Bad> CheckUnsupported(const json& body, Endpoint e) {
  int64_t n = 1;
  if (auto b = GetInt(body, "n", 1, 128, &n, nullptr)) return b;
  if (n != 1) return Bad{"n", "only n = 1 is supported, got " + std::to_string(n)};
  const json* lp = Field(body, "logprobs");
  if (lp && !(lp->is_boolean() && !lp->get<bool>())) return Bad{"logprobs", "'logprobs' is not supported"};
  const json* tools = Field(body, "tools");
  if (tools && !(tools->is_array() && tools->empty()))
    return Bad{"tools", "'tools' (function calling) is not supported"};
  if (Field(body, "functions")) return Bad{"functions", "'functions' (function calling) is not supported"};
  if (e == Endpoint::kCompletions) {
    const json* echo = Field(body, "echo");
    if (echo && !(echo->is_boolean() && !echo->get<bool>())) return Bad{"echo", "'echo' is not supported"};
    int64_t best_of = 1;
    if (auto b = GetInt(body, "best_of", 1, 128, &best_of, nullptr)) return b;
    if (best_of != 1) return Bad{"best_of", "only best_of = 1 is supported"};
    if (Field(body, "suffix")) return Bad{"suffix", "'suffix' is not supported"};
  }
  return std::nullopt;
}

std::optional<Bad> ParseObject(const json& body, Endpoint e, const ParseLimits& limits, CompletionRequest* r) {
  if (!body.is_object()) return Bad{"", "the request body must be a JSON object, got " + JsonTypeName(body)};
  r->endpoint = e;
  if (const json* m = Field(body, "model")) {
    if (!m->is_string()) return Bad{"model", "'model' must be a string, got " + JsonTypeName(*m)};
    r->model = m->get<std::string>();
  }
  if (e == Endpoint::kChat) {
    if (auto b = ParseMessages(body, limits, &r->messages)) return b;
  } else {
    if (auto b = ParsePrompt(body, r)) return b;
  }
  if (auto b = CheckUnsupported(body, e)) return b;
  // max_completion_tokens is the newer name and wins when both are given.
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    int64_t v = 0;
    bool given = false;
    if (auto b = GetInt(body, key, 1, INT32_MAX, &v, &given)) return b;
    if (given) r->max_tokens = v;
  }
  infer::SamplingParams& s = r->sampling;
  if (auto b = GetNumber(body, "temperature", 0, 2, &s.temperature)) return b;
  if (auto b = GetNumber(body, "top_p", 0, 1, &s.top_p)) return b;
  if (s.top_p == 0) {  // the smallest nucleus is the top token: greedy
    s.top_p = 1;
    s.temperature = 0;
  }
  if (auto b = GetNumber(body, "presence_penalty", -2, 2, &s.presence_penalty)) return b;
  if (auto b = GetNumber(body, "frequency_penalty", -2, 2, &s.frequency_penalty)) return b;
  int64_t seed = 0;
  if (auto b = GetInt(body, "seed", INT64_MIN, INT64_MAX, &seed, &r->seed_given)) return b;
  s.seed = static_cast<uint64_t>(seed);
  if (auto b = ParseStop(body, limits, &r->stop)) return b;
  if (auto b = GetBool(body, "stream", &r->stream)) return b;
  if (const json* so = Field(body, "stream_options")) {
    if (!so->is_object()) return Bad{"stream_options", "'stream_options' must be an object"};
    if (!r->stream) return Bad{"stream_options", "'stream_options' is only allowed when 'stream' is true"};
    if (auto b = GetBool(*so, "include_usage", &r->include_usage)) {
      b->param = "stream_options.include_usage";
      return b;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string ApiError::ToJson() const {
  using nlohmann::ordered_json;  // OpenAI's key order: message, type, param, code
  ordered_json e = {{"message", message},
                    {"type", type},
                    {"param", param.empty() ? ordered_json(nullptr) : ordered_json(param)},
                    {"code", code.empty() ? ordered_json(nullptr) : ordered_json(code)}};
  // Replace, not throw, on invalid UTF-8 echoed from the request.
  return ordered_json{{"error", e}}.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

bool ParseRequest(std::string_view body, Endpoint endpoint, const ParseLimits& limits, CompletionRequest* out,
                  ApiError* err) {
  *out = CompletionRequest();
  *err = ApiError();
  if (body.size() > limits.max_body_bytes) {
    err->status = 413;
    err->message = "request body of " + std::to_string(body.size()) + " bytes exceeds the limit of " +
                   std::to_string(limits.max_body_bytes);
    return false;
  }
  if (!JsonDepthWithin(body, kMaxJsonDepth)) {
    err->message = "request body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return false;
  }
  // nlohmann rejects ill-formed UTF-8 inside strings, so every string we keep is valid UTF-8.
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {  // e.what() says where, e.g. "at line 1, column 7"
    err->message = std::string("invalid JSON in the request body: ") + e.what();
    return false;
  }
  if (std::optional<Bad> b = ParseObject(j, endpoint, limits, out)) {
    err->message = b->message;
    err->param = b->param;
    return false;
  }
  return true;
}

}  // namespace minke::serve
