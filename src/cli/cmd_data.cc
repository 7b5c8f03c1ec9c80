// `minke data clean IN... --out DIR`: normalise, filter, deduplicate and
// optionally scrub a corpus into JSONL shards with a report of what each
// rule removed (src/data/pipeline.h). `minke data config` prints the
// default configuration as TOML, to copy and edit.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/mapped_file.h"
#include "data/pipeline.h"

namespace minke::cli {
namespace {

struct CleanArgs {
  std::vector<std::string> inputs;
  std::string out, config, text_unit, scrub;
  bool skip_bad_jsonl = false, no_quality = false, no_repetition = false, no_exact = false, no_near = false;
  bool progress = false, no_progress = false;
  double shard_mb = 0;
};

// One line on stderr, redrawn in place: percent, bar, MB, MB/s, ETA, docs.
void DrawProgress(const data::CleanProgress& p) {
  DrawProgressBar(p.bytes_read, p.bytes_total, p.seconds,
                  "docs " + std::to_string(p.docs_in) + " kept " + std::to_string(p.docs_kept));
}

Status ApplyFlags(const CleanArgs& a, data::CleanConfig* c) {
  if (!a.text_unit.empty()) {
    if (a.text_unit != "paragraph" && a.text_unit != "file")
      return Status::Error("--text-unit: expected paragraph or file, got '" + a.text_unit + "'");
    c->input.plain_text_unit = a.text_unit == "file" ? data::PlainTextUnit::kFile : data::PlainTextUnit::kParagraph;
  }
  if (a.skip_bad_jsonl) c->input.skip_bad_jsonl = true;
  if (a.no_quality) c->quality_enabled = false;
  if (a.no_repetition) c->repetition_enabled = false;
  if (a.no_exact) c->dedup.exact = false;
  if (a.no_near) c->dedup.near = false;
  if (a.shard_mb > 0) c->output.shard_bytes = static_cast<int64_t>(a.shard_mb * 1e6);
  size_t pos = 0;
  while (!a.scrub.empty() && pos <= a.scrub.size()) {
    const size_t comma = std::min(a.scrub.find(',', pos), a.scrub.size());
    const std::string kind = a.scrub.substr(pos, comma - pos);
    if (kind == "email")
      c->scrub.email = true;
    else if (kind == "phone")
      c->scrub.phone = true;
    else if (kind == "ip")
      c->scrub.ip = true;
    else if (kind == "all")
      c->scrub.email = c->scrub.phone = c->scrub.ip = true;
    else
      return Status::Error("--scrub: unknown kind '" + kind + "' (email, phone, ip, all)");
    pos = comma + 1;
  }
  return data::ValidateCleanConfig(*c);
}

Status Clean(const CleanArgs& a) {
  data::CleanOptions opt;
  if (!a.config.empty()) {
    MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(a.config));
    MINKE_ASSIGN_OR_RETURN(opt.config, data::ParseCleanConfig(text, a.config));
  }
  MINKE_RETURN_IF_ERROR(ApplyFlags(a, &opt.config));
  opt.inputs = a.inputs;
  opt.out_dir = a.out;
  const bool show = !a.no_progress && (a.progress || ::isatty(STDERR_FILENO));
  if (show) opt.progress = DrawProgress;
  auto result = data::CleanCorpus(opt);
  if (show) std::fprintf(stderr, "\n");
  MINKE_RETURN_IF_ERROR(result.status());
  const data::CleanReport& r = *result;
  std::printf("read     %lld documents, %.2f MB of text from %zu file(s) (%.2f MB)\n", (long long)r.input_docs,
              r.input_bytes / 1e6, r.input_files.size(), r.input_file_bytes / 1e6);
  std::printf("kept     %lld documents (%.1f%%), %.2f MB in %zu shard(s) under %s\n", (long long)r.output_docs,
              r.input_docs ? 100.0 * r.output_docs / r.input_docs : 0.0, r.output_bytes / 1e6, r.shards.size(),
              a.out.c_str());
  for (int i = 1; i < data::kRuleCount; ++i) {
    const data::RuleTally& t = r.removed[i];
    if (t.docs > 0)
      std::printf("removed  %-28s %8lld documents %10.2f MB\n",
                  std::string(data::RuleName(static_cast<data::Rule>(i))).c_str(), (long long)t.docs, t.bytes / 1e6);
  }
  std::printf("time     %.2f s on %d thread(s): %.1f MB/s\n", r.seconds, r.threads,
              r.seconds > 0 ? r.input_file_bytes / 1e6 / r.seconds : 0.0);
  std::printf("report   %s/report.md, %s/report.json\n", a.out.c_str(), a.out.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterData(CLI::App& app, Action* action) {
  auto* group = app.add_subcommand("data", "Corpus preparation: clean, filter and deduplicate text");
  group->require_subcommand(1);

  auto* clean = group->add_subcommand(
      "clean",
      "Normalise (UTF-8 repair, NFC, whitespace), filter (Gopher quality and repetition rules), deduplicate "
      "(exact + MinHash/LSH) and optionally scrub e-mail/phone/IP from text files, directories and JSONL; writes "
      "DIR/shard-NNNNN.jsonl, DIR/report.json and DIR/report.md. Plain-text files hold one document per "
      "blank-line-separated block (or per file with --text-unit file); JSONL files (.jsonl/.ndjson/.json) one "
      "per line, text in the \"text\" field.");
  auto a = std::make_shared<CleanArgs>();
  clean->add_option("inputs", a->inputs, "Files and directories to read")->required();
  clean->add_option("--out", a->out, "Output directory")->required();
  clean->add_option("--config", a->config, "TOML config (see `minke data config`); flags below override it");
  clean->add_option("--text-unit", a->text_unit, "Plain text: 'paragraph' (default) or 'file' per document");
  clean->add_flag("--skip-bad-jsonl", a->skip_bad_jsonl,
                  "Count malformed JSONL lines in the report instead of stopping at the first");
  clean->add_option("--scrub", a->scrub, "Replace personal data: comma list of email, phone, ip, or all");
  clean->add_flag("--no-quality", a->no_quality, "Skip the Gopher quality rules");
  clean->add_flag("--no-repetition", a->no_repetition, "Skip the Gopher repetition rules");
  clean->add_flag("--no-exact-dedup", a->no_exact, "Keep exact duplicates");
  clean->add_flag("--no-near-dedup", a->no_near, "Skip MinHash near-duplicate removal");
  clean->add_option("--shard-mb", a->shard_mb, "Close a shard once it holds this many MB (default 256)");
  clean->add_flag("--progress", a->progress, "Show the progress bar even when stderr is not a terminal");
  clean->add_flag("--no-progress", a->no_progress, "Never show the progress bar");
  clean->callback([=] { *action = [=] { return Clean(*a); }; });

  RegisterDataTokenize(*group, action);

  auto* config = group->add_subcommand("config", "Print the default `data clean` configuration (TOML)");
  config->callback([=] {
    *action = [] {
      std::fputs(data::CleanConfigToToml(data::CleanConfig{}).c_str(), stdout);
      return Status::Ok();
    };
  });
}

}  // namespace minke::cli
