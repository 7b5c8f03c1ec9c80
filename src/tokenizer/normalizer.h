// Normalizer: the tokenizer.json "normalizer" step, run on text before
// pre-tokenization (and on the contents of added tokens marked "normalized").
//
// Supported: null (none), "Sequence" (applied in order), "NFC", "NFD", "NFKC",
// "NFKD" (unicode_norm.h: Hugging Face's Unicode tables). Any other type is an
// error naming it. Immutable after construction; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tokenizer/json_util.h"

namespace minke::tokenizer {

class Normalizer {
 public:
  enum class Form { kNFC, kNFD, kNFKC, kNFKD };

  // `j` is the "normalizer" value (may be null); `where` prefixes errors.
  static Result<Normalizer> FromJson(const json& j, const std::string& where);

  // True when Normalize() never changes its input (no steps).
  bool identity() const { return steps_.empty(); }

  // *out = normalized `text`. REQUIRES: text is valid UTF-8.
  void Normalize(std::string_view text, std::string* out) const;

 private:
  static Status Collect(const json& j, const std::string& where, std::vector<Form>* steps);
  std::vector<Form> steps_;
};

}  // namespace minke::tokenizer
