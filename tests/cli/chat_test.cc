// `minke chat` (and `minke generate --stop`) end to end: the binary driven
// through stdin over a tiny random model with DeepSeek-V3's tokenizer and
// the DeepSeek-R1 chat template.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../tokenizer/test_data.h"

namespace {

namespace fs = std::filesystem;

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "output: " << (msg)

const char* kConfig = R"({
  "model_type": "deepseek_v3", "vocab_size": 129280, "hidden_size": 32, "intermediate_size": 48,
  "moe_intermediate_size": 16, "num_hidden_layers": 2, "first_k_dense_replace": 1,
  "num_nextn_predict_layers": 0, "num_attention_heads": 4, "q_lora_rank": 16, "kv_lora_rank": 16,
  "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 8, "n_routed_experts": 8,
  "num_experts_per_tok": 2, "n_group": 2, "topk_group": 1, "n_shared_experts": 1,
  "max_position_embeddings": 256
})";

struct Outcome {
  int exit_code;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One model directory for the suite: `minke init` + tokenizer.json + the R1
// tokenizer_config.json.
class ChatCliTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = testing::TempDir() + "minke_chatcli_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = new std::string(tmpl);
    std::ofstream(*root_ + "/config.json") << kConfig;
    Outcome r = Run("init --config '" + *root_ + "/config.json' --out '" + Model() + "' --dtype bf16", "");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ofstream(Model() + "/tokenizer.json", std::ios::binary) << minke::tokenizer::testing_data::Gunzip(
        minke::tokenizer::testing_data::FixtureDir() + "deepseek_v3_tokenizer.json.gz");
    fs::copy_file(minke::tokenizer::testing_data::FixtureDir() + "chat/deepseek_r1.json",
                  Model() + "/tokenizer_config.json");
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    if (root_ != nullptr) fs::remove_all(*root_, ec);
    delete root_;
  }
  static std::string Model() { return *root_ + "/model"; }

  // Runs `minke ARGS` with `input` on stdin, capturing stdout and stderr.
  static Outcome Run(const std::string& args, const std::string& input) {
    const std::string in = *root_ + "/stdin", out = *root_ + "/stdout", err = *root_ + "/stderr";
    std::ofstream(in, std::ios::binary) << input;
    std::string cmd =
        std::string("'") + MINKE_BINARY + "' --threads 1 " + args + " <'" + in + "' >'" + out + "' 2>'" + err + "'";
    int status = std::system(cmd.c_str());
    Outcome r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }
  static Outcome Chat(const std::string& flags, const std::string& input) {
    return Run("chat --model '" + Model() + "' --temperature 0 --max-new-tokens 8 " + flags, input);
  }

  static std::string* root_;
};
std::string* ChatCliTest::root_ = nullptr;

size_t Count(const std::string& s, const std::string& part) {
  size_t n = 0;
  for (size_t p = s.find(part); p != std::string::npos; p = s.find(part, p + 1)) ++n;
  return n;
}

TEST_F(ChatCliTest, TwoTurnsThenExit) {
  Outcome r = Chat("", "Hello\nWhat is 2+2?\n/exit\nnot read\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // stdout is a file: the reasoning part (R1 opens it in the prompt) is
  // between plain markers, one pair per reply.
  EXPECT_EQ(Count(r.out, "<think>"), 2u) << r.out;
  EXPECT_EQ(Count(r.out, "</think>\n"), 2u) << r.out;
  EXPECT_EQ(r.out.rfind("<think>", 0), 0u) << r.out;
  EXPECT_EQ(Count(r.err, "tok/s decode"), 2u) << r.err;
  EXPECT_HAS(r.err, "prefill");
  EXPECT_EQ(r.out.find("> "), std::string::npos);  // no prompt when stdin is not a terminal
}

TEST_F(ChatCliTest, EndOfInputEndsAndColorMarksTheReasoning) {
  Outcome r = Chat("--color always", "Hello");  // no newline, no /exit
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("\x1b[2m", 0), 0u) << r.out;  // dim from the start
  EXPECT_HAS(r.out, "\x1b[0m\n");
  EXPECT_EQ(r.out.find("<think>"), std::string::npos);
  Outcome empty = Chat("", "");
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "");
}

TEST_F(ChatCliTest, SameSeedSameConversation) {
  const std::string args = "chat --model '" + Model() + "' --max-new-tokens 8 --temperature 0.8 --top-p 0.9 --seed 5";
  Outcome a = Run(args, "Hi\nMore\n"), b = Run(args, "Hi\nMore\n");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
}

TEST_F(ChatCliTest, ContextOverflowThenReset) {
  std::string long_line;
  for (int i = 0; i < 30; ++i) long_line += "word ";
  Outcome r = Chat("--context 24", long_line + "\n/reset\nhi\n");
  EXPECT_EQ(r.exit_code, 1);  // a turn failed
  EXPECT_HAS(r.err, "context holds 24");
  EXPECT_HAS(r.err, "(new conversation)");
  EXPECT_EQ(Count(r.err, "tok/s decode"), 1u) << r.err;  // the turn after /reset ran
  EXPECT_HAS(r.err, "1 of 2 turns failed");
}

TEST_F(ChatCliTest, BadModelDirectoryAndMissingTemplate) {
  Outcome r = Run("chat --model /nonexistent/model", "hi\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "/nonexistent/model");
  // A model directory without tokenizer_config.json: say what is missing.
  const std::string bare = *root_ + "/bare";
  fs::create_directories(bare);
  fs::copy_file(Model() + "/config.json", bare + "/config.json", fs::copy_options::overwrite_existing);
  r = Run("chat --model '" + bare + "'", "hi\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "tokenizer_config.json");
  EXPECT_HAS(r.err, "--chat-config");
  // An explicit --chat-config is used instead; then the missing tokenizer.json is the error.
  r = Run("chat --model '" + bare + "' --chat-config '" + Model() + "/tokenizer_config.json'", "hi\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "tokenizer.json");
  r = Chat("--color sometimes", "hi\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "--color");
  r = Chat("--top-p 2", "hi\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "top_p");
}

// `generate --prompt` streams text; `--stop` ends it before the stop string.
TEST_F(ChatCliTest, GenerateStopString) {
  const std::string base = "generate --model '" + Model() + "' --prompt 'The sky' --temperature 0 --max-new-tokens 12";
  Outcome full = Run(base, "");
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_FALSE(full.out.empty());
  const std::string text = full.out.substr(0, full.out.size() - 1);  // the final newline
  // A stop string from the middle that the shell can quote.
  std::string stop;
  for (size_t i = text.size() / 2; i + 2 <= text.size() && stop.empty(); ++i) {
    std::string s = text.substr(i, 2);
    if (std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) stop = s;
  }
  if (stop.empty()) GTEST_SKIP() << "no quotable stop string in " << text;
  Outcome r = Run(base + " --stop '" + stop + "' --stop 'zzzzzz'", "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, text.substr(0, text.find(stop)) + "\n");
  EXPECT_HAS(r.err, "finish: stop");
}

}  // namespace
