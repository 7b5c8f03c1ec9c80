// Internal to io/: the tokenizer.ggml.* metadata of a deepseek2 GGUF.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "io/gguf.h"

namespace minke::io {

// From a Hugging Face tokenizer.json (byte-level BPE): vocab_size tokens,
// ids the tokenizer lacks written as "[PAD<id>]" (type UNUSED), added special
// tokens as CONTROL, pre-tokenizer "deepseek-v3"; bos/eos/pad ids, add_bos/
// add_eos and the chat template from tokenizer_config.json beside it, if any.
Status AddTokenizerVocab(std::vector<std::pair<std::string, GgufValue>>* kv, const std::string& tokenizer_json,
                         int64_t vocab_size);

// No tokenizer: the 256 byte-level tokens, then "[PAD<id>]" up to
// vocab_size. Enough for llama.cpp to load the file and run token ids.
void AddPlaceholderVocab(std::vector<std::pair<std::string, GgufValue>>* kv, int64_t vocab_size);

}  // namespace minke::io
