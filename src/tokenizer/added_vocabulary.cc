#include "tokenizer/added_vocabulary.h"

#include <cstring>
#include <unordered_set>

#include "tokenizer/regex.h"
#include "tokenizer/utf8.h"

namespace minke::tokenizer {
namespace {

bool IsWordChar(std::string_view ch) {
  size_t len;
  return IsSingleWordChar(DecodeUtf8At(ch, 0, &len));
}

// The last / first char of `s` (valid UTF-8, non-empty).
std::string_view LastChar(std::string_view s) {
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return s.substr(i);
}
std::string_view FirstChar(std::string_view s) {
  return s.substr(0, Utf8LenFromLead(static_cast<unsigned char>(s[0])));
}

}  // namespace

bool IsUnicodeWhiteSpace(char32_t c) {
  return (c >= 0x9 && c <= 0xD) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

void AddedVocabulary::Trie::Insert(std::string_view key, int32_t token) {
  uint32_t n = 0;
  for (unsigned char b : key) {
    uint32_t child = 0;
    for (const auto& [byte, idx] : nodes[n].next)
      if (byte == b) child = idx;
    if (child == 0) {
      child = static_cast<uint32_t>(nodes.size());
      nodes[n].next.emplace_back(b, child);
      nodes.emplace_back();
    }
    n = child;
  }
  if (nodes[n].token < 0) nodes[n].token = token;  // first of equal contents wins
  first_byte[static_cast<unsigned char>(key[0])] = true;
}

std::pair<int32_t, size_t> AddedVocabulary::Trie::Longest(std::string_view text, size_t at) const {
  std::pair<int32_t, size_t> best{-1, 0};
  uint32_t n = 0;
  for (size_t i = at; i < text.size(); ++i) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    uint32_t child = 0;
    for (const auto& [byte, idx] : nodes[n].next)
      if (byte == b) child = idx;
    if (child == 0) break;
    n = child;
    if (nodes[n].token >= 0) best = {nodes[n].token, i + 1 - at};
  }
  return best;
}

Result<AddedVocabulary> AddedVocabulary::FromJson(const json& j, const Normalizer& normalizer,
                                                  const std::string& where) {
  AddedVocabulary v;
  if (j.is_null()) return v;
  if (!j.is_array()) return JsonError(where, "must be an array");
  std::unordered_set<uint32_t> ids;
  for (size_t i = 0; i < j.size(); ++i) {
    const json& t = j[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!t.is_object()) return JsonError(at, "must be a JSON object");
    MINKE_RETURN_IF_ERROR(
        JsonCheckKeys(t, {"id", "content", "single_word", "lstrip", "rstrip", "normalized", "special"}, at));
    AddedToken a;
    MINKE_ASSIGN_OR_RETURN(a.id, JsonId(t, "id", at));
    MINKE_ASSIGN_OR_RETURN(a.content, JsonString(t, "content", at));
    MINKE_ASSIGN_OR_RETURN(a.single_word, JsonBool(t, "single_word", false, at));
    MINKE_ASSIGN_OR_RETURN(a.lstrip, JsonBool(t, "lstrip", false, at));
    MINKE_ASSIGN_OR_RETURN(a.rstrip, JsonBool(t, "rstrip", false, at));
    MINKE_ASSIGN_OR_RETURN(a.special, JsonBool(t, "special", false, at));
    MINKE_ASSIGN_OR_RETURN(a.normalized, JsonBool(t, "normalized", !a.special, at));  // HF default: !special
    if (a.content.empty()) return JsonError(at, "content is empty");
    if (a.id >= kMaxTokenId)
      return JsonError(at, "id " + std::to_string(a.id) + " is not below " + std::to_string(kMaxTokenId));
    if (!ids.insert(a.id).second) return JsonError(at, "id " + std::to_string(a.id) + " appears twice");
    v.tokens_.push_back(std::move(a));
  }
  v.Build(normalizer);
  return v;
}

void AddedVocabulary::Build(const Normalizer& normalizer) {
  std::string norm;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    if (!t.normalized) {
      raw_.Insert(t.content, static_cast<int32_t>(i));
    } else {
      normalizer.Normalize(t.content, &norm);  // HF normalizes the pattern too
      if (!norm.empty()) normalized_.Insert(norm, static_cast<int32_t>(i));
    }
  }
}

// HF added_vocabulary.rs `find_matches`.
void AddedVocabulary::Split(std::string_view text, bool normalized, std::vector<Segment>* out) const {
  const Trie& trie = normalized ? normalized_ : raw_;
  size_t start_offset = 0;  // end of the last emitted segment
  size_t at = 0;            // where the match search resumes
  while (at < text.size()) {
    if (!trie.first_byte[static_cast<unsigned char>(text[at])]) {
      ++at;
      continue;
    }
    auto [index, len] = trie.Longest(text, at);
    if (index < 0) {
      ++at;
      continue;
    }
    const AddedToken& t = tokens_[index];
    size_t start = at, stop = at + len;
    at = stop;
    if (t.single_word) {
      const bool start_ok = start == 0 || !IsWordChar(LastChar(text.substr(0, start)));
      const bool stop_ok = stop == text.size() || !IsWordChar(FirstChar(text.substr(stop)));
      if (!start_ok || !stop_ok) continue;
    }
    if (start < start_offset) continue;  // inside what an rstrip swallowed
    if (t.lstrip) {
      size_t s = start;
      while (s > start_offset) {
        size_t p = s - 1;
        while (p > 0 && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) --p;
        size_t l;
        if (!IsUnicodeWhiteSpace(DecodeUtf8At(text, p, &l))) break;
        s = p;
      }
      start = s;
    }
    if (t.rstrip) {
      size_t l;
      while (stop < text.size() && IsUnicodeWhiteSpace(DecodeUtf8At(text, stop, &l))) stop += l;
    }
    if (start != start_offset) out->push_back({false, 0, text.substr(start_offset, start - start_offset)});
    out->push_back({true, t.id, text.substr(start, stop - start)});
    start_offset = stop;
  }
  if (start_offset != text.size()) out->push_back({false, 0, text.substr(start_offset)});
}

}  // namespace minke::tokenizer
