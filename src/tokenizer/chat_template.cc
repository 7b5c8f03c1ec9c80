#include "tokenizer/chat_template.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/json_depth.h"
#include "core/mapped_file.h"

namespace minke::tokenizer {
namespace {

using json = nlohmann::json;

// The DeepSeek templates' literal markers (fullwidth bars, U+2581 for spaces).
constexpr const char* kUser = "<｜User｜>";
constexpr const char* kAssistant = "<｜Assistant｜>";
constexpr const char* kEndOfSentence = "<｜end▁of▁sentence｜>";
constexpr const char* kToolCallsBegin = "<｜tool▁calls▁begin｜>";
constexpr const char* kToolCallsEnd = "<｜tool▁calls▁end｜>";
constexpr const char* kToolCallBegin = "<｜tool▁call▁begin｜>";
constexpr const char* kToolCallEnd = "<｜tool▁call▁end｜>";
constexpr const char* kToolSep = "<｜tool▁sep｜>";
constexpr const char* kToolOutputsBegin = "<｜tool▁outputs▁begin｜>";
constexpr const char* kToolOutputsEnd = "<｜tool▁outputs▁end｜>";
constexpr const char* kToolOutputBegin = "<｜tool▁output▁begin｜>";
constexpr const char* kToolOutputEnd = "<｜tool▁output▁end｜>";

bool Has(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

std::string Where(size_t i, const ChatMessage& m) { return "message " + std::to_string(i) + " (" + m.role + ")"; }

// Jinja's `trim` filter is Python's str.strip(): it removes every char for
// which str.isspace() is true, Unicode ones included (U+00A0, U+3000, ...).
bool PyWhitespaceAt(const std::string& s, size_t i, size_t* len) {
  const auto c = static_cast<unsigned char>(s[i]);
  if ((c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20)) return *len = 1, true;
  if (c < 0xc2) return false;
  uint32_t cp = 0;
  size_t n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
  if (i + n > s.size()) return false;
  cp = c & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  const bool ws = cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
                  cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
  if (ws) *len = n;
  return ws;
}

std::string PyStrip(const std::string& s) {
  size_t b = 0, n = 0;
  while (b < s.size() && PyWhitespaceAt(s, b, &n)) b += n;
  // From the right: step back over UTF-8 continuation bytes to a char start.
  size_t e = s.size();
  while (e > b) {
    size_t start = e - 1;
    while (start > b && (static_cast<unsigned char>(s[start]) & 0xc0) == 0x80) --start;
    if (!PyWhitespaceAt(s, start, &n) || start + n != e) break;
    e = start;
  }
  return s.substr(b, e - b);
}

// transformers' `tojson` filter on a string: json.dumps(s, ensure_ascii=False).
std::string PyJsonString(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// The text of a Jinja string literal's escapes (\n, \', \", \\) as Jinja reads it.
std::string UnescapeJinja(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char n = s[++i];
      out += n == 'n' ? '\n' : n == 't' ? '\t' : n;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Qwen's default system turn: the constant between "<|im_start|>system\n" and
// "<|im_end|>" in the template (the other occurrence concatenates the user's
// system message and so holds a quote).
std::string FindQwenDefaultSystem(const std::string& t) {
  for (const char* head : {"<|im_start|>system\\n", "<|im_start|>system\n"}) {
    for (size_t p = t.find(head); p != std::string::npos; p = t.find(head, p + 1)) {
      const size_t b = p + std::strlen(head), e = t.find("<|im_end|>", b);
      if (e == std::string::npos) continue;
      const std::string body = t.substr(b, e - b);
      if (!body.empty() && body.find_first_of("'\"+{}") == std::string::npos) return UnescapeJinja(body);
    }
  }
  return "";
}

// The Jinja string literal after `key` (e.g. `date_string = "26 Jul 2024"`).
std::string LiteralAfter(const std::string& t, const std::string& key) {
  size_t p = t.find(key);
  if (p == std::string::npos) return "";
  p += key.size();
  while (p < t.size() && t[p] == ' ') ++p;
  if (p >= t.size() || (t[p] != '"' && t[p] != '\'')) return "";
  const size_t e = t.find(t[p], p + 1);
  return e == std::string::npos ? "" : UnescapeJinja(t.substr(p + 1, e - p - 1));
}

// The first 60 bytes of the template, for errors that say what was found.
std::string Excerpt(const std::string& t) {
  size_t n = std::min<size_t>(t.size(), 60);
  while (n < t.size() && (static_cast<unsigned char>(t[n]) & 0xC0) == 0x80) --n;  // not inside a UTF-8 char
  std::string s = t.substr(0, n);
  for (char& c : s)
    if (c == '\n') c = ' ';
  return "'" + s + (n < t.size() ? "...'" : "'");
}

// bos_token / eos_token: a string, an AddedToken object {"content": ...}, or null.
Result<std::string> SpecialToken(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    auto c = it->find("content");
    if (c != it->end() && c->is_string()) return c->get<std::string>();
  }
  return Status::Error(std::string("field '") + key + "' must be a string, an object with 'content', or null");
}

// Markers of later template versions whose logic the renderers below do not
// implement (DeepSeek-V3-0324 / R1-0528 / V3.1 track `ns.is_last_user` and
// thinking modes; Qwen3 / QwQ and Qwen2-VL add reasoning or media; Llama-3.2
// dates by today's date and Llama-3.2-Vision has image turns). Finding one is
// an error naming it: rendering such a template with an older one's logic
// would be a guess.
Status RejectLaterVersions(const std::string& t, const char* family, std::initializer_list<const char*> markers) {
  for (const char* m : markers)
    if (Has(t, m))
      return Status::Error(std::string(family) + " chat template uses '" + m +
                           "', a feature of a later template version that minke does not render");
  return Status::Ok();
}

Status NeedContent(size_t i, const ChatMessage& m) {
  if (m.content_is_null) return Status::Error(Where(i, m) + ": content is null; this template needs a string");
  return Status::Ok();
}

Result<std::string> StringField(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return Status::Error(where + ": '" + key + "' must be a string");
  return it->get<std::string>();
}

Result<ChatToolCall> ParseToolCall(const json& j, const std::string& where) {
  if (!j.is_object()) return Status::Error(where + ": must be an object");
  ChatToolCall tc;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "type" && it.key() != "function" && it.key() != "id")
      return Status::Error(where + ": unknown field '" + it.key() + "'");
  if (j.contains("type")) {
    MINKE_ASSIGN_OR_RETURN(tc.type, StringField(j, "type", where));
  }
  auto f = j.find("function");
  if (f == j.end() || !f->is_object()) return Status::Error(where + ": 'function' must be an object");
  MINKE_ASSIGN_OR_RETURN(tc.name, StringField(*f, "name", where + ".function"));
  // The DeepSeek templates concatenate arguments as text; an object would be a Jinja type error there.
  MINKE_ASSIGN_OR_RETURN(tc.arguments, StringField(*f, "arguments", where + ".function"));
  return tc;
}

Result<ChatMessage> ParseMessage(const json& j, const std::string& where) {
  if (!j.is_object()) return Status::Error(where + ": must be an object {\"role\", \"content\"}");
  ChatMessage m;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "role" && it.key() != "content" && it.key() != "tool_calls")
      return Status::Error(where + ": unknown field '" + it.key() + "'");
  MINKE_ASSIGN_OR_RETURN(m.role, StringField(j, "role", where));
  auto c = j.find("content");
  if (c == j.end() || c->is_null()) {
    m.content_is_null = true;
  } else if (c->is_string()) {
    m.content = c->get<std::string>();
  } else {
    return Status::Error(where + ": 'content' must be a string or null (content parts are not supported)");
  }
  auto t = j.find("tool_calls");
  if (t != j.end() && !t->is_null()) {
    if (!t->is_array()) return Status::Error(where + ": 'tool_calls' must be a list");
    for (size_t k = 0; k < t->size(); ++k) {
      MINKE_ASSIGN_OR_RETURN(ChatToolCall tc, ParseToolCall((*t)[k], where + ".tool_calls[" + std::to_string(k) + "]"));
      m.tool_calls.push_back(std::move(tc));
    }
  }
  return m;
}

}  // namespace

Result<ChatRequest> ParseChatJson(const std::string& text, const std::string& name) {
  if (!JsonDepthWithin(text, kMaxJsonDepth)) return Status::Error(name + ": JSON nests deeper than 64 levels");
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error(name + ": not valid JSON");
  ChatRequest r;
  const json* list = &j;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "messages" && it.key() != "add_generation_prompt")
        return Status::Error(name + ": unknown field '" + it.key() +
                             "' (expected 'messages', 'add_generation_prompt')");
    auto g = j.find("add_generation_prompt");
    if (g != j.end()) {
      if (!g->is_boolean()) return Status::Error(name + ": 'add_generation_prompt' must be true or false");
      r.has_add_generation_prompt = true;
      r.add_generation_prompt = g->get<bool>();
    }
    auto m = j.find("messages");
    if (m == j.end()) return Status::Error(name + ": object has no 'messages'");
    list = &*m;
  }
  if (!list->is_array())
    return Status::Error(name + ": expected a list of messages or {\"messages\": [...]}, got " + list->type_name());
  for (size_t i = 0; i < list->size(); ++i) {
    MINKE_ASSIGN_OR_RETURN(ChatMessage m, ParseMessage((*list)[i], name + ": messages[" + std::to_string(i) + "]"));
    r.messages.push_back(std::move(m));
  }
  return r;
}

