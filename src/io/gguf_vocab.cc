// tokenizer.ggml.* metadata for a deepseek2 GGUF (internal to io/; declared
// in gguf_vocab.h). llama.cpp reads a Hugging Face byte-level BPE as
// tokenizer.ggml.model "gpt2": the token strings by id, their types and the
// merges "a b" in rank order; `pre` picks its pre-tokenizer regexes.
#include "io/gguf_vocab.h"

#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/json_depth.h"
#include "core/mapped_file.h"

namespace minke::io {
namespace {

using json = nlohmann::json;

// llama_token_type (gguf-py TokenType).
constexpr int32_t kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5;

// GPT-2's bytes_to_unicode(): byte b as the printable code point ByteLevel
// uses for it, UTF-8 encoded.
std::string ByteToken(int b) {
  int cp = b;
  const bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  if (!printable) {
    int n = 0;
    for (int x = 0; x < b; ++x)
      if (!((x >= '!' && x <= '~') || (x >= 0xa1 && x <= 0xac) || (x >= 0xae && x <= 0xff))) ++n;
    cp = 256 + n;
  }
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else {
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return s;
}

void AddVocab(std::vector<std::pair<std::string, GgufValue>>* kv, const std::string& pre, std::vector<GgufValue> tokens,
              std::vector<GgufValue> types, std::vector<GgufValue> merges) {
  kv->emplace_back("tokenizer.ggml.model", GgufValue::Str("gpt2"));
  kv->emplace_back("tokenizer.ggml.pre", GgufValue::Str(pre));
  kv->emplace_back("tokenizer.ggml.tokens", GgufValue::Array(GgufType::kString, std::move(tokens)));
  kv->emplace_back("tokenizer.ggml.token_type", GgufValue::Array(GgufType::kI32, std::move(types)));
  kv->emplace_back("tokenizer.ggml.merges", GgufValue::Array(GgufType::kString, std::move(merges)));
}

// What gguf-py's SpecialVocab takes from tokenizer_config.json: bos/eos/pad
// ids, add_bos/add_eos, the chat template. Absent file: nothing to add.
Status AddSpecialTokens(std::vector<std::pair<std::string, GgufValue>>* kv, const std::string& path,
                        const std::map<std::string, int64_t>& ids) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::Ok();
  MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  if (!JsonDepthWithin(text, kMaxJsonDepth)) return Status::Error(path + ": JSON nests too deeply");
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Error(path + ": not a JSON object");
  // tokenizer_config.json key -> gguf-py's key (Keys.Tokenizer BOS_ID, EOS_ID, PAD_ID).
  const std::pair<const char*, const char*> kSpecial[] = {{"bos_token", "tokenizer.ggml.bos_token_id"},
                                                          {"eos_token", "tokenizer.ggml.eos_token_id"},
                                                          {"pad_token", "tokenizer.ggml.padding_token_id"}};
  for (const auto& [key, gguf_key] : kSpecial) {
    if (!j.contains(key)) continue;
    const json& t = j[key];
    const json* content = t.is_string() ? &t : t.is_object() && t.contains("content") ? &t["content"] : nullptr;
    if (content == nullptr || !content->is_string()) continue;  // null: no such token
    auto it = ids.find(content->get<std::string>());
    if (it == ids.end())
      return Status::Error(path + ": " + key + " '" + content->get<std::string>() + "' is not in the vocabulary");
    kv->emplace_back(gguf_key, GgufValue::U32(static_cast<uint32_t>(it->second)));
  }
  for (const char* key : {"add_bos_token", "add_eos_token"})
    if (j.contains(key) && j[key].is_boolean())
      kv->emplace_back(std::string("tokenizer.ggml.") + key, GgufValue::Bool(j[key].get<bool>()));
  if (j.contains("chat_template") && j["chat_template"].is_string())
    kv->emplace_back("tokenizer.chat_template", GgufValue::Str(j["chat_template"].get<std::string>()));
  return Status::Ok();
}

}  // namespace

void AddPlaceholderVocab(std::vector<std::pair<std::string, GgufValue>>* kv, int64_t vocab_size) {
  std::vector<GgufValue> tokens, types;
  for (int64_t i = 0; i < vocab_size; ++i) {
    tokens.push_back(GgufValue::Str(i < 256 ? ByteToken(static_cast<int>(i)) : "[PAD" + std::to_string(i) + "]"));
    types.push_back(GgufValue::I32(i < 256 ? kNormal : kUnused));
  }
  AddVocab(kv, "default", std::move(tokens), std::move(types), {});
}

Status AddTokenizerVocab(std::vector<std::pair<std::string, GgufValue>>* kv, const std::string& path,
                         int64_t vocab_size) {
  MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  if (!JsonDepthWithin(text, kMaxJsonDepth)) return Status::Error(path + ": JSON nests too deeply");
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Error(path + ": not a JSON object");
  const json* model = j.contains("model") ? &j["model"] : nullptr;
  if (!model || !model->is_object() || model->value("type", "") != "BPE" || !(*model)["vocab"].is_object() ||
      !(*model)["merges"].is_array())
    return Status::Error(path + ": model is not a BPE model with vocab and merges");
  std::vector<GgufValue> tokens(static_cast<size_t>(vocab_size)), types(static_cast<size_t>(vocab_size));
  std::vector<bool> seen(static_cast<size_t>(vocab_size));
  auto put = [&](const std::string& tok, const json& id, int32_t type) -> Status {
    if (!id.is_number_integer() || id.get<int64_t>() < 0)
      return Status::Error(path + ": token '" + tok + "' has no valid id");
    const int64_t i = id.get<int64_t>();
    if (i >= vocab_size)
      return Status::Error(path + ": token '" + tok + "' has id " + std::to_string(i) +
                           ", beyond the model's vocab_size " + std::to_string(vocab_size));
    tokens[i] = GgufValue::Str(tok);
    types[i] = GgufValue::I32(type);
    seen[i] = true;
    return Status::Ok();
  };
  for (const auto& [tok, id] : (*model)["vocab"].items()) MINKE_RETURN_IF_ERROR(put(tok, id, kNormal));
  if (j.contains("added_tokens") && j["added_tokens"].is_array())
    for (const json& a : j["added_tokens"]) {
      if (!a.is_object() || !a.contains("content") || !a["content"].is_string() || !a.contains("id"))
        return Status::Error(path + ": malformed entry in added_tokens");
      MINKE_RETURN_IF_ERROR(
          put(a["content"].get<std::string>(), a["id"], a.value("special", false) ? kControl : kUserDefined));
    }
  for (int64_t i = 0; i < vocab_size; ++i)
    if (!seen[i]) {  // ids the tokenizer never produces (embedding rows padded to a round size)
      tokens[i] = GgufValue::Str("[PAD" + std::to_string(i) + "]");
      types[i] = GgufValue::I32(kUnused);
    }
  std::vector<GgufValue> merges;
  for (const json& m : (*model)["merges"]) {
    if (m.is_string()) {
      merges.push_back(GgufValue::Str(m.get<std::string>()));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      merges.push_back(GgufValue::Str(m[0].get<std::string>() + " " + m[1].get<std::string>()));
    } else {
      return Status::Error(path + ": malformed merge " + m.dump());
    }
  }
  // DeepSeek-V3's tokenizer (and R1's) is llama.cpp's "deepseek-v3" pre-tokenizer.
  std::map<std::string, int64_t> ids;
  for (int64_t i = 0; i < vocab_size; ++i) ids[tokens[i].str] = i;
  AddVocab(kv, "deepseek-v3", std::move(tokens), std::move(types), std::move(merges));
  return AddSpecialTokens(kv, path.substr(0, path.find_last_of('/') + 1) + "tokenizer_config.json", ids);
}

}  // namespace minke::io
