#include "data/report.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace minke::data {
namespace {

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Percent(int64_t part, int64_t whole) { return whole ? Fixed(100.0 * part / whole, 2) + "%" : "-"; }

std::string Mb(int64_t bytes) { return Fixed(bytes / 1e6, 2) + " MB"; }

// Markdown table cells: no pipes or backticks from the data.
std::string Cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? '/' : c == '`' ? '\'' : c;
  return out;
}

}  // namespace

std::string_view RuleHelp(Rule r) {
  switch (r) {
    case Rule::kKept:
      return "kept";
    case Rule::kMalformedJsonl:
      return "JSONL line that is not an object with a string text field";
    case Rule::kOversized:
      return "document longer than [input] max_doc_bytes";
    case Rule::kEmpty:
      return "nothing left after normalisation";
    case Rule::kWordCount:
      return "too few or too many words (Gopher: 50..100,000)";
    case Rule::kMeanWordLength:
      return "mean word length outside Gopher's 3..10 characters";
    case Rule::kSymbolWordRatio:
      return "more than 0.1 '#' or ellipses per word";
    case Rule::kBulletLines:
      return "over 90% of lines start with a bullet";
    case Rule::kEllipsisLines:
      return "over 30% of lines end with an ellipsis";
    case Rule::kAlphaWords:
      return "under 80% of words contain a letter";
    case Rule::kStopWords:
      return "fewer than 2 English stop words (the, be, to, of, and, that, have, with)";
    case Rule::kDupLineFraction:
      return "over 30% of lines are repeats";
    case Rule::kDupParagraphFraction:
      return "over 30% of paragraphs are repeats";
    case Rule::kDupLineCharFraction:
      return "over 20% of characters are in repeated lines";
    case Rule::kDupParagraphCharFraction:
      return "over 20% of characters are in repeated paragraphs";
    case Rule::kTop2GramCharFraction:
      return "the most frequent 2-gram covers over 20% of characters";
    case Rule::kTop3GramCharFraction:
      return "the most frequent 3-gram covers over 18% of characters";
    case Rule::kTop4GramCharFraction:
      return "the most frequent 4-gram covers over 16% of characters";
    case Rule::kDup5GramCharFraction:
      return "over 15% of characters in repeated 5-grams";
    case Rule::kDup6GramCharFraction:
      return "over 14% of characters in repeated 6-grams";
    case Rule::kDup7GramCharFraction:
      return "over 13% of characters in repeated 7-grams";
    case Rule::kDup8GramCharFraction:
      return "over 12% of characters in repeated 8-grams";
    case Rule::kDup9GramCharFraction:
      return "over 11% of characters in repeated 9-grams";
    case Rule::kDup10GramCharFraction:
      return "over 10% of characters in repeated 10-grams";
    case Rule::kExactDuplicate:
      return "same cleaned text as an earlier kept document";
    case Rule::kNearDuplicate:
      return "MinHash Jaccard estimate at or above the threshold with an earlier kept document";
    case Rule::kCount:
      break;
  }
  return "";
}