const char* ChatFamilyName(ChatFamily f) {
  switch (f) {
    case ChatFamily::kDeepSeekV3:
      return "deepseek_v3";
    case ChatFamily::kDeepSeekR1:
      return "deepseek_r1";
    case ChatFamily::kQwen2:
      return "qwen2";
    case ChatFamily::kLlama3:
      return "llama3";
  }
  return "?";
}

Result<ChatTemplate> ChatTemplate::FromConfigFile(const std::string& path) {
  MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return FromConfigJson(text, path);
}

Result<ChatTemplate> ChatTemplate::FromConfigJson(const std::string& text, const std::string& name) {
  if (!JsonDepthWithin(text, kMaxJsonDepth)) return Status::Error(name + ": JSON nests deeper than 64 levels");
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error(name + ": not valid JSON");
  if (!j.is_object()) return Status::Error(name + ": top level must be a JSON object");
  auto t = j.find("chat_template");
  if (t == j.end() || t->is_null()) return Status::Error(name + ": no 'chat_template' (not a chat model's config?)");
  std::string chat_template;
  if (t->is_string()) {
    chat_template = t->get<std::string>();
  } else if (t->is_array()) {
    // Several named templates (e.g. "default" and "tool_use"): transformers uses "default".
    for (const json& e : *t)
      if (e.is_object() && e.value("name", "") == "default" && e.contains("template") && e["template"].is_string())
        chat_template = e["template"].get<std::string>();
    if (chat_template.empty()) return Status::Error(name + ": 'chat_template' list has no template named 'default'");
  } else {
    return Status::Error(name + ": 'chat_template' must be a string or a list of {name, template}");
  }
  Result<std::string> bos = SpecialToken(j, "bos_token"), eos = SpecialToken(j, "eos_token");
  if (!bos.ok()) return bos.status().WithContext(name);
  if (!eos.ok()) return eos.status().WithContext(name);
  Result<ChatTemplate> r = FromTemplate(chat_template, *bos, *eos);
  if (!r.ok()) return r.status().WithContext(name);
  return r;
}

