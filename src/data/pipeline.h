// CleanCorpus: the `minke data clean` pipeline.
//
//   read a batch (reader.h) ─▶ per document, in parallel (OpenMP):
//       parse JSONL ─▶ normalise (normalize.h) ─▶ quality + repetition rules
//       (quality.h) ─▶ scrub (scrub.h) ─▶ content hash + MinHash signature
//   ─▶ in input order, on the calling thread: exact dedup (128-bit hash of
//       the cleaned text), near dedup (LSH over the signatures kept so far),
//       append to the shards (shard_writer.h) ─▶ next batch
//
// Everything a document's fate depends on is computed from the document
// alone or in input order, so the shards are byte-identical for the same
// inputs and config whatever the thread count or batch size. Memory: one
// batch, plus 16 bytes (exact) and bands*rows*4 + ~24*bands bytes (near) per
// kept document. The first document of a duplicate group is the one kept.
//
// Output: DIR/shard-NNNNN.jsonl, lines {"text", "source", "line"} plus
// "meta" (the input JSON object's other fields, if any); DIR/report.json and
// DIR/report.md (report.h). Malformed JSONL lines stop the run with an error
// naming file:line, or, with on_bad_jsonl = "skip", are counted and
// reported; a failed run removes the shards it wrote.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/clean_config.h"
#include "data/report.h"

namespace minke::data {

struct CleanProgress {
  uint64_t bytes_read = 0, bytes_total = 0;  // input file bytes
  int64_t docs_in = 0, docs_kept = 0;
  double seconds = 0;
};

struct CleanOptions {
  std::vector<std::string> inputs;  // files and directories
  std::string out_dir;              // created if missing
  CleanConfig config;
  int threads = 0;  // 0: OpenMP's default
  // Called on the calling thread after each batch.
  std::function<void(const CleanProgress&)> progress;
};

Result<CleanReport> CleanCorpus(const CleanOptions& opt);

// Appends s as a JSON string literal (quotes, escapes; s must be UTF-8).
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace minke::data
