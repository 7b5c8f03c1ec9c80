#include "tokenizer/tokenizer.h"

#include "core/json_depth.h"

#include <unordered_map>

#include "core/mapped_file.h"
#include "tokenizer/utf8.h"

namespace minke::tokenizer {
namespace {

// Per-thread working memory for Encode.
struct EncodeScratch {
  std::vector<AddedVocabulary::Segment> raw, norm;
  std::string normalized;
  std::vector<std::string_view> pieces;
  PreTokenizer::Scratch pre;
};

EncodeScratch& ThreadScratch() {
  thread_local EncodeScratch s;
  return s;
}

std::string HexByte(char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto b = static_cast<unsigned char>(c);
  return std::string{'0', 'x', kHex[b >> 4], kHex[b & 15]};
}

// Parses tokenizer.json text; a parse error names the byte where it failed.
Result<json> ParseJson(std::string_view text) {
  if (!JsonDepthWithin(text, kMaxJsonDepth)) return Status::Error("JSON nests deeper than 64 levels");
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return Status::Error(std::string("not valid JSON: ") + e.what());
  }
}

}  // namespace

Result<Tokenizer> Tokenizer::FromFile(const std::string& path) {
  Result<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return FromJson(*text, path);
}

Result<Tokenizer> Tokenizer::FromJson(std::string_view text, const std::string& name) {
  Result<json> parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status().WithContext(name);
  const json& j = *parsed;
  auto fail = [&](const Status& s) { return s.WithContext(name); };
  if (!j.is_object()) return fail(Status::Error("top level must be a JSON object"));
  Status keys = JsonCheckKeys(j,
                              {"version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer",
                               "post_processor", "decoder", "model"},
                              "top level");
  if (!keys.ok()) return fail(keys);
  for (const char* k : {"truncation", "padding"})
    if (j.contains(k) && !j[k].is_null())
      return fail(Status::Error(std::string(k) + " is not supported (must be null)"));
  if (!j.contains("model")) return fail(Status::Error("field 'model' is missing"));

  Tokenizer t;
  auto get = [&](const char* k) -> const json& {
    static const json kNull;
    auto it = j.find(k);
    return it == j.end() ? kNull : *it;
  };
  Result<Normalizer> norm = Normalizer::FromJson(get("normalizer"), "normalizer");
  if (!norm.ok()) return fail(norm.status());
  t.normalizer_ = std::move(norm.value());
  Result<PreTokenizer> pre = PreTokenizer::FromJson(get("pre_tokenizer"), "pre_tokenizer");
  if (!pre.ok()) return fail(pre.status());
  t.pre_tokenizer_ = std::move(pre.value());
  if (!t.pre_tokenizer_.byte_level())
    return fail(Status::Error("pre_tokenizer must end with ByteLevel: only byte-level BPE is supported"));
  Result<Bpe> model = Bpe::FromJson(get("model"), "model");
  if (!model.ok()) return fail(model.status());
  t.model_ = std::move(model.value());
  Result<AddedVocabulary> added = AddedVocabulary::FromJson(get("added_tokens"), t.normalizer_, "added_tokens");
  if (!added.ok()) return fail(added.status());
  t.added_ = std::move(added.value());
  Result<PostProcessor> post = PostProcessor::FromJson(get("post_processor"), "post_processor");
  if (!post.ok()) return fail(post.status());
  t.post_processor_ = std::move(post.value());
  Result<Decoder> dec = Decoder::FromJson(get("decoder"), "decoder");
  if (!dec.ok()) return fail(dec.status());
  t.decoder_ = std::move(dec.value());

  // Decoding table: model entries, then added tokens over them (HF looks
  // added tokens up first). "Special" is by content, as HF's is_special_token.
  std::unordered_map<std::string_view, bool> special_content;
  for (const AddedToken& a : t.added_.tokens())
    if (a.special) special_content[a.content] = true;
  t.vocab_size_ = t.model_.id_limit();
  for (uint32_t id = 0; id < t.model_.id_limit(); ++id)
    if (const std::string* s = t.model_.IdToToken(id)) t.decoder_.SetToken(id, *s, special_content.count(*s) > 0);
  for (const AddedToken& a : t.added_.tokens()) {
    // HF quirk: a normalized added token decodes as its normalized content,
    // and is "special" only if that spelling is a special token's content.
    const std::string spelling = t.AddedSpelling(a);
    t.decoder_.SetToken(a.id, spelling, special_content.count(spelling) > 0);
    t.vocab_size_ = std::max(t.vocab_size_, a.id + 1);
  }
  for (uint32_t id : t.post_processor_.prefix())
    if (id >= t.vocab_size_)
      return fail(Status::Error("post_processor: token id " + std::to_string(id) + " is not in the vocabulary"));
  for (uint32_t id : t.post_processor_.suffix())
    if (id >= t.vocab_size_)
      return fail(Status::Error("post_processor: token id " + std::to_string(id) + " is not in the vocabulary"));
  return t;
}