Result<ChatTemplate> ChatTemplate::FromTemplate(const std::string& t, const std::string& bos_token,
                                                const std::string& eos_token) {
  ChatTemplate c;
  c.bos_token_ = bos_token;
  c.eos_token_ = eos_token;
  if (Has(t, kUser) && Has(t, kAssistant)) {
    MINKE_RETURN_IF_ERROR(RejectLaterVersions(
        t, "DeepSeek", {"is_last_user", "enable_thinking", "thinking", "reasoning_content", "is_prefix", "tools"}));
    // R1 templates cut the reasoning out of earlier assistant turns:
    //   {% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}
    const bool r1 = Has(t, "split('</think>')");
    c.family_ = r1 ? ChatFamily::kDeepSeekR1 : ChatFamily::kDeepSeekV3;
    if (r1) c.think_open_ = "<think>", c.think_close_ = "</think>";
    // V3 appends every system message (`ns.is_first_sp`); R1 keeps the last.
    c.join_system_messages_ = Has(t, "is_first_sp");
    // R1 (from 2025-02) and the Distill models open the reasoning in the prompt.
    if (Has(t, "<｜Assistant｜><think>\\n") || Has(t, "<｜Assistant｜><think>\n"))
      c.generation_suffix_ = "<think>\n";
    else if (Has(t, "<｜Assistant｜><think>"))
      return Status::Error(
          "DeepSeek chat template: generation prompt '<｜Assistant｜><think>' followed by "
          "something other than a newline is not a known variant");
    // Two published forms of the tool-call branch (see RenderDeepSeek).
    if (Has(t, "'assistant' and message['tool_calls']"))
      c.tool_calls_end_after_loop_ = true;
    else if (!Has(t, "'assistant' and message['content'] is none"))
      return Status::Error(
          "DeepSeek chat template: unrecognised tool-call branch (neither \"message['content'] is "
          "none\" nor \"message['tool_calls']\")");
  } else if (Has(t, "<|im_start|>")) {
    c.family_ = ChatFamily::kQwen2;
    MINKE_RETURN_IF_ERROR(
        RejectLaterVersions(t, "ChatML", {"reasoning_content", "enable_thinking", "<|vision_start|>", "image"}));
    if (Has(t, "<think>"))
      return Status::Error("ChatML template with <think> (Qwen3 / QwQ style) is not supported; found " + Excerpt(t));
    c.default_system_ = FindQwenDefaultSystem(t);
    if (c.default_system_.empty())
      return Status::Error(
          "ChatML template without a recognised default system prompt "
          "('<|im_start|>system\\n...<|im_end|>') is not supported; found " +
          Excerpt(t));
    c.qwen_tools_ = Has(t, "<tool_call>");
  } else if (Has(t, "<|start_header_id|>")) {
    c.family_ = ChatFamily::kLlama3;
    MINKE_RETURN_IF_ERROR(RejectLaterVersions(t, "Llama", {"<|image|>", "image"}));
    if (Has(t, "strftime_now"))
      return Status::Error("Llama chat template uses strftime_now (today's date, Llama-3.2 style): not supported");
    if (Has(t, "Cutting Knowledge Date:")) {
      c.llama31_header_ = true;
      const size_t p = t.find("Cutting Knowledge Date:") + std::strlen("Cutting Knowledge Date:");
      const size_t e = t.find_first_of("\\\n\"'", p);
      c.knowledge_date_ = t.substr(p, e == std::string::npos ? std::string::npos : e - p);
      c.today_date_ = LiteralAfter(t, "date_string =");
      if (c.today_date_.empty())
        return Status::Error("Llama-3.1 chat template: no default `date_string = \"...\"` found");
    }
  } else {
    return Status::Error(
        "chat template is not a known family (DeepSeek-V3/R1 '<｜User｜>', Qwen2 '<|im_start|>', "
        "Llama-3 '<|start_header_id|>'); found " +
        Excerpt(t));
  }
  return c;
}

