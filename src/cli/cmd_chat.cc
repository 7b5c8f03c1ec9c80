// `minke chat --model DIR`: an interactive conversation on stdin/stdout.
//
// Each line on stdin is a user turn; `/reset` starts a new conversation,
// `/exit` (or `/quit`, or end of input) ends. The conversation is rendered
// with the model's chat template (DIR/tokenizer_config.json, or
// --chat-config; a model without one is an error: minke does not guess a
// prompt format) and tokenized with DIR/tokenizer.json (or --tokenizer).
// The reply streams as it is produced and stops at the template's
// end-of-turn token; an R1-style reasoning part is shown dim when stdout is
// a terminal and between literal <think> and </think> otherwise (--color
// picks). After each reply, stderr gets the prompt size, how much of it the
// cache already held, and prefill and decode tokens/s.
// A turn that fails (e.g. a conversation longer than --context) prints its
// error and the session goes on (/reset to start over); the exit code is 1
// if any turn failed.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "infer/chat_session.h"
#include "io/model_loader.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace minke::cli {
namespace {

struct ChatArgs {
  std::string model, tokenizer, chat_config, color = "auto";
  infer::ChatOptions opt;
};

// Writes a streamed reply, marking where the reasoning part starts and ends.
class ReplyPrinter {
 public:
  explicit ReplyPrinter(bool color) : color_(color) {}

  void Print(infer::ReplyPart part, std::string_view text) {
    if (part != part_) Switch(part);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
  void End() {
    if (part_ == infer::ReplyPart::kThink) Switch(infer::ReplyPart::kAnswer);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

 private:
  void Switch(infer::ReplyPart to) {
    const bool think = to == infer::ReplyPart::kThink;
    std::fputs(color_ ? (think ? "\x1b[2m" : "\x1b[0m") : (think ? "<think>" : "</think>"), stdout);
    part_ = to;
  }
  bool color_;
  infer::ReplyPart part_ = infer::ReplyPart::kAnswer;
};

void PrintStats(const infer::ChatTurn& t) {
  const infer::GenerateResult& r = t.result;
  std::fprintf(stderr,
               "[%lld prompt tokens (%lld cached), prefill %lld at %.1f tok/s; %zu generated, %.1f tok/s decode; %s]\n",
               static_cast<long long>(t.prompt_tokens), static_cast<long long>(t.reused_tokens),
               static_cast<long long>(r.prefilled), r.prefilled / std::max(r.prefill_seconds, 1e-9), r.tokens.size(),
               r.decoded / std::max(r.decode_seconds, 1e-9), r.finish_reason.c_str());
  if (t.context_full) std::fprintf(stderr, "minke: the context is full: /reset starts a new conversation\n");
}

Status Chat(const ChatArgs& a) {
  bool color = a.color == "always";
  if (a.color == "auto")
    color = ::isatty(STDOUT_FILENO) != 0;
  else if (a.color != "always" && a.color != "never")
    return Status::Error("--color must be auto, always or never, got '" + a.color + "'");
  const std::string tok_path = a.tokenizer.empty() ? a.model + "/tokenizer.json" : a.tokenizer;
  const std::string config = a.chat_config.empty() ? a.model + "/tokenizer_config.json" : a.chat_config;
  if (!std::filesystem::exists(config))
    return Status::Error(config + " not found: minke chat needs the model's chat template (give --chat-config FILE)");
  MINKE_ASSIGN_OR_RETURN(tokenizer::ChatTemplate tmpl, tokenizer::ChatTemplate::FromConfigFile(config));
  MINKE_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::FromFile(tok_path));
  MINKE_RETURN_IF_ERROR(infer::ValidateSampling(a.opt.generate.sampling));
  MINKE_ASSIGN_OR_RETURN(io::LoadedModel lm, io::LoadModel(a.model));
  for (const auto& w : lm.warnings) std::fprintf(stderr, "minke: warning: %s\n", w.c_str());
  MINKE_ASSIGN_OR_RETURN(infer::ChatSession session, infer::ChatSession::Create(*lm.model, tok, tmpl, a.opt));

  const bool interactive = ::isatty(STDIN_FILENO) != 0;
  if (interactive)
    std::fprintf(stderr, "minke chat: %s template, context %lld tokens; /reset starts over, /exit ends\n",
                 tokenizer::ChatFamilyName(tmpl.family()), static_cast<long long>(session.cache().capacity()));
  int turns = 0, failed = 0;
  std::string line;
  while (true) {
    if (interactive) std::fputs("> ", stdout), std::fflush(stdout);
    if (!std::getline(std::cin, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      session.Reset();
      std::fprintf(stderr, "(new conversation)\n");
      continue;
    }
    if (line.empty()) continue;
    ++turns;
    ReplyPrinter printer(color);
    infer::ChatTurn turn;
    Status s = session.Send(
        line,
        [&](infer::ReplyPart part, std::string_view text) {
          printer.Print(part, text);
          return true;
        },
        &turn);
    printer.End();
    if (!s.ok()) {
      ++failed;
      std::fprintf(stderr, "minke: error: %s\n", s.message().c_str());
      continue;
    }
    PrintStats(turn);
  }
  if (failed > 0) return Status::Error(std::to_string(failed) + " of " + std::to_string(turns) + " turns failed");
  return Status::Ok();
}

}  // namespace

void RegisterChat(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("chat", "Interactive chat on stdin with the model's chat template, streamed");
  auto a = std::make_shared<ChatArgs>();
  infer::GenerateOptions& g = a->opt.generate;
  infer::SamplingParams& s = g.sampling;
  g.max_new_tokens = 512;
  cmd->add_option("--model", a->model, "Checkpoint directory (with tokenizer.json and tokenizer_config.json)")
      ->required();
  cmd->add_option("--tokenizer", a->tokenizer, "tokenizer.json to use instead of MODEL/tokenizer.json");
  cmd->add_option("--chat-config", a->chat_config,
                  "tokenizer_config.json with the chat template, instead of MODEL/tokenizer_config.json");
  cmd->add_option("--system", a->opt.system, "System prompt");
  cmd->add_option("--context", a->opt.context, "Context (cache) size in tokens, at most max_position_embeddings")
      ->capture_default_str();
  cmd->add_option("--color", a->color,
                  "Reasoning part dim (always), or between <think> markers (never); auto: "
                  "dim when stdout is a terminal")
      ->capture_default_str();
  cmd->add_option("--max-new-tokens", g.max_new_tokens, "Reply length at most, in tokens")->capture_default_str();
  cmd->add_option("--stop", g.stop_strings, "A string that ends the reply (repeatable; not shown)");
  AddSamplingOptions(cmd, &s);
  cmd->callback([=] { *action = [=] { return Chat(*a); }; });
}

}  // namespace minke::cli
