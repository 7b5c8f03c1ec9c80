#include "data/token_meta.h"

#include <nlohmann/json.hpp>

#include "data/hash.h"

namespace minke::data {

std::string_view SplitName(Split s) { return s == Split::kTrain ? "train" : "val"; }

bool IsValDocument(std::string_view text, uint64_t seed, double val_fraction) {
  // The top 53 bits as a double in [0, 1): uniform, and exact.
  const double u = static_cast<double>(Hash64(text, seed) >> 11) * 0x1p-53;
  return u < val_fraction;
}

std::string TokenShardMetaToJson(const TokenShardMeta& m) {
  using nlohmann::ordered_json;
  auto split = [](const TokenSplitInfo& s) {
    return ordered_json{{"file", s.file}, {"tokens", s.tokens}, {"documents", s.documents}, {"sha256", s.sha256}};
  };
  ordered_json inputs = ordered_json::array();
  for (const TokenInputInfo& in : m.inputs)
    inputs.push_back(ordered_json{{"path", in.path}, {"bytes", in.bytes}, {"sha256", in.sha256}});
  ordered_json j{{"format", "minke-tokens"},
                 {"version", m.version},
                 {"dtype", m.token_bytes == 2 ? "uint16" : "uint32"},
                 {"vocab_size", m.vocab_size},
                 {"eos_id", m.eos_id},
                 {"eos_token", m.eos_token},
                 {"tokenizer", {{"path", m.tokenizer_path}, {"sha256", m.tokenizer_sha256}}},
                 {"seed", m.seed},
                 {"val_fraction", m.val_fraction},
                 {"document_unit", m.document_unit},
                 {"splits", {{"train", split(m.train)}, {"val", split(m.val)}}},
                 {"inputs", inputs},
                 {"skipped_empty_documents", m.skipped_empty}};
  return j.dump(2) + "\n";
}

namespace {

using nlohmann::json;

// Typed getters whose errors name the key and what was found.
class Reader {
 public:
  explicit Reader(std::string where) : where_(std::move(where)) {}
  Status Get(const json& o, const char* key, const json** out) {
    if (!o.is_object()) return Status::Error(where_ + ": expected an object holding '" + key + "'");
    auto it = o.find(key);
    if (it == o.end()) return Status::Error(where_ + ": missing key '" + key + "'");
    *out = &*it;
    return Status::Ok();
  }
  template <typename T>
  Status Uint(const json& o, const char* key, T* v) {
    const json* j;
    MINKE_RETURN_IF_ERROR(Get(o, key, &j));
    if (!j->is_number_unsigned() || j->get<uint64_t>() > static_cast<uint64_t>(T(~T(0))))
      return Status::Error(where_ + ": '" + key + "': expected an unsigned integer, got " + j->dump());
    *v = j->get<T>();
    return Status::Ok();
  }
  Status Str(const json& o, const char* key, std::string* v) {
    const json* j;
    MINKE_RETURN_IF_ERROR(Get(o, key, &j));
    if (!j->is_string()) return Status::Error(where_ + ": '" + key + "': expected a string, got " + j->dump());
    *v = j->get<std::string>();
    return Status::Ok();
  }
  Status Split(const json& splits, const char* name, TokenSplitInfo* s) {
    const json* j;
    MINKE_RETURN_IF_ERROR(Get(splits, name, &j));
    MINKE_RETURN_IF_ERROR(Str(*j, "file", &s->file));
    MINKE_RETURN_IF_ERROR(Uint(*j, "tokens", &s->tokens));
    MINKE_RETURN_IF_ERROR(Uint(*j, "documents", &s->documents));
    MINKE_RETURN_IF_ERROR(Str(*j, "sha256", &s->sha256));
    if (s->file.empty() || s->file.find('/') != std::string::npos || s->file.starts_with("."))
      return Status::Error(where_ + ": splits." + name + ".file: expected a plain file name, got '" + s->file + "'");
    return Status::Ok();
  }