Result<std::string> ChatTemplate::Render(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const {
  // transformers' apply_chat_template refuses an empty conversation before any template runs.
  if (messages.empty()) return Status::Error("no messages: a conversation needs at least one");
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role != "system" && m.role != "user" && m.role != "assistant" && m.role != "tool")
      return Status::Error(Where(i, m) + ": role must be one of system, user, assistant, tool");
    if (!m.tool_calls.empty() && m.role != "assistant")
      return Status::Error(Where(i, m) + ": only assistant messages may have tool_calls");
  }
  switch (family_) {
    case ChatFamily::kDeepSeekV3:
    case ChatFamily::kDeepSeekR1:
      return RenderDeepSeek(messages, add_generation_prompt);
    case ChatFamily::kQwen2:
      return RenderQwen2(messages, add_generation_prompt);
    case ChatFamily::kLlama3:
      return RenderLlama3(messages, add_generation_prompt);
  }
  return Status::Error("unknown chat family");
}

// DeepSeek-V3 (tokenizer_config.json) and R1 / R1-Distill: BOS, the system
// prompt, then "<｜User｜>u<｜Assistant｜>a<｜end▁of▁sentence｜>" per exchange;
// tool calls and outputs in their own markers. Transcribed from
// ../shared/tokenizer/templates/*.jinja, keeping its state (`ns.is_first`,
// `ns.is_output_first` are never reset, as in the template).
Result<std::string> ChatTemplate::RenderDeepSeek(const std::vector<ChatMessage>& messages,
                                                 bool add_generation_prompt) const {
  std::string system_prompt;
  bool first_system = true;
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role != "system") continue;
    MINKE_RETURN_IF_ERROR(NeedContent(i, m));
    if (join_system_messages_ && !first_system)
      system_prompt += "\n\n" + m.content;
    else if (join_system_messages_)
      system_prompt += m.content;
    else
      system_prompt = m.content;
    first_system = false;
  }
  std::string out = bos_token_ + system_prompt;
  bool is_first = false, is_tool = false, is_output_first = true;
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role == "user") {
      MINKE_RETURN_IF_ERROR(NeedContent(i, m));
      is_tool = false;
      out += kUser + m.content;
    } else if (m.role == "assistant") {
      // V3 / R1: the tool branch runs for `content is none`, and closes the
      // calls only after the second and later calls (a quirk of the published
      // template, kept). Distill: it runs for any tool_calls and closes after the loop.
      const bool tool_branch = tool_calls_end_after_loop_ ? !m.tool_calls.empty() : m.content_is_null;
      if (!tool_calls_end_after_loop_ && !m.content_is_null && !m.tool_calls.empty())
        return Status::Error(Where(i, m) + ": this template drops tool_calls when content is not null");
      if (m.content_is_null && m.tool_calls.empty())
        return Status::Error(Where(i, m) + ": content is null and there are no tool_calls");
      if (tool_branch) {
        is_tool = false;
        for (const ChatToolCall& tc : m.tool_calls) {
          const std::string call =
              kToolCallBegin + tc.type + kToolSep + tc.name + "\n```json\n" + tc.arguments + "\n```" + kToolCallEnd;
          if (!is_first) {
            out += std::string(kAssistant) + kToolCallsBegin + call;
            is_first = true;
          } else {
            out += "\n" + call;
            if (!tool_calls_end_after_loop_) out += std::string(kToolCallsEnd) + kEndOfSentence;
          }
        }
        if (tool_calls_end_after_loop_) out += std::string(kToolCallsEnd) + kEndOfSentence;
      }
      if (!m.content_is_null) {
        if (is_tool) {
          out += kToolOutputsEnd + m.content + kEndOfSentence;
          is_tool = false;
        } else {
          std::string content = m.content;
          // R1: content.split('</think>')[-1] — what follows the last </think>.
          if (!think_close_.empty()) {
            const size_t p = content.rfind(think_close_);
            if (p != std::string::npos) content = content.substr(p + think_close_.size());
          }
          out += kAssistant + content + kEndOfSentence;
        }
      }
    } else if (m.role == "tool") {
      MINKE_RETURN_IF_ERROR(NeedContent(i, m));
      is_tool = true;
      out += (is_output_first ? std::string(kToolOutputsBegin) : std::string("\n")) + kToolOutputBegin + m.content +
             kToolOutputEnd;
      is_output_first = false;
    }
  }
  if (is_tool) out += kToolOutputsEnd;
  if (add_generation_prompt && !is_tool) out += kAssistant + generation_suffix_;
  return out;
}

