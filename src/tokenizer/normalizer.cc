#include "tokenizer/normalizer.h"

#include "tokenizer/unicode_norm.h"

namespace minke::tokenizer {

Status Normalizer::Collect(const json& j, const std::string& where, std::vector<Form>* steps) {
  if (j.is_null()) return Status::Ok();
  MINKE_ASSIGN_OR_RETURN(std::string type, JsonType(j, where));
  if (type == "Sequence") {
    MINKE_RETURN_IF_ERROR(JsonCheckKeys(j, {"type", "normalizers"}, where));
    auto it = j.find("normalizers");
    if (it == j.end() || !it->is_array()) return JsonError(where, "Sequence: field 'normalizers' must be an array");
    for (size_t i = 0; i < it->size(); ++i)
      MINKE_RETURN_IF_ERROR(Collect((*it)[i], where + ".normalizers[" + std::to_string(i) + "]", steps));
    return Status::Ok();
  }
  static const struct {
    const char* name;
    Form form;
  } kForms[] = {{"NFC", Form::kNFC}, {"NFD", Form::kNFD}, {"NFKC", Form::kNFKC}, {"NFKD", Form::kNFKD}};
  for (const auto& f : kForms) {
    if (type == f.name) {
      MINKE_RETURN_IF_ERROR(JsonCheckKeys(j, {"type"}, where));
      steps->push_back(f.form);
      return Status::Ok();
    }
  }
  return Status::Error(where + " type '" + type + "' is not supported");
}

Result<Normalizer> Normalizer::FromJson(const json& j, const std::string& where) {
  Normalizer n;
  MINKE_RETURN_IF_ERROR(Collect(j, where, &n.steps_));
  return n;
}

void Normalizer::Normalize(std::string_view text, std::string* out) const {
  out->assign(text);
  std::string tmp;
  for (Form f : steps_) {
    const bool compat = f == Form::kNFKC || f == Form::kNFKD;
    const bool compose = f == Form::kNFC || f == Form::kNFKC;
    UnicodeNormalize(*out, compat, compose, &tmp);
    out->swap(tmp);
  }
}

}  // namespace minke::tokenizer
