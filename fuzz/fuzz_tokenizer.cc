// libFuzzer target for the tokenizer: the tokenizer.json loader, encode and
// decode never crash, and two invariants hold.
//
// The first input byte picks what the rest is:
//   0: a tokenizer.json (loading must give a Tokenizer or a Status);
//   1: text for a lossless byte-level tokenizer (no normalizer, no stripping
//      tokens): decode(encode(text)) == text for valid UTF-8, an error otherwise;
//   2: text for a tokenizer using every feature (NFC, Split behaviours, added
//      tokens with lstrip/rstrip/single_word, TemplateProcessing);
//   3: little-endian uint16 token ids: streaming decode == one-shot decode.
// Seeds: fuzz/corpus/tokenizer.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace {

using minke::tokenizer::Tokenizer;
using nlohmann::json;

json AddedToken(uint32_t id, const char* content, bool special, bool lstrip = false, bool rstrip = false,
                bool single_word = false, bool normalized = false) {
  return {{"id", id},         {"content", content},         {"special", special},      {"lstrip", lstrip},
          {"rstrip", rstrip}, {"single_word", single_word}, {"normalized", normalized}};
}

// Byte chars plus a few merges ("Ġt", "Ġth", "Ġthe", "in", "ing").
json Model() {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    minke::AppendUtf8(minke::tokenizer::ByteToChar(static_cast<unsigned char>(b)), &ch);
    vocab[ch] = b;
  }
  const char* merged[] = {"Ġt", "Ġth", "Ġthe", "in", "ing"};
  for (int i = 0; i < 5; ++i) vocab[merged[i]] = 256 + i;
  return {{"type", "BPE"},
          {"vocab", vocab},
          {"merges", json::array({"Ġ t", "Ġt h", json::array({"Ġth", "e"}), "i n", "in g"})}};
}

const Tokenizer& Lossless() {
  static const Tokenizer* t = [] {
    json j = {{"model", Model()},
              {"added_tokens", json::array({AddedToken(300, "<|eot|>", true), AddedToken(301, "<｜User｜>", false)})},
              {"pre_tokenizer",
               {{"type", "Sequence"},
                {"pretokenizers",
                 json::array({{{"type", "Split"},
                               {"pattern", {{"Regex", "\\p{N}{1,3}"}}},
                               {"behavior", "Isolated"},
                               {"invert", false}},
                              {{"type", "Split"},
                               {"pattern",
                                {{"Regex",
                                  "(?i:'s|'t|'re)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
                                  "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}}},
                               {"behavior", "Isolated"},
                               {"invert", false}},
                              {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}})}}},
              {"decoder", {{"type", "ByteLevel"}}}};
    auto r = Tokenizer::FromJson(j.dump());
    if (!r.ok()) std::abort();
    return new Tokenizer(std::move(r.value()));
  }();
  return *t;
}

const Tokenizer& Featureful() {
  static const Tokenizer* t = [] {
    auto split = [](const char* re, const char* behavior, bool invert) {
      return json{{"type", "Split"}, {"pattern", {{"Regex", re}}}, {"behavior", behavior}, {"invert", invert}};
    };
    json j = {
        {"model", Model()},
        {"normalizer", {{"type", "Sequence"}, {"normalizers", json::array({{{"type", "NFKC"}}, {{"type", "NFC"}}})}}},
        {"added_tokens", json::array({AddedToken(300, "<s>", true), AddedToken(301, "<mask>", true, true, true),
                                      AddedToken(302, "word", false, false, false, true),
                                      AddedToken(303, "ﬁx", false, false, false, false, true)})},
        {"pre_tokenizer",
         {{"type", "Sequence"},
          {"pretokenizers", json::array({split(" ", "MergedWithPrevious", false),
                                         split("[,.]", "MergedWithNext", false),
                                         split("\\p{P}+", "Contiguous", true),
                                         split("x", "Removed", false),
                                         split("\\w+(?=\\s)|\\d|[^\\w\\s]+", "Isolated", false),
                                         {{"type", "Digits"}},
                                         {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}}})}}},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                  {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
          {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {300}}, {"tokens", {"<s>"}}}}}}}},
        {"decoder", {{"type", "ByteLevel"}}}};
    auto r = Tokenizer::FromJson(j.dump());
    if (!r.ok()) std::abort();
    return new Tokenizer(std::move(r.value()));
  }();
  return *t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto t = Tokenizer::FromJson(rest, "fuzz.json");
      if (t.ok()) (void)t->Encode("Hello, world! 123 \xE4\xB8\xAD", true);
      break;
    }
    case 1: {
      const Tokenizer& t = Lossless();
      auto ids = t.Encode(rest, false);
      const bool valid = minke::tokenizer::ValidUtf8Prefix(rest) == rest.size();
      if (ids.ok() != valid) std::abort();
      if (ids.ok() && t.Decode(*ids, false).value() != rest) std::abort();
      break;
    }
    case 2: {
      auto ids = Featureful().Encode(rest, true);
      if (ids.ok()) (void)Featureful().Decode(*ids, true);
      break;
    }
    case 3: {
      const Tokenizer& t = Lossless();
      std::vector<uint32_t> ids;
      for (size_t i = 0; i + 1 < rest.size(); i += 2)
        ids.push_back((static_cast<uint8_t>(rest[i]) | static_cast<uint8_t>(rest[i + 1]) << 8) % 310);
      auto whole = t.Decode(ids, false);
      auto stream = t.NewStreamDecoder(false);
      std::string streamed;
      bool ok = true;
      for (uint32_t id : ids) {
        auto piece = stream.Push(id);
        ok = ok && piece.ok();
        if (piece.ok()) streamed += *piece;
      }
      streamed += stream.Finish();
      if (ok != whole.ok() || (ok && streamed != *whole)) std::abort();
      break;
    }
  }
  return 0;
}
