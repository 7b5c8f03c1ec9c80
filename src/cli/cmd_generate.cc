// `minke generate --model DIR (--tokens 1,2,3 | --prompt TEXT)`: prefill the
// prompt, then decode with the latent KV cache, streaming token ids (or, with
// --prompt, text through the model's tokenizer.json) as they come, and report
// prefill and decode speed. --stop STR (repeatable) ends generation at a
// string in the decoded text, which is not printed (with --tokens it needs
// the tokenizer too, to decode). (Chat templates come with `minke chat`.)
#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "infer/generator.h"
#include "io/model_loader.h"
#include "tokenizer/tokenizer.h"

namespace minke::cli {
namespace {

struct GenerateArgs {
  std::string model, tokens, prompt, tokenizer, stop;
  std::vector<std::string> stop_strings;
  infer::GenerateOptions opt;
};

Status Generate(const GenerateArgs& a) {
  if (a.tokens.empty() == a.prompt.empty()) return Status::Error("give exactly one of --tokens and --prompt");
  std::optional<tokenizer::Tokenizer> tok;
  std::vector<int32_t> prompt;
  if (!a.prompt.empty() || !a.stop_strings.empty()) {
    const std::string path = a.tokenizer.empty() ? a.model + "/tokenizer.json" : a.tokenizer;
    MINKE_ASSIGN_OR_RETURN(tok, tokenizer::Tokenizer::FromFile(path));
  }
  if (!a.prompt.empty()) {
    MINKE_ASSIGN_OR_RETURN(std::vector<uint32_t> ids, tok->Encode(a.prompt, /*add_special_tokens=*/true));
    prompt.assign(ids.begin(), ids.end());
  } else {
    MINKE_ASSIGN_OR_RETURN(prompt, ParseTokenList(a.tokens, "--tokens"));
  }
  infer::GenerateOptions opt = a.opt;
  if (!a.stop.empty()) {
    MINKE_ASSIGN_OR_RETURN(opt.stop_tokens, ParseTokenList(a.stop, "--stop-tokens"));
  }
  opt.stop_strings = a.stop_strings;
  if (tok) opt.tokenizer = &*tok;
  MINKE_RETURN_IF_ERROR(infer::ValidateSampling(opt.sampling));
  MINKE_ASSIGN_OR_RETURN(io::LoadedModel lm, io::LoadModel(a.model));
  for (const auto& w : lm.warnings) std::fprintf(stderr, "minke: warning: %s\n", w.c_str());
  infer::GenerateResult r;
  bool first = true;
  infer::GenerateCallbacks cb;
  if (a.prompt.empty()) {
    cb.on_token = [&](int32_t t) {
      std::printf(first ? "%d" : ",%d", t);
      std::fflush(stdout);
      first = false;
      return true;
    };
  } else {
    cb.on_text = [&](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  }
  MINKE_RETURN_IF_ERROR(infer::Generate(*lm.model, prompt, opt, cb, &r));
  std::printf("\n");
  std::fprintf(stderr,
               "minke: %zu prompt tokens in %.3f s (%.1f tok/s); %zu generated, %.1f tok/s decode; finish: %s\n",
               prompt.size(), r.prefill_seconds, prompt.size() / std::max(r.prefill_seconds, 1e-9), r.tokens.size(),
               r.decoded / std::max(r.decode_seconds, 1e-9), r.finish_reason.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterGenerate(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("generate", "Continue a prompt (token ids) with the latent-cache decoder");
  auto a = std::make_shared<GenerateArgs>();
  infer::SamplingParams& s = a->opt.sampling;
  cmd->add_option("--model", a->model, "Checkpoint directory")->required();
  cmd->add_option("--tokens", a->tokens, "Prompt token ids, comma-separated");
  cmd->add_option("--prompt", a->prompt, "Prompt text (encoded with the model's tokenizer.json)");
  cmd->add_option("--tokenizer", a->tokenizer, "tokenizer.json to use instead of MODEL/tokenizer.json");
  cmd->add_option("--max-new-tokens", a->opt.max_new_tokens, "Tokens to generate at most")->capture_default_str();
  cmd->add_option("--stop-tokens", a->stop, "Comma-separated ids that end generation");
  cmd->add_option("--stop", a->stop_strings, "A string that ends generation, not printed (repeatable)");
  AddSamplingOptions(cmd, &s);
  cmd->callback([=] { *action = [=] { return Generate(*a); }; });
}

}  // namespace minke::cli