// Qwen2 / Qwen2.5 ChatML: "<|im_start|>role\ncontent<|im_end|>\n" per turn, a
// default system turn when the first message is not one. Qwen2.5's template
// (with "<tool_call>") adds tool calls and groups tool outputs into one user turn.
Result<std::string> ChatTemplate::RenderQwen2(const std::vector<ChatMessage>& messages,
                                              bool add_generation_prompt) const {
  std::string out;
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (i == 0 && m.role != "system") out += "<|im_start|>system\n" + default_system_ + "<|im_end|>\n";
    if (!qwen_tools_ || m.role == "user" || m.role == "system" || (m.role == "assistant" && m.tool_calls.empty())) {
      if (!m.tool_calls.empty()) return Status::Error(Where(i, m) + ": this template has no tool_calls");
      MINKE_RETURN_IF_ERROR(NeedContent(i, m));
      out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
    } else if (m.role == "assistant") {
      out += "<|im_start|>assistant";
      if (!m.content_is_null && !m.content.empty()) out += "\n" + m.content;
      for (const ChatToolCall& tc : m.tool_calls)
        out += "\n<tool_call>\n{\"name\": \"" + tc.name + "\", \"arguments\": " + PyJsonString(tc.arguments) +
               "}\n</tool_call>";
      out += "<|im_end|>\n";
    } else {  // tool
      MINKE_RETURN_IF_ERROR(NeedContent(i, m));
      if (i == 0 || messages[i - 1].role != "tool") out += "<|im_start|>user";
      out += "\n<tool_response>\n" + m.content + "\n</tool_response>";
      if (i + 1 == messages.size() || messages[i + 1].role != "tool") out += "<|im_end|>\n";
    }
  }
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

