// CleanConfig: everything `minke data clean` can be told, with defaults that
// are Gopher's published thresholds and FineWeb-like MinHash settings.
// Read from TOML (toml++): every section and key is optional, unknown ones
// are errors naming them. `minke data clean --print-config` prints the
// defaults in this format:
//
//   [input]      plain_text_unit = "paragraph" | "file", text_field = "text",
//                on_bad_jsonl = "error" | "skip", max_doc_bytes
//   [normalize]  nfc, whitespace
//   [quality]    enabled + QualityThresholds (quality.h)
//   [repetition] enabled + RepetitionThresholds (quality.h)
//   [dedup]      exact, near, shingle_words, bands, rows, jaccard_threshold, seed
//   [scrub]      email, phone, ip, email_token, phone_token, ip_token
//   [output]     shard_bytes, batch_bytes
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "data/minhash.h"
#include "data/normalize.h"
#include "data/quality.h"
#include "data/scrub.h"

namespace minke::data {

// How plain-text files are cut into documents: at blank lines (lines of
// only whitespace) or one document per file.
enum class PlainTextUnit { kParagraph, kFile };

struct InputConfig {
  PlainTextUnit plain_text_unit = PlainTextUnit::kParagraph;
  std::string text_field = "text";  // JSONL: the string field holding the document
  bool skip_bad_jsonl = false;      // false: a malformed line is an error naming file:line
  int64_t max_doc_bytes = 8 << 20;  // longer documents are removed as "oversized"
};

struct DedupConfig {
  bool exact = true;
  bool near = true;
  MinHashParams minhash;
};

struct OutputConfig {
  int64_t shard_bytes = 256 << 20;  // a shard is closed once it holds at least this much
  int64_t batch_bytes = 8 << 20;    // documents read, then processed in parallel, per step
};

struct CleanConfig {
  InputConfig input;
  NormalizeOptions normalize;
  bool quality_enabled = true;
  QualityThresholds quality;
  bool repetition_enabled = true;
  RepetitionThresholds repetition;
  DedupConfig dedup;
  ScrubOptions scrub;
  OutputConfig output;
};

// Applies the TOML in `text` over the defaults. `where` names the file in errors.
Result<CleanConfig> ParseCleanConfig(std::string_view text, const std::string& where);
// Checks ranges (bands, rows, thresholds in [0, 1], list lengths...).
Status ValidateCleanConfig(const CleanConfig& c);
// The config as TOML (ParseCleanConfig(ToToml(c)) == c).
std::string CleanConfigToToml(const CleanConfig& c);
// The config as a JSON object string (for report.json).
std::string CleanConfigToJson(const CleanConfig& c);

}  // namespace minke::data
