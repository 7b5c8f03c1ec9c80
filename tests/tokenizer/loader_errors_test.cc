// Malformed or unsupported tokenizer.json files: every one must be a Status
// whose message names the component or field at fault, never a crash or a
// silent fallback. Also: bad input to Encode / Decode.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace minke::tokenizer {
namespace {

using nlohmann::json;

// A tiny valid byte-level BPE tokenizer.json: the 256 byte chars, "Ġt" and
// "Ġth" from two merges, one special token.
json TinyTokenizer() {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    AppendUtf8(ByteToChar(static_cast<unsigned char>(b)), &ch);
    vocab[ch] = b;
  }
  vocab["Ġt"] = 256;
  vocab["Ġth"] = 257;
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", json::array({{{"id", 258},
                                         {"content", "<s>"},
                                         {"single_word", false},
                                         {"lstrip", false},
                                         {"rstrip", false},
                                         {"normalized", false},
                                         {"special", true}}})},
          {"normalizer", nullptr},
          {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
          {"post_processor", nullptr},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array({"Ġ t", json::array({"Ġt", "h"})})}}}};
}

std::string LoadError(const json& j) {
  auto r = Tokenizer::FromJson(j.dump(), "t.json");
  EXPECT_FALSE(r.ok()) << "loaded, but should not have";
  return r.ok() ? "" : r.status().message();
}

TEST(TokenizerLoader, TinyTokenizerWorks) {
  auto t = Tokenizer::FromJson(TinyTokenizer().dump());
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->Encode(" th<s>", false).value(), (std::vector<uint32_t>{257, 258}));
  EXPECT_EQ(t->Decode(std::vector<uint32_t>{257, 258}, false).value(), " th<s>");
  EXPECT_EQ(t->Decode(std::vector<uint32_t>{257, 258}, true).value(), " th");
  EXPECT_EQ(t->TokenToId("Ġth"), 257u);
  EXPECT_EQ(t->TokenToId("<s>"), 258u);
  EXPECT_EQ(t->IdToToken(256), "Ġt");
  EXPECT_EQ(t->vocab_size(), 259u);
  EXPECT_TRUE(t->IsSpecial(258));
  EXPECT_FALSE(t->IsSpecial(257));
}

// Loading TinyTokenizer() changed by `edit` fails with a message holding `want`.
void ExpectError(const std::function<void(json&)>& edit, const std::string& want) {
  json j = TinyTokenizer();
  edit(j);
  const std::string msg = LoadError(j);
  EXPECT_NE(msg.find(want), std::string::npos) << "message: " << msg << "\nexpected to contain: " << want;
  EXPECT_EQ(msg.rfind("t.json: ", 0), 0u) << "message should start with the file name: " << msg;
}

TEST(TokenizerLoader, NotJson) {
  for (const char* text : {"", "{\"model\": ", "[1, 2", "not json", "{\"a\": 1}}"}) {
    auto r = Tokenizer::FromJson(text, "t.json");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().message().rfind("t.json: not valid JSON", 0), 0u) << r.status().message();
  }
  auto r = Tokenizer::FromJson("[]", "t.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "t.json: top level must be a JSON object");
}

TEST(TokenizerLoader, MissingFile) {
  auto r = Tokenizer::FromFile("/nonexistent/tokenizer.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/tokenizer.json"), std::string::npos) << r.status().message();
}

TEST(TokenizerLoader, TopLevel) {
  ExpectError([](json& j) { j.erase("model"); }, "field 'model' is missing");
  ExpectError([](json& j) { j["extra"] = 1; }, "top level: unknown field 'extra'");
  ExpectError([](json& j) { j["truncation"] = {{"max_length", 8}}; }, "truncation is not supported");
  ExpectError([](json& j) { j["padding"] = {{"length", 8}}; }, "padding is not supported");
}

