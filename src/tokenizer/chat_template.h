// ChatTemplate: renders a conversation into the prompt text a chat model was
// trained on, exactly as transformers' `apply_chat_template(messages,
// tokenize=False, add_generation_prompt=...)` renders it from the model's
// tokenizer_config.json (`chat_template`, `bos_token`, `eos_token`).
//
// Supported families: DeepSeek-V3, DeepSeek-R1 (assistant turns lose their
// <think>...</think> part; R1-Distill-Qwen/Llama use this template too), Qwen2
// and Qwen2.5 (ChatML with the template's default system prompt), Llama-3
// (Meta-Llama-3-Instruct: BOS + header turns) and Llama-3.1 (its system turn
// with "Cutting Knowledge Date" and the template's fixed "Today Date"; tool
// use is not supported; Llama-3.2's strftime_now date is refused).
// A tokenizer_config.json whose template is none of these is an error naming
// what was found, never a guessed format.
//
// Design: native renderers, one per family, each a line-by-line transcription
// of the Jinja template it stands for (the source is quoted in
// chat_template.cc). The template text is recognised by markers only it has,
// and the variant details that differ between published versions (R1's
// generation prompt with or without "<think>\n", how several system messages
// combine, Qwen's default system prompt, Llama-3.1's date line) are read from
// the template text, not assumed. Golden renderings from transformers
// (tools/gen_chat_golden.py) pin every path down.
//
// Where the Jinja template would fail at render time (e.g. `'<｜User｜>' +
// none`), Render returns an error naming the message; roles a template would
// silently skip are errors too, so that no turn is lost without notice.
// Immutable after construction; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace minke::tokenizer {

// One entry of an assistant message's `tool_calls` in the OpenAI form
// {"type": "function", "function": {"name": ..., "arguments": "<JSON text>"}}.
struct ChatToolCall {
  std::string type = "function";
  std::string name;
  std::string arguments;  // the arguments as JSON text, inserted as is
};

struct ChatMessage {
  std::string role;  // "system", "user", "assistant", "tool"
  std::string content;
  // JSON `"content": null` (an assistant turn that only calls tools).
  bool content_is_null = false;
  std::vector<ChatToolCall> tool_calls;
};

// A conversation as JSON: either a list of messages or an object
// {"messages": [...], "add_generation_prompt": bool}. A message is
// {"role": str, "content": str | null, "tool_calls": [{"type": str,
// "function": {"name": str, "arguments": str}}]}; a missing content is null
// (transformers drops None-valued keys the same way). Other keys are errors
// naming them, so that nothing a template might read is silently ignored.
struct ChatRequest {
  std::vector<ChatMessage> messages;
  bool has_add_generation_prompt = false;  // the object form named it
  bool add_generation_prompt = false;
};
Result<ChatRequest> ParseChatJson(const std::string& text, const std::string& name);

enum class ChatFamily { kDeepSeekV3, kDeepSeekR1, kQwen2, kLlama3 };

// "deepseek_v3", "deepseek_r1", "qwen2", "llama3".
const char* ChatFamilyName(ChatFamily f);

class ChatTemplate {
 public:
  // Reads a tokenizer_config.json (its chat_template, bos_token, eos_token).
  static Result<ChatTemplate> FromConfigFile(const std::string& path);
  static Result<ChatTemplate> FromConfigJson(const std::string& text, const std::string& name);
  // A template text with its special tokens (what FromConfig* end in).
  static Result<ChatTemplate> FromTemplate(const std::string& chat_template, const std::string& bos_token,
                                           const std::string& eos_token);

  // The rendered prompt; errors name the offending message (index, role).
  Result<std::string> Render(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;

  ChatFamily family() const { return family_; }
  const std::string& bos_token() const { return bos_token_; }
  const std::string& eos_token() const { return eos_token_; }
  // Markers of the reasoning part in assistant output ("<think>", "</think>"
  // for R1-style models; empty when the family has none).
  const std::string& think_open() const { return think_open_; }
  const std::string& think_close() const { return think_close_; }

 private:
  Result<std::string> RenderDeepSeek(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
  Result<std::string> RenderQwen2(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
  Result<std::string> RenderLlama3(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;

  ChatFamily family_ = ChatFamily::kDeepSeekV3;
  std::string bos_token_, eos_token_, think_open_, think_close_;
  // Variant details read from the template text (see FromTemplate).
  std::string generation_suffix_;           // R1: "<think>\n" after "<｜Assistant｜>", or ""
  bool join_system_messages_ = true;        // DeepSeek: V3 joins all with "\n\n"; R1 keeps the last
  bool tool_calls_end_after_loop_ = false;  // DeepSeek: where "<｜tool▁calls▁end｜>" goes
  std::string default_system_;              // Qwen2: the system turn used when none is given
  bool qwen_tools_ = false;                 // Qwen2.5: tool calls/outputs; Qwen2: every turn alike
  bool llama31_header_ = false;             // Llama-3.1: system header with dates
  std::string knowledge_date_, today_date_;
};

}  // namespace minke::tokenizer