// Llama-3: BOS, then "<|start_header_id|>role<|end_header_id|>\n\n" +
// trim(content) + "<|eot_id|>" per turn. Llama-3.1 first writes a system turn
// with its knowledge/today dates and the (trimmed) first system message.
Result<std::string> ChatTemplate::RenderLlama3(const std::vector<ChatMessage>& messages,
                                               bool add_generation_prompt) const {
  std::string out;
  size_t first = 0;
  if (llama31_header_) {
    std::string system_message;
    if (messages[0].role == "system") {
      MINKE_RETURN_IF_ERROR(NeedContent(0, messages[0]));
      system_message = PyStrip(messages[0].content);
      first = 1;
    }
    out += bos_token_ + "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date:" + knowledge_date_ +
           "\nToday Date: " + today_date_ + "\n\n" + system_message + "<|eot_id|>";
  }
  for (size_t i = first; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (!m.tool_calls.empty() || (llama31_header_ && m.role == "tool"))
      return Status::Error(Where(i, m) + ": tool calls and outputs are not supported for Llama-3 templates");
    MINKE_RETURN_IF_ERROR(NeedContent(i, m));
    // Llama-3 (not 3.1) puts BOS before the first turn only: no turns, no BOS.
    if (!llama31_header_ && i == 0) out += bos_token_;
    out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + PyStrip(m.content) + "<|eot_id|>";
  }
  if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

}  // namespace minke::tokenizer