TEST(TokenizerLoader, UnsupportedComponents) {
  ExpectError(
      [](json& j) {
        j["pre_tokenizer"] = {{"type", "Metaspace"}};
      },
      "t.json: pre_tokenizer type 'Metaspace' is not supported");
  ExpectError(
      [](json& j) {
        j["pre_tokenizer"] = {{"type", "Sequence"},
                              {"pretokenizers", json::array({{{"type", "Whitespace"}}, j["pre_tokenizer"]})}};
      },
      "t.json: pre_tokenizer.pretokenizers[0] type 'Whitespace' is not supported");
  ExpectError(
      [](json& j) {
        j["normalizer"] = {{"type", "Lowercase"}};
      },
      "t.json: normalizer type 'Lowercase' is not supported");
  ExpectError(
      [](json& j) {
        j["post_processor"] = {{"type", "Fancy"}};
      },
      "t.json: post_processor type 'Fancy' is not supported");
  ExpectError(
      [](json& j) {
        j["decoder"] = {{"type", "WordPiece"}};
      },
      "t.json: decoder type 'WordPiece' is not supported");
  ExpectError([](json& j) { j["model"]["type"] = "Unigram"; }, "t.json: model type 'Unigram' is not supported");
  ExpectError([](json& j) { j["model"]["byte_fallback"] = true; }, "byte_fallback is not supported");
  ExpectError([](json& j) { j["model"]["dropout"] = 0.1; }, "dropout is not supported");
  ExpectError([](json& j) { j["model"]["continuing_subword_prefix"] = "##"; },
              "continuing_subword_prefix is not supported");
  ExpectError([](json& j) { j["pre_tokenizer"] = nullptr; }, "pre_tokenizer must end with ByteLevel");
  ExpectError(
      [](json& j) {
        j["pre_tokenizer"] = {{"type", "Sequence"},
                              {"pretokenizers", json::array({j["pre_tokenizer"], {{"type", "Digits"}}})}};
      },
      "ByteLevel must come last");
  ExpectError([](json& j) { j["pre_tokenizer"]["mystery"] = true; }, "pre_tokenizer: unknown field 'mystery'");
  ExpectError(
      [](json& j) {
        j["pre_tokenizer"] = {{"behavior", "Isolated"}};
      },
      "pre_tokenizer: field 'type' is missing");
}

TEST(TokenizerLoader, BadSplit) {
  auto split = [](json pattern, json behavior) {
    return [=](json& j) {
      j["pre_tokenizer"] = {
          {"type", "Sequence"},
          {"pretokenizers",
           json::array({{{"type", "Split"}, {"pattern", pattern}, {"behavior", behavior}, {"invert", false}},
                        j["pre_tokenizer"]})}};
    };
  };
  ExpectError(split({{"Regex", "(unclosed"}}, "Isolated"), "regex '(unclosed'");
  ExpectError(split({{"Regex", "[a-z"}}, "Isolated"), "unterminated character class");
  ExpectError(split({{"Regex", "[a[bc]]"}}, "Isolated"), "nested character classes are not supported");
  ExpectError(split({{"Regex", "[a-z&&[^b]]"}}, "Isolated"), "intersection");
  ExpectError(split({{"Regex", "[a-z&&b]"}}, "Isolated"), "intersection '&&' is not supported");
  ExpectError(split({{"Regex", "\\u{41}"}}, "Isolated"), "\\u must be followed by 4 hex digits");
  ExpectError(split({{"Regex", "a\\"}}, "Isolated"), "trailing backslash");
  ExpectError(split({{"Glob", "*"}}, "Isolated"), "field 'pattern' must be");
  ExpectError(split({{"Regex", "a"}}, "Sideways"), "behavior 'Sideways' is not one of");
  ExpectError(split({{"Regex", "a"}}, 3), "field 'behavior' must be a string");
}

TEST(TokenizerLoader, BadModel) {
  ExpectError([](json& j) { j["model"]["merges"].push_back("Ġ q z"); }, "merges[2]: 'Ġ q z' is not two tokens");
  ExpectError([](json& j) { j["model"]["merges"].push_back("nospace"); }, "merges[2]: 'nospace' is not two tokens");
  ExpectError([](json& j) { j["model"]["merges"].push_back("Ġth Ġth"); },
              "merges[2]: merged token 'ĠthĠth' is not in the vocab");
  ExpectError(
      [](json& j) {
        j["model"]["merges"].push_back(json::array({"zzz", "a"}));
      },
      "merges[2]: token 'zzz' is not in the vocab");
  ExpectError([](json& j) { j["model"]["merges"].push_back(42); }, "merges[2]: must be");
  ExpectError([](json& j) { j["model"].erase("merges"); }, "field 'merges' must be an array");
  ExpectError([](json& j) { j["model"]["vocab"] = json::array(); }, "field 'vocab' must be an object");
  ExpectError([](json& j) { j["model"]["vocab"]["x"] = -1; }, "vocab['x'] must be an id");
  ExpectError([](json& j) { j["model"]["vocab"]["x"] = 1u << 30; }, "vocab['x'] must be an id below");
  ExpectError([](json& j) { j["model"]["vocab"]["xy"] = 5; }, "vocab id 5 is used by both");
  ExpectError([](json& j) { j["model"]["unk_token"] = "<unk>"; }, "unk_token '<unk>' is not in the vocab");
}

