// `minke tokenize --tokenizer FILE`: text on stdin -> token ids on stdout, as
// Hugging Face `tokenizers` would give them for that tokenizer.json.
//
//   minke tokenize --tokenizer tokenizer.json < text.txt     # "ids" as 1,2,3 and a newline
//   minke tokenize --tokenizer tokenizer.json --decode       # ids (comma/space separated) -> text
//   minke tokenize --tokenizer tokenizer.json --jsonl        # {"text": ..} lines -> same lines + "ids"
//   minke tokenize --tokenizer tokenizer.json --jsonl --decode   # {"ids": [..]} lines -> + "text"
//   minke tokenize --tokenizer tokenizer.json --chat chat.json [--text]
//       a conversation -> its chat-template rendering's ids (and the text)
// stdin is taken byte for byte (a trailing newline is part of the text).
// --chat reads a JSON list of {role, content} messages or {"messages": [..],
// "add_generation_prompt": bool} and renders it with the chat_template of
// --config (default: tokenizer_config.json beside --tokenizer), as transformers'
// apply_chat_template(tokenize=True) would: no post-processor, BOS comes from
// the template. --add-generation-prompt applies when the file does not say.
// --add-special-tokens applies the tokenizer.json post-processor (BOS for
// Llama-3; nothing for DeepSeek-V3); --skip-special-tokens drops special
// tokens when decoding.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include <filesystem>

#include "cli/commands.h"
#include "core/mapped_file.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace minke::cli {
namespace {

struct TokenizeArgs {
  std::string tokenizer, chat, config;
  bool decode = false, jsonl = false, add_special = false, skip_special = false;
  bool text = false, add_generation_prompt = false;
};

std::string ReadStdin() {
  std::ostringstream ss;
  ss << std::cin.rdbuf();
  return ss.str();
}

Result<std::vector<uint32_t>> ParseIds(const std::string& s) {
  std::vector<uint32_t> ids;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ',' || std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    uint64_t v = 0;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9' && v <= UINT32_MAX) v = v * 10 + (s[j++] - '0');
    if (j == i || v > UINT32_MAX || (j < s.size() && s[j] != ',' && !std::isspace(static_cast<unsigned char>(s[j]))))
      return Status::Error("--decode: '" + s.substr(i, 20) + "' is not a token id");
    ids.push_back(static_cast<uint32_t>(v));
    i = j;
  }
  return ids;
}

std::string JoinIds(const std::vector<uint32_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out;
}

Status JsonLines(const tokenizer::Tokenizer& t, const TokenizeArgs& a) {
  std::string line;
  for (size_t n = 1; std::getline(std::cin, line); ++n) {
    if (line.empty()) continue;
    const std::string where = "stdin line " + std::to_string(n);
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return Status::Error(where + ": not a JSON object");
    if (a.decode) {
      auto ids = j.find("ids");
      if (ids == j.end() || !ids->is_array()) return Status::Error(where + ": field 'ids' must be an array");
      std::vector<uint32_t> v;
      for (const auto& id : *ids) {
        if (!id.is_number_unsigned() || id.get<uint64_t>() > UINT32_MAX)
          return Status::Error(where + ": 'ids' holds a non-id");
        v.push_back(static_cast<uint32_t>(id.get<uint64_t>()));
      }
      Result<std::string> text = t.Decode(v, a.skip_special);
      if (!text.ok()) return text.status().WithContext(where);
      j["text"] = *text;
    } else {
      auto text = j.find("text");
      if (text == j.end() || !text->is_string()) return Status::Error(where + ": field 'text' must be a string");
      Result<std::vector<uint32_t>> ids = t.Encode(text->get<std::string>(), a.add_special);
      if (!ids.ok()) return ids.status().WithContext(where);
      j["ids"] = *ids;
    }
    std::string out = j.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::replace);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fputc('\n', stdout);
  }
  return Status::Ok();
}

Status Chat(const tokenizer::Tokenizer& t, const TokenizeArgs& a) {
  if (a.decode || a.jsonl || a.add_special)
    return Status::Error(
        "--chat cannot be combined with --decode, --jsonl or "
        "--add-special-tokens");
  const std::string config =
      !a.config.empty() ? a.config
                        : (std::filesystem::path(a.tokenizer).parent_path() / "tokenizer_config.json").string();
  MINKE_ASSIGN_OR_RETURN(tokenizer::ChatTemplate tmpl, tokenizer::ChatTemplate::FromConfigFile(config));
  MINKE_ASSIGN_OR_RETURN(std::string chat_text, ReadFileToString(a.chat));
  MINKE_ASSIGN_OR_RETURN(tokenizer::ChatRequest req, tokenizer::ParseChatJson(chat_text, a.chat));
  const bool gen = req.has_add_generation_prompt ? req.add_generation_prompt : a.add_generation_prompt;
  Result<std::string> rendered = tmpl.Render(req.messages, gen);
  if (!rendered.ok()) return rendered.status().WithContext(a.chat);
  MINKE_ASSIGN_OR_RETURN(std::vector<uint32_t> ids, t.Encode(*rendered, /*add_special_tokens=*/false));
  std::string out = a.text ? *rendered + "\n" : std::string();
  out += JoinIds(ids) + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return Status::Ok();
}

Status Tokenize(const TokenizeArgs& a) {
  MINKE_ASSIGN_OR_RETURN(tokenizer::Tokenizer t, tokenizer::Tokenizer::FromFile(a.tokenizer));
  if (!a.chat.empty()) return Chat(t, a);
  if (!a.config.empty() || a.text || a.add_generation_prompt)
    return Status::Error("--config, --text and --add-generation-prompt need --chat");
  if (a.jsonl) return JsonLines(t, a);
  const std::string input = ReadStdin();
  std::string out;
  if (a.decode) {
    MINKE_ASSIGN_OR_RETURN(std::vector<uint32_t> ids, ParseIds(input));
    MINKE_ASSIGN_OR_RETURN(out, t.Decode(ids, a.skip_special));
  } else {
    MINKE_ASSIGN_OR_RETURN(std::vector<uint32_t> ids, t.Encode(input, a.add_special));
    out = JoinIds(ids) + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return Status::Ok();
}

}  // namespace

void RegisterTokenize(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("tokenize", "Text on stdin -> token ids (or ids -> text with --decode)");
  auto a = std::make_shared<TokenizeArgs>();
  cmd->add_option("--tokenizer", a->tokenizer, "Hugging Face tokenizer.json")->required();
  cmd->add_flag("--decode", a->decode, "Read token ids (comma or space separated), print the text");
  cmd->add_flag("--jsonl", a->jsonl,
                "Read JSON lines with \"text\" (or \"ids\" with --decode), add \"ids\" (\"text\")");
  cmd->add_flag("--add-special-tokens", a->add_special, "Apply the tokenizer's post-processor (e.g. BOS)");
  cmd->add_flag("--skip-special-tokens", a->skip_special, "Leave special tokens out when decoding");
  cmd->add_option("--chat", a->chat,
                  "Render a conversation (JSON list of {role, content}, or {\"messages\": [..], "
                  "\"add_generation_prompt\": bool}) with the chat template; print its ids");
  cmd->add_option("--config", a->config, "tokenizer_config.json with the chat_template (default: beside --tokenizer)");
  cmd->add_flag("--text", a->text, "With --chat: print the rendered text (and a newline) before the ids");
  cmd->add_flag("--add-generation-prompt", a->add_generation_prompt,
                "With --chat: end with the assistant's turn opening, unless the file says otherwise");
  cmd->callback([=] { *action = [=] { return Tokenize(*a); }; });
}

}  // namespace minke::cli
