// PostProcessor: the tokenizer.json "post_processor", applied to the ids of a
// single sequence when special tokens are requested (add_special_tokens).
//
// Supported: null, "ByteLevel" (offsets only: ids unchanged),
// "TemplateProcessing" (the "single" template: special tokens around
// Sequence A, e.g. BOS first for Llama-3), "BertProcessing" /
// "RobertaProcessing" (cls A sep), and "Sequence" of these (applied in order).
// Pair templates are read but not applied (only single sequences are
// encoded). DeepSeek-V3's tokenizer.json has a ByteLevel post-processor, so
// HF `tokenizers` adds no BOS for it (transformers adds it from
// tokenizer_config.json). Other types are errors naming them.
// Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "tokenizer/json_util.h"

namespace minke::tokenizer {

class PostProcessor {
 public:
  static Result<PostProcessor> FromJson(const json& j, const std::string& where);

  // *ids = prefix + *ids + suffix.
  void Apply(std::vector<uint32_t>* ids) const;

  const std::vector<uint32_t>& prefix() const { return prefix_; }
  const std::vector<uint32_t>& suffix() const { return suffix_; }

 private:
  static Status Collect(const json& j, const std::string& where, PostProcessor* p);
  std::vector<uint32_t> prefix_, suffix_;
};

}  // namespace minke::tokenizer
