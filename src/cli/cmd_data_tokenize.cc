// `minke data tokenize --tokenizer tokenizer.json --out DIR INPUTS...`: text
// to token shards for training (src/data/tokenize.h, format in
// src/data/token_meta.h).
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/progress.h"
#include "data/tokenize.h"

namespace minke::cli {
namespace {

struct TokenizeArgs {
  std::vector<std::string> inputs;
  std::string tokenizer, out, eos, text_unit = "paragraph", text_field = "text";
  double val_fraction = 0.01;
  uint64_t seed = 0;
  bool progress = false, no_progress = false;
};

Status Tokenize(const TokenizeArgs& a) {
  data::TokenizeOptions opt;
  opt.inputs = a.inputs;
  opt.tokenizer_path = a.tokenizer;
  opt.out_dir = a.out;
  opt.val_fraction = a.val_fraction;
  opt.seed = a.seed;
  opt.eos = a.eos;
  opt.text_field = a.text_field;
  if (a.text_unit != "paragraph" && a.text_unit != "file")
    return Status::Error("--text-unit: expected paragraph or file, got '" + a.text_unit + "'");
  opt.plain_text_unit = a.text_unit == "file" ? data::PlainTextUnit::kFile : data::PlainTextUnit::kParagraph;
  const bool show = !a.no_progress && (a.progress || ::isatty(STDERR_FILENO));
  if (show)
    opt.progress = [](const data::TokenizeProgress& p) {
      DrawProgressBar(p.bytes_read, p.bytes_total, p.seconds,
                      "docs " + std::to_string(p.docs) + " tokens " + std::to_string(p.tokens));
    };
  auto result = data::TokenizeCorpus(opt);
  if (show) std::fprintf(stderr, "\n");
  MINKE_RETURN_IF_ERROR(result.status());
  const data::TokenShardMeta& m = result->meta;
  std::printf("train    %llu tokens, %llu documents -> %s/%s\n", (unsigned long long)m.train.tokens,
              (unsigned long long)m.train.documents, a.out.c_str(), m.train.file.c_str());
  std::printf("val      %llu tokens, %llu documents -> %s/%s\n", (unsigned long long)m.val.tokens,
              (unsigned long long)m.val.documents, a.out.c_str(), m.val.file.c_str());
  std::printf("format   uint%d, vocab %u, end-of-document %s = %u; %s/meta.json\n", 8 * m.token_bytes, m.vocab_size,
              m.eos_token.c_str(), m.eos_id, a.out.c_str());
  if (m.val.documents == 0 && m.val_fraction > 0)
    std::printf("note     no document fell in the val split; a validation pass will fail (raise --val-fraction)\n");
  if (m.skipped_empty) std::printf("skipped  %llu empty documents\n", (unsigned long long)m.skipped_empty);
  std::printf("read     %.2f MB from %zu file(s), %.2f MB of document text\n", result->input_bytes / 1e6,
              m.inputs.size(), result->text_bytes / 1e6);
  // Setup (loading the tokenizer, hashing inputs) is apart: it does not grow with the corpus.
  const double s = result->seconds, work = s - result->setup_seconds;
  std::printf("time     %.2f s on %d thread(s), %.2f s of it setup; tokenizing: %.2f MB/s of text, %.0f tokens/s\n", s,
              result->threads, result->setup_seconds, work > 0 ? result->text_bytes / 1e6 / work : 0.0,
              work > 0 ? (m.train.tokens + m.val.tokens) / work : 0.0);
  return Status::Ok();
}

}  // namespace

void RegisterDataTokenize(CLI::App& group, Action* action) {
  auto* cmd = group.add_subcommand(
      "tokenize",
      "Tokenize text into training shards: DIR/train.bin and DIR/val.bin (little-endian token ids, uint16 when "
      "the vocabulary has at most 65,536 ids, else uint32) and DIR/meta.json. A document is one JSONL line's "
      "\"text\" (.jsonl/.ndjson/.json) or, in plain-text files, a block between blank lines (--text-unit file: "
      "the whole file); .gz inputs are decompressed. Each document is followed by the end-of-document token and "
      "goes to val when a hash of its text and --seed falls below --val-fraction. After `minke data clean`, pass its "
      "shard-*.jsonl files (not the directory, which also holds report.json).");
  auto a = std::make_shared<TokenizeArgs>();
  cmd->add_option("inputs", a->inputs, "Files and directories to read")->required();
  cmd->add_option("--tokenizer", a->tokenizer, "tokenizer.json (or tokenizer.json.gz)")->required();
  cmd->add_option("--out", a->out, "Output directory")->required();
  cmd->add_option("--val-fraction", a->val_fraction, "Fraction of documents for validation (default 0.01)");
  cmd->add_option("--seed", a->seed, "Seed of the train/val split hash (default 0)");
  cmd->add_option("--eos", a->eos,
                  "End-of-document token (default: the tokenizer's, e.g. <｜end▁of▁sentence｜> or <|endoftext|>)");
  cmd->add_option("--text-unit", a->text_unit, "Plain text: 'paragraph' (default) or 'file' per document");
  cmd->add_option("--text-field", a->text_field, "JSONL: the string field holding the text (default \"text\")");
  cmd->add_flag("--progress", a->progress, "Show the progress bar even when stderr is not a terminal");
  cmd->add_flag("--no-progress", a->no_progress, "Never show the progress bar");
  cmd->callback([=] { *action = [=] { return Tokenize(*a); }; });
}

}  // namespace minke::cli
