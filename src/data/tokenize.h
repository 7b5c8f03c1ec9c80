// TokenizeCorpus: the `minke data tokenize` pipeline, text -> token shards.
//
//   read a batch of documents (reader.h: JSONL lines' text field, or plain
//   text cut at blank lines / per file; .gz decompressed)
//   ─▶ tokenize each document in parallel (OpenMP; Tokenizer is thread-safe)
//   ─▶ in input order: append ids + the end-of-document id to train.bin or
//      val.bin (token_meta.h: the split is a hash of the text and the seed)
//
// Output order never depends on the thread count, so the shards are
// byte-identical for the same inputs, tokenizer and seed. Each .bin and
// meta.json is written through an AtomicFile. Memory: one batch of text and
// its ids. Errors name the file and line (malformed JSONL, invalid UTF-8, a
// document over max_doc_bytes); a run that fails while reading leaves the
// directory as it was.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/clean_config.h"
#include "data/token_meta.h"
#include "tokenizer/tokenizer.h"

namespace minke::data {

struct TokenizeProgress {
  uint64_t bytes_read = 0, bytes_total = 0;  // input bytes on disk
  uint64_t text_bytes = 0;                   // document text tokenized (decompressed)
  uint64_t docs = 0, tokens = 0;
  double seconds = 0;
};

struct TokenizeOptions {
  std::vector<std::string> inputs;  // files and directories
  std::string tokenizer_path;       // tokenizer.json, or tokenizer.json.gz
  std::string out_dir;              // created if missing
  double val_fraction = 0.01;
  uint64_t seed = 0;
  // End-of-document token spelling; "" picks the tokenizer's EOS (FindEosToken).
  std::string eos;
  PlainTextUnit plain_text_unit = PlainTextUnit::kParagraph;
  std::string text_field = "text";
  int64_t max_doc_bytes = 64 << 20;  // a longer document is an error, never truncated silently
  int64_t batch_bytes = 8 << 20;
  int threads = 0;  // 0: OpenMP's default
  // Called on the calling thread after each batch.
  std::function<void(const TokenizeProgress&)> progress;
};

struct TokenizeResult {
  TokenShardMeta meta;
  uint64_t input_bytes = 0;  // on disk
  uint64_t text_bytes = 0;   // document text tokenized (decompressed, without JSON syntax)
  double seconds = 0;        // wall time of the whole run
  double setup_seconds = 0;  // of which: loading the tokenizer, hashing the inputs
  int threads = 1;
};

Result<TokenizeResult> TokenizeCorpus(const TokenizeOptions& opt);

// Loads tokenizer.json, gunzipping it first when the name ends in .gz.
Result<tokenizer::Tokenizer> LoadTokenizer(const std::string& path);
// The first of the usual end-of-text tokens the tokenizer knows:
// <｜end▁of▁sentence｜> (DeepSeek), <|endoftext|> (GPT-2, Qwen), <|end_of_text|>
// (Llama-3), </s>, <eos>; an error asking for --eos if none.
Result<std::string> FindEosToken(const tokenizer::Tokenizer& t);
// The whole decompressed content of a gzip file; errors name the path.
Result<std::string> ReadGzipFile(const std::string& path);

}  // namespace minke::data