std::string ReportToJson(const CleanReport& r) {
  using json = nlohmann::ordered_json;
  json j;
  j["input"] = {{"files", r.input_files},
                {"file_bytes", r.input_file_bytes},
                {"documents", r.input_docs},
                {"text_bytes", r.input_bytes}};
  j["output"] = {{"documents", r.output_docs}, {"text_bytes", r.output_bytes}, {"shards", r.shards}};
  json removed = json::object();
  for (int i = 1; i < kRuleCount; ++i) {
    const RuleTally& t = r.removed[i];
    if (t.docs == 0) continue;
    json ex = json::array();
    for (const RuleExample& e : t.examples)
      ex.push_back({{"source", e.source}, {"detail", e.detail}, {"snippet", e.snippet}});
    removed[std::string(RuleName(static_cast<Rule>(i)))] = {
        {"documents", t.docs}, {"bytes", t.bytes}, {"examples", ex}};
  }
  j["removed"] = removed;
  j["normalisation"] = {{"invalid_utf8_documents", r.invalid_utf8_docs},
                        {"invalid_utf8_sequences", r.invalid_utf8_sequences},
                        {"nfc_changed_documents", r.nfc_changed_docs}};
  j["scrubbed"] = {{"documents", r.scrubbed_docs},
                   {"email", r.scrubbed.email},
                   {"phone", r.scrubbed.phone},
                   {"ipv4", r.scrubbed.ipv4},
                   {"ipv6", r.scrubbed.ipv6}};
  j["run"] = {{"seconds", r.seconds},
              {"read_seconds", r.read_seconds},
              {"clean_seconds", r.clean_seconds},
              {"keep_seconds", r.keep_seconds},
              {"threads", r.threads},
              {"mb_per_second", r.seconds > 0 ? r.input_file_bytes / 1e6 / r.seconds : 0.0}};
  j["config"] = json::parse(r.config_json.empty() ? "{}" : r.config_json);
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string ReportToMarkdown(const CleanReport& r) {
  std::string md = "# Data cleaning report\n\n";
  md += "- input: " + std::to_string(r.input_files.size()) + " file(s), " + Mb(r.input_file_bytes) + "; " +
        std::to_string(r.input_docs) + " documents, " + Mb(r.input_bytes) + " of text\n";
  md += "- kept: " + std::to_string(r.output_docs) + " documents (" + Percent(r.output_docs, r.input_docs) + "), " +
        Mb(r.output_bytes) + " of cleaned text in " + std::to_string(r.shards.size()) + " shard(s)\n";
  md += "- removed: " + std::to_string(r.input_docs - r.output_docs) + " documents (" +
        Percent(r.input_docs - r.output_docs, r.input_docs) + ")\n";
  md += "- normalisation: " + std::to_string(r.invalid_utf8_docs) + " documents with invalid UTF-8 (" +
        std::to_string(r.invalid_utf8_sequences) + " sequences replaced by U+FFFD), " +
        std::to_string(r.nfc_changed_docs) + " changed by NFC\n";
  if (r.scrubbed.total() > 0 || r.scrubbed_docs > 0)
    md += "- scrubbed: " + std::to_string(r.scrubbed.email) + " e-mail addresses, " + std::to_string(r.scrubbed.phone) +
          " phone numbers, " + std::to_string(r.scrubbed.ipv4) + " IPv4 and " + std::to_string(r.scrubbed.ipv6) +
          " IPv6 addresses in " + std::to_string(r.scrubbed_docs) + " documents (not quoted here)\n";
  md += "- time: " + Fixed(r.seconds, 2) + " s on " + std::to_string(r.threads) + " thread(s), " +
        Fixed(r.seconds > 0 ? r.input_file_bytes / 1e6 / r.seconds : 0.0, 1) + " MB/s (read " +
        Fixed(r.read_seconds, 2) + " s, clean in parallel " + Fixed(r.clean_seconds, 2) + " s, dedup + write " +
        Fixed(r.keep_seconds, 2) + " s)\n\n";
  md += "## Removed, by the first rule each document failed\n\n";
  md += "| rule | documents | % of documents | bytes | % of bytes | what it removes |\n";
  md += "|---|---:|---:|---:|---:|---|\n";
  for (int i = 1; i < kRuleCount; ++i) {
    const RuleTally& t = r.removed[i];
    if (t.docs == 0) continue;
    md += "| " + std::string(RuleName(static_cast<Rule>(i))) + " | " + std::to_string(t.docs) + " | " +
          Percent(t.docs, r.input_docs) + " | " + std::to_string(t.bytes) + " | " + Percent(t.bytes, r.input_bytes) +
          " | " + std::string(RuleHelp(static_cast<Rule>(i))) + " |\n";
  }
  md += "\n## Examples (the first few per rule, in input order)\n";
  for (int i = 1; i < kRuleCount; ++i) {
    const RuleTally& t = r.removed[i];
    if (t.examples.empty()) continue;
    md += "\n### " + std::string(RuleName(static_cast<Rule>(i))) + "\n\n";
    for (const RuleExample& e : t.examples)
      md += "- `" + Cell(e.source) + "` (" + Cell(e.detail) + "): " + Cell(e.snippet) + "\n";
  }
  return md;
}

}  // namespace minke::data
