#include "tokenizer/decoder.h"

#include "tokenizer/byte_level.h"
#include "tokenizer/utf8.h"

namespace minke::tokenizer {

Result<Decoder> Decoder::FromJson(const json& j, const std::string& where) {
  Decoder d;
  if (j.is_null()) return d;
  MINKE_ASSIGN_OR_RETURN(std::string type, JsonType(j, where));
  if (type == "Sequence") {
    auto it = j.find("decoders");
    if (it != j.end() && it->is_array() && it->size() == 1) return FromJson((*it)[0], where + ".decoders[0]");
    return Status::Error(where + ": a Sequence decoder is supported only when it holds just ByteLevel");
  }
  if (type != "ByteLevel") return Status::Error(where + " type '" + type + "' is not supported");
  MINKE_RETURN_IF_ERROR(JsonCheckKeys(j, {"type", "add_prefix_space", "trim_offsets", "use_regex"}, where));
  d.enabled_ = true;
  return d;
}

void Decoder::SetToken(uint32_t id, std::string_view spelling, bool special) {
  if (id >= entries_.size()) entries_.resize(id + 1);
  Entry& e = entries_[id];
  e.bytes.clear();
  if (!ByteLevelToBytes(spelling, &e.bytes)) e.bytes.assign(spelling);  // HF: keep the token's own bytes
  e.present = true;
  e.special = special;
}

Status Decoder::AppendBytes(uint32_t id, bool skip_special_tokens, std::string* bytes) const {
  if (!enabled_) return Status::Error("tokenizer.json has no decoder (null): cannot decode");
  if (id >= entries_.size() || !entries_[id].present)
    return Status::Error("decode: token id " + std::to_string(id) + " is not in the vocabulary (ids below " +
                         std::to_string(entries_.size()) + ")");
  const Entry& e = entries_[id];
  if (!(skip_special_tokens && e.special)) bytes->append(e.bytes);
  return Status::Ok();
}

Result<std::string> Decoder::Decode(std::span<const uint32_t> ids, bool skip_special_tokens) const {
  std::string bytes, text;
  for (uint32_t id : ids) MINKE_RETURN_IF_ERROR(AppendBytes(id, skip_special_tokens, &bytes));
  AppendUtf8Lossy(bytes, /*final=*/true, &text);
  return text;
}

Result<std::string> StreamDecoder::Push(uint32_t id) {
  MINKE_RETURN_IF_ERROR(decoder_.AppendBytes(id, skip_special_tokens_, &pending_));
  std::string text;
  pending_.erase(0, AppendUtf8Lossy(pending_, /*final=*/false, &text));
  return text;
}

std::string StreamDecoder::Finish() {
  std::string text;
  AppendUtf8Lossy(pending_, /*final=*/true, &text);
  pending_.clear();
  return text;
}

}  // namespace minke::tokenizer
