#include "tokenizer/pre_tokenizer.h"

#include <algorithm>

namespace minke::tokenizer {
namespace {

// HF tokenizers' ByteLevel pre-tokenizer pattern (GPT-2).
constexpr char kGpt2Pattern[] = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// A String pattern as a regex, like HF's `regex::escape`.
std::string EscapeLiteral(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$#&-~").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

Result<SplitBehavior> ParseBehavior(const std::string& b, const std::string& where) {
  if (b == "Removed") return SplitBehavior::kRemoved;
  if (b == "Isolated") return SplitBehavior::kIsolated;
  if (b == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (b == "Contiguous") return SplitBehavior::kContiguous;
  return JsonError(where, "Split: behavior '" + b +
                              "' is not one of Removed, Isolated, MergedWithPrevious, "
                              "MergedWithNext, Contiguous");
}

}  // namespace

// HF tokenizers normalizer.rs `NormalizedString::split`.
std::vector<Span> ApplySplitBehavior(const std::vector<std::pair<Span, bool>>& parts, SplitBehavior behavior) {
  std::vector<Span> out;
  bool prev_match = false;
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const auto& [span, m] : parts)
        if (!m) out.push_back(span);
      break;
    case SplitBehavior::kIsolated:
      for (const auto& [span, m] : parts) out.push_back(span);
      break;
    case SplitBehavior::kContiguous:
      for (const auto& [span, m] : parts) {
        if (m == prev_match && !out.empty())
          out.back().second = span.second;
        else
          out.push_back(span);
        prev_match = m;
      }
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const auto& [span, m] : parts) {
        if (m && !prev_match && !out.empty())
          out.back().second = span.second;
        else
          out.push_back(span);
        prev_match = m;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (size_t k = parts.size(); k-- > 0;) {
        const auto& [span, m] = parts[k];
        if (m && !prev_match && !out.empty())
          out.back().first = span.first;
        else
          out.push_back(span);
        prev_match = m;
      }
      std::reverse(out.begin(), out.end());
      break;
  }
  return out;
}

Status PreTokenizer::Collect(const json& j, const std::string& where, std::vector<Step>* steps) {
  const Result<std::string> type_or = JsonType(j, where);  // (not ASSIGN_OR_RETURN: GCC 12 false warning)
  if (!type_or.ok()) return type_or.status();
  const std::string& type = type_or.value();
  if (type == "Sequence") {
    MINKE_RETURN_IF_ERROR(JsonCheckKeys(j, {"type", "pretokenizers"}, where));
    auto it = j.find("pretokenizers");
    if (it == j.end() || !it->is_array()) return JsonError(where, "Sequence: field 'pretokenizers' must be an array");
    for (size_t i = 0; i < it->size(); ++i)
      MINKE_RETURN_IF_ERROR(Collect((*it)[i], where + ".pretokenizers[" + std::to_string(i) + "]", steps));
    return Status::Ok();
  }
  Step s;
  if (type == "Split") {
    MINKE_RETURN_IF_ERROR(JsonCheckKeys(j, {"type", "pattern", "behavior", "invert"}, where));
    auto pat = j.find("pattern");
    if (pat == j.end() || !pat->is_object() || pat->size() != 1)
      return JsonError(where, "Split: field 'pattern' must be {\"Regex\": ...} or {\"String\": ...}");
    std::string regex;
    if (pat->contains("Regex") && (*pat)["Regex"].is_string()) {
      regex = (*pat)["Regex"].get<std::string>();
    } else if (pat->contains("String") && (*pat)["String"].is_string()) {
      regex = EscapeLiteral((*pat)["String"].get<std::string>());
    } else {
      return JsonError(where, "Split: field 'pattern' must be {\"Regex\": ...} or {\"String\": ...}");
    }
    Result<Regex> re = Regex::Compile(regex);
    if (!re.ok()) return re.status().WithContext(where + ": Split");
    s.regex = std::move(re.value());
    MINKE_ASSIGN_OR_RETURN(std::string behavior, JsonString(j, "behavior", where + ": Split"));
    MINKE_ASSIGN_OR_RETURN(s.behavior, ParseBehavior(behavior, where));
    MINKE_ASSIGN_OR_RETURN(s.invert, JsonBool(j, "invert", false, where + ": Split"));
  } else if (type == "ByteLevel") {
    MINKE_RETURN_IF_ERROR(JsonCheckKeys(j, {"type", "add_prefix_space", "trim_offsets", "use_regex"}, where));
    s.kind = Step::kByteLevel;
    MINKE_ASSIGN_OR_RETURN(s.add_prefix_space, JsonBool(j, "add_prefix_space", true, where + ": ByteLevel"));
    MINKE_ASSIGN_OR_RETURN(bool use_regex, JsonBool(j, "use_regex", true, where + ": ByteLevel"));
    MINKE_ASSIGN_OR_RETURN(bool trim, JsonBool(j, "trim_offsets", true, where + ": ByteLevel"));
    (void)trim;  // offsets only
    if (use_regex) {
      Result<Regex> re = Regex::Compile(kGpt2Pattern);
      if (!re.ok()) return re.status().WithContext(where + ": ByteLevel");
      s.regex = std::move(re.value());
    }
  } else if (type == "Digits") {
    MINKE_RETURN_IF_ERROR(JsonCheckKeys(j, {"type", "individual_digits"}, where));
    MINKE_ASSIGN_OR_RETURN(bool individual, JsonBool(j, "individual_digits", false, where + ": Digits"));
    Result<Regex> re = Regex::Compile("\\p{N}");  // Rust char::is_numeric
    if (!re.ok()) return re.status().WithContext(where + ": Digits");
    s.regex = std::move(re.value());
    s.behavior = individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous;
  } else {
    return Status::Error(where + " type '" + type + "' is not supported");
  }
  if (!steps->empty() && steps->back().kind == Step::kByteLevel)
    return JsonError(where, "a " + type + " step after ByteLevel is not supported (ByteLevel must come last)");
  steps->push_back(std::move(s));
  return Status::Ok();
}

Result<PreTokenizer> PreTokenizer::FromJson(const json& j, const std::string& where) {
  PreTokenizer p;
  if (j.is_null()) return p;
  MINKE_RETURN_IF_ERROR(Collect(j, where, &p.steps_));
  p.byte_level_ = !p.steps_.empty() && p.steps_.back().kind == Step::kByteLevel;
  return p;
}

Status PreTokenizer::SplitPiece(const Step& s, std::string_view piece, Scratch* scratch) const {
  if (s.kind == Step::kByteLevel && s.add_prefix_space && piece.front() != ' ') {
    std::string& owned = scratch->owned.emplace_back();
    owned.reserve(piece.size() + 1);
    owned.push_back(' ');
    owned.append(piece);
    piece = owned;
  }
  if (!s.regex) {
    scratch->next.push_back(piece);
    return Status::Ok();
  }
  MINKE_RETURN_IF_ERROR(s.regex->FindAll(piece, &scratch->matches));
  // HF pattern.rs `find_matches`: alternate non-match / match spans.
  auto& parts = scratch->parts;
  parts.clear();
  uint32_t prev = 0;
  for (const Span& m : scratch->matches) {
    if (m.first != prev) parts.push_back({{prev, m.first}, s.invert});
    parts.push_back({m, !s.invert});
    prev = m.second;
  }
  if (prev != piece.size()) parts.push_back({{prev, static_cast<uint32_t>(piece.size())}, s.invert});
  const SplitBehavior behavior = s.kind == Step::kByteLevel ? SplitBehavior::kIsolated : s.behavior;
  if (behavior == SplitBehavior::kIsolated) {  // the common case, without a temporary
    for (const auto& [span, m] : parts)
      if (span.second > span.first) scratch->next.push_back(piece.substr(span.first, span.second - span.first));
    return Status::Ok();
  }
  for (const Span& span : ApplySplitBehavior(parts, behavior))
    if (span.second > span.first) scratch->next.push_back(piece.substr(span.first, span.second - span.first));
  return Status::Ok();
}

Status PreTokenizer::Run(std::vector<std::string_view>* pieces, Scratch* scratch) const {
  for (const Step& s : steps_) {
    scratch->next.clear();
    for (std::string_view piece : *pieces)
      if (!piece.empty()) MINKE_RETURN_IF_ERROR(SplitPiece(s, piece, scratch));
    pieces->swap(scratch->next);
  }
  return Status::Ok();
}

}  // namespace minke::tokenizer