 private:
  std::string where_;
};

}  // namespace

Result<TokenShardMeta> ParseTokenShardMeta(std::string_view text, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    return Status::Error(where + ": malformed JSON: " + e.what());
  }
  Reader r(where);
  TokenShardMeta m;
  std::string format, dtype;
  MINKE_RETURN_IF_ERROR(r.Str(j, "format", &format));
  if (format != "minke-tokens") return Status::Error(where + ": format: expected 'minke-tokens', got '" + format + "'");
  MINKE_RETURN_IF_ERROR(r.Uint(j, "version", &m.version));
  if (m.version != kTokenFormatVersion)
    return Status::Error(where + ": version " + std::to_string(m.version) + " is not supported (expected " +
                         std::to_string(kTokenFormatVersion) + ")");
  MINKE_RETURN_IF_ERROR(r.Str(j, "dtype", &dtype));
  if (dtype != "uint16" && dtype != "uint32")
    return Status::Error(where + ": dtype: expected uint16 or uint32, got '" + dtype + "'");
  m.token_bytes = dtype == "uint16" ? 2 : 4;
  MINKE_RETURN_IF_ERROR(r.Uint(j, "vocab_size", &m.vocab_size));
  MINKE_RETURN_IF_ERROR(r.Uint(j, "eos_id", &m.eos_id));
  if (m.vocab_size == 0 || m.eos_id >= m.vocab_size)
    return Status::Error(where + ": eos_id " + std::to_string(m.eos_id) + " is not below vocab_size " +
                         std::to_string(m.vocab_size));
  if (m.token_bytes == 2 && m.vocab_size > 65536)
    return Status::Error(where + ": dtype uint16 cannot hold vocab_size " + std::to_string(m.vocab_size));
  MINKE_RETURN_IF_ERROR(r.Str(j, "eos_token", &m.eos_token));
  const json* tok;
  MINKE_RETURN_IF_ERROR(r.Get(j, "tokenizer", &tok));
  MINKE_RETURN_IF_ERROR(r.Str(*tok, "path", &m.tokenizer_path));
  MINKE_RETURN_IF_ERROR(r.Str(*tok, "sha256", &m.tokenizer_sha256));
  MINKE_RETURN_IF_ERROR(r.Uint(j, "seed", &m.seed));
  const json* frac;
  MINKE_RETURN_IF_ERROR(r.Get(j, "val_fraction", &frac));
  if (!frac->is_number() || !(frac->get<double>() >= 0 && frac->get<double>() <= 1))
    return Status::Error(where + ": val_fraction: expected a number in [0, 1], got " + frac->dump());
  m.val_fraction = frac->get<double>();
  MINKE_RETURN_IF_ERROR(r.Str(j, "document_unit", &m.document_unit));
  const json* splits;
  MINKE_RETURN_IF_ERROR(r.Get(j, "splits", &splits));
  MINKE_RETURN_IF_ERROR(r.Split(*splits, "train", &m.train));
  MINKE_RETURN_IF_ERROR(r.Split(*splits, "val", &m.val));
  const json* inputs;
  MINKE_RETURN_IF_ERROR(r.Get(j, "inputs", &inputs));
  if (!inputs->is_array()) return Status::Error(where + ": inputs: expected an array");
  for (const json& in : *inputs) {
    TokenInputInfo info;
    MINKE_RETURN_IF_ERROR(r.Str(in, "path", &info.path));
    MINKE_RETURN_IF_ERROR(r.Uint(in, "bytes", &info.bytes));
    MINKE_RETURN_IF_ERROR(r.Str(in, "sha256", &info.sha256));
    m.inputs.push_back(std::move(info));
  }
  MINKE_RETURN_IF_ERROR(r.Uint(j, "skipped_empty_documents", &m.skipped_empty));
  return m;
}

}  // namespace minke::data
