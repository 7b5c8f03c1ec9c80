// ChatTemplate: renders a conversation into the prompt text a chat model was
// trained on, exactly as transformers' `apply_chat_template(messages,
// tokenize=False, add_generation_prompt=...)` renders it from the model's
// tokenizer_config.json (`chat_template`, `bos_token`, `eos_token`).
//
// Supported families: DeepSeek-V3, DeepSeek-R1 (assistant turns lose their
// <think>...</think> part), Qwen2 / R1-Distill-Qwen, Llama-3 / R1-Distill-Llama.
// A tokenizer_config.json whose template is none of these is an error naming
// what was found, never a guessed format.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace minke::tokenizer {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

enum class ChatFamily { kDeepSeekV3, kDeepSeekR1, kQwen2, kLlama3 };

class ChatTemplate {
 public:
  // Reads a tokenizer_config.json (its chat_template, bos_token, eos_token).
  static Result<ChatTemplate> FromConfigFile(const std::string& path);
  static Result<ChatTemplate> FromConfigJson(const std::string& text, const std::string& name);

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
  ChatFamily family_ = ChatFamily::kDeepSeekV3;
  std::string bos_token_, eos_token_, think_open_, think_close_;
};

}  // namespace minke::tokenizer
