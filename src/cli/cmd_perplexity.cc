// `minke perplexity --model DIR --text FILE [--tokenizer tokenizer.json]
// [--ctx N] [--max-windows N]`: perplexity over held-out text, in
// independent windows of N tokens (infer/perplexity.h). Works on any model
// LoadModel() opens, so `minke quantize` outputs compare directly with their
// source. (A random-weight model scores near its vocabulary size whatever the
// text: only the change between precisions is informative there.)
#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "core/mapped_file.h"
#include "infer/perplexity.h"
#include "io/model_loader.h"
#include "tokenizer/tokenizer.h"

namespace minke::cli {
namespace {

struct PplArgs {
  std::string model, text, tokenizer;
  int64_t ctx = 512, max_windows = 0;
};

Status RunPerplexity(const PplArgs& a) {
  const std::string tpath = a.tokenizer.empty() ? a.model + "/tokenizer.json" : a.tokenizer;
  MINKE_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::FromFile(tpath));
  MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(a.text));
  MINKE_ASSIGN_OR_RETURN(std::vector<uint32_t> ids, tok.Encode(text, /*add_special_tokens=*/false));
  MINKE_ASSIGN_OR_RETURN(io::LoadedModel lm, io::LoadModel(a.model));
  for (const auto& w : lm.warnings) std::fprintf(stderr, "minke: warning: %s\n", w.c_str());
  const int64_t V = lm.model->config().vocab_size;
  std::vector<int32_t> tokens;
  for (uint32_t id : ids) {
    if (id >= V)
      return Status::Error(tpath + " produced token id " + std::to_string(id) + ", outside the model's vocabulary of " +
                           std::to_string(V) + " (wrong tokenizer for this model?)");
    tokens.push_back(static_cast<int32_t>(id));
  }
  const auto t0 = std::chrono::steady_clock::now();
  MINKE_ASSIGN_OR_RETURN(infer::PerplexityResult r, infer::Perplexity(*lm.model, tokens, a.ctx, a.max_windows));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("perplexity %.4f over %lld tokens (%lld windows of <= %lld; %zu tokens in the text), %.1f tok/s\n",
              r.perplexity(), (long long)r.scored, (long long)r.windows, (long long)a.ctx, tokens.size(),
              (r.scored + r.windows) / std::max(secs, 1e-9));
  return Status::Ok();
}

}  // namespace

void RegisterPerplexity(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("perplexity", "Perplexity of a model over a text file, in windows");
  auto a = std::make_shared<PplArgs>();
  cmd->add_option("--model", a->model, "Checkpoint directory or .gguf")->required();
  cmd->add_option("--text", a->text, "UTF-8 text file")->required();
  cmd->add_option("--tokenizer", a->tokenizer, "tokenizer.json (default: MODEL/tokenizer.json)");
  cmd->add_option("--ctx", a->ctx, "Window length in tokens")->capture_default_str();
  cmd->add_option("--max-windows", a->max_windows, "Score at most this many windows (0 = all)");
  cmd->callback([=] { *action = [=] { return RunPerplexity(*a); }; });
}

}  // namespace minke::cli
