// `minke tokenize` end to end: encode, decode, --jsonl, and errors as one
// message on stderr with exit code 1.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "test_data.h"

namespace minke::tokenizer {
namespace {

namespace fs = std::filesystem;

class TokenizerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "minke_tok_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ + "/tokenizer.json")
        << testing_data::Gunzip(testing_data::FixtureDir() + "families/llama3.json.gz");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // Runs `minke tokenize --tokenizer T ARGS` with `input` on stdin; returns the exit code.
  int Run(const std::string& args, const std::string& input, std::string* out, std::string* err) {
    std::ofstream(dir_ + "/in", std::ios::binary) << input;
    const std::string cmd = std::string("'") + MINKE_BINARY + "' tokenize --tokenizer '" + dir_ + "/tokenizer.json' " +
                            args + " <'" + dir_ + "/in' >'" + dir_ + "/out' 2>'" + dir_ + "/err'";
    const int status = std::system(cmd.c_str());
    *out = Slurp(dir_ + "/out");
    *err = Slurp(dir_ + "/err");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  }
  std::string dir_;
};

TEST_F(TokenizerCli, EncodeDecodeJsonl) {
  auto t = Tokenizer::FromFile(dir_ + "/tokenizer.json");
  ASSERT_TRUE(t.ok()) << t.status().message();
  const std::string text = "Hello, world! <|eot_id|> 12345\n";
  std::string want;
  const std::vector<uint32_t> ids = t->Encode(text, true).value();
  for (uint32_t id : ids) {
    if (!want.empty()) want += ',';
    want += std::to_string(id);
  }
  std::string out, err;
  ASSERT_EQ(Run("--add-special-tokens", text, &out, &err), 0) << err;
  EXPECT_EQ(out, want + "\n");
  ASSERT_EQ(Run("--decode", want, &out, &err), 0) << err;
  EXPECT_EQ(out, "<|begin_of_text|>" + text);
  ASSERT_EQ(Run("--decode --skip-special-tokens", want, &out, &err), 0) << err;
  EXPECT_EQ(out, "Hello, world!  12345\n");
  ASSERT_EQ(Run("--jsonl", "{\"id\": 7, \"text\": \"a b\"}\n\n{\"text\": \"\"}\n", &out, &err), 0) << err;
  EXPECT_EQ(out, "{\"id\":7,\"text\":\"a b\",\"ids\":[65,278]}\n{\"text\":\"\",\"ids\":[]}\n");
  ASSERT_EQ(Run("--jsonl --decode", "{\"ids\": [65, 278]}\n", &out, &err), 0) << err;
  EXPECT_EQ(out, "{\"ids\":[65,278],\"text\":\"a b\"}\n");
}

TEST_F(TokenizerCli, Errors) {
  std::string out, err;
  EXPECT_EQ(Run("", "bad \xff", &out, &err), 1);
  EXPECT_EQ(err, "minke: error: encode: input is not valid UTF-8 (bad byte 0xff at offset 4)\n");
  EXPECT_EQ(Run("--decode", "1,x", &out, &err), 1);
  EXPECT_NE(err.find("'x' is not a token id"), std::string::npos) << err;
  EXPECT_EQ(Run("--decode", "99999999", &out, &err), 1);
  EXPECT_NE(err.find("token id 99999999 is not in the vocabulary"), std::string::npos) << err;
  EXPECT_EQ(Run("--jsonl", "{\"text\": 5}\n", &out, &err), 1);
  EXPECT_NE(err.find("stdin line 1: field 'text' must be a string"), std::string::npos) << err;
  EXPECT_EQ(Run("--jsonl", "nope\n", &out, &err), 1);
  EXPECT_NE(err.find("stdin line 1: not a JSON object"), std::string::npos) << err;
}

// --chat: the first chat_cases.jsonl conversation with DeepSeek-V3's tokenizer
// and chat template must give the reference ids (from HF, in the fixture).
TEST_F(TokenizerCli, ChatMatchesReferenceIds) {
  std::ofstream(dir_ + "/tokenizer.json")
      << testing_data::Gunzip(testing_data::FixtureDir() + "deepseek_v3_tokenizer.json.gz");
  fs::copy_file(testing_data::FixtureDir() + "chat/deepseek_v3.json", dir_ + "/tokenizer_config.json");
  const auto rows = testing_data::ParseJsonl(testing_data::Gunzip(testing_data::FixtureDir() + "chat_cases.jsonl.gz"));
  ASSERT_FALSE(rows.empty());
  for (const auto& row : rows) {
    if (row["name"] != "chinese_conversation" || row["template"] != "deepseek_v3") continue;
    nlohmann::json chat = {{"messages", row["messages"]}, {"add_generation_prompt", row["add_generation_prompt"]}};
    std::ofstream(dir_ + "/chat.json") << chat.dump();
    std::string want;
    for (uint32_t id : row["ids"].get<std::vector<uint32_t>>()) want += (want.empty() ? "" : ",") + std::to_string(id);
    std::string out, err;
    ASSERT_EQ(Run("--chat '" + dir_ + "/chat.json'", "", &out, &err), 0) << err;
    EXPECT_EQ(out, want + "\n");
    ASSERT_EQ(Run("--chat '" + dir_ + "/chat.json' --text", "", &out, &err), 0) << err;
    EXPECT_EQ(out, row["rendered"].get<std::string>() + "\n" + want + "\n");
    return;
  }
  FAIL() << "chat_cases has no deepseek_v3/chinese_conversation";
}

TEST_F(TokenizerCli, ChatErrors) {
  std::string out, err;
  std::ofstream(dir_ + "/chat.json") << "[{\"role\": \"user\", \"content\": \"hi\"}]";
  // The llama3 fixture directory has no tokenizer_config.json.
  EXPECT_EQ(Run("--chat '" + dir_ + "/chat.json'", "", &out, &err), 1);
  EXPECT_NE(err.find("tokenizer_config.json: cannot open"), std::string::npos) << err;
  fs::copy_file(testing_data::FixtureDir() + "chat/llama3.json", dir_ + "/tokenizer_config.json");
  ASSERT_EQ(Run("--chat '" + dir_ + "/chat.json' --text", "", &out, &err), 0) << err;
  EXPECT_EQ(out.substr(0, out.find('\n')), "<|begin_of_text|><|start_header_id|>user<|end_header_id|>");
  std::ofstream(dir_ + "/chat.json") << "{\"messages\": [{\"role\": \"user\", \"content\": [1]}]}";
  EXPECT_EQ(Run("--chat '" + dir_ + "/chat.json'", "", &out, &err), 1);
  EXPECT_NE(err.find("chat.json: messages[0]: 'content' must be a string or null"), std::string::npos) << err;
  std::ofstream(dir_ + "/chat.json") << std::string(1000, '[');
  EXPECT_EQ(Run("--chat '" + dir_ + "/chat.json'", "", &out, &err), 1);
  EXPECT_NE(err.find("deeper than 64"), std::string::npos) << err;
  EXPECT_EQ(Run("--text", "", &out, &err), 1);
  EXPECT_NE(err.find("need --chat"), std::string::npos) << err;
}

}  // namespace
}  // namespace minke::tokenizer
