// The token-shard format that `minke data tokenize` writes and TokenDataset
// (token_dataset.h) reads. A shard directory holds:
//
//   train.bin, val.bin  the documents' token ids back to back, each document
//                       followed by the end-of-document id; raw little-endian
//                       uint16 when the vocabulary has at most 65,536 ids
//                       (half the bytes and page-cache of uint32), else uint32.
//   meta.json           {"format": "minke-tokens", "version": 1, "dtype":
//                       "uint16" | "uint32", "vocab_size", "eos_id",
//                       "eos_token", "tokenizer": {"path", "sha256"},
//                       "seed", "val_fraction", "document_unit",
//                       "splits": {"train"|"val": {"file", "tokens",
//                       "documents", "sha256"}}, "inputs": [{"path", "bytes",
//                       "sha256"}], "skipped_empty_documents"}
//
// A document goes to val when Hash64(text, seed) / 2^64 < val_fraction, so
// the split depends only on its content and the seed (copies of a document
// land on the same side: no train/val leakage through duplicates).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace minke::data {

constexpr uint32_t kTokenFormatVersion = 1;

enum class Split { kTrain, kVal };
std::string_view SplitName(Split s);

struct TokenSplitInfo {
  std::string file;  // relative to the shard directory
  uint64_t tokens = 0, documents = 0;
  std::string sha256;  // of the .bin file
};

struct TokenInputInfo {
  std::string path;
  uint64_t bytes = 0;
  std::string sha256;
};

struct TokenShardMeta {
  uint32_t version = kTokenFormatVersion;
  int token_bytes = 4;  // 2 (uint16) or 4 (uint32)
  uint32_t vocab_size = 0, eos_id = 0;
  std::string eos_token;
  std::string tokenizer_path, tokenizer_sha256;  // sha256 of the file as given (.gz included)
  uint64_t seed = 0;
  double val_fraction = 0;
  std::string document_unit;  // how plain text was cut: "paragraph" or "file"
  TokenSplitInfo train, val;
  std::vector<TokenInputInfo> inputs;
  uint64_t skipped_empty = 0;  // documents with no text

  const TokenSplitInfo& split(Split s) const { return s == Split::kTrain ? train : val; }
};

// Token width for a vocabulary: 2 bytes when every id fits in uint16.
inline int TokenBytesFor(uint32_t vocab_size) { return vocab_size <= 65536 ? 2 : 4; }
// True when Hash64(text, seed) puts the document in the validation split.
bool IsValDocument(std::string_view text, uint64_t seed, double val_fraction);

std::string TokenShardMetaToJson(const TokenShardMeta& m);
// Parses and checks meta.json (types, version, dtype, eos < vocab); `where`
// names the file in errors, e.g. "out/meta.json: missing key 'dtype'".
Result<TokenShardMeta> ParseTokenShardMeta(std::string_view text, const std::string& where);

}  // namespace minke::data
