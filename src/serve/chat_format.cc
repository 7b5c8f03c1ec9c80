#include "serve/chat_format.h"

#include <filesystem>

namespace minke::serve {

bool PromptOpensReasoning(const std::string& prompt, const ChatFormat& f) {
  if (f.think_open.empty()) return false;
  size_t end = prompt.size();
  while (end > 0 && (prompt[end - 1] == '\n' || prompt[end - 1] == ' ')) --end;
  return end >= f.think_open.size() &&
         prompt.compare(end - f.think_open.size(), f.think_open.size(), f.think_open) == 0;
}

Result<ChatFormat> LoadChatFormat(const std::string& dir) {
  // TODO(wt-tok): build from tokenizer::ChatTemplate once its implementation lands.
  return Status::Error(dir + "/tokenizer_config.json: chat templates are not supported by this build yet");
}

}  // namespace minke::serve