TEST(TokenizerLoader, BadAddedTokens) {
  ExpectError([](json& j) { j["added_tokens"] = json::object(); }, "added_tokens: must be an array");
  ExpectError([](json& j) { j["added_tokens"][0].erase("content"); },
              "added_tokens[0]: field 'content' must be a string");
  ExpectError([](json& j) { j["added_tokens"][0]["id"] = "x"; }, "added_tokens[0]: field 'id' must be a token id");
  ExpectError([](json& j) { j["added_tokens"][0]["content"] = ""; }, "added_tokens[0]: content is empty");
  ExpectError([](json& j) { j["added_tokens"][0]["id"] = 4000000000u; }, "added_tokens[0]: id 4000000000 is not below");
  ExpectError([](json& j) { j["added_tokens"][0]["lstrip"] = "yes"; }, "field 'lstrip' must be true or false");
  ExpectError([](json& j) { j["added_tokens"].push_back(j["added_tokens"][0]); }, "id 258 appears twice");
}

TEST(TokenizerLoader, BadPostProcessor) {
  auto tmpl = [](json single, json specials) {
    return [=](json& j) {
      j["post_processor"] = {{"type", "TemplateProcessing"}, {"single", single}, {"special_tokens", specials}};
    };
  };
  const json seq_a = {{"Sequence", {{"id", "A"}, {"type_id", 0}}}};
  const json bos = {{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}};
  const json specials = {{"<s>", {{"id", "<s>"}, {"ids", {258}}, {"tokens", {"<s>"}}}}};
  ExpectError(tmpl(json::array({bos, seq_a}), json::object()), "special token '<s>' is not in 'special_tokens'");
  ExpectError(tmpl(json::array({bos}), specials), "must hold sequence A exactly once");
  ExpectError(tmpl(json::array({bos, {{"Sequence", {{"id", "B"}, {"type_id", 0}}}}}), specials),
              "may only use sequence A");
  ExpectError(tmpl(json::array({bos, seq_a}), {{"<s>", {{"id", "<s>"}, {"ids", {999}}, {"tokens", {"<s>"}}}}}),
              "post_processor: token id 999 is not in the vocabulary");
}

TEST(TokenizerLoader, TemplateAddsBos) {
  json j = TinyTokenizer();
  j["post_processor"] = {
      {"type", "Sequence"},
      {"processors",
       json::array({{{"type", "ByteLevel"}, {"trim_offsets", false}},
                    {{"type", "TemplateProcessing"},
                     {"single", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                             {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
                     {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {258}}, {"tokens", {"<s>"}}}}}}}})}};
  auto t = Tokenizer::FromJson(j.dump());
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->Encode(" th", true).value(), (std::vector<uint32_t>{258, 257}));
  EXPECT_EQ(t->Encode(" th", false).value(), (std::vector<uint32_t>{257}));
  EXPECT_EQ(t->Encode("", true).value(), (std::vector<uint32_t>{258}));
}

TEST(TokenizerLoader, BadInputToEncodeAndDecode) {
  auto t = Tokenizer::FromJson(TinyTokenizer().dump());
  ASSERT_TRUE(t.ok());
  auto e = t->Encode(std::string("ok\xC3(", 4), false);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "encode: input is not valid UTF-8 (bad byte 0xc3 at offset 2)");
  EXPECT_FALSE(t->Encode(std::string("\xED\xA0\x80"), false).ok());  // a UTF-8 surrogate
  auto d = t->Decode(std::vector<uint32_t>{257, 259}, false);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "decode: token id 259 is not in the vocabulary (ids below 259)");
  StreamDecoder s = t->NewStreamDecoder(false);
  EXPECT_FALSE(s.Push(100000).ok());

  json nodecoder = TinyTokenizer();
  nodecoder["decoder"] = nullptr;
  auto t2 = Tokenizer::FromJson(nodecoder.dump());
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(t2->Decode(std::vector<uint32_t>{257}, false).status().message(),
            "tokenizer.json has no decoder (null): cannot decode");
}

}  // namespace
}  // namespace minke::tokenizer
