// `minke tokenizer train`: learn a byte-level BPE vocabulary from text files
// and write a Hugging Face tokenizer.json (DeepSeek-V3's pre-tokenizer).
//
//   minke tokenizer train --vocab-size 8192 --out tokenizer.json corpus/*.txt
//   minke tokenizer train --vocab-size 4096 --special-tokens '<s>,</s>' --out t.json a.txt
// Without --special-tokens the special tokens are DeepSeek's BOS and EOS
// (ids 0 and 1); --special-tokens '' gives none. A progress bar goes to stderr
// when it is a terminal; a one-line summary always does.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "cli/commands.h"
#include "tokenizer/bpe_trainer.h"

namespace minke::cli {
namespace {

struct TrainArgs {
  uint32_t vocab_size = 0;
  std::string special_tokens = "<｜begin▁of▁sentence｜>,<｜end▁of▁sentence｜>";
  uint64_t min_frequency = 0;
  std::string out;
  std::vector<std::string> files;
};

// "stage [#####.....]  42%" redrawn in place.
void ProgressBar(const std::string& stage, uint64_t done, uint64_t total) {
  const int width = 30;
  const double f = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  const int fill = static_cast<int>(f * width + 0.5);
  std::string bar(fill, '#');
  bar.resize(width, '.');
  std::string name = stage.size() > 48 ? "..." + stage.substr(stage.size() - 45) : stage;
  std::fprintf(stderr, "\r\033[K%s [%s] %3d%%", name.c_str(), bar.c_str(), static_cast<int>(f * 100 + 0.5));
  if (done >= total) std::fputc('\n', stderr);
}

Status Train(const TrainArgs& a) {
  tokenizer::BpeTrainerOptions o;
  o.vocab_size = a.vocab_size;
  o.min_frequency = a.min_frequency;
  std::stringstream ss(a.special_tokens);
  for (std::string tok; std::getline(ss, tok, ',');) o.special_tokens.push_back(tok);
  if (::isatty(STDERR_FILENO)) o.progress = ProgressBar;
  const auto t0 = std::chrono::steady_clock::now();
  MINKE_ASSIGN_OR_RETURN(tokenizer::BpeTrainingStats s, tokenizer::TrainBpeTokenizer(o, a.files, a.out));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr,
               "%s: %u tokens (%zu special, 256 bytes, %u merges) from %.1f MB, %llu words (%llu distinct) in %.2f s\n",
               a.out.c_str(), s.vocab_size, o.special_tokens.size(), s.merges, s.bytes / 1e6,
               static_cast<unsigned long long>(s.words), static_cast<unsigned long long>(s.unique_words), secs);
  if (s.vocab_size < a.vocab_size)
    std::fprintf(stderr, "minke: warning: the corpus ran out of pairs to merge: %u tokens, not %u\n", s.vocab_size,
                 a.vocab_size);
  return Status::Ok();
}

}  // namespace

void RegisterTokenizer(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("tokenizer", "Tokenizer tools (train)");
  cmd->require_subcommand(1);
  auto* train = cmd->add_subcommand("train", "Train a byte-level BPE tokenizer.json on text files");
  auto a = std::make_shared<TrainArgs>();
  train->add_option("--vocab-size", a->vocab_size, "Vocabulary size, special tokens and the 256 bytes included")
      ->required();
  train->add_option("--special-tokens", a->special_tokens,
                    "Comma-separated special tokens, ids 0.. in this order (default: DeepSeek BOS,EOS)");
  train->add_option("--min-frequency", a->min_frequency, "Never merge a pair seen fewer times (default 0)");
  train->add_option("--out", a->out, "Where to write tokenizer.json")->required();
  train->add_option("files", a->files, "Training text files (UTF-8; each line is one sequence)")->required();
  train->callback([=] { *action = [=] { return Train(*a); }; });
}

}  // namespace minke::cli
