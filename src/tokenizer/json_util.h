// Strict accessors for tokenizer.json fields (internal to src/tokenizer).
// Every error names where the field is, e.g.
//   "pre_tokenizer.pretokenizers[2]: field 'behavior' must be a string".
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace minke::tokenizer {

using json = nlohmann::json;

// Ids index tables (decoding, vocab), so tokenizer.json ids must stay below this
// (2^21: real vocabularies have at most a few hundred thousand entries).
inline constexpr uint32_t kMaxTokenId = 1u << 21;

inline Status JsonError(const std::string& where, const std::string& what) {
  return Status::Error(where + ": " + what);
}

// The object's "type" string; errors when `j` is not an object or has none.
inline Result<std::string> JsonType(const json& j, const std::string& where) {
  if (!j.is_object()) return JsonError(where, "must be a JSON object");
  auto it = j.find("type");
  if (it == j.end() || !it->is_string()) return JsonError(where, "field 'type' is missing or not a string");
  return it->get<std::string>();
}

// Errors on any key of object `j` not in `known` (so that a setting we would
// ignore is reported, not silently dropped).
inline Status JsonCheckKeys(const json& j, std::initializer_list<const char*> known, const std::string& where) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) return JsonError(where, "unknown field '" + it.key() + "'");
  }
  return Status::Ok();
}

inline Result<std::string> JsonString(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return JsonError(where, std::string("field '") + key + "' must be a string");
  return it->get<std::string>();
}

// A bool field; `fallback` when absent (HF's serde default).
inline Result<bool> JsonBool(const json& j, const char* key, bool fallback, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_boolean()) return JsonError(where, std::string("field '") + key + "' must be true or false");
  return it->get<bool>();
}

inline Result<uint32_t> JsonId(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned() || it->get<uint64_t>() > 0xFFFFFFFEull)
    return JsonError(where, std::string("field '") + key + "' must be a token id (unsigned 32-bit integer)");
  return static_cast<uint32_t>(it->get<uint64_t>());
}

}  // namespace minke::tokenizer