Status Tokenizer::EncodeText(std::string_view text, std::vector<uint32_t>* ids) const {
  EncodeScratch& s = ThreadScratch();
  s.pieces.assign(1, text);
  s.pre.owned.clear();
  MINKE_RETURN_IF_ERROR(pre_tokenizer_.Run(&s.pieces, &s.pre));
  for (std::string_view piece : s.pieces) model_.EncodeWord(piece, ids);
  return Status::Ok();
}

Status Tokenizer::Encode(std::string_view text, bool add_special_tokens, std::vector<uint32_t>* ids) const {
  if (text.size() >= (size_t{1} << 32))
    return Status::Error("encode: input of " + std::to_string(text.size()) + " bytes is too long (limit 4 GiB)");
  const size_t valid = ValidUtf8Prefix(text);
  if (valid != text.size())
    return Status::Error("encode: input is not valid UTF-8 (bad byte " + HexByte(text[valid]) + " at offset " +
                         std::to_string(valid) + ")");
  const size_t start = ids->size();
  EncodeScratch& s = ThreadScratch();  // EncodeText uses only its pieces/pre fields
  s.raw.clear();
  added_.Split(text, /*normalized=*/false, &s.raw);
  for (const auto& seg : s.raw) {
    if (seg.is_token) {
      ids->push_back(seg.id);
      continue;
    }
    std::string_view body = seg.text;
    if (!normalizer_.identity()) {
      normalizer_.Normalize(seg.text, &s.normalized);
      body = s.normalized;
    }
    s.norm.clear();
    added_.Split(body, /*normalized=*/true, &s.norm);
    for (const auto& n : s.norm) {
      if (n.is_token)
        ids->push_back(n.id);
      else
        MINKE_RETURN_IF_ERROR(EncodeText(n.text, ids));
    }
  }
  if (add_special_tokens) {
    std::vector<uint32_t> seq(ids->begin() + start, ids->end());
    post_processor_.Apply(&seq);
    ids->resize(start);
    ids->insert(ids->end(), seq.begin(), seq.end());
  }
  return Status::Ok();
}

Result<std::vector<uint32_t>> Tokenizer::Encode(std::string_view text, bool add_special_tokens) const {
  std::vector<uint32_t> ids;
  MINKE_RETURN_IF_ERROR(Encode(text, add_special_tokens, &ids));
  return ids;
}

std::optional<uint32_t> Tokenizer::TokenToId(std::string_view token) const {
  for (const AddedToken& a : added_.tokens())
    if (a.content == token) return a.id;
  return model_.TokenToId(token);
}

std::string Tokenizer::AddedSpelling(const AddedToken& a) const {
  if (!a.normalized) return a.content;
  std::string n;
  normalizer_.Normalize(a.content, &n);
  return n;
}

std::optional<std::string> Tokenizer::IdToToken(uint32_t id) const {
  for (const AddedToken& a : added_.tokens())
    if (a.id == id) return AddedSpelling(a);
  if (const std::string* s = model_.IdToToken(id)) return *s;
  return std::nullopt;
}

}  // namespace minke::tokenizer
