// CleanReport: what `minke data clean` read, kept and removed, and why.
// Each removed document is charged to the first rule it failed (in Rule
// order), with its bytes (the text as read: the JSONL text field, the
// plain-text block, or the raw line when it could not be parsed) and, for
// the first few per rule in input order, an example. Written as report.json
// (machine-readable) and report.md (a summary for people). Scrubbed
// personal data is counted but never quoted.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "data/quality.h"
#include "data/scrub.h"

namespace minke::data {

constexpr size_t kMaxExamplesPerRule = 3;

struct RuleExample {
  std::string source;   // "path:line"
  std::string detail;   // e.g. "mean_word_length 2.1 < 3", "est. Jaccard 0.92 with a.txt:10"
  std::string snippet;  // the start of the text, newlines shown as ⏎
};

struct RuleTally {
  int64_t docs = 0, bytes = 0;
  std::vector<RuleExample> examples;
};

struct CleanReport {
  std::vector<std::string> input_files;
  int64_t input_file_bytes = 0;
  int64_t input_docs = 0, input_bytes = 0;    // documents and their text bytes as read
  int64_t output_docs = 0, output_bytes = 0;  // kept documents and their cleaned text bytes
  std::vector<std::string> shards;
  std::array<RuleTally, kRuleCount> removed;  // indexed by Rule; kKept unused
  int64_t invalid_utf8_docs = 0, invalid_utf8_sequences = 0, nfc_changed_docs = 0;
  ScrubCounts scrubbed;
  int64_t scrubbed_docs = 0;
  double seconds = 0;
  // Where the time went: reading batches, the parallel per-document stage,
  // and the in-order dedup + write stage.
  double read_seconds = 0, clean_seconds = 0, keep_seconds = 0;
  int threads = 0;
  std::string config_json;  // the CleanConfig in effect

  RuleTally& tally(Rule r) { return removed[static_cast<size_t>(r)]; }
  const RuleTally& tally(Rule r) const { return removed[static_cast<size_t>(r)]; }
};

// One sentence on what a rule removes (for report.md and --help).
std::string_view RuleHelp(Rule r);

std::string ReportToJson(const CleanReport& r);
std::string ReportToMarkdown(const CleanReport& r);

}  // namespace minke::data
