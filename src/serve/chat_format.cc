#include "serve/chat_format.h"

#include <memory>

#include "tokenizer/chat_template.h"

namespace minke::serve {

bool PromptOpensReasoning(const std::string& prompt, const ChatFormat& f) {
  if (f.think_open.empty()) return false;
  size_t end = prompt.size();
  while (end > 0 && (prompt[end - 1] == '\n' || prompt[end - 1] == ' ')) --end;
  return end >= f.think_open.size() &&
         prompt.compare(end - f.think_open.size(), f.think_open.size(), f.think_open) == 0;
}

ChatFormat ChatFormatFrom(tokenizer::ChatTemplate t) {
  auto tmpl = std::make_shared<const tokenizer::ChatTemplate>(std::move(t));
  ChatFormat f;
  f.render = [tmpl](const std::vector<Message>& messages) -> Result<std::string> {
    std::vector<tokenizer::ChatMessage> cm(messages.size());
    for (size_t i = 0; i < messages.size(); ++i) {
      cm[i].role = messages[i].role;
      cm[i].content = messages[i].content;
    }
    return tmpl->Render(cm, /*add_generation_prompt=*/true);
  };
  f.eos_token = tmpl->eos_token();
  f.think_open = tmpl->think_open();
  f.think_close = tmpl->think_close();
  // The templates write BOS themselves; transformers' apply_chat_template(tokenize=True)
  // encodes the rendered text without adding special tokens.
  f.prompt_encodes_special = false;
  return f;
}

Result<ChatFormat> LoadChatFormat(const std::string& dir) {
  MINKE_ASSIGN_OR_RETURN(tokenizer::ChatTemplate t,
                         tokenizer::ChatTemplate::FromConfigFile(dir + "/tokenizer_config.json"));
  return ChatFormatFrom(std::move(t));
}

}  // namespace minke::serve
