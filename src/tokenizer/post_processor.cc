#include "tokenizer/post_processor.h"

namespace minke::tokenizer {
namespace {

// ["<s>", 0] as used by Bert/Roberta processing.
Result<uint32_t> TokenPairId(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_string() || !(*it)[1].is_number_unsigned() ||
      (*it)[1].get<uint64_t>() > 0xFFFFFFFEull)
    return JsonError(where, std::string("field '") + key + "' must be [\"token\", id]");
  return static_cast<uint32_t>((*it)[1].get<uint64_t>());
}

// The ids of special token `name` in a TemplateProcessing "special_tokens" map.
Result<std::vector<uint32_t>> SpecialIds(const json& specials, const std::string& name, const std::string& where) {
  auto it = specials.find(name);
  if (it == specials.end() || !it->is_object())
    return JsonError(where, "special token '" + name + "' is not in 'special_tokens'");
  auto ids = it->find("ids");
  if (ids == it->end() || !ids->is_array()) return JsonError(where, "special_tokens['" + name + "'].ids is missing");
  std::vector<uint32_t> out;
  for (const json& id : *ids) {
    if (!id.is_number_unsigned() || id.get<uint64_t>() > 0xFFFFFFFEull)
      return JsonError(where, "special_tokens['" + name + "'].ids holds a non-id");
    out.push_back(static_cast<uint32_t>(id.get<uint64_t>()));
  }
  return out;
}

}  // namespace

Status PostProcessor::Collect(const json& j, const std::string& where, PostProcessor* p) {
  if (j.is_null()) return Status::Ok();
  MINKE_ASSIGN_OR_RETURN(std::string type, JsonType(j, where));
  PostProcessor step;
  if (type == "Sequence") {
    MINKE_RETURN_IF_ERROR(JsonCheckKeys(j, {"type", "processors"}, where));
    auto it = j.find("processors");
    if (it == j.end() || !it->is_array()) return JsonError(where, "Sequence: field 'processors' must be an array");
    for (size_t i = 0; i < it->size(); ++i)
      MINKE_RETURN_IF_ERROR(Collect((*it)[i], where + ".processors[" + std::to_string(i) + "]", p));
    return Status::Ok();
  } else if (type == "ByteLevel") {
    MINKE_RETURN_IF_ERROR(JsonCheckKeys(j, {"type", "add_prefix_space", "trim_offsets", "use_regex"}, where));
  } else if (type == "BertProcessing" || type == "RobertaProcessing") {
    MINKE_RETURN_IF_ERROR(JsonCheckKeys(j, {"type", "sep", "cls", "trim_offsets", "add_prefix_space"}, where));
    MINKE_ASSIGN_OR_RETURN(uint32_t cls, TokenPairId(j, "cls", where + ": " + type));
    MINKE_ASSIGN_OR_RETURN(uint32_t sep, TokenPairId(j, "sep", where + ": " + type));
    step.prefix_ = {cls};
    step.suffix_ = {sep};
  } else if (type == "TemplateProcessing") {
    const std::string at = where + ": TemplateProcessing";
    MINKE_RETURN_IF_ERROR(JsonCheckKeys(j, {"type", "single", "pair", "special_tokens"}, where));
    auto single = j.find("single");
    auto specials = j.find("special_tokens");
    if (single == j.end() || !single->is_array()) return JsonError(at, "field 'single' must be an array");
    if (specials == j.end() || !specials->is_object()) return JsonError(at, "field 'special_tokens' must be an object");
    int sequences = 0;
    for (const json& piece : *single) {
      if (piece.is_object() && piece.contains("Sequence") && piece["Sequence"].is_object()) {
        const json& seq = piece["Sequence"];
        if (!seq.contains("id") || seq["id"] != "A")
          return JsonError(at, "the single template may only use sequence A");
        ++sequences;
      } else if (piece.is_object() && piece.contains("SpecialToken") && piece["SpecialToken"].is_object() &&
                 piece["SpecialToken"].contains("id") && piece["SpecialToken"]["id"].is_string()) {
        MINKE_ASSIGN_OR_RETURN(std::vector<uint32_t> ids,
                               SpecialIds(*specials, piece["SpecialToken"]["id"].get<std::string>(), at));
        auto& dst = sequences == 0 ? step.prefix_ : step.suffix_;
        dst.insert(dst.end(), ids.begin(), ids.end());
      } else {
        return JsonError(at,
                         "template pieces must be {\"SpecialToken\": {\"id\": ..}} or {\"Sequence\": {\"id\": ..}}");
      }
    }
    if (sequences != 1) return JsonError(at, "the single template must hold sequence A exactly once");
  } else {
    return Status::Error(where + " type '" + type + "' is not supported");
  }
  // Applying `step` after *p: step.prefix + p.prefix + A + p.suffix + step.suffix.
  p->prefix_.insert(p->prefix_.begin(), step.prefix_.begin(), step.prefix_.end());
  p->suffix_.insert(p->suffix_.end(), step.suffix_.begin(), step.suffix_.end());
  return Status::Ok();
}

Result<PostProcessor> PostProcessor::FromJson(const json& j, const std::string& where) {
  PostProcessor p;
  MINKE_RETURN_IF_ERROR(Collect(j, where, &p));
  return p;
}

void PostProcessor::Apply(std::vector<uint32_t>* ids) const {
  ids->insert(ids->begin(), prefix_.begin(), prefix_.end());
  ids->insert(ids->end(), suffix_.begin(), suffix_.end());
}

}  // namespace minke::tokenizer
