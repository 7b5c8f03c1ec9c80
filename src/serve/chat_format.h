// ChatFormat: what the server needs to know about a chat model's prompt
// format — how messages become prompt text (with the generation prompt), the
// end-of-turn token that stops generation, and the reasoning markers of
// R1-style models. Made from the model's chat template (tokenizer_config.json)
// by LoadChatFormat, or by hand in tests. Immutable; thread-safe if `render` is.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "serve/request.h"
#include "tokenizer/chat_template.h"

namespace minke::serve {

struct ChatFormat {
  // The prompt for `messages`, ending with the assistant's generation prompt.
  std::function<Result<std::string>(const std::vector<Message>&)> render;
  std::string eos_token;                // generation stops at this token ("" : none)
  std::string think_open, think_close;  // "" : no reasoning part
  bool prompt_encodes_special =
      false;  // Encode(add_special_tokens) for the rendered prompt (templates add BOS themselves)
};

// From a chat template (tokenizer::ChatTemplate), or from
// `dir`/tokenizer_config.json (its chat_template, bos/eos tokens).
ChatFormat ChatFormatFrom(tokenizer::ChatTemplate t);
Result<ChatFormat> LoadChatFormat(const std::string& dir);

// True if generation starts inside the reasoning part: the rendered prompt
// ends with the open marker (R1's template ends its generation prompt with "<think>\n").
bool PromptOpensReasoning(const std::string& prompt, const ChatFormat& f);

}  // namespace minke::serve
